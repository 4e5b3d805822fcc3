// A register of whole numbers with read, write and compare-and-set, as in porcupine's
// etcd test (Jepsen's cas-register): the model behind `lincheck --model register` (reads
// and writes only) and `--model cas`.
//
// The register starts empty (nil): a read of it returns nil. write(v) sets it; cas(from,
// to) sets it to `to` if it holds `from` and reports whether it did. An output may be
// unknown (the operation never returned, or Jepsen said :info): a read with an unknown
// output is legal in any state, a cas with one does what the state says, since the search
// may then place the operation anywhere after its call, or after every other one, where
// it changes nothing anybody saw. A history with keys is partitioned by key, one
// register each.
//
// Pure functions; safe from any task.
#pragma once

#include "tester/porcupine/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace porcupine {

struct RegisterInput {
  enum Op : uint8_t { Read, Write, Cas };
  Op op = Read;
  int64_t value = 0;  // write's value; cas's `from`
  int64_t to = 0;     // cas's `to`
  std::string Key;    // empty: the history's only register
};

struct RegisterOutput {
  bool known = true;            // false: never returned, or :info
  std::optional<int64_t> value; // what a read returned (nullopt: nil)
  bool ok = true;               // whether a cas swapped
};

using RegisterOperation = Operation<RegisterInput, RegisterOutput>;

struct RegisterModel {
  using State = std::optional<int64_t>;
  using Input = RegisterInput;
  using Output = RegisterOutput;

  std::vector<std::vector<size_t>> partition(const std::vector<RegisterOperation>& history) const;
  State init() const { return std::nullopt; }
  std::pair<bool, State> step(const State& state, const Input& in, const Output& out) const {
    switch (in.op) {
      case RegisterInput::Read:
        return {!out.known || out.value == state, state};
      case RegisterInput::Write:
        return {true, in.value};
      case RegisterInput::Cas: {
        const bool swaps = state == in.value;
        return {!out.known || out.ok == swaps, swaps ? State(in.to) : state};
      }
    }
    return {false, state};
  }
  uint64_t hash(const State& s) const {
    return s ? static_cast<uint64_t>(*s) * 0x9E3779B97F4A7C15ULL + 1 : 0;
  }
  // read() -> 3, write(3), cas(3, 4) -> ok | fail, with `?` for an unknown output; the
  // key inside the parentheses when there is one.
  std::string describe_operation(const Input& in, const Output& out) const;
  std::string describe_state(const State& s) const;  // 3, or nil
};

}  // namespace porcupine
