// See op_pacer.hpp.
#include "tester/op_pacer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace tester {

OpPacer::OpPacer(double ops_per_sec) {
  if (ops_per_sec > 0) {
    gap_ = std::chrono::duration_cast<lab::Duration>(std::chrono::duration<double>(1.0 / ops_per_sec));
  }
}

double OpPacer::rate_from_env() {
  const char* v = std::getenv("LAB_KV_OPS_PER_SEC");
  if (v == nullptr || *v == '\0') return 0;
  char* end = nullptr;
  const double rate = std::strtod(v, &end);
  if (*end != '\0' || !(rate >= 0)) {
    std::fprintf(stderr, "lab: LAB_KV_OPS_PER_SEC=%s: expected a number of operations per second >= 0\n",
                 v);
    std::exit(2);
  }
  return rate;
}

void OpPacer::wait() {
  if (gap_ == lab::Duration::zero()) return;
  lab::TimePoint slot;
  {
    lab::Lock lock(mu_);
    const lab::TimePoint now = lab::now();
    slot = std::max(next_, now);
    next_ = slot + gap_;
  }
  const lab::Duration ahead = slot - lab::now();
  if (ahead > lab::Duration::zero()) lab::sleep(ahead);
}

}  // namespace tester
