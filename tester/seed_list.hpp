// The seeds of a sweep, as LAB_SEEDS writes them: one seed ("7"), a range ("1..500") or
// a comma-separated list of both ("1..50,90"). Each seed is a decimal integer from 0 to
// 2^64-1, as LAB_SEED takes it; a range runs from its first seed to its last, both
// included, and must not run backwards.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tester {

struct SeedRange {
  uint64_t first = 0;
  uint64_t last = 0;  // included; never below first
};

// Thrown with a message naming the part of the list at fault (without the variable's
// name, which the caller adds).
class BadSeedList : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The ranges of `text` in the order written (a single seed is a range of one).
std::vector<SeedRange> parse_seed_list(std::string_view text);

// How many seeds the ranges hold, at most UINT64_MAX (0..2^64-1 holds one more).
uint64_t seed_count(const std::vector<SeedRange>& ranges);

}  // namespace tester
