// The checker's type-free parts: the entry list, the verbose bookkeeping, the deadline
// pacer, and the driver that runs partitions (in parallel on every core when it pays).
#include "tester/porcupine/checker.hpp"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <numeric>

namespace porcupine::detail {

// --- Entries ------------------------------------------------------------------------

EntryList make_entry_list(const std::vector<int64_t>& call, const std::vector<int64_t>& ret) {
  const size_t n = call.size();
  struct Entry {
    int64_t time;
    int32_t is_return;  // calls (0) sort before returns (1) at equal times
    int32_t op;         // then by op, so equal inputs give one order
  };
  std::vector<Entry> entries;
  entries.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    entries.push_back({call[i], 0, static_cast<int32_t>(i)});
    entries.push_back({ret[i], 1, static_cast<int32_t>(i)});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return a.is_return < b.is_return;
    return a.op < b.op;
  });

  EntryList list;
  const int32_t nodes = static_cast<int32_t>(2 * n);
  list.head = nodes;
  list.op.resize(nodes + 1, -1);
  list.match.resize(nodes + 1, -1);
  list.next.resize(nodes + 1);
  list.prev.resize(nodes + 1);
  std::vector<int32_t> return_node(n, -1);
  for (int32_t i = 0; i < nodes; ++i) {
    list.op[i] = entries[i].op;
    if (entries[i].is_return) return_node[entries[i].op] = i;
  }
  for (int32_t i = 0; i < nodes; ++i) {
    if (!entries[i].is_return) list.match[i] = return_node[entries[i].op];
    list.next[i] = i + 1 < nodes ? i + 1 : -1;
    list.prev[i] = i > 0 ? i - 1 : list.head;
  }
  list.next[list.head] = nodes > 0 ? 0 : -1;
  list.prev[list.head] = -1;
  return list;
}

void check_times(size_t index, int64_t call, int64_t ret) {
  if (ret < call) {
    throw std::invalid_argument("porcupine: operation " + std::to_string(index) +
                                " returns (" + std::to_string(ret) + ") before its call (" +
                                std::to_string(call) + ")");
  }
}

// --- Longest partial linearizations -------------------------------------------------

LongestPrefixes::LongestPrefixes(size_t n_ops) : best_len_(n_ops, 0), best_seq_(n_ops, -1) {}

void LongestPrefixes::push(int32_t op) {
  const int32_t known = best_len_[op];
  floor_.push_back(floor_.empty() ? known : std::min(floor_.back(), known));
  stack_.push_back(op);
}

void LongestPrefixes::pop() {
  stack_.pop_back();
  floor_.pop_back();
}

int32_t LongestPrefixes::new_sequence() {
  int32_t seq;
  if (!free_.empty()) {
    seq = free_.back();
    free_.pop_back();
  } else {
    seq = static_cast<int32_t>(seqs_.size());
    seqs_.emplace_back();
    refs_.push_back(0);
  }
  seqs_[seq].assign(stack_.begin(), stack_.end());
  return seq;
}

void LongestPrefixes::release(int32_t seq) {
  if (seq < 0) return;
  if (--refs_[seq] == 0) {
    seqs_[seq].clear();
    free_.push_back(seq);
  }
}

void LongestPrefixes::record() {
  const int32_t depth = static_cast<int32_t>(stack_.size());
  int32_t seq = -1;
  // floor_ is non-increasing, so the positions that may improve form a suffix.
  for (int32_t i = depth - 1; i >= 0 && floor_[i] < depth; --i) {
    const int32_t op = stack_[i];
    if (best_len_[op] < depth) {
      if (seq < 0) seq = new_sequence();
      ++refs_[seq];
      release(best_seq_[op]);
      best_seq_[op] = seq;
      best_len_[op] = depth;
    }
    floor_[i] = depth;
  }
}

void LongestPrefixes::complete() {
  const int32_t depth = static_cast<int32_t>(stack_.size());
  const int32_t seq = new_sequence();
  for (int32_t op : stack_) {
    ++refs_[seq];
    release(best_seq_[op]);
    best_seq_[op] = seq;
    best_len_[op] = depth;
  }
}

void LongestPrefixes::take(PartitionResult& result) {
  if (best_seq_.empty()) return;
  // The sequences still referenced, longest first (then in creation order).
  std::vector<int32_t> live;
  for (int32_t s = 0; s < static_cast<int32_t>(seqs_.size()); ++s) {
    if (refs_[s] > 0) live.push_back(s);
  }
  std::stable_sort(live.begin(), live.end(), [&](int32_t a, int32_t b) {
    return seqs_[a].size() > seqs_[b].size();
  });
  std::vector<int32_t> position(seqs_.size(), -1);
  result.partials.clear();
  for (int32_t s : live) {
    position[s] = static_cast<int32_t>(result.partials.size());
    result.partials.push_back(std::move(seqs_[s]));
  }
  result.longest.assign(best_seq_.size(), -1);
  for (size_t op = 0; op < best_seq_.size(); ++op) {
    if (best_seq_[op] >= 0) result.longest[op] = position[best_seq_[op]];
  }
}

// --- Deadline -------------------------------------------------------------------------

double clock_seconds() {
  if (lab::simulated()) {
    return std::chrono::duration<double>(lab::now().time_since_epoch()).count();
  }
  return lab::real_seconds();
}

// Virtual time charged per kSimPollSteps steps in the simulated world: about what they
// take on this machine class (50-100 ns a step).
constexpr lab::Duration kWorkCharge = std::chrono::microseconds(50);

