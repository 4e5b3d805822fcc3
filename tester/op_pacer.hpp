// A benchmark knob for the Lab 3 tests that run their clients for fixed times
// (GenericTest): LAB_KV_OPS_PER_SEC=R lets the clients of a test start at most R
// operations per second between them. Unset, they run flat out, as Go's do, and a fast
// service completes ~100x the operations of a Go solution in the same seconds, so the
// totals of a run measure different work. `make bench-3` also runs each part paced to
// about the staff solution's operation count, to compare CPU, memory and RPCs at equal
// work. Tests never set it.
#pragma once

#include "labrpc/runtime.hpp"

namespace tester {

class OpPacer {
 public:
  // At most ops_per_sec operations per second; 0 = no limit.
  explicit OpPacer(double ops_per_sec);
  // The rate LAB_KV_OPS_PER_SEC asks for (0 when unset); exits with a message naming the
  // variable when its value is not a number >= 0.
  static double rate_from_env();

  // Waits for the caller's slot: slots are 1/R apart, and a slot nobody used is not
  // saved up, so clients held up by a partition do not burst when it heals.
  void wait();

 private:
  lab::Duration gap_{0};
  lab::Mutex mu_;
  lab::TimePoint next_{};  // the next free slot; in the past (at first: the epoch) = now
};

}  // namespace tester
