// The linearizability checker: a C++ port of porcupine's algorithm (Anish Athalye's Go
// library). Given a model (model.hpp) and a finished history, it decides whether some
// order of the operations, consistent with their real-time order, is legal for the model.
//
//   CheckOperations(model, history)                 -> bool (no time limit)
//   CheckOperationsTimeout(model, history, timeout) -> Ok / Illegal / Unknown
//   CheckOperationsVerbose(model, history, timeout) -> result + LinearizationInfo (for
//                                                      Visualize, visualize.hpp)
//   timeout <= 0 means no limit.
//
// The model's partitions are checked independently (the history is linearizable iff each
// is), by up to one worker per core: lab::compute_parallel's threads, which run on every
// core whether or not the caller is a World's task (a World's tasks share one CPU), so the
// runtime rule holds; in the simulated world the workers run one after another on the
// caller, which keeps it deterministic. The time budget is real time
// (lab::real_seconds(); virtual time in simulation), read about every half millisecond of
// work. Past it, the answer is Unknown unless a partition was already proved Illegal.
// Without verbose, the first Illegal partition stops the others; with verbose, every
// partition runs to its end (or the deadline) so the picture is complete.
//
// Pure computation on a finished history; callable from any task or thread. The model is
// copied and its const members may be called from several threads at once.
#pragma once

#include "labrpc/runtime.hpp"
#include "tester/porcupine/model.hpp"
#include "tester/porcupine/search.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace porcupine {

// What the verbose check found, per partition, for the picture.
struct PartitionInfo {
  std::vector<size_t> ops;  // indices into the history; local op i is history[ops[i]]
  CheckResult result = CheckResult::Unknown;  // this partition's own verdict
  // Partial linearizations found (local op ids, in linearization order), longest first.
  // For a linearizable partition: one, complete. Otherwise the maximal prefixes the
  // search could not extend.
  std::vector<std::vector<int32_t>> partials;
  // Per local op: index into partials of the longest one containing it, -1 if none.
  std::vector<int32_t> longest;
};

struct LinearizationInfo {
  std::vector<PartitionInfo> partitions;
};

struct CheckOptions {
  lab::Duration timeout{0};  // <= 0: none
  bool verbose = false;      // collect LinearizationInfo; Illegal does not stop the rest
  int workers = 0;           // partitions checked at once; 0 = one per core
};

// Work done, for benchmarks and tests.
struct CheckStats {
  uint64_t steps = 0;   // model steps tried, all partitions
  uint64_t cached = 0;  // configurations remembered, all partitions
  int workers = 0;      // threads that checked partitions
};

struct CheckOutcome {
  CheckResult result = CheckResult::Unknown;
  // Each partition's own verdict and model steps, in the model's partition order. Unknown
  // for one left undecided: out of time, or stopped when another was found Illegal (not
  // verbose).
  struct Partition {
    CheckResult result = CheckResult::Unknown;
    uint64_t steps = 0;
  };
  std::vector<Partition> partitions;
  std::shared_ptr<LinearizationInfo> info;  // verbose only
  CheckStats stats;
  // What searches stopped by the deadline (or by an Illegal partition) still hold, freed
  // with the outcome: after the answer, not inside the budget.
  std::shared_ptr<const void> memory;
};

namespace detail {

struct DriverOutcome {
  CheckResult result = CheckResult::Unknown;
  std::vector<PartitionResult> partitions;
  CheckStats stats;
  std::shared_ptr<const void> memory;  // the jobs, when a search was stopped
};

// Runs the partitions' searches (checker.cpp): on several threads when it pays, else on
// the caller. Rethrows what a search threw.
DriverOutcome run_partitions(std::vector<std::shared_ptr<PartitionJob>> jobs,
                             const CheckOptions& options);

inline CheckResult to_check_result(Verdict v) {
  return v == Verdict::Linearizable      ? CheckResult::Ok
         : v == Verdict::NotLinearizable ? CheckResult::Illegal
                                         : CheckResult::Unknown;
}

// Throws std::invalid_argument naming the operation when Return < Call.
void check_times(size_t index, int64_t call, int64_t ret);

}  // namespace detail

template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
CheckOutcome Check(const M& model, const std::vector<Op>& history, const CheckOptions& options) {
  auto shared_model = std::make_shared<const M>(model);
  std::vector<std::vector<size_t>> groups = model_partition(model, history);
  std::vector<std::shared_ptr<detail::PartitionJob>> jobs;
  jobs.reserve(groups.size());
  for (const auto& group : groups) {
    std::vector<typename M::Input> inputs;
    std::vector<typename M::Output> outputs;
    std::vector<int64_t> calls, returns;
    inputs.reserve(group.size());
    outputs.reserve(group.size());
    calls.reserve(group.size());
    returns.reserve(group.size());
    for (size_t index : group) {
      if (index >= history.size()) {
        throw std::invalid_argument("porcupine: the model's partition names operation " +
                                    std::to_string(index) + " of a history of " +
                                    std::to_string(history.size()));
      }
      const Op& op = history[index];
      detail::check_times(index, op.Call, op.Return);
      inputs.push_back(op.Input);
      outputs.push_back(op.Output);
      calls.push_back(op.Call);
      returns.push_back(op.Return);
    }
    jobs.push_back(std::make_shared<detail::PartitionSearch<M>>(
        shared_model, std::move(inputs), std::move(outputs), std::move(calls),
        std::move(returns)));
  }

  detail::DriverOutcome driven = detail::run_partitions(std::move(jobs), options);
  CheckOutcome outcome;
  outcome.result = driven.result;
  outcome.stats = driven.stats;
  outcome.memory = std::move(driven.memory);
  for (const detail::PartitionResult& found : driven.partitions) {
    outcome.partitions.push_back({detail::to_check_result(found.verdict), found.steps});
  }
  if (options.verbose) {
    auto info = std::make_shared<LinearizationInfo>();
    info->partitions.resize(groups.size());
    for (size_t p = 0; p < groups.size(); ++p) {
      PartitionInfo& part = info->partitions[p];
      detail::PartitionResult& found = driven.partitions[p];
      part.ops = std::move(groups[p]);
      part.result = outcome.partitions[p].result;
      part.partials = std::move(found.partials);
      part.longest = std::move(found.longest);
      if (part.longest.empty()) part.longest.assign(part.ops.size(), -1);
    }
    outcome.info = std::move(info);
  }
  return outcome;
}

// porcupine.CheckOperations: no time limit.
template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
bool CheckOperations(const M& model, const std::vector<Op>& history) {
  return Check(model, history, CheckOptions{}).result == CheckResult::Ok;
}

// porcupine.CheckOperationsTimeout.
template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
CheckResult CheckOperationsTimeout(const M& model, const std::vector<Op>& history,
                                   lab::Duration timeout) {
  CheckOptions options;
  options.timeout = timeout;
  return Check(model, history, options).result;
}

// porcupine.CheckOperationsVerbose: the result and what Visualize needs.
template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
CheckOutcome CheckOperationsVerbose(const M& model, const std::vector<Op>& history,
                                    lab::Duration timeout) {
  CheckOptions options;
  options.timeout = timeout;
  options.verbose = true;
  return Check(model, history, options);
}

}  // namespace porcupine
