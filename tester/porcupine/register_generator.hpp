// Register and compare-and-set histories shaped like Jepsen's etcd test (porcupine's
// test_data/jepsen): clients read, write and cas one register (or a few, by key), most
// operations quick and a few slow, and now and then a client times out: its operation
// never returns (Jepsen's :info), took effect or not (either, at random), and the client
// goes on as a new process, as Jepsen's do. Clients pause between operations in
// proportion to their number, so that about four operations are open at any time, as
// with Jepsen's etcd test's five workers, whatever the number of clients: fifty clients
// all open at once on one register would make a search of a different kind (every
// order of a dozen concurrent writes is a state of its own). For the checker's tests and
// benchmark.
//
// Each operation that took effect did so at a random instant inside its interval;
// replaying them in that order gives every read and cas its result, so the history is
// linearizable. With `illegal`, one read near the middle returns the value of a write
// that another write, after it and before the read in real time, had overwritten (a
// stale read), which no linearization explains. Write and cas values are unique, so only
// that one write produced the value.
//
// Deterministic: the same shape and seed give the same history.
#pragma once

#include "tester/porcupine/register.hpp"

#include <cstdint>
#include <vector>

namespace porcupine {

struct RegisterHistoryShape {
  int clients = 10;
  int keys = 1;              // 1: one register, as in Jepsen's etcd test
  bool cas = true;           // read, write and cas; else read and write
  int ops_per_client = 30;
  int unreturned_percent = 1;  // writes and cas that never return
  bool illegal = false;
  uint64_t seed = 1;
};

// Throws std::invalid_argument when `illegal` is asked of a history too small to hold a
// stale read.
std::vector<RegisterOperation> GenerateRegisterHistory(const RegisterHistoryShape& shape);

}  // namespace porcupine