// The real world's first reads come after few steps (a step may be slow); the count then
// adapts, up to this bound.
constexpr uint32_t kFirstPollSteps = 16;
constexpr uint32_t kMaxPollSteps = 1u << 20;

Pacer::Pacer(const SearchControl& control)
    : deadline_(control.deadline),
      last_(clock_seconds()),
      every_(lab::simulated() ? kSimPollSteps : kFirstPollSteps) {}

bool Pacer::poll() {
  double t = clock_seconds();
  if (lab::simulated()) {
    if (t == last_) {  // the clock stood still while we computed: charge the work
      lab::sleep(kWorkCharge);
      t = clock_seconds();
    }
  } else if (t - last_ < kPollInterval / 2 && every_ < kMaxPollSteps) {
    every_ *= 2;
  } else if (t - last_ > kPollInterval * 2 && every_ > 1) {
    every_ /= 2;
  }
  last_ = t;
  return t >= deadline_;
}

// --- The driver -------------------------------------------------------------------------

namespace {

// Below this many operations in all, starting threads costs more than it saves.
constexpr size_t kParallelMinOps = 200;

int cores() {
  static const int n = [] {
    const long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? static_cast<int>(c) : 1;
  }();
  return n;
}

// Steps a partition runs before it lets the next one have a turn: at first long enough
// that taking turns costs nothing measurable (~1-5 ms of work), short enough that an
// Illegal partition is found early even behind a hopeless one; then twice as long each
// turn, up to kMaxSliceSteps, so that a long search is not moved from worker to worker
// (from core to core, its cache left behind) every few milliseconds. Every partition gets
// its turn k before any gets its turn k + 2, so an Illegal partition that needs S steps
// is still found within a few S (plus kMaxSliceSteps) per partition.
constexpr uint64_t kSliceSteps = 1 << 15;
constexpr uint64_t kMaxSliceSteps = 1 << 20;

// What the workers share while they check.
struct Run {
  std::vector<std::shared_ptr<PartitionJob>> jobs;
  std::atomic<bool> stop{false};
  std::atomic<bool> illegal{false};
  double deadline = std::numeric_limits<double>::infinity();
  bool verbose = false;

  lab::Mutex mu;
  std::deque<size_t> ready;  // guarded by mu: partitions waiting for their next turn
  std::vector<uint64_t> slice;  // guarded by mu: per partition, the steps of its next turn

  // Takes turns on partitions until none is left or the run is stopped. A search that
  // throws stops the others; compute_parallel hands the exception to the caller.
  void work() {
    SearchControl control{&stop, deadline, verbose};
    try {
      for (;;) {
        size_t p;
        uint64_t steps;
        {
          lab::Lock lock(mu);
          if (ready.empty() || stop.load(std::memory_order_relaxed)) return;
          p = ready.front();
          ready.pop_front();
          steps = slice[p];
          slice[p] = std::min(2 * steps, kMaxSliceSteps);
        }
        if (!jobs[p]->run_slice(control, steps)) {
          lab::Lock lock(mu);
          ready.push_back(p);
          continue;
        }
        if (jobs[p]->result().verdict == Verdict::NotLinearizable) {
          illegal.store(true);
          if (!verbose) stop.store(true);  // one Illegal partition decides the answer
        }
      }
    } catch (...) {
      stop.store(true);
      throw;
    }
  }
};

}  // namespace

DriverOutcome run_partitions(std::vector<std::shared_ptr<PartitionJob>> jobs,
                             const CheckOptions& options) {
  Run run;
  run.jobs = std::move(jobs);
  std::vector<size_t> order(run.jobs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return run.jobs[a]->size() > run.jobs[b]->size();  // long ones start first
  });
  run.ready.assign(order.begin(), order.end());
  run.slice.assign(run.jobs.size(), kSliceSteps);
  run.verbose = options.verbose;
  if (options.timeout > lab::Duration::zero()) {
    run.deadline = clock_seconds() + std::chrono::duration<double>(options.timeout).count();
  }

  size_t total_ops = 0;
  for (const auto& job : run.jobs) total_ops += job->size();
  int workers = options.workers > 0 ? options.workers : cores();
  workers = static_cast<int>(std::min<size_t>(workers, run.jobs.size()));
  if (options.workers <= 0 && total_ops < kParallelMinOps) workers = 1;
  workers = std::max(workers, 1);

  // On threads of their own, on every core (lab::compute_parallel); the caller waits.
  lab::compute_parallel(static_cast<size_t>(workers), [&run](size_t) { run.work(); });

  DriverOutcome outcome;
  outcome.stats.workers = workers;
  bool all_decided = true, stopped = false;
  for (const auto& job : run.jobs) {
    PartitionResult& r = job->result();
    outcome.stats.steps += r.steps;
    outcome.stats.cached += r.cached;
    if (r.verdict != Verdict::Linearizable) all_decided = false;
    if (r.verdict == Verdict::Stopped) stopped = true;
    outcome.partitions.push_back(std::move(r));
  }
  if (stopped) {
    outcome.memory = std::make_shared<const std::vector<std::shared_ptr<PartitionJob>>>(std::move(run.jobs));
  }
  outcome.result = run.illegal.load() ? CheckResult::Illegal
                   : all_decided      ? CheckResult::Ok
                                      : CheckResult::Unknown;
  return outcome;
}

}  // namespace porcupine::detail
