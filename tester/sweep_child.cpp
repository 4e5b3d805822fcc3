// The sweep child's report (see sweep_child.hpp). Only doctest's public interface: a
// listener, the assertion and message data it is handed, the active INFO contexts.
#include "tester/sweep_child.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "labrpc/runtime.hpp"
#include "tester/test_guard.hpp"

namespace tester::sweep {

namespace {

int g_report_fd = -1;  // the pipe to the parent; -1 outside a sweep's child

void send(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(g_report_fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);  // the parent is gone: nobody wants the rest of the run
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// Where the next byte of output goes, everything written so far flushed first.
long output_offset() {
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  return static_cast<long>(::lseek(STDOUT_FILENO, 0, SEEK_CUR));
}

std::string base_name(const char* path) {
  const std::string_view p(path == nullptr ? "" : path);
  const size_t slash = p.find_last_of('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// The INFO/CAPTURE contexts active at a failed assertion (CHECK_MESSAGE's message is one).
std::string active_contexts() {
  std::ostringstream out;
  const int n = doctest::IReporter::get_num_active_contexts();
  const doctest::IContextScope* const* contexts = doctest::IReporter::get_active_contexts();
  for (int i = 0; i < n; ++i) {
    out << (i == 0 ? "; " : ", ");
    contexts[i]->stringify(&out);
  }
  return out.str();
}

struct SweepListener : doctest::IReporter {
  explicit SweepListener(const doctest::ContextOptions&) {}

  void report_query(const doctest::QueryData&) override {
    if (g_report_fd >= 0) send("query\n");
  }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {
    // After a crash doctest ends the run, then the process dies: not a finished run.
    if (g_report_fd >= 0 && !crashed_) send("done\t" + std::to_string(output_offset()) + "\n");
  }
  void test_case_start(const doctest::TestCaseData& data) override {
    if (g_report_fd < 0) return;
    name_ = one_line(data.m_name);
    first_failure_.clear();
    start_ = lab::real_seconds();
    send("start\t" + name_ + "\t" + std::to_string(output_offset()) + "\n");
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    if (g_report_fd < 0) return;
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.3f", lab::real_seconds() - start_);
    std::string message;
    if (!stats.testCaseSuccess) {
      // A lab test's failure is the tester's (Go's message, where the tester raised it);
      // any other test case's is its first failed assertion or exception.
      const TestReport& r = report();
      if (!r.failure.empty()) {
        message = r.where.empty() ? r.failure : r.where + ": " + r.failure;
      } else {
        message = first_failure_.empty() ? "failed" : first_failure_;
      }
    }
    const char* status = crashed_ ? "crash" : stats.testCaseSuccess ? "pass" : "fail";
    send("end\t" + name_ + "\t" + status + "\t" + seconds +
         "\t" + one_line(message) + "\n");
  }
  void test_case_exception(const doctest::TestCaseException& e) override {
    if (g_report_fd < 0) return;
    if (e.is_crash) {  // a signal, caught by doctest's handler, which prints its report next
      crashed_ = true;
      send("crash\t" + std::to_string(output_offset()) + "\n");
    }
    if (first_failure_.empty()) first_failure_ = std::string("threw: ") + e.error_string.c_str();
  }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& a) override {
    if (g_report_fd < 0 || !a.m_failed || !first_failure_.empty()) return;
    std::ostringstream out;
    out << base_name(a.m_file) << ":" << a.m_line << ": " << doctest::assertString(a.m_at)
        << "( " << a.m_expr << " )";
    if (a.m_threw) {
      out << " threw: " << a.m_exception.c_str();
    } else if (a.m_decomp.size() > 0) {
      out << " with " << a.m_decomp.c_str();
    }
    out << active_contexts();
    first_failure_ = out.str();
  }
  void log_message(const doctest::MessageData& m) override {
    const bool failing = (m.m_severity & (doctest::assertType::is_check |
                                          doctest::assertType::is_require)) != 0;
    if (g_report_fd < 0 || !failing || !first_failure_.empty()) return;
    first_failure_ = base_name(m.m_file) + ":" + std::to_string(m.m_line) + ": " +
                     m.m_string.c_str();
  }
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  std::string name_;
  std::string first_failure_;
  double start_ = 0;
  bool crashed_ = false;
};

}  // namespace

REGISTER_LISTENER("lab-sweep", 2, SweepListener);

void report_to(int fd) { g_report_fd = fd; }

std::string one_line(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace tester::sweep
