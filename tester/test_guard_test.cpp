// Tests of the testers' guard: the first failure and its place reach the report and
// doctest's counts (one failed assertion, Go's message, no second "THREW exception"), the
// time limit fails the World and cuts the test's waits short, a test within its limit is
// left alone, -aa (abort after N failed assertions) stops at the first failed lab test,
// and a test stuck past its limit (a task deadlocked on a lab::Mutex) is dumped and ends
// the process within seconds.
//
// A failing lab test fails its doctest test case, so each failure runs this binary again
// on a fixture (a test case that only acts when LAB_FIXTURE names it) and reads the
// child's output.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"
#include "tester/test_guard.hpp"

using namespace std::chrono_literals;

namespace tester {

namespace {

bool fixture(std::string_view name) {
  const char* f = std::getenv("LAB_FIXTURE");
  return f != nullptr && name == f;
}

struct Outcome {
  int status = -1;
  std::string output;
  double seconds = 0;
};

// Runs this binary on fixture test cases, in the real world, with LAB_FIXTURE=name and
// more arguments; collects stdout and stderr.
Outcome run_fixture(const std::string& name, const std::string& args) {
  const std::string self = lab::platform::executable_path();
  REQUIRE(!self.empty());
  const std::string command = "LAB_SIM=0 LAB_FIXTURE=" + name + " " +
                              self + " " + args + " 2>&1";
  Outcome out;
  const lab::TimePoint t0 = lab::now();
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out.output += buffer;
  const int status = pclose(pipe);
  out.seconds = lab::seconds_since(t0);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

bool has(const Outcome& out, std::string_view text) {
  return out.output.find(text) != std::string::npos;
}

// What a config is to a lab test: a World and its guard, ended as cleanup() ends them.
struct Config {
  explicit Config(lab::Duration limit = kTestTimeLimit, lab::Duration grace = kHangGrace)
      : guard(world, limit, grace) {}
  ~Config() {
    guard.stop();
    guard.report_end(world.end());
  }
  lab::World world{test_world_name("guard")};
  TestGuard guard;
};

}  // namespace

TEST_SUITE("test_guard") {
  // --- Fixtures: idle unless LAB_FIXTURE names them. ---

  TEST_CASE("fixture_fails_twice") {
    if (!fixture("fails")) return;
    Config cfg;
    {
      TestGuard::Awaiting awaiting(cfg.guard, "checkOneLeader()");  // ends in time: counted
    }
    std::printf("first failure at line %d\n", __LINE__ + 2);
    try {
      cfg.guard.fail("expected one leader, got none", SourceLocation::current());
    } catch (const lab::Cancelled&) {
    }
    cfg.guard.fail("a later failure", SourceLocation::current());
  }

  TEST_CASE("fixture_first_failure") {
    if (!fixture("two_failures")) return;
    Config cfg;
    cfg.guard.fail("the first test fails", SourceLocation::current());
  }

  TEST_CASE("fixture_second_failure") {
    if (!fixture("two_failures")) return;
    Config cfg;
    cfg.guard.fail("the second test fails", SourceLocation::current());
  }

  TEST_CASE("fixture_passes") {
    if (!fixture("passes")) return;
    Config cfg;
    for (int i = 0; i < 3; i++) {
      TestGuard::Awaiting awaiting(cfg.guard, "one(" + std::to_string(100 + i) + ")");
      lab::sleep(1ms);
    }
  }

  TEST_CASE("fixture_reaches_its_limit") {
    if (!fixture("limit")) return;
    Config cfg(1s);
    TestGuard::Awaiting awaiting(cfg.guard, "one(101)");
    lab::sleep(30s);
  }

  // The student's GetState() taking mu_ twice: the test's own thread blocks forever in
  // Mutex::lock, which no cancellation can interrupt, and a ticker waits behind it.
  TEST_CASE("fixture_deadlocks_on_a_mutex") {
    if (!fixture("deadlock")) return;
    Config cfg(1s, 2s);
    lab::Mutex mu;
    lab::go("applier-0", [] { lab::Channel<int>().recv(); });  // cancelled at the limit
    lab::go("ticker-0", [&mu] {
      lab::sleep(100ms);
      lab::Lock lock(mu);
    });
    lab::Lock held(mu);
    TestGuard::Awaiting awaiting(cfg.guard, "GetState()");
    std::printf("locks twice at line %d\n", __LINE__ + 1);
    lab::Lock again(mu);
  }

  // --- The guard at work. ---

  TEST_CASE("guard_reports_the_first_failure_once_as_a_failed_assertion") {
    const Outcome out = run_fixture("fails", "-tc=fixture_fails_twice");
    CHECK_MESSAGE(out.status == 1, out.output);
    const size_t at = out.output.find("first failure at line ");
    REQUIRE_MESSAGE(at != std::string::npos, out.output);
    const std::string line = out.output.substr(at + 22, out.output.find('\n', at) - at - 22);
    CHECK_MESSAGE(has(out, "test_guard_test.cpp:" + line + ": ERROR: expected one leader, got none\n"),
                  out.output);
    CHECK_MESSAGE(has(out, "--- FAIL: fixture_fails_twice ("), out.output);
    CHECK_MESSAGE(has(out, "    test_guard_test.cpp:" + line + ": expected one leader, got none\n"),
                  out.output);
    CHECK_MESSAGE(!has(out, "a later failure"), out.output);
    CHECK_MESSAGE(!has(out, "THREW exception"), out.output);
    CHECK_MESSAGE(has(out, "[doctest] assertions: 2 | 1 passed | 1 failed |"), out.output);
  }

  // Each Awaiting that ends in time is a passed assertion, shown by -s where it was made.
  TEST_CASE("guard_counts_each_awaited_check_as_a_passed_assertion") {
    const Outcome out = run_fixture("passes", "-tc=fixture_passes -s");
    CHECK_MESSAGE(out.status == 0, out.output);
    CHECK_MESSAGE(has(out, "[doctest] assertions: 3 | 3 passed | 0 failed |"), out.output);
    CHECK_MESSAGE(has(out, "test_guard_test.cpp:"), out.output);
    CHECK_MESSAGE(has(out, "SUCCESS: CHECK( one(102) ) is correct!"), out.output);
  }

  TEST_CASE("guard_failures_count_for_doctest_abort_after") {
    const std::string both = "-tc=fixture_first_failure,fixture_second_failure";
    const Outcome all = run_fixture("two_failures", both);
    CHECK_MESSAGE(has(all, "[doctest] test cases: 2 | 0 passed | 2 failed |"), all.output);
    const Outcome first = run_fixture("two_failures", both + " -aa=1");
    CHECK_MESSAGE(first.status == 1, first.output);
    CHECK_MESSAGE(has(first, "ERROR: the first test fails"), first.output);
    CHECK_MESSAGE(!has(first, "the second test fails"), first.output);
    CHECK_MESSAGE(has(first, "[doctest] test cases: 1 | 0 passed | 1 failed |"), first.output);
  }

  TEST_CASE("guard_limit_fails_the_world_and_cancels_its_waits") {
    const Outcome out = run_fixture("limit", "-tc=fixture_reaches_its_limit");
    CHECK_MESSAGE(out.status == 1, out.output);
    CHECK_MESSAGE(out.seconds < 10.0, "the limit ended the wait only after ", out.seconds, " s");
    CHECK_MESSAGE(has(out, "info: the test reached its 1-second limit while waiting in one(101)\n"),
                  out.output);
    CHECK_MESSAGE(has(out, "test_guard.cpp:"), out.output);
    CHECK_MESSAGE(has(out, ": ERROR: test took longer than 1 seconds\n"), out.output);
    CHECK_MESSAGE(!has(out, "THREW exception"), out.output);
    CHECK_MESSAGE(!has(out, "has not ended"), out.output);
  }

  TEST_CASE("guard_leaves_a_test_within_its_limit_alone") {
    lab::World world("guard");
    {
      TestGuard guard(world, 1s, 1s);
      lab::sleep(100ms);
      guard.checkTimeout();
      guard.stop();
    }
    lab::sleep(2500ms);  // past the limit and the grace: the disarmed timers must not fire
    CHECK_FALSE(world.failed());
    CHECK(world.end().empty());
  }

  // The hang dump (real world): within seconds of the limit, every task that is still
  // there and the lock it waits for, held by whom, with its stack; then the Go report
  // and doctest's summary, and the process ends as a failed test.
  TEST_CASE("guard_dumps_a_test_deadlocked_on_a_mutex_and_ends_the_process" *
            doctest::skip(lab::simulated())) {
    const Outcome out = run_fixture("deadlock", "-tc=fixture_deadlocks_on_a_mutex");
    CHECK_MESSAGE(out.status == 1, out.output);
    CHECK_MESSAGE(out.seconds < 1.0 + 10.0, "exited ", out.seconds, " s after it started");
    CHECK_MESSAGE(has(out, "info: the test reached its 1-second limit while waiting in GetState()"),
                  out.output);
    CHECK_MESSAGE(has(out, "info: the test has not ended 2."), out.output);
    const size_t main_at = out.output.find("\n[main] blocked ");
    REQUIRE_MESSAGE(main_at != std::string::npos, out.output);
    const size_t mutex_at = out.output.find(" s in Mutex::lock on mutex 0x", main_at);
    REQUIRE_MESSAGE(mutex_at < out.output.find('\n', main_at + 1), out.output);
    const std::string mutex = out.output.substr(mutex_at + 27, out.output.find(',', mutex_at) - mutex_at - 27);
    CHECK_MESSAGE(has(out, " on mutex " + mutex + ", held by [main] itself\n"), out.output);
    const size_t at = out.output.find("locks twice at line ");
    REQUIRE_MESSAGE(at != std::string::npos, out.output);
    const std::string line = out.output.substr(at + 20, out.output.find('\n', at) - at - 20);
#if !defined(__SANITIZE_THREAD__)  // which holds signals back from a thread in a lock
    CHECK_MESSAGE(has(out, "tester/test_guard_test.cpp:" + line + "\n"), out.output);
#endif
    CHECK_MESSAGE(has(out, "[ticker-0] blocked "), out.output);
    CHECK_MESSAGE(has(out, " s in Mutex::lock on mutex " + mutex + ", held by [main]\n"), out.output);
    CHECK_MESSAGE(!has(out, "[applier-0]"), out.output);
    CHECK_MESSAGE(has(out, "--- FAIL: fixture_deadlocks_on_a_mutex ("), out.output);
    CHECK_MESSAGE(has(out, ": test took longer than 1 seconds\n"), out.output);
    CHECK_MESSAGE(has(out, "[doctest] test cases: 1 | 0 passed | 1 failed |"), out.output);
    CHECK_MESSAGE(has(out, "[doctest] Status: FAILURE!"), out.output);
  }
}

}  // namespace tester
