// The testers' shared guard and failure report (see test_guard.hpp).
#include "tester/test_guard.hpp"

#include <doctest/doctest.h>

#include <errno.h>
#include <unistd.h>

#include <cstdio>
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

// Prints Go's failure shape after doctest's own report (see test_guard.hpp), then how to
// run the test again with its seed, the history picture if any, and how to see the log.
struct GoStyleFailureListener : doctest::IReporter {
  explicit GoStyleFailureListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData& data) override {
    report() = TestReport{};
    report().test_name = data.m_name;
    report().part = data.m_test_suite ? data.m_test_suite : "";
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    const TestReport& r = report();
    if (stats.testCaseSuccess || r.test_name.empty()) return;
    std::printf("--- FAIL: %s (%.2fs)\n", r.test_name.c_str(), stats.seconds);
    if (!r.failure.empty()) {
      std::printf("    %s%s%s\n", r.where.c_str(), r.where.empty() ? "" : ": ", r.failure.c_str());
    }
    const auto seed = static_cast<unsigned long long>(lab::run_seed());
    const std::string rerun =
        is_lab_part(r.part) ? cat("make test-", r.part, " RUN=", r.test_name)
                            : cat("build/", program_invocation_short_name, " -tc=", r.test_name);
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
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
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

TestGuard::TestGuard(lab::World& world, lab::Duration limit)
    : world_(world),
      start_(lab::now()),
      limit_(limit),
      limit_message_(cat("test took longer than ", whole_seconds(limit), " seconds")),
      shared_(std::make_shared<Shared>()) {
  shared_->world = &world_;
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
      shared->where = std::source_location::current();
    }
    shared->world->fail(message);
  });
}

TestGuard::~TestGuard() { stop(); }

void TestGuard::record_failure(const std::string& message, std::source_location where) {
  lab::Lock lock(shared_->mu);
  if (shared_->failure.empty() && !world_.failed()) {
    shared_->failure = message;
    shared_->where = where;
  }
}

void TestGuard::fail(const std::string& message, std::source_location where) {
  record_failure(message, where);
  world_.fail(message);
  lab::fatal(message);
}

void TestGuard::checkTimeout() {
  // enforce a two-minute real-time limit on each test
  if (!world_.failed() && lab::now() - start_ > limit_) {
    fail(limit_message_, std::source_location::current());
  }
}

void TestGuard::stop() noexcept {
  try {
    if (!world_.failed() && lab::now() - start_ > limit_) {
      record_failure(limit_message_, std::source_location::current());
      world_.fail(limit_message_);
      FAIL_CHECK(limit_message_);
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
  if (world_.failed()) {
    TestReport& r = report();
    r.failure = world_.failure();
    lab::Lock lock(shared_->mu);
    if (!shared_->failure.empty() && shared_->failure == r.failure) {
      r.where = cat(base_name(shared_->where.file_name()), ":", shared_->where.line());
    }
  }
  if (!stragglers.empty()) {
    std::string names;
    for (const auto& name : stragglers) names += (names.empty() ? "" : ", ") + name;
    const std::string message =
        cat(stragglers.size(), " tasks still running after the test ended: ", names);
    std::printf("info: %s\n", message.c_str());
    std::fflush(stdout);
    FAIL_CHECK(message);
  }
}

TestGuard::Awaiting::Awaiting(TestGuard& guard, std::string what) : guard_(guard) {
  lab::Lock lock(guard_.shared_->mu);
  ticket_ = guard_.shared_->next_ticket++;
  guard_.shared_->awaiting[ticket_] = std::move(what);
}

TestGuard::Awaiting::~Awaiting() {
  lab::Lock lock(guard_.shared_->mu);
  guard_.shared_->awaiting.erase(ticket_);
}

}  // namespace tester
