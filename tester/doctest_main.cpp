// The main of every test binary: prints the run's seed first (so any run can be
// replayed with LAB_SEED), then hands over to doctest — or, with
// LAB_CHECK_DETERMINISM=1, runs the binary twice and compares (tester/determinism.hpp).
//
// doctest's console report is its own but for one line: a test case that failed an
// assertion and then unwound through lab::Cancelled (how a failed lab test ends: the
// tester fails its World, which cancels every wait) does not also print "test case
// THREW exception" with the same message again.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <exception>

#include "labrpc/runtime.hpp"
#include "tester/determinism.hpp"

namespace {

// Called inside doctest's catch block, so the exception is the current one.
bool unwinding_an_asserted_failure(const doctest::TestCaseException& e) {
  if (e.is_crash || doctest::detail::g_cs->numAssertsFailedCurrentTest_atomic == 0) return false;
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
    if (!unwinding_an_asserted_failure(e)) ConsoleReporter::test_case_exception(e);
  }
};

// Takes the place of doctest's "console" reporter (registered above, in doctest.h).
const bool console_replaced = [] {
  doctest::getReporters()[{0, "console"}] = doctest::detail::reporterCreator<LabConsoleReporter>;
  return true;
}();

}  // namespace

int main(int argc, char** argv) {
  if (tester::determinism_check_requested()) return tester::run_determinism_check(argc, argv);
  lab::run_seed();
  doctest::Context context(argc, argv);
  return context.run();
}
