// The main of every test binary: prints the run's seed first (so any run can be
// replayed with LAB_SEED), then hands over to doctest — or, with
// LAB_CHECK_DETERMINISM=1, runs the binary twice and compares (tester/determinism.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "labrpc/runtime.hpp"
#include "tester/determinism.hpp"

int main(int argc, char** argv) {
  if (tester::determinism_check_requested()) return tester::run_determinism_check(argc, argv);
  lab::run_seed();
  doctest::Context context(argc, argv);
  return context.run();
}
