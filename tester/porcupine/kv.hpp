// The key/value face of the linearizability checker (porcupine's KvModel), as the kvraft
// tester uses it: record a history of Get/Put/Append operations, check it, and draw a
// picture of it when it is not linearizable. The generic checker (models, search,
// partitions, timeout) lives beside this file.
//
// Pure computation on a finished history: call it after the clients have stopped.
#pragma once

#include "labrpc/runtime.hpp"
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/visualize.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace porcupine {

// CheckResult { Ok, Illegal, Unknown } comes from model.hpp; LinearizationInfo from
// checker.hpp.

// Input of one operation: Op 0 = get, 1 = put, 2 = append (porcupine's encoding).
struct KvInput {
  int Op = 0;
  std::string Key;
  std::string Value;
};
// Output: what a get returned (empty for put and append).
struct KvOutput {
  std::string Value;
};
// One completed operation: its client (0-based, used only for drawing), what it did,
// and when it was called and returned (ns on the runtime's clock, same origin for all).
struct KvOperation {
  int ClientId = 0;
  KvInput Input;
  int64_t Call = 0;
  KvOutput Output;
  int64_t Return = 0;
};

// What the verbose check found: the longest linearizable prefixes, per partition, for the
// picture (checker.hpp).
struct LinearizationInfo;

struct KvCheck {
  CheckResult result = CheckResult::Unknown;
  std::shared_ptr<LinearizationInfo> info;
};

// Checks `history` against the key/value model, partitioned by key, in verbose mode.
// timeout <= 0 means no limit; past it the answer is Unknown unless some partition was
// already proved Illegal.
KvCheck CheckKvOperationsVerbose(const std::vector<KvOperation>& history, lab::Duration timeout);

// Writes a self-contained HTML picture of `history` and `check` to `path`. Throws
// std::runtime_error naming the path when it cannot be written.
void VisualizeKv(const std::vector<KvOperation>& history, const KvCheck& check,
                 const std::string& path);

// --- Beyond the tester's interface ----------------------------------------------------

// porcupine's KvModel: one key's value per partition, partitioned by key in sorted key
// order; init ""; get legal iff it returned the value; put sets it; append appends. An
// unknown Op is never legal (porcupine would treat it as an append).
struct KvModel {
  using State = std::string;
  using Input = KvInput;
  using Output = KvOutput;

  std::vector<std::vector<size_t>> partition(const std::vector<KvOperation>& history) const;
  State init() const { return State(); }
  std::pair<bool, State> step(const State& state, const KvInput& input,
                              const KvOutput& output) const;
  // get('k') -> 'v', put('k', 'v'), append('k', 'v'), else <invalid>.
  std::string describe_operation(const KvInput& input, const KvOutput& output) const;
  std::string describe_state(const State& state) const;  // 'v'
  uint64_t hash(const State& state) const;
};

// get('k') -> <quoted_output>, put('k', 'v'), append('k', 'v'), else <invalid>.
std::string DescribeKvOperation(const KvInput& input, const std::string& quoted_output);

// Indices of `history` grouped by key, in sorted key order (porcupine's partitioning).
template <class Op>
std::vector<std::vector<size_t>> PartitionByKey(const std::vector<Op>& history) {
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < history.size(); ++i) by_key[history[i].Input.Key].push_back(i);
  std::vector<std::vector<size_t>> groups;
  groups.reserve(by_key.size());
  for (auto& [key, ops] : by_key) groups.push_back(std::move(ops));
  return groups;
}

// The picture of a key/value history under `model` (KvModel or KvDigestModel): a block
// per key. Without verbose information (check.info null) the history is drawn without
// linearizations.
template <class M, class Op>
void VisualizeByKey(const M& model, const std::vector<Op>& history, const KvCheck& check,
                    const std::string& path) {
  LinearizationInfo fallback;
  const LinearizationInfo* info = check.info.get();
  if (info == nullptr) {
    for (auto& ops : model.partition(history)) {
      PartitionInfo part;
      part.longest.assign(ops.size(), -1);
      part.ops = std::move(ops);
      part.result = check.result == CheckResult::Ok ? CheckResult::Ok : CheckResult::Unknown;
      fallback.partitions.push_back(std::move(part));
    }
    info = &fallback;
  }
  VisualizationData data = ComputeVisualizationData(model, history, *info, check.result);
  for (size_t p = 0; p < data.partitions.size(); ++p) {
    const auto& ops = info->partitions[p].ops;
    if (!ops.empty()) data.partitions[p].title = "key '" + history.at(ops[0]).Input.Key + "'";
  }
  WriteVisualization(data, path);
}

// Non-verbose checks: no timeout (true iff Ok), and with one.
bool CheckKvOperations(const std::vector<KvOperation>& history);
CheckResult CheckKvOperationsTimeout(const std::vector<KvOperation>& history,
                                     lab::Duration timeout);

}  // namespace porcupine
