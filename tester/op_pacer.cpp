// See op_pacer.hpp.
#include "tester/op_pacer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace tester {

OpPacer::OpPacer(double ops_per_sec) {
  if (ops_per_sec > 0) {
    gap_ = std::chrono::duration_cast<lab::Duration>(std::chrono::duration<double>(1.0 / ops_per_sec));
  }
}

double OpPacer::parse_rate(const std::string& text) {
  size_t used = 0;
  double rate = -1;
  try {
    rate = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || !(rate == 0 || (rate >= kMinRate && rate <= kMaxRate))) {
    throw std::invalid_argument("LAB_KV_OPS_PER_SEC=" + text +
                                ": expected 0 (no limit) or a number of operations per second "
                                "from 0.01 to 1e9");
  }
  return rate;
}

double OpPacer::rate_from_env() {
  const char* v = std::getenv("LAB_KV_OPS_PER_SEC");
  if (v == nullptr || *v == '\0') return 0;
  try {
    return parse_rate(v);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "lab: %s\n", e.what());
    std::exit(2);
  }
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
