// Tests of the register and compare-and-set models (register.hpp) through the adapters
// (adapters.hpp), on hand-written histories: legal and illegal ones, an operation that
// never returned (or :info) that must be allowed to have happened and one that must be
// allowed not to, failed operations; the key/value model's reading of the same cases;
// generated histories (register_generator.hpp); and a check that runs out of its budget
// answers Unknown in time.
#include "tester/porcupine/adapters.hpp"
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/jepsen_log.hpp"
#include "tester/porcupine/register_generator.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

namespace {

using namespace porcupine;
using namespace std::chrono_literals;

// A Jepsen history in log lines ("0 :invoke :write 3", one event a line) checked against
// the register model (with cas when `cas`).
CheckResult check_log(const std::string& events, bool cas = true) {
  std::istringstream in(events);
  std::string log, line;
  while (std::getline(in, line)) log += "INFO  jepsen.util - " + line + "\n";
  std::istringstream text(log);
  const std::vector<RegisterOperation> h = ToRegisterHistory(ReadJepsenLog(text, "test"), cas);
  return Check(RegisterModel{}, h, CheckOptions{}).result;
}

std::vector<KvOperation> kv_log(const std::string& text) {
  std::istringstream in(text);
  return ToKvHistory(ReadJepsenLog(in, "test"));
}

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("Register_quizExamples") {
    // A write of 100 and two reads overlapping it: both orders of the reads fit.
    CHECK(check_log("0 :invoke :write 100\n"
                    "1 :invoke :read nil\n"
                    "2 :invoke :read nil\n"
                    "2 :ok :read nil\n"
                    "1 :ok :read 100\n"
                    "0 :ok :write 100\n",
                    false) == CheckResult::Ok);
    // A read saw 200 and returned; a later read saw the empty register again.
    CHECK(check_log("0 :invoke :write 200\n"
                    "1 :invoke :read nil\n"
                    "1 :ok :read 200\n"
                    "2 :invoke :read nil\n"
                    "2 :ok :read nil\n"
                    "0 :ok :write 200\n",
                    false) == CheckResult::Illegal);
  }

  TEST_CASE("Cas_swapsOnlyWhatItFinds") {
    CHECK(check_log("0 :invoke :write 1\n0 :ok :write 1\n"
                    "1 :invoke :cas [1 2]\n1 :ok :cas [1 2]\n"
                    "2 :invoke :read nil\n2 :ok :read 2\n") == CheckResult::Ok);
    // The register held 1, not 5: that cas cannot have swapped.
    CHECK(check_log("0 :invoke :write 1\n0 :ok :write 1\n"
                    "1 :invoke :cas [5 2]\n1 :ok :cas [5 2]\n") == CheckResult::Illegal);
    // A failed cas: its compare did not match, so the register did not hold 1...
    CHECK(check_log("0 :invoke :write 1\n0 :ok :write 1\n"
                    "1 :invoke :cas [1 2]\n1 :fail :cas [1 2]\n") == CheckResult::Illegal);
    // ...which fits when another write overlaps it.
    CHECK(check_log("0 :invoke :write 1\n0 :ok :write 1\n"
                    "1 :invoke :cas [1 2]\n3 :invoke :write 7\n1 :fail :cas [1 2]\n"
                    "3 :ok :write 7\n") == CheckResult::Ok);
  }

