// The key/value model for the kvraft tester's long histories: KvModel's rules, with every
// value a Get returned, and the model's state, kept as a digest instead of the whole
// string.
//
// Why: a client that appends to its own key makes the key's value grow with every
// operation, so a history of n operations holds O(n²) bytes of Get results, and checking
// it with whole strings copies and compares O(n²) bytes too. A fast Raft does ~70,000
// operations in the one-client 3B test: gigabytes of history, and a check that runs past
// its time limit and answers "unknown" instead of proving anything. A digest is the
// value's length, a polynomial hash of it modulo the Mersenne prime 2^61 - 1 that
// extends in O(appended bytes), and its last characters for the picture. A Get is legal
// iff its digest equals the state's; two different values of length L share a digest
// with probability at most L / 2^61 per comparison (about 10^-13 for a megabyte), so an
// answer is wrong only with that probability.
//
// Pure functions; safe from any task.
#pragma once

#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace porcupine {

struct ValueDigest {
  // How many of the value's last characters the picture shows.
  static constexpr size_t kTailLength = 24;

  uint64_t length = 0;
  uint64_t hash = 0;  // sum of c_i * B^(length-1-i) mod 2^61 - 1
  std::string tail;   // the last min(length, kTailLength) characters

  static ValueDigest Of(std::string_view value) { return ValueDigest{}.Then(value); }
  // The digest of this value with `more` appended.
  ValueDigest Then(std::string_view more) const;

  bool operator==(const ValueDigest& other) const {
    return length == other.length && hash == other.hash;
  }
};

struct KvDigestOutput {
  ValueDigest Value;  // what a get returned (empty for put and append)
};

// One completed operation, as the tester records it: the input in full (put and append
// values are short), a get's result as a digest.
using KvDigestOperation = Operation<KvInput, KvDigestOutput>;

// The same operation with its get result digested.
KvDigestOperation Digest(const KvOperation& op);

// KvModel over digests: partitioned by key (sorted key order); init ""; get legal iff it
// returned the value; put sets it; append appends; an unknown Op is never legal.
struct KvDigestModel {
  using State = ValueDigest;
  using Input = KvInput;
  using Output = KvDigestOutput;

  std::vector<std::vector<size_t>> partition(const std::vector<KvDigestOperation>& history) const;
  State init() const { return State(); }
  std::pair<bool, State> step(const State& state, const KvInput& input,
                              const KvDigestOutput& output) const;
  // get('k') -> '…last characters' (N chars), put('k', 'v'), append('k', 'v').
  std::string describe_operation(const KvInput& input, const KvDigestOutput& output) const;
  std::string describe_state(const State& state) const;
  uint64_t hash(const State& state) const { return state.hash ^ (state.length * 0x9E3779B97F4A7C15ULL); }
};

// The tester's entry points over digests: a verbose check with a time limit (timeout <= 0:
// none), and the HTML picture of it (throws std::runtime_error naming the path when it
// cannot be written).
KvCheck CheckKvDigestsVerbose(const std::vector<KvDigestOperation>& history,
                              lab::Duration timeout);
void VisualizeKvDigests(const std::vector<KvDigestOperation>& history, const KvCheck& check,
                        const std::string& path);

}  // namespace porcupine
