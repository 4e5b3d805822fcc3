// Key/value histories shaped like porcupine's kv test data (test_data/kv/c01, c10, c50:
// kvraft GenericTest runs with random keys), for the checker's tests and benchmark.
//
// Each iteration, every client runs Get/Put/Append back to back (50% append, 5% put, 45%
// get, as GenericTest draws them) on one of `keys` keys until the iteration's time is up;
// appended values are "x <client> <j> y" with j counted per iteration. Latencies mix fast
// operations with slow ones (a client stuck behind a partition or a dead leader), so many
// operations overlap. Each operation takes effect at a random instant inside its
// interval; replaying them in that order gives every Get its value, so the history is
// linearizable. With `illegal`, one Get near the middle loses a value that an Append it
// must follow had added (a stale read), which no linearization explains.
//
// Deterministic: the same shape and seed give the same history.
#pragma once

#include "tester/porcupine/kv.hpp"

#include <cstdint>
#include <vector>

namespace porcupine {

struct KvHistoryShape {
  int clients = 10;
  int keys = 10;
  int iterations = 3;
  int64_t iteration_ns = 5'000'000'000;  // each iteration's clients run this long
  bool illegal = false;
  uint64_t seed = 1;
};

std::vector<KvOperation> GenerateKvHistory(const KvHistoryShape& shape);

}  // namespace porcupine
