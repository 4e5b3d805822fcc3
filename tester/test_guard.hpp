// What the Raft and kvraft testers share around each test: the 120-second limit, the
// first failure and where it was raised, and the Go-style report printed after doctest's:
//   --- FAIL: TestInitialElection2A (5.04s)
//       raft_config.cpp:326: expected one leader, got none
// followed by the line that runs the test again with the same seed.
//
// Port: Go checks the limit only in end() and cleanup(), so a hung test hangs the runner;
// here a timer also fails the test's World at the limit, with Go's message, and names
// what the test was waiting for (Awaiting). A test that has still not ended a few
// seconds later (its tasks cannot be cancelled: a lock held forever) gets what Go's
// test binary gives a timed-out test: every task and where it waits (World::dump()),
// the failure report, and the end of the process (exit status 1).
//
// doctest's counts: a failed test is one failed assertion, the Go message at the tester
// line that raised it (report_end, as the failure unwinds the test); each Awaiting that
// ends in time is one passed assertion (checkOneLeader(), one(), a clerk's operation...).
// So "assertions: N" counts the tester's checks, and doctest's -aa (abort after N failed
// assertions) works.
//
// The report is kept per process and written on the main thread only (by the doctest
// listener and by the config's cleanup), or by the hang watchdog as the process ends;
// the guard's own state has its own lock and may be touched from any task.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "labrpc/runtime.hpp"
#include "tester/source_location.hpp"

namespace tester {

// Concatenates its arguments as operator<< prints them: cat("term ", t, " has ", n).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// Each test must finish within this long of make_config (Go: checkTimeout).
inline constexpr lab::Duration kTestTimeLimit = std::chrono::seconds(120);
// A test still running this long after its limit is stuck past cancelling: its tasks are
// dumped and the process ends (real world; the simulated one has its own guards).
inline constexpr lab::Duration kHangGrace = std::chrono::seconds(5);

// What the failure report prints for the running test case.
struct TestReport {
  std::string test_name;
  std::string part;     // the doctest suite: "2A", "3B"
  std::string failure;  // the first failure's message
  std::string where;    // "raft_config.cpp:326", or empty when raised outside the tester
  std::string picture;  // the history picture of a non-linearizable history
  std::string file;     // the test case's source file and line, where a failure raised
  int line = 0;         // outside the tester is reported
};
TestReport& report();

// The running test case's name (a World's name), or `fallback` outside one.
std::string test_world_name(const std::string& fallback);

// Go's "warning: only one CPU, which may conceal locking bugs", once per process.
void warn_once_if_one_cpu();

class TestGuard {
 public:
  // Arms the limit: `limit` after now, `world` fails with Go's message ("test took
  // longer than 120 seconds"); `grace` later, a test that has not ended (report_end) is
  // dumped and the process exits. The world outlives the guard (the config declares it
  // first). Tests of the guard shorten both.
  explicit TestGuard(lab::World& world, lab::Duration limit = kTestTimeLimit,
                     lab::Duration grace = kHangGrace);
  ~TestGuard();
  TestGuard(const TestGuard&) = delete;
  TestGuard& operator=(const TestGuard&) = delete;

  lab::TimePoint start() const { return start_; }

  // Remembers the first failure raised through the config, and where, for the report.
  void record_failure(const std::string& message, SourceLocation where);
  // Records the failure, fails the World (whichever task or thread calls) and throws.
  [[noreturn]] void fail(const std::string& message, SourceLocation where);
  // Go's checkTimeout(): fails the test once it is past its limit.
  void checkTimeout();

  // Cleanup, before the test's tasks are stopped: Go's checkTimeout() from cleanup() (a
  // destructor cannot throw, so the failure is recorded), then the timer is disarmed.
  void stop() noexcept;
  // Cleanup, after the World ended: fills the report of a failed test, fails the test
  // case (one doctest assertion, the first failure, when it is ending the test) and when
  // tasks outlived it (their names, from World::end()), and disarms the hang watchdog.
  void report_end(const std::vector<std::string>& stragglers);

  // Names, while it lives, what a task of the test waits for (checkOneLeader(), Get("3")
  // by client 3...): the limit's message lists everything still awaited. Ending in time
  // (not by an exception, the test not failed) it counts as a passed doctest assertion,
  // shown at `where` by doctest's -s.
  class Awaiting {
   public:
    Awaiting(TestGuard& guard, std::string what,
             SourceLocation where = SourceLocation::current());
    ~Awaiting();
    Awaiting(const Awaiting&) = delete;
    Awaiting& operator=(const Awaiting&) = delete;

   private:
    TestGuard& guard_;
    const SourceLocation where_;
    const int exceptions_;  // std::uncaught_exceptions() when it began
    uint64_t ticket_ = 0;
  };

 private:
  // Shared with the timers, which may fire while the guard goes away.
  struct Shared {
    lab::Mutex mu;
    lab::World* world = nullptr;  // null once the test is over: the timer must not fire
    lab::World* running = nullptr;  // null once the test has ended: no hang to report
    std::map<uint64_t, std::string> awaiting;  // by ticket
    uint64_t next_ticket = 0;
    uint64_t checks_passed = 0;  // Awaitings that ended in time
    std::string failure;
    SourceLocation where;
  };
  static void report_hang(Shared& shared, lab::TimePoint start, lab::Duration limit,
                          const std::string& limit_message);

  lab::World& world_;
  const lab::TimePoint start_;
  const lab::Duration limit_;
  const std::string limit_message_;
  std::shared_ptr<Shared> shared_;
  std::optional<lab::Timer> timer_;
  std::optional<lab::Timer> hang_timer_;
};

}  // namespace tester
