// See kv_generator.hpp.
#include "tester/porcupine/kv_generator.hpp"

#include "labrpc/runtime.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>

namespace porcupine {

namespace {

// The service, as the kvraft tests see it: a partitioner re-splits the servers every
// 1-1.2 s; in each such epoch a client is either connected to the majority's leader (its
// operations take one agreement: 20-150 ms) or stuck behind the minority (its operation
// waits until a later epoch where it is connected, or until the iteration ends and the
// network heals). An operation takes effect when the leader commits it, shortly before
// the reply. kStuckPerThousand makes a client do ~11 operations per 5-second iteration on
// average, as in porcupine's data (~340 operations for 10 clients, ~1,700 for 50): most
// clients are stuck at any time while a few run fast.
constexpr int kStuckPerThousand = 850;
constexpr int64_t kEpochMinNs = 1'000'000'000, kEpochMaxNs = 1'200'000'000;
constexpr int64_t kFastMinNs = 20'000'000, kFastMaxNs = 150'000'000;
constexpr int64_t kCommitToReplyMaxNs = 10'000'000;
constexpr int64_t kThinkMaxNs = 100'000;  // a client's gap between two operations

struct Planned {
  KvOperation op;
  int64_t effect = 0;  // when it takes effect, inside [Call, Return]
};

}  // namespace

std::vector<KvOperation> GenerateKvHistory(const KvHistoryShape& shape) {
  lab::Rng rng(shape.seed * 0x9e3779b97f4a7c15ULL + 0x6b76);
  std::vector<Planned> planned;
  int64_t iteration_start = 1'000'000;
  for (int it = 0; it < shape.iterations; ++it) {
    const int64_t iteration_end = iteration_start + shape.iteration_ns;
    // The partitioner's epochs, and who is stuck in each; after the last one the network
    // heals and everyone is connected.
    std::vector<int64_t> epoch_end;
    for (int64_t t = iteration_start; t < iteration_end;) {
      t = std::min(iteration_end, t + rng.range(kEpochMinNs, kEpochMaxNs));
      epoch_end.push_back(t);
    }
    std::vector<std::vector<bool>> stuck(epoch_end.size(), std::vector<bool>(shape.clients));
    for (auto& epoch : stuck) {
      for (int cli = 0; cli < shape.clients; ++cli) epoch[cli] = rng.intn(1000) < kStuckPerThousand;
    }
    const auto epoch_of = [&](int64_t t) {
      return static_cast<size_t>(std::upper_bound(epoch_end.begin(), epoch_end.end(), t) -
                                 epoch_end.begin());
    };

    int64_t last_return = iteration_end;
    for (int cli = 0; cli < shape.clients; ++cli) {
      int64_t t = iteration_start + rng.intn(1'000'000);
      for (int j = 0; t < iteration_end;) {
        Planned p;
        p.op.ClientId = cli;
        p.op.Input.Key = std::to_string(rng.intn(shape.keys));
        if (rng.intn(1000) < 500) {
          p.op.Input.Op = 2;
        } else if (rng.intn(1000) < 100) {
          p.op.Input.Op = 1;
        } else {
          p.op.Input.Op = 0;
        }
        if (p.op.Input.Op != 0) {
          p.op.Input.Value = "x " + std::to_string(cli) + " " + std::to_string(j++) + " y";
        }
        int64_t served_from = t;
        for (size_t e = epoch_of(t); e < epoch_end.size() && stuck[e][cli]; ++e) {
          served_from = epoch_end[e];
        }
        const int64_t ret = served_from + rng.range(kFastMinNs, kFastMaxNs);
        p.op.Call = t;
        p.op.Return = ret;
        p.effect = ret - rng.range(0, std::min(kCommitToReplyMaxNs, ret - t));
        planned.push_back(std::move(p));
        t = ret + rng.range(1, kThinkMaxNs);
        last_return = std::max(last_return, ret);
      }
    }
    iteration_start = last_return + 1'000'000;
  }

  // Replay in effect order: each Get sees the value at its instant.
  std::vector<size_t> order(planned.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return planned[a].effect < planned[b].effect; });
  std::map<std::string, std::string> store;
  for (size_t i : order) {
    KvOperation& op = planned[i].op;
    std::string& value = store[op.Input.Key];
    if (op.Input.Op == 0) {
      op.Output.Value = value;
    } else if (op.Input.Op == 1) {
      value = op.Input.Value;
    } else {
      value += op.Input.Value;
    }
  }

  std::vector<KvOperation> history;
  history.reserve(planned.size());
  for (auto& p : planned) history.push_back(std::move(p.op));
  std::stable_sort(history.begin(), history.end(),
                   [](const KvOperation& a, const KvOperation& b) { return a.Call < b.Call; });
  if (!shape.illegal) return history;

  // A stale read: Get g drops the value of an Append w on its key that returned before g
  // was called (so w precedes g in every linearization) while no Put on the key overlaps
  // [w.Call, g.Return] (so nothing can erase w's value in between). Among such Gets, the
  // one nearest the middle of the history.
  std::vector<size_t> by_distance(history.size());
  std::iota(by_distance.begin(), by_distance.end(), size_t{0});
  const size_t middle = history.size() / 2;
  std::stable_sort(by_distance.begin(), by_distance.end(), [&](size_t a, size_t b) {
    return (a > middle ? a - middle : middle - a) < (b > middle ? b - middle : middle - b);
  });
  size_t best_get = history.size(), best_append = 0;
  for (size_t g : by_distance) {
    const KvOperation& get = history[g];
    if (get.Input.Op != 0) continue;
    size_t w_best = history.size();
    for (size_t w = 0; w < history.size(); ++w) {
      const KvOperation& app = history[w];
      if (app.Input.Op != 2 || app.Input.Key != get.Input.Key || app.Return >= get.Call) continue;
      if (get.Output.Value.find(app.Input.Value) == std::string::npos) continue;
      if (w_best == history.size() || app.Return > history[w_best].Return) w_best = w;
    }
    if (w_best == history.size()) continue;
    const KvOperation& app = history[w_best];
    const bool put_between = std::any_of(history.begin(), history.end(), [&](const KvOperation& o) {
      return o.Input.Op == 1 && o.Input.Key == get.Input.Key && o.Return > app.Call &&
             o.Call < get.Return;
    });
    if (put_between) continue;
    best_get = g;
    best_append = w_best;
    break;
  }
  if (best_get < history.size()) {
    std::string& seen = history[best_get].Output.Value;
    seen.erase(seen.find(history[best_append].Input.Value),
               history[best_append].Input.Value.size());
  } else {
    // No Get qualifies (tiny histories): a Get of a value that was never written.
    for (auto& op : history) {
      if (op.Input.Op == 0) {
        op.Output.Value += "x never written y";
        break;
      }
    }
  }
  return history;
}

}  // namespace porcupine
