// The testers' shared guard and failure report (see test_guard.hpp).
#include "tester/test_guard.hpp"

#include "labrpc/platform.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string_view>

namespace tester {

namespace {

std::string base_name(const char* path) {
  std::string_view p(path);
  const size_t slash = p.find_last_of('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

long long whole_seconds(lab::Duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

// "2A" ... "3B": a suite that `make test-<part>` runs.
bool is_lab_part(const std::string& suite) {
  return suite.size() == 2 && suite[0] >= '2' && suite[0] <= '3' && suite[1] >= 'A' &&
         suite[1] <= 'D';
}

// Go's failure shape (see test_guard.hpp), then how to run the test again with its seed,
// the history picture if any, and how to see the log.
void print_go_failure(double seconds) {
  const TestReport& r = report();
  std::printf("--- FAIL: %s (%.2fs)\n", r.test_name.c_str(), seconds);
  if (!r.failure.empty()) {
    std::printf("    %s%s%s\n", r.where.c_str(), r.where.empty() ? "" : ": ", r.failure.c_str());
  }
  const auto seed = static_cast<unsigned long long>(lab::run_seed());
  const std::string rerun =
      is_lab_part(r.part) ? cat("make test-", r.part, " RUN=", r.test_name)
                          : cat("build/", lab::platform::executable_name(), " -tc=", r.test_name);
  if (lab::simulated()) {
    std::printf("    reproduce: LAB_SIM=1 LAB_SEED=%llu %s\n", seed, rerun.c_str());
  } else {
    std::printf("    seed: %llu; rerun: LAB_SEED=%llu %s (real time varies from run to "
                "run; LAB_SIM=1 runs replay exactly from their seed)\n",
                seed, seed, rerun.c_str());
  }
  if (!r.picture.empty()) {
    std::printf("    history picture: %s (open it in a browser)\n", r.picture.c_str());
  }
  std::printf("    debug: add LAB_LOG=all for the trace on stderr (scripts/prettylog lays "
              "it out by peer)\n");
  std::fflush(stdout);
}

// doctest's counts of the test cases that ended, for the summary of a run that a hung
// test ends (report_hang). Touched on the main thread only, by the listener.
struct RunTotals {
  unsigned passed = 0, failed = 0, skipped = 0;
  unsigned assertions = 0, assertions_failed = 0;
};
RunTotals& totals() {
  static RunTotals t;
  return t;
}

// Prints the Go report after doctest's own for a failed test, and keeps the run's totals.
struct GoStyleFailureListener : doctest::IReporter {
  explicit GoStyleFailureListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData& data) override {
    report() = TestReport{};
    report().test_name = data.m_name;
    report().part = data.m_test_suite ? data.m_test_suite : "";
    report().file = data.m_file.c_str();
    report().line = data.m_line;
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    RunTotals& t = totals();
    (stats.testCaseSuccess ? t.passed : t.failed) += 1;
    t.assertions += static_cast<unsigned>(stats.numAssertsCurrentTest);
    t.assertions_failed += static_cast<unsigned>(stats.numAssertsFailedCurrentTest);
    if (stats.testCaseSuccess || report().test_name.empty()) return;
    print_go_failure(stats.seconds);
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override { ++totals().skipped; }
};
REGISTER_LISTENER("go-style-failure", 1, GoStyleFailureListener);

}  // namespace

TestReport& report() {
  static TestReport r;
  return r;
}

std::string test_world_name(const std::string& fallback) {
  const std::string& name = report().test_name;
  return name.empty() ? fallback : name;
}

void warn_once_if_one_cpu() {
  // The simulated world runs one task at a time anyway.
  static const bool warned = [] {
    if (!lab::simulated() && sysconf(_SC_NPROCESSORS_ONLN) < 2) {
      std::printf("warning: only one CPU, which may conceal locking bugs\n");
      std::fflush(stdout);
      return true;
    }
    return false;
  }();
  (void)warned;
}

TestGuard::TestGuard(lab::World& world, lab::Duration limit, lab::Duration grace)
    : world_(world),
      start_(lab::now()),
      limit_(limit),
      limit_message_(cat("test took longer than ", whole_seconds(limit), " seconds")),
      shared_(std::make_shared<Shared>()) {
  shared_->world = &world_;
  shared_->running = &world_;
  timer_ = lab::after(limit, [shared = shared_, seconds = whole_seconds(limit),
                              message = limit_message_] {
    lab::Lock lock(shared->mu);
    if (shared->world == nullptr || shared->world->failed()) return;
    std::string awaiting;
    for (const auto& [ticket, what] : shared->awaiting) {
      awaiting += (awaiting.empty() ? "" : ", ") + what;
    }
    std::printf("info: the test reached its %lld-second limit%s%s\n", seconds,
                awaiting.empty() ? "" : " while waiting in ",
                awaiting.c_str());
    std::fflush(stdout);
    if (shared->failure.empty()) {
      shared->failure = message;
      shared->where = SourceLocation::current();
    }
    shared->world->fail(message);
  });
  // Outside the World, whose end would cancel it: it must fire when the World cannot end.
  if (!lab::simulated()) {
    hang_timer_ = lab::watchdog(limit + grace, [shared = shared_, start = start_, limit,
                                                 message = limit_message_] {
      report_hang(*shared, start, limit, message);
    });
  }
}

TestGuard::~TestGuard() {
  stop();
  lab::Lock lock(shared_->mu);
  shared_->running = nullptr;
  if (hang_timer_) hang_timer_->cancel();
}

void TestGuard::record_failure(const std::string& message, SourceLocation where) {
  lab::Lock lock(shared_->mu);
  if (shared_->failure.empty() && !world_.failed()) {
    shared_->failure = message;
    shared_->where = where;
  }
}

void TestGuard::fail(const std::string& message, SourceLocation where) {
  record_failure(message, where);
  world_.fail(message);
  lab::fatal(message);
}

void TestGuard::checkTimeout() {
  // enforce a two-minute real-time limit on each test
  if (!world_.failed() && lab::now() - start_ > limit_) {
    fail(limit_message_, SourceLocation::current());
  }
}

void TestGuard::stop() noexcept {
  try {
    if (!world_.failed() && lab::now() - start_ > limit_) {
      record_failure(limit_message_, SourceLocation::current());
      world_.fail(limit_message_);
    }
    {
      lab::Lock lock(shared_->mu);
      shared_->world = nullptr;
    }
    if (timer_) timer_->cancel();
    timer_.reset();
  } catch (...) {
  }
}

void TestGuard::report_end(const std::vector<std::string>& stragglers) {
  {
    lab::Lock lock(shared_->mu);
    shared_->running = nullptr;
  }
  if (hang_timer_) hang_timer_->cancel();
  if (world_.failed()) {
    TestReport& r = report();
    r.failure = world_.failure();
    std::string file = r.file;  // raised outside the tester (a task's exception...)
    int line = r.line;
    {
      lab::Lock lock(shared_->mu);
      if (!shared_->failure.empty() && shared_->failure == r.failure) {
        r.where = cat(base_name(shared_->where.file_name()), ":", shared_->where.line());
        file = shared_->where.file_name();
        line = static_cast<int>(shared_->where.line());
      }
    }
    // Counted when the failure ends the test: the cleanup runs as its exception unwinds the
    // test (or in the handler that rethrows it). A test that catches the failure itself
    // expects it (the broken-servers tests do) and asserts what it expects. Out of a
    // doctest test case (a benchmark), doctest would abort on a failed assertion.
    const bool ends_the_test = std::uncaught_exceptions() > 0 || std::current_exception();
    if (ends_the_test && doctest::is_running_in_test) {
      ADD_FAIL_CHECK_AT(file.c_str(), line, r.failure);
    }
  }
  if (!stragglers.empty()) {
    std::string names;
    for (const auto& name : stragglers) names += (names.empty() ? "" : ", ") + name;
    const std::string message =
        cat(stragglers.size(), " tasks still running after the test ended: ", names);
    std::printf("info: %s\n", message.c_str());
    std::fflush(stdout);
    if (doctest::is_running_in_test) FAIL_CHECK(message);
  }
}

// The hang watchdog, on the runtime's timer task: the test is past its limit and its
// grace and has not ended. Prints what Go's test binary prints on a timeout (every task
// and where it waits, the failure), doctest's summary with the hung test failed, and
// ends the process: its stuck threads cannot be stopped, and every later test would
// wait behind them. Holds the lock to the end, so the test cannot end meanwhile.
void TestGuard::report_hang(Shared& shared, lab::TimePoint start, lab::Duration limit,
                            const std::string& limit_message) {
  lab::Lock lock(shared.mu);
  if (shared.running == nullptr) return;
  const double seconds = lab::seconds_since(start);
  std::printf("info: the test has not ended %.1f s after its %lld-second limit; its tasks, and "
              "where each waits ([main] is the test's own thread):\n",
              seconds - std::chrono::duration<double>(limit).count(), whole_seconds(limit));
  std::fputs(shared.running->dump().c_str(), stdout);
  TestReport& r = report();
  // The first failure; or, for a test stuck in its cleanup (after the limit was disarmed),
  // the limit's.
  r.failure = !shared.failure.empty()          ? shared.failure
              : shared.running->failed()       ? shared.running->failure()
                                               : limit_message;
  if (!shared.failure.empty()) {
    r.where = cat(base_name(shared.where.file_name()), ":", shared.where.line());
  }
  print_go_failure(seconds);
  const RunTotals& t = totals();
  const unsigned passed_checks = static_cast<unsigned>(shared.checks_passed);
  std::printf("lab: the run stops at this test (its stuck tasks cannot be stopped); the test "
              "cases after it did not run\n");
  std::printf("===============================================================================\n");
  std::printf("[doctest] test cases: %u | %u passed | %u failed | %u skipped\n",
              t.passed + t.failed + 1, t.passed, t.failed + 1, t.skipped);
  std::printf("[doctest] assertions: %u | %u passed | %u failed |\n",
              t.assertions + passed_checks + 1, t.assertions - t.assertions_failed + passed_checks,
              t.assertions_failed + 1);
  std::printf("[doctest] Status: FAILURE!\n");
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(1);
}

TestGuard::Awaiting::Awaiting(TestGuard& guard, std::string what, SourceLocation where)
    : guard_(guard), where_(where), exceptions_(std::uncaught_exceptions()) {
  lab::Lock lock(guard_.shared_->mu);
  ticket_ = guard_.shared_->next_ticket++;
  guard_.shared_->awaiting[ticket_] = std::move(what);
}

TestGuard::Awaiting::~Awaiting() {
  std::string what;
  {
    lab::Lock lock(guard_.shared_->mu);
    auto it = guard_.shared_->awaiting.find(ticket_);
    what = std::move(it->second);
    guard_.shared_->awaiting.erase(it);
    if (std::uncaught_exceptions() != exceptions_ || guard_.world_.failed()) return;
    ++guard_.shared_->checks_passed;
  }
  doctest::detail::decomp_assert(doctest::assertType::DT_CHECK, where_.file_name(),
                                 static_cast<int>(where_.line()), what.c_str(),
                                 doctest::detail::Result(true, "ended in time"));
}

}  // namespace tester
