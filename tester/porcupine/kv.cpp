// porcupine's key/value model and the kvraft tester's entry points (kv.hpp).
#include "tester/porcupine/kv.hpp"

#include "tester/porcupine/visualize.hpp"

#include <map>
#include <stdexcept>

namespace porcupine {

std::vector<std::vector<size_t>> KvModel::partition(
    const std::vector<KvOperation>& history) const {
  std::map<std::string, std::vector<size_t>> by_key;  // sorted key order, as porcupine
  for (size_t i = 0; i < history.size(); ++i) by_key[history[i].Input.Key].push_back(i);
  std::vector<std::vector<size_t>> groups;
  groups.reserve(by_key.size());
  for (auto& [key, ops] : by_key) groups.push_back(std::move(ops));
  return groups;
}

std::pair<bool, KvModel::State> KvModel::step(const State& state, const KvInput& input,
                                              const KvOutput& output) const {
  switch (input.Op) {
    case 0:  // get: legal iff it saw the value; the state is unchanged
      if (output.Value == state) return {true, state};
      return {false, State()};
    case 1:  // put
      return {true, input.Value};
    case 2: {  // append
      State next;
      next.reserve(state.size() + input.Value.size());
      next += state;
      next += input.Value;
      return {true, std::move(next)};
    }
    default:
      return {false, State()};
  }
}

std::string KvModel::describe_operation(const KvInput& input, const KvOutput& output) const {
  switch (input.Op) {
    case 0:
      return "get('" + input.Key + "') -> '" + output.Value + "'";
    case 1:
      return "put('" + input.Key + "', '" + input.Value + "')";
    case 2:
      return "append('" + input.Key + "', '" + input.Value + "')";
    default:
      return "<invalid>";
  }
}

std::string KvModel::describe_state(const State& state) const { return "'" + state + "'"; }

uint64_t KvModel::hash(const State& state) const { return std::hash<std::string>{}(state); }

bool CheckKvOperations(const std::vector<KvOperation>& history) {
  return CheckOperations(KvModel{}, history);
}

CheckResult CheckKvOperationsTimeout(const std::vector<KvOperation>& history,
                                     lab::Duration timeout) {
  return CheckOperationsTimeout(KvModel{}, history, timeout);
}

KvCheck CheckKvOperationsVerbose(const std::vector<KvOperation>& history, lab::Duration timeout) {
  CheckOutcome outcome = CheckOperationsVerbose(KvModel{}, history, timeout);
  return KvCheck{outcome.result, std::move(outcome.info)};
}

void VisualizeKv(const std::vector<KvOperation>& history, const KvCheck& check,
                 const std::string& path) {
  const KvModel model;
  LinearizationInfo fallback;
  const LinearizationInfo* info = check.info.get();
  if (info == nullptr) {  // a non-verbose check: draw the history without linearizations
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

}  // namespace porcupine
