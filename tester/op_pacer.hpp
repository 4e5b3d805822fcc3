// A benchmark knob for the Lab 3 tests that run their clients for fixed times
// (GenericTest): LAB_KV_OPS_PER_SEC=R lets the clients of a test start at most R
// operations per second between them. Unset, they run flat out, as Go's do, and a fast
// service completes ~100x the operations of a Go solution in the same seconds, so the
// totals of a run measure different work. `make bench-3` also runs each part paced to
// about the staff solution's operation count, to compare CPU, memory and RPCs at equal
// work. Tests never set it.
#pragma once

#include <string>

#include "labrpc/runtime.hpp"

namespace tester {

class OpPacer {
 public:
  // At most ops_per_sec operations per second; 0 = no limit.
  explicit OpPacer(double ops_per_sec);
  // The rate LAB_KV_OPS_PER_SEC asks for (0 when unset); exits with parse_rate's message
  // when its value is not one.
  static double rate_from_env();
  // A rate as LAB_KV_OPS_PER_SEC writes it: 0 (no limit) or kMinRate..kMaxRate operations
  // per second. Throws std::invalid_argument naming the variable and the value otherwise.
  static double parse_rate(const std::string& text);
  // A test runs its clients for seconds, so a gap over 100 s paces nothing it could show
  // (and 1e-300 overflows the gap); under a nanosecond it limits nothing.
  static constexpr double kMinRate = 0.01;
  static constexpr double kMaxRate = 1e9;

  // Waits for the caller's slot: slots are 1/R apart, and a slot nobody used is not
  // saved up, so clients held up by a partition do not burst when it heals.
  void wait();

 private:
  lab::Duration gap_{0};
  lab::Mutex mu_;
  lab::TimePoint next_{};  // the next free slot; in the past (at first: the epoch) = now
};

}  // namespace tester
