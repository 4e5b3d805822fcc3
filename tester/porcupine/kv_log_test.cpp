// Tests of the Jepsen-style key/value log reader (kv_log.hpp): events pair up by process,
// time is the line number, open operations return at the end, and bad lines are named.
#include "tester/porcupine/kv_log.hpp"

#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/kv_generator.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using namespace porcupine;

std::vector<KvOperation> read(const std::string& text) {
  std::istringstream in(text);
  return ReadKvLog(in, "test.txt");
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("ReadKvLog_pairsEventsByProcess") {
    const auto history = read(
        "{:process 0, :type :invoke, :f :append, :key \"1\", :value \"x 0 0 y\"}\n"
        "{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}\n"
        "{:process 0, :type :ok, :f :append, :key \"1\", :value \"x 0 0 y\"}\n"
        "{:process 1, :type :ok, :f :get, :key \"1\", :value \"x 0 0 y\"}\n"
        "{:process 0, :type :invoke, :f :put, :key \"2\", :value \"x 0 1 y\"}\n");
    REQUIRE(history.size() == 3);
    CHECK(history[0].ClientId == 0);
    CHECK(history[0].Input.Op == 2);
    CHECK(history[0].Input.Key == "1");
    CHECK(history[0].Input.Value == "x 0 0 y");
    CHECK(history[0].Call == 1);
    CHECK(history[0].Return == 3);
    CHECK(history[1].Input.Op == 0);
    CHECK(history[1].Output.Value == "x 0 0 y");
    CHECK(history[1].Call == 2);
    CHECK(history[1].Return == 4);
    CHECK(history[2].Input.Op == 1);
    CHECK(history[2].Return == 6);  // still open at the end
    CHECK(CheckOperations(KvModel{}, history));
  }

  TEST_CASE("ReadKvLog_aStaleReadIsIllegal") {
    const auto history = read(
        "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n"
        "{:process 0, :type :ok, :f :put, :key \"k\", :value \"a\"}\n"
        "{:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n"
        "{:process 1, :type :ok, :f :get, :key \"k\", :value \"\"}\n");
    CHECK_FALSE(CheckOperations(KvModel{}, history));
  }

  TEST_CASE("WriteKvLog_readsBackAsTheSameHistory") {
    KvHistoryShape shape;
    shape.clients = 5;
    shape.iterations = 1;
    const std::vector<KvOperation> generated = GenerateKvHistory(shape);
    std::stringstream log;
    WriteKvLog(log, generated);
    const std::vector<KvOperation> back = ReadKvLog(log, "generated");
    REQUIRE(back.size() == generated.size());
    // Times become line numbers, so compare the order of events and the contents.
    for (size_t i = 0; i < back.size(); ++i) {
      CHECK(back[i].ClientId == generated[i].ClientId);
      CHECK(back[i].Input.Op == generated[i].Input.Op);
      CHECK(back[i].Input.Key == generated[i].Input.Key);
      CHECK(back[i].Input.Value == generated[i].Input.Value);
      CHECK(back[i].Output.Value == generated[i].Output.Value);
    }
    CHECK(CheckOperations(KvModel{}, back));
    std::stringstream bad;
    CHECK_THROWS_AS(WriteKvLog(bad, {KvOperation{0, {1, "k", "a \"quote\""}, 1, {}, 2}}),
                    std::invalid_argument);
  }

  TEST_CASE("ReadKvLog_namesTheLineItCannotRead") {
    CHECK(error_of("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n"
                   "{:process 0, :type :done, :f :get, :key \"1\", :value nil}\n")
              .find("test.txt:2: unknown :type :done") == 0);
    CHECK(error_of("{:process 4, :type :ok, :f :get, :key \"1\", :value \"\"}\n")
              .find("test.txt:1: process 4 completes (:ok) without an invoke") == 0);
    CHECK(error_of("{:process 2, :type :invoke, :f :get, :key \"1\", :value nil}\n"
                   "{:process 2, :type :invoke, :f :get, :key \"1\", :value nil}\n")
              .find("test.txt:2: process 2 invokes again, but its operation from test.txt:1 "
                    "has not completed") == 0);
    CHECK(error_of("{:process 2, :type :invoke, :f :get, :key \"1\", :value nil}\n"
                   "{:process 2, :type :ok, :f :append, :key \"1\", :value \"v\"}\n")
              .find("test.txt:2: process 2 completes :f :append on :key 1 but invoked :f :get "
                    "on :key 1 at test.txt:1") == 0);
    CHECK(error_of("{:process 2, :type :invoke, :f :cas, :key \"1\", :value nil}\n")
              .find("test.txt:1: the kv model has no :f :cas") == 0);
    CHECK(error_of("{:process 2, :type :invoke :f}\n").find("test.txt:1: not an event") == 0);
  }

  TEST_CASE("ReadKvLog_failedAndUnfinishedOperations") {
    // A failed put did not happen; an :info append may have; a get that never returned
    // is left out.
    const auto history = read(
        "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n"
        "{:process 0, :type :fail, :f :put, :key \"k\", :value \"a\"}\n"
        "{:process 1, :type :invoke, :f :append, :key \"k\", :value \"b\"}\n"
        "{:process 1, :type :info, :f :append, :key \"k\", :value \"b\"}\n"
        "{:process 2, :type :invoke, :f :get, :key \"k\", :value nil}\n"
        "{:process 3, :type :invoke, :f :get, :key \"k\", :value nil}\n"
        "{:process 3, :type :ok, :f :get, :key \"k\", :value \"b\"}\n");
    REQUIRE(history.size() == 2);
    CHECK(history[0].Input.Op == 2);
    CHECK(history[0].Return == 8);  // after the last line
    CHECK(history[1].Output.Value == "b");
    CHECK(CheckOperations(KvModel{}, history));
  }
}