  TEST_CASE("Register_infoMayHaveHappened") {
    // The write of 5 timed out: a read long after may see it.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :write 5\n1 :info :write :timed-out\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n"
                    "2 :invoke :read nil\n2 :ok :read 5\n") == CheckResult::Ok);
    // So may a read after a write that is still open at the end.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :write 5\n"
                    "2 :invoke :read nil\n2 :ok :read 5\n") == CheckResult::Ok);
    // A timed-out cas too.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :cas [3 4]\n1 :info :cas :timed-out\n"
                    "2 :invoke :read nil\n2 :ok :read 4\n") == CheckResult::Ok);
  }

  TEST_CASE("Register_infoMayNotHaveHappened") {
    // The write of 5 timed out and no read ever saw it: it may never have taken effect.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :write 5\n1 :info :write :timed-out\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n") == CheckResult::Ok);
    // Had it returned, the same reads would be illegal.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :write 5\n1 :ok :write 5\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n") == CheckResult::Illegal);
    // A timed-out cas that would have swapped, and a read that says it did not.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :cas [3 4]\n1 :info :cas :timed-out\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n") == CheckResult::Ok);
    // But it cannot come back once a read saw it go: 3, then 4, then 3 again.
    CHECK(check_log("0 :invoke :write 3\n0 :ok :write 3\n"
                    "1 :invoke :cas [3 4]\n1 :info :cas :timed-out\n"
                    "2 :invoke :read nil\n2 :ok :read 4\n"
                    "2 :invoke :read nil\n2 :ok :read 3\n") == CheckResult::Illegal);
  }

  TEST_CASE("Register_failedOperationsDidNotHappen") {
    // A failed write is left out: nobody wrote 9.
    CHECK(check_log("0 :invoke :write 9\n0 :fail :write 9\n"
                    "1 :invoke :read nil\n1 :ok :read 9\n") == CheckResult::Illegal);
    // A failed read constrains nothing.
    CHECK(check_log("0 :invoke :write 2\n0 :ok :write 2\n"
                    "1 :invoke :read nil\n1 :fail :read :timed-out\n") == CheckResult::Ok);
  }

  TEST_CASE("Register_modelsRefuseWhatTheyDoNotKnow") {
    CHECK_THROWS_WITH_AS(check_log("0 :invoke :cas [1 2]\n", false),
                         "test:1: the register model has no :f :cas (expected read or write; "
                         "--model cas has cas)",
                         BadHistory);
    CHECK_THROWS_WITH_AS(check_log("0 :invoke :write \"x\"\n"),
                         "test:1: a write's value must be a whole number, not \"x\"", BadHistory);
    CHECK_THROWS_WITH_AS(check_log("0 :invoke :cas [1]\n"), "test:1: a cas takes [from to], not [1]",
                         BadHistory);
  }

  TEST_CASE("Kv_infoMayOrMayNotHaveHappened") {
    const std::string put = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n"
                            "{:process 0, :type :info, :f :put, :key \"k\", :value \"a\"}\n";
    const auto get = [](const std::string& seen) {
      return "{:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n"
             "{:process 1, :type :ok, :f :get, :key \"k\", :value \"" + seen + "\"}\n";
    };
    CHECK(CheckOperations(KvModel{}, kv_log(put + get("a"))));
    CHECK(CheckOperations(KvModel{}, kv_log(put + get(""))));
    CHECK_FALSE(CheckOperations(KvModel{}, kv_log(put + get("a") + get(""))));
  }

  TEST_CASE("Register_generatedHistories") {
    for (int clients : {1, 10, 50}) {
      for (bool illegal : {false, true}) {
        for (bool cas : {false, true}) {
          RegisterHistoryShape shape;
          shape.clients = clients;
          shape.illegal = illegal;
          shape.cas = cas;
          shape.keys = clients == 50 ? 10 : 1;
          const std::vector<RegisterOperation> h = GenerateRegisterHistory(shape);
          for (int workers : {1, 2}) {
            CheckOptions options;
            options.workers = workers;
            options.timeout = 60s;
            const CheckResult r = Check(RegisterModel{}, h, options).result;
            CHECK_MESSAGE(r == (illegal ? CheckResult::Illegal : CheckResult::Ok), clients,
                          " clients, illegal=", illegal, ", cas=", cas, ", workers ", workers,
                          ": ", to_string(r));
          }
        }
      }
    }
    // A decided check's searches freed their memory as they ended.
    CHECK(Check(RegisterModel{}, GenerateRegisterHistory(RegisterHistoryShape{}), CheckOptions{}).memory == nullptr);
    RegisterHistoryShape tiny;
    tiny.clients = 1;
    tiny.ops_per_client = 1;
    tiny.illegal = true;
    CHECK_THROWS_AS(GenerateRegisterHistory(tiny), std::invalid_argument);
  }

  // Unique writes, all concurrent, then reads in an order that rules out most orders of
  // them: the search cannot finish in any reasonable time.
  TEST_CASE("CheckTimeout_answersUnknownWithinItsBudget") {
    std::vector<RegisterOperation> h;
    for (int i = 0; i < 24; ++i) h.push_back({i, {RegisterInput::Write, i, 0, ""}, 0, {}, 1000});
    RegisterOperation read{99, {RegisterInput::Read, 0, 0, ""}, 2000, {true, -1, true}, 2001};
    h.push_back(read);
    for (bool verbose : {false, true}) {
      CheckOptions options;
      options.timeout = 500ms;
      options.verbose = verbose;
      const lab::TimePoint start = lab::now();
      const CheckOutcome outcome = Check(RegisterModel{}, h, options);
      const double took = lab::seconds_since(start);
      CHECK(outcome.result == CheckResult::Unknown);
      CHECK(outcome.partitions.at(0).result == CheckResult::Unknown);
      CHECK(outcome.memory != nullptr);  // the stopped search's, freed after the answer
      // Within 5% of the budget, plus room for a scheduler that parks us on a loaded
      // machine (lincheck -v shows the figure: 0.500-0.501 s when quiet).
      CHECK_MESSAGE(took < 0.5 * 1.05 + 0.1, "verbose=", verbose, ": ", took, " s");
      CHECK(took >= 0.5);
    }
  }
}
