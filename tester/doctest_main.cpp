// The main of every test binary: prints the run's seed first (so any run can be
// replayed with LAB_SEED), then hands over to doctest.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "labrpc/runtime.hpp"

int main(int argc, char** argv) {
  lab::run_seed();
  doctest::Context context(argc, argv);
  return context.run();
}
