// What the linearizability checker checks a history against: a sequential specification
// ("model") of the object the clients used, as in porcupine's Model. An instructor adds a
// model by writing one small struct; nothing needs registering.
//
//   struct RegisterModel {
//     using State = int;
//     using Input = RegisterInput;   // what a client asked
//     using Output = int;            // what it was told
//     State init() const { return 0; }
//     // Whether `input` answered with `output` is legal in `state`, and the state after
//     // it. Must not mutate anything: the search calls it many times, in any order, and
//     // (when partitions run in parallel) from several threads at once.
//     std::pair<bool, State> step(const State& s, const Input& in, const Output& out) const;
//     // Optional, each with a default:
//     bool equal(const State& a, const State& b) const;          // default: a == b
//     std::string describe_operation(const Input&, const Output&) const;
//                                                     // default: "<in> -> <out>"
//     std::string describe_state(const State&) const; // default: the state printed with <<
//     uint64_t hash(const State&) const;              // default: none (0). Equal states
//                                                     // must hash equal; a hash lets the
//                                                     // search's cache tell states apart
//                                                     // without comparing them
//     template <class Op>                             // default: one partition, everything
//     std::vector<std::vector<size_t>> partition(const std::vector<Op>& history) const;
//   };
//
// partition() returns groups of indices into the history: sub-histories that can be
// checked independently (P-compositionality: the history is linearizable iff each
// group is), e.g. one per key of a key/value store.
//
// A history is a std::vector of operations: any struct with ClientId, Input, Call,
// Output and Return members (Operation below, or KvOperation in kv.hpp). Call and Return
// are times on one clock (ns); ClientId only decides the row in the picture.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace porcupine {

// The checker's answer. Unknown: the time budget ran out before every partition was
// decided and none was found Illegal.
enum class CheckResult { Ok, Illegal, Unknown };

inline const char* to_string(CheckResult r) {
  switch (r) {
    case CheckResult::Ok:
      return "Ok";
    case CheckResult::Illegal:
      return "Illegal";
    case CheckResult::Unknown:
      return "Unknown";
  }
  return "?";
}

// One completed operation of a generic model.
template <class In, class Out>
struct Operation {
  int ClientId = 0;
  In Input{};
  int64_t Call = 0;
  Out Output{};
  int64_t Return = 0;
};

// An operation type the checker can read.
template <class Op>
concept HistoryOperation = requires(const Op& op) {
  { op.ClientId } -> std::convertible_to<int>;
  op.Input;
  op.Output;
  { op.Call } -> std::convertible_to<int64_t>;
  { op.Return } -> std::convertible_to<int64_t>;
};

// The members every model must have.
template <class M>
concept Model = std::copy_constructible<M> && std::copy_constructible<typename M::State> &&
                std::move_constructible<typename M::State> && requires(const M& m) {
                  typename M::Input;
                  typename M::Output;
                  { m.init() } -> std::convertible_to<typename M::State>;
                  {
                    m.step(std::declval<const typename M::State&>(),
                           std::declval<const typename M::Input&>(),
                           std::declval<const typename M::Output&>())
                  } -> std::convertible_to<std::pair<bool, typename M::State>>;
                };

// A model fits a history when the history's inputs and outputs are the model's.
template <class M, class Op>
concept ModelOf = Model<M> && HistoryOperation<Op> &&
                  std::same_as<std::remove_cvref_t<decltype(std::declval<Op>().Input)>,
                               typename M::Input> &&
                  std::same_as<std::remove_cvref_t<decltype(std::declval<Op>().Output)>,
                               typename M::Output>;

namespace detail {

template <class T>
concept Printable = requires(std::ostream& os, const T& v) { os << v; };

// Prints what can be printed; says so when it cannot.
template <class T>
std::string describe_value(const T& v) {
  if constexpr (std::convertible_to<const T&, std::string>) {
    return std::string(v);
  } else if constexpr (Printable<T>) {
    std::ostringstream os;
    os << v;
    return os.str();
  } else {
    return "<?>";
  }
}

}  // namespace detail

// --- The optional members, with porcupine's defaults --------------------------------

template <Model M>
bool model_equal(const M& m, const typename M::State& a, const typename M::State& b) {
  if constexpr (requires { m.equal(a, b); }) {
    return m.equal(a, b);
  } else {
    static_assert(std::equality_comparable<typename M::State>,
                  "model state has no operator== and the model no equal()");
    return a == b;
  }
}

template <Model M>
std::string model_describe_operation(const M& m, const typename M::Input& in,
                                     const typename M::Output& out) {
  if constexpr (requires { m.describe_operation(in, out); }) {
    return m.describe_operation(in, out);
  } else {
    return detail::describe_value(in) + " -> " + detail::describe_value(out);
  }
}

template <Model M>
std::string model_describe_state(const M& m, const typename M::State& s) {
  if constexpr (requires { m.describe_state(s); }) {
    return m.describe_state(s);
  } else {
    return detail::describe_value(s);
  }
}

template <Model M>
uint64_t model_hash(const M& m, const typename M::State& s) {
  if constexpr (requires { { m.hash(s) } -> std::convertible_to<uint64_t>; }) {
    return m.hash(s);
  } else {
    return 0;
  }
}

// The model's partitions of `history`, or one partition holding all of it.
template <Model M, class Op>
std::vector<std::vector<size_t>> model_partition(const M& m, const std::vector<Op>& history) {
  if constexpr (requires { m.partition(history); }) {
    return m.partition(history);
  } else {
    std::vector<size_t> all(history.size());
    std::iota(all.begin(), all.end(), size_t{0});
    return {std::move(all)};
  }
}

}  // namespace porcupine
