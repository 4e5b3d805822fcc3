// The picture of a checked history, in the spirit of porcupine's visualisation: one
// self-contained HTML page (inline CSS, JavaScript and SVG, the data as embedded JSON; no
// network) that any browser opens. A block per partition, a row per client, a box per
// operation on a warped time axis, the linearization points of the longest partial
// linearization, and the operation that could not be linearized after it in red.
// docs/linearizability.md says how to read it.
//
// Visualize(model, history, outcome, path) needs a verbose check (CheckOperationsVerbose).
// Pure computation plus one file write; callable from any task or thread.
#pragma once

#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/model.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace porcupine {

// What the page shows, with the model's descriptions already applied.
struct VisualOperation {
  int client = 0;
  int64_t start = 0;
  int64_t end = 0;
  std::string description;
};
struct VisualStep {
  int32_t op = 0;     // local op id
  std::string state;  // the state after it
};
struct VisualPartial {
  std::vector<VisualStep> steps;
  // The operation the search could not linearize after these steps (the unlinearized one
  // that returns first), or -1 when the steps are a complete linearization.
  int32_t invalid = -1;
};
struct VisualPartition {
  std::string title;  // "partition 3"; VisualizeKv says "key 'k'"
  CheckResult result = CheckResult::Unknown;
  std::string init_state;
  std::vector<VisualOperation> ops;
  std::vector<VisualPartial> partials;  // longest first
  std::vector<int32_t> largest;         // per op: index into partials, -1 none
};
struct VisualizationData {
  CheckResult result = CheckResult::Unknown;
  std::vector<VisualPartition> partitions;
};

// The whole page for `data`.
std::string RenderVisualization(const VisualizationData& data);
// Writes the page to `path`; throws std::runtime_error naming the path on failure.
void WriteVisualization(const VisualizationData& data, const std::string& path);

namespace detail {
// The unlinearized op of `partition` whose return comes first (the checker's entry order:
// by time, calls before returns, then by op), or -1 if all are in `linearized`.
int32_t first_blocked_op(const std::vector<int64_t>& calls, const std::vector<int64_t>& returns,
                         const std::vector<int32_t>& linearized);
}  // namespace detail

template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
VisualizationData ComputeVisualizationData(const M& model, const std::vector<Op>& history,
                                           const LinearizationInfo& info, CheckResult result) {
  VisualizationData data;
  data.result = result;
  for (size_t p = 0; p < info.partitions.size(); ++p) {
    const PartitionInfo& part = info.partitions[p];
    VisualPartition vis;
    vis.title = "partition " + std::to_string(p);
    vis.result = part.result;
    vis.init_state = model_describe_state(model, model.init());
    std::vector<int64_t> calls, returns;
    for (size_t index : part.ops) {
      if (index >= history.size()) {
        throw std::invalid_argument("porcupine: linearization info names operation " +
                                    std::to_string(index) + " of a history of " +
                                    std::to_string(history.size()));
      }
      const Op& op = history[index];
      vis.ops.push_back({static_cast<int>(op.ClientId), static_cast<int64_t>(op.Call),
                         static_cast<int64_t>(op.Return),
                         model_describe_operation(model, op.Input, op.Output)});
      calls.push_back(op.Call);
      returns.push_back(op.Return);
    }
    for (const auto& partial : part.partials) {
      VisualPartial steps;
      typename M::State state = model.init();
      for (int32_t local : partial) {
        const Op& op = history.at(part.ops.at(static_cast<size_t>(local)));
        auto [ok, next] = model.step(state, op.Input, op.Output);
        if (!ok) {
          throw std::logic_error("porcupine: the model rejects a step of a linearization it "
                                 "accepted (is step deterministic?): " +
                                 model_describe_operation(model, op.Input, op.Output));
        }
        state = std::move(next);
        steps.steps.push_back({local, model_describe_state(model, state)});
      }
      steps.invalid = detail::first_blocked_op(calls, returns, partial);
      vis.partials.push_back(std::move(steps));
    }
    vis.largest = part.longest;
    vis.largest.resize(vis.ops.size(), -1);
    data.partitions.push_back(std::move(vis));
  }
  return data;
}

// porcupine.VisualizePath: the picture of a verbose check of `history`.
template <Model M, HistoryOperation Op>
  requires ModelOf<M, Op>
void Visualize(const M& model, const std::vector<Op>& history, const CheckOutcome& outcome,
               const std::string& path) {
  if (!outcome.info) {
    throw std::invalid_argument("porcupine: Visualize(" + path +
                                ") needs a verbose check (CheckOperationsVerbose)");
  }
  WriteVisualization(ComputeVisualizationData(model, history, *outcome.info, outcome.result),
                     path);
}

}  // namespace porcupine
