// See register_generator.hpp.
#include "tester/porcupine/register_generator.hpp"

#include "labrpc/runtime.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

namespace porcupine {

namespace {

constexpr int64_t kNever = -1;  // the effect instant of an operation that did not happen

// The read to make stale and the value it will return, or nullopt when the history has
// no read after two writes ordered in real time on its key.
struct Stale {
  size_t read;
  int64_t value;
};
std::optional<Stale> find_stale_read(const std::vector<RegisterOperation>& h,
                                     const std::vector<bool>& returned) {
  std::vector<size_t> order(h.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Reads from the middle of the history's time outwards.
  std::vector<int64_t> calls;
  for (const RegisterOperation& op : h) calls.push_back(op.Call);
  std::nth_element(calls.begin(), calls.begin() + static_cast<ptrdiff_t>(calls.size() / 2), calls.end());
  const int64_t mid = calls.empty() ? 0 : calls[calls.size() / 2];
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::llabs(h[a].Call - mid) < std::llabs(h[b].Call - mid);
  });
  for (size_t r : order) {
    const RegisterOperation& read = h[r];
    if (read.Input.op != RegisterInput::Read || !returned[r]) continue;
    // A write W_m that returned before the read's call, and a write W_j that returned
    // before W_m's call: W_j's value is overwritten in every linearization.
    for (size_t m = 0; m < h.size(); ++m) {
      const RegisterOperation& wm = h[m];
      if (wm.Input.op != RegisterInput::Write || !returned[m] || wm.Input.Key != read.Input.Key ||
          wm.Return >= read.Call) {
        continue;
      }
      for (size_t j = 0; j < h.size(); ++j) {
        const RegisterOperation& wj = h[j];
        if (wj.Input.op == RegisterInput::Write && returned[j] && wj.Input.Key == read.Input.Key &&
            wj.Return < wm.Call && read.Output.value != wj.Input.value) {
          return Stale{r, wj.Input.value};
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<RegisterOperation> GenerateRegisterHistory(const RegisterHistoryShape& shape) {
  lab::Rng rng(shape.seed * 0x9E3779B97F4A7C15ULL + 17);
  std::vector<RegisterOperation> h;
  std::vector<int64_t> effect;  // per operation: its instant, or kNever
  std::vector<bool> returned;
  std::map<std::string, std::vector<int64_t>> written;  // per key: values written, in order
  int64_t next_value = 1;
  int next_process = shape.clients;
  for (int c = 0; c < shape.clients; ++c) {
    int process = c;
    int64_t t = rng.range(0, 1000);
    for (int j = 0; j < shape.ops_per_client; ++j) {
      RegisterOperation op;
      op.ClientId = process;
      op.Input.Key = shape.keys > 1 ? std::to_string(rng.intn(shape.keys)) : "";
      const int64_t kind = rng.intn(100);
      if (kind < (shape.cas ? 40 : 50)) {
        op.Input.op = RegisterInput::Read;
      } else if (!shape.cas || kind < 70) {
        op.Input.op = RegisterInput::Write;
        op.Input.value = next_value++;
        written[op.Input.Key].push_back(op.Input.value);
      } else {
        op.Input.op = RegisterInput::Cas;
        const std::vector<int64_t>& w = written[op.Input.Key];
        // Mostly a recent value, so that many swap.
        op.Input.value = w.empty() ? 0 : w[w.size() - 1 - static_cast<size_t>(rng.intn(std::min<int64_t>(3, static_cast<int64_t>(w.size()))))];
        op.Input.to = next_value++;
        written[op.Input.Key].push_back(op.Input.to);
      }
      const int64_t latency = rng.intn(50) == 0 ? rng.range(50, 500) : rng.range(1, 20);
      op.Call = t;
      op.Return = t + latency;
      // A read that times out constrains nothing (adapters.hpp leaves it out): only
      // writes and cas are lost.
      const bool lost = rng.intn(100) < shape.unreturned_percent && op.Input.op != RegisterInput::Read;
      effect.push_back(lost && rng.intn(2) == 0 ? kNever : rng.range(op.Call, op.Return));
      returned.push_back(!lost);
      op.Output.known = !lost;
      h.push_back(std::move(op));
      t += latency + rng.range(0, 8 * shape.clients);
      if (lost) process = next_process++;  // Jepsen gives the client a new process
    }
  }
  // Replay the effects in time order to give reads and cas their results.
  std::vector<size_t> by_effect;
  for (size_t i = 0; i < h.size(); ++i) {
    if (effect[i] != kNever) by_effect.push_back(i);
  }
  std::stable_sort(by_effect.begin(), by_effect.end(),
                   [&](size_t a, size_t b) { return effect[a] < effect[b]; });
  std::map<std::string, std::optional<int64_t>> state;
  for (size_t i : by_effect) {
    RegisterOperation& op = h[i];
    std::optional<int64_t>& s = state[op.Input.Key];
    switch (op.Input.op) {
      case RegisterInput::Read:
        op.Output.value = s;
        break;
      case RegisterInput::Write:
        s = op.Input.value;
        break;
      case RegisterInput::Cas:
        op.Output.ok = s == op.Input.value;
        if (op.Output.ok) s = op.Input.to;
        break;
    }
  }
  // Operations that never returned return after everything (porcupine's "at infinity").
  int64_t end = 0;
  for (const RegisterOperation& op : h) end = std::max(end, op.Return);
  for (size_t i = 0; i < h.size(); ++i) {
    if (!returned[i]) {
      h[i].Return = end + 1;
      h[i].Output.value.reset();
    }
  }
  if (shape.illegal) {
    const std::optional<Stale> stale = find_stale_read(h, returned);
    if (!stale) {
      throw std::invalid_argument("GenerateRegisterHistory: no read follows two writes of its "
                                  "key in real time; more clients or operations are needed");
    }
    h[stale->read].Output.value = stale->value;
  }
  std::stable_sort(h.begin(), h.end(), [](const RegisterOperation& a, const RegisterOperation& b) {
    return a.Call < b.Call;
  });
  return h;
}

}  // namespace porcupine
