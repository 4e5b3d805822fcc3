// The main of every test binary: prints the run's seed first (so any run can be
// replayed with LAB_SEED), then hands over to doctest — or, with
// LAB_CHECK_DETERMINISM=1, runs the binary twice and compares (tester/determinism.hpp),
// or, with LAB_SEEDS, runs it once per seed (tester/sweep.hpp).
//
// The report (reporter "lab-console", the default unless -r chooses others) is doctest's
// console report but for one line: a test case that failed and then unwound through
// lab::Cancelled (how a failed lab test ends: the tester fails its World, which cancels
// every wait) does not also print "test case THREW exception" with the same message
// again. Only doctest's public interface is used, so a newer doctest still builds it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"
#include "tester/determinism.hpp"
#include "tester/sweep.hpp"
#include "tester/test_guard.hpp"

namespace {

// Called inside doctest's catch block, so the exception is the current one. A lab test
// that failed has its failure in the report (and counted as a failed assertion) by the
// time its lab::Cancelled reaches doctest.
bool unwinding_a_reported_failure(const doctest::TestCaseException& e) {
  if (e.is_crash || tester::report().failure.empty()) return false;
  try {
    std::rethrow_exception(std::current_exception());
  } catch (const lab::Cancelled&) {
    return true;
  } catch (...) {
  }
  return false;
}

struct LabConsoleReporter : doctest::ConsoleReporter {
  using ConsoleReporter::ConsoleReporter;
  void test_case_exception(const doctest::TestCaseException& e) override {
    if (!unwinding_a_reported_failure(e)) ConsoleReporter::test_case_exception(e);
  }
};

// Whether the command line chooses reporters itself (-r=xml, --reporters=..., with or
// without doctest's dt- prefix).
bool reporters_chosen(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    while (!arg.empty() && arg.front() == '-') arg.remove_prefix(1);
    if (arg.starts_with("dt-")) arg.remove_prefix(3);
    if (arg.starts_with("r=") || arg.starts_with("reporters=")) return true;
  }
  return false;
}

}  // namespace

// The default report: doctest's console reporter with the change above.
REGISTER_REPORTER("lab-console", 0, LabConsoleReporter);

namespace {

// One run: the seed first, then doctest, leaving out the test cases named (a sweep's
// child that resumes a seed after a crash).
int run_tests(int argc, char** argv, const std::vector<std::string>& excluded) {
  lab::run_seed();
  doctest::Context context(argc, argv);
  if (!reporters_chosen(argc, argv)) context.setOption("reporters", "lab-console");
  for (const std::string& name : excluded) context.addFilter("test-case-exclude", name.c_str());
  return context.run();
}

}  // namespace

int main(int argc, char** argv) {
  lab::platform::remember_argv0(argv[0]);
  if (tester::sweep::requested()) return tester::sweep::run(argc, argv, run_tests);
  if (tester::determinism_check_requested()) return tester::run_determinism_check(argc, argv);
  return run_tests(argc, argv, {});
}
