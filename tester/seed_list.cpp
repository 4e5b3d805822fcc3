// LAB_SEEDS's syntax (see seed_list.hpp).
#include "tester/seed_list.hpp"

#include <charconv>

namespace tester {

namespace {

const std::string kSyntax = "expected seeds such as 7, 1..500 or 1..50,90";

// A decimal integer in 0..2^64-1 and nothing else (no sign, no spaces), as LAB_SEED.
uint64_t parse_seed(std::string_view text, std::string_view item) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || error != std::errc() || stop != end) {
    const std::string why =
        error == std::errc::result_out_of_range ? " is beyond the largest seed, " : " is not a seed: ";
    throw BadSeedList("'" + std::string(text) + "'" + why + "a seed is a decimal integer from 0 to " +
                      std::to_string(UINT64_MAX) +
                      (item == text ? "" : " (in '" + std::string(item) + "')"));
  }
  return value;
}

}  // namespace

std::vector<SeedRange> parse_seed_list(std::string_view text) {
  if (text.empty()) throw BadSeedList("no seeds; " + kSyntax);
  std::vector<SeedRange> ranges;
  for (;;) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (item.empty()) throw BadSeedList("an empty item in the list; " + kSyntax);
    const size_t dots = item.find("..");
    SeedRange range;
    if (dots == std::string_view::npos) {
      range.first = range.last = parse_seed(item, item);
    } else {
      range.first = parse_seed(item.substr(0, dots), item);
      range.last = parse_seed(item.substr(dots + 2), item);
      if (range.last < range.first) {
        throw BadSeedList("'" + std::string(item) + "' runs backwards; write " +
                          std::to_string(range.last) + ".." + std::to_string(range.first));
      }
    }
    ranges.push_back(range);
    if (comma == std::string_view::npos) return ranges;
    text.remove_prefix(comma + 1);
  }
}

uint64_t seed_count(const std::vector<SeedRange>& ranges) {
  uint64_t total = 0;
  for (const SeedRange& r : ranges) {
    const uint64_t span = r.last - r.first;  // one less than the range's seeds
    if (span >= UINT64_MAX - total) return UINT64_MAX;
    total += span + 1;
  }
  return total;
}

}  // namespace tester
