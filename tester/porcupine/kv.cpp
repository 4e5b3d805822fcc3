// porcupine's key/value model and the kvraft tester's entry points (kv.hpp).
#include "tester/porcupine/kv.hpp"

#include <stdexcept>

namespace porcupine {

std::vector<std::vector<size_t>> KvModel::partition(
    const std::vector<KvOperation>& history) const {
  return PartitionByKey(history);
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

std::string DescribeKvOperation(const KvInput& input, const std::string& quoted_output) {
  switch (input.Op) {
    case 0:
      return "get('" + input.Key + "') -> " + quoted_output;
    case 1:
      return "put('" + input.Key + "', '" + input.Value + "')";
    case 2:
      return "append('" + input.Key + "', '" + input.Value + "')";
    default:
      return "<invalid>";
  }
}

std::string KvModel::describe_operation(const KvInput& input, const KvOutput& output) const {
  return DescribeKvOperation(input, "'" + output.Value + "'");
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
  VisualizeByKey(KvModel{}, history, check, path);
}

}  // namespace porcupine
