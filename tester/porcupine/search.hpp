// The search inside one partition: Wing & Gong's backtracking search for a linearization,
// with Lowe's just-in-time linearization and a cache of visited configurations (Horn &
// Kroening's P-compositionality paper; porcupine's checkSingle). Internal to the checker:
// use checker.hpp.
//
// The idea. Every operation becomes two entries, its call and its return, sorted by time
// (calls before returns on ties, so operations touching at one instant count as
// concurrent) in a doubly-linked list. Walking the list from the head:
//   - a call: try to linearize its operation now. If the model allows it and the
//     configuration (set of linearized operations, new state) was never seen, remember
//     it, push (entry, old state), take the new state, unlink the call and its return,
//     and restart from the head;
//   - a return of an operation not yet linearized: it cannot be linearized later than
//     this, so the last choice was wrong: pop it, restore its state, relink its entries
//     and try the entries after it. With nothing to pop, no linearization exists.
// When only the head is left, the stack is a linearization.
//
// Threading: a search runs on one thread at a time (a worker takes it for a turn under the
// driver's lock). Different searches share nothing but the model (const) and the stop
// flag.
#pragma once

#include "labrpc/runtime.hpp"
#include "tester/porcupine/model.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace porcupine::detail {

// How one partition's search ended.
enum class Verdict {
  Linearizable,
  NotLinearizable,
  Stopped,  // the stop flag was raised (elsewhere), or the deadline passed here
};

struct PartitionResult {
  Verdict verdict = Verdict::Stopped;
  bool timed_out = false;  // this search saw the deadline pass
  uint64_t steps = 0;      // model steps tried
  uint64_t cached = 0;     // configurations remembered
  // Verbose only: partial linearizations (local op ids in linearization order), longest
  // first, and per local op the index of the longest one containing it (-1: none).
  std::vector<std::vector<int32_t>> partials;
  std::vector<int32_t> longest;
};

// The checker's clock, in seconds from an arbitrary start: real time in the real world
// (lab::real_seconds(): the searches run on compute threads of no World), virtual time in
// the simulated one.
double clock_seconds();

// What a search watches besides its own work.
struct SearchControl {
  std::atomic<bool>* stop = nullptr;  // raised: give up now
  double deadline = std::numeric_limits<double>::infinity();  // on clock_seconds()
  bool verbose = false;
};

// Says, every so many steps, whether the deadline has passed. In the real world it reads
// the clock about every kPollInterval of work, whatever a step costs (a key/value step
// that copies a long value may take microseconds, a register's nanoseconds), so a budget
// is overrun by about that much: it doubles or halves its step count between reads to
// stay near it. In the simulated world the clock does not move while a task computes:
// every kSimPollSteps steps the pacer hands the turn back to the runtime for a moment, so
// the work is charged in virtual time (and the deadline can pass there too) and other
// tasks get to run.
class Pacer {
 public:
  static constexpr double kPollInterval = 0.5e-3;
  static constexpr uint32_t kSimPollSteps = 1024;
  explicit Pacer(const SearchControl& control);
  bool expired() {
    if (++count_ < every_) return false;
    count_ = 0;
    return poll();
  }
  // Whether `seconds` more work, done in one go, would end past the deadline.
  bool would_overrun(double seconds) const { return clock_seconds() + seconds >= deadline_; }

 private:
  bool poll();
  double deadline_;
  double last_;
  uint32_t every_;
  uint32_t count_ = 0;
};

// The sorted call/return entries of one partition as a doubly-linked list over arrays.
// Nodes 0..2n-1 are the entries in time order; node 2n is the head sentinel; -1 ends it.
struct EntryList {
  std::vector<int32_t> op;     // the local operation of each node
  std::vector<int32_t> match;  // a call's return node; -1 for a return
  std::vector<int32_t> next;
  std::vector<int32_t> prev;
  int32_t head = 0;
};
// call[i], ret[i]: operation i's times (ret[i] >= call[i], checked by the caller).
EntryList make_entry_list(const std::vector<int64_t>& call, const std::vector<int64_t>& ret);

// Remembers, per maximal partial linearization met during the search, which operations it
// contains, keeping for each operation the longest one containing it (porcupine's
// verbose "longest"). Cost per dead end: only the stack positions whose best could
// improve are visited (floor_ below).
class LongestPrefixes {
 public:
  explicit LongestPrefixes(size_t n_ops);
  void push(int32_t op);
  void pop();
  // At a dead end: the stack is a partial linearization that cannot be extended here.
  void record();
  // The stack is a complete linearization: it is every operation's longest.
  void complete();
  void take(PartitionResult& result);

 private:
  int32_t new_sequence();
  void release(int32_t seq);

  std::vector<int32_t> stack_;     // the ops on the search stack, bottom first
  std::vector<int32_t> floor_;     // per stack position: a lower bound of best_len_ of its
                                   // op; non-increasing along the stack
  std::vector<int32_t> best_len_;  // per op
  std::vector<int32_t> best_seq_;  // per op: index into seqs_, -1 none
  std::vector<std::vector<int32_t>> seqs_;
  std::vector<int32_t> refs_;  // per sequence: ops pointing at it (0: free for reuse)
  std::vector<int32_t> free_;
};

// Splitmix64: a fixed pseudo-random key per operation for the cache hash.
inline uint64_t op_key(uint64_t op) {
  uint64_t z = (op + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Spreads a model's state hash (which may be weak, e.g. identity on small ints) before it
// is mixed with the bitset's.
inline uint64_t mix_state_hash(uint64_t h) { return h == 0 ? 0 : op_key(h ^ 0x5bd1e995ULL); }

// The set of linearized operations: a bitset, plus the bounds of its compact form. The
// search linearizes operations roughly in the order they happened, so the set is nearly
// always "every operation up to some point, and a few after it": words below lo() are
// all ones, words from hi() on all zero, and only the words between say which set it is.
// The cache stores that span instead of the whole bitset, which for a one-client history
// of n operations is O(1) words per configuration instead of n/64 (the one-client 3A and
// 3B tests check ~60,000-operation partitions: ~500 MB of bitsets at full size).
class OpSet {
 public:
  explicit OpSet(size_t ops) : words_((ops + 63) / 64, 0) {}

  void toggle(int32_t op) {
    const size_t w = static_cast<size_t>(op) >> 6;
    words_[w] ^= uint64_t{1} << (op & 63);
    if ((words_[w] >> (op & 63)) & 1) {  // added
      if (w >= hi_) hi_ = w + 1;
      while (lo_ < words_.size() && words_[lo_] == ~uint64_t{0}) ++lo_;
    } else {  // removed
      if (w < lo_) lo_ = w;
      while (hi_ > 0 && words_[hi_ - 1] == 0) --hi_;
    }
  }

  size_t lo() const { return lo_; }
  size_t hi() const { return hi_; }
  const uint64_t* span() const { return words_.data() + lo_; }  // hi() - lo() words

 private:
  std::vector<uint64_t> words_;
  size_t lo_ = 0;  // the first word that is not all ones
  size_t hi_ = 0;  // one past the last word that is not all zeros; >= lo_, as the words
                   // below lo_ are all ones
};

// The configurations already visited: (set of linearized operations, state) pairs.
// Porcupine keys its map by the popcount XOR-ed with the bitset's words, recomputed over
// the whole bitset at each lookup; here the key is the XOR of a random key per linearized
// operation (Zobrist hashing), kept up to date in O(1) as operations are linearized and
// undone, and with fewer collisions. When the model hashes its states (model.hpp), the
// state's hash is mixed in, so that the many states met with one bitset (e.g. appends in
// different orders) are told apart without comparing them. A hit still needs equal sets
// and equal states.
//
// Entry e's state is the search's adopted state e + 1 (every insert adopts one state, in
// order; state 0 is the initial one), so entries store no state. The table keeps each
// entry's full hash beside its index, so a probe reads entry data only on a hash match.
// Entries store their set in compact form (OpSet) in fixed-size blocks, so growing never
// copies them.
class VisitedCache {
 public:
  VisitedCache() : slots_(1024), mask_(1023) {}

  // The entry equal to (hash, set, state), or -1. state_equal(e) compares entry e's
  // state with the candidate's.
  template <class Equal>
  int64_t find(uint64_t hash, const OpSet& set, Equal&& state_equal) const {
    const uint64_t header = Header(set);
    const size_t len = set.hi() - set.lo();
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.entry == 0) return -1;
      if (slot.hash != hash) continue;
      const uint32_t e = slot.entry - 1;
      const uint64_t* stored = entry_data(e);
      if (stored[0] == header && std::memcmp(stored + 1, set.span(), len * sizeof(uint64_t)) == 0 &&
          state_equal(e)) {
        return static_cast<int64_t>(e);
      }
    }
  }

  // Without `may_grow` the table fills past half (probes get longer) rather than double;
  // it must not be crowded().
  void insert(uint64_t hash, const OpSet& set, bool may_grow = true) {
    if (grows_on_insert() && (may_grow || crowded())) grow();
    const uint32_t e = static_cast<uint32_t>(size_++);
    const size_t len = set.hi() - set.lo();
    if (blocks_.empty() || blocks_.back().size() + 1 + len > blocks_.back().capacity()) {
      blocks_.emplace_back();
      blocks_.back().reserve(std::max(kBlockWords, 1 + len));
    }
    std::vector<uint64_t>& block = blocks_.back();
    where_.push_back({static_cast<uint32_t>(blocks_.size() - 1), static_cast<uint32_t>(block.size())});
    block.push_back(Header(set));
    block.insert(block.end(), set.span(), set.span() + len);
    place({hash, e + 1});
  }

  size_t size() const { return size_; }
  // Whether the next insert doubles the table, and about how long that will take (the
  // last doubling took half as long): at millions of entries, seconds on a slow machine.
  bool grows_on_insert() const { return (size_ + 1) * 2 > slots_.size(); }
  double grow_estimate() const { return 2.5 * last_grow_seconds_; }
  // Too full to take another entry without doubling.
  bool crowded() const { return (size_ + 1) * 16 > slots_.size() * 15; }

 private:
  static constexpr size_t kBlockWords = 1 << 16;
  struct Slot {
    uint64_t hash = 0;
    uint32_t entry = 0;  // entry + 1; 0 = empty
  };
  struct Where {
    uint32_t block;
    uint32_t offset;  // of the entry's header word; its span follows
  };
  // The compact form's bounds in one word: lo, and the span's length.
  static uint64_t Header(const OpSet& set) {
    return (static_cast<uint64_t>(set.lo()) << 32) | (set.hi() - set.lo());
  }
  const uint64_t* entry_data(uint32_t e) const {
    return blocks_[where_[e].block].data() + where_[e].offset;
  }
  void place(Slot slot) {
    size_t i = slot.hash & mask_;
    while (slots_[i].entry != 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
  void grow() {
    const double start = clock_seconds();
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.entry != 0) place(slot);
    }
    last_grow_seconds_ = clock_seconds() - start;
  }

  size_t size_ = 0;
  std::vector<std::vector<uint64_t>> blocks_;  // reserved up front: never reallocated
  std::vector<Where> where_;                   // per entry
  std::vector<Slot> slots_;  // open addressing, linear probing, load <= 1/2
  size_t mask_;
  double last_grow_seconds_ = 0;
};

// One partition's work, behind a type-free face so that checker.cpp can schedule it. The
// search runs in slices (run_slice) and keeps its place in between, so that one driver can
// take turns among partitions, as porcupine's goroutines share the CPU: a partition that
// is hopeless does not keep an Illegal one from being found.
class PartitionJob {
 public:
  virtual ~PartitionJob() = default;
  virtual size_t size() const = 0;  // operations
  // Runs up to `max_steps` more steps; true once the search has ended (decided, stopped,
  // or out of time), with its result in result().
  virtual bool run_slice(const SearchControl& control, uint64_t max_steps) = 0;
  virtual PartitionResult& result() = 0;
};

// The search for model M. Owns copies of its operations' inputs and outputs and shares the
// model, so it stays valid on a task even if the caller has gone (see checker.cpp).
template <Model M>
class PartitionSearch final : public PartitionJob {
 public:
  using State = typename M::State;

  PartitionSearch(std::shared_ptr<const M> model, std::vector<typename M::Input> inputs,
                  std::vector<typename M::Output> outputs, std::vector<int64_t> calls,
                  std::vector<int64_t> returns)
      : model_(std::move(model)),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        calls_(std::move(calls)),
        returns_(std::move(returns)) {}

  size_t size() const override { return inputs_.size(); }
  PartitionResult& result() override { return result_; }

  bool run_slice(const SearchControl& control, uint64_t max_steps) override {
    if (done_) return true;
    if (!walk_) walk_ = std::make_unique<Walk>(*this, control);
    Walk& w = *walk_;
    const M& model = *model_;
    std::vector<int32_t>& next = w.list.next;
    const int32_t head = w.list.head;
    const uint64_t slice_end = result_.steps + max_steps;

    while (next[head] >= 0) {
      if (control.stop->load(std::memory_order_relaxed)) return finish();
      if (w.pacer.expired()) {
        result_.timed_out = true;
        control.stop->store(true, std::memory_order_relaxed);
        return finish();
      }
      if (result_.steps >= slice_end) return false;  // our turn is over; resume here
      const int32_t node = w.node;
      const int32_t op = w.list.op[node];
      if (w.list.match[node] >= 0) {  // a call: try to linearize op here
        ++result_.steps;
        std::pair<bool, State> stepped = model.step(w.states[w.state], inputs_[op], outputs_[op]);
        if (stepped.first) {
          w.toggle(op);
          const State& candidate = stepped.second;
          const uint64_t key = w.hash ^ mix_state_hash(model_hash(model, candidate));
          const bool seen = w.cache.find(key, w.linearized, [&](uint32_t e) {
                              return model_equal(model, w.states[e + 1], candidate);
                            }) >= 0;
          if (!seen) {
            // A doubling of the cache that would end past the deadline is not begun: the
            // table fills up instead, and when it is crowded the search stops.
            const bool late =
                w.cache.grows_on_insert() && w.pacer.would_overrun(w.cache.grow_estimate());
            if (late && w.cache.crowded()) {
              result_.timed_out = true;
              control.stop->store(true, std::memory_order_relaxed);
              return finish();
            }
            w.states.push_back(std::move(stepped.second));
            w.cache.insert(key, w.linearized, !late);
            w.stack.push_back({node, w.state});
            w.state = static_cast<int32_t>(w.states.size() - 1);
            if (control.verbose) w.longest.push(op);
            w.lift(node);
            w.node = next[head];
            continue;
          }
          w.toggle(op);
        }
        w.node = next[node];
      } else {  // the return of an op not linearized: undo the last choice
        if (w.stack.empty()) {
          result_.verdict = Verdict::NotLinearizable;
          return finish();
        }
        if (control.verbose) {
          w.longest.record();
          w.longest.pop();
        }
        const Frame top = w.stack.back();
        w.stack.pop_back();
        w.state = top.state;
        w.toggle(w.list.op[top.call]);
        w.unlift(top.call);
        w.node = next[top.call];
      }
    }
    result_.verdict = Verdict::Linearizable;
    if (control.verbose) w.longest.complete();
    return finish();
  }

 private:
  struct Frame {
    int32_t call;   // the call node linearized
    int32_t state;  // the state before it
  };

  // Everything the walk keeps between slices.
  struct Walk {
    Walk(const PartitionSearch& search, const SearchControl& control)
        : list(make_entry_list(search.calls_, search.returns_)),
          linearized(search.size()),
          longest(control.verbose ? search.size() : 0),
          pacer(control),
          node(list.next[list.head]) {
      states.push_back(search.model_->init());
    }
    void lift(int32_t call) {  // unlink a call and its return
      std::vector<int32_t>& next = list.next;
      std::vector<int32_t>& prev = list.prev;
      next[prev[call]] = next[call];
      prev[next[call]] = prev[call];  // a call is never last: its return follows
      const int32_t ret = list.match[call];
      next[prev[ret]] = next[ret];
      if (next[ret] >= 0) prev[next[ret]] = prev[ret];
    }
    void unlift(int32_t call) {  // relink them, in reverse order
      std::vector<int32_t>& next = list.next;
      std::vector<int32_t>& prev = list.prev;
      const int32_t ret = list.match[call];
      next[prev[ret]] = ret;
      if (next[ret] >= 0) prev[next[ret]] = ret;
      next[prev[call]] = call;
      prev[next[call]] = call;
    }
    void toggle(int32_t op) {
      linearized.toggle(op);
      hash ^= op_key(static_cast<uint64_t>(op));
    }

    EntryList list;
    // Every adopted state, by index (cache entry e holds state e + 1); a deque, so that
    // growing it moves nothing.
    std::deque<State> states;
    int32_t state = 0;
    VisitedCache cache;
    OpSet linearized;
    uint64_t hash = 0;
    std::vector<Frame> stack;
    LongestPrefixes longest;
    Pacer pacer;
    int32_t node;  // where the walk goes on
  };

  bool finish() {
    done_ = true;
    if (walk_) {
      result_.cached = walk_->cache.size();
      walk_->longest.take(result_);
      // A decided search's memory goes now, while others may still run. A stopped one's
      // stays with the job, which the checker hands to the caller with the answer
      // (CheckOutcome::memory): freeing millions of states and cache entries takes a
      // noticeable share of the budget that just ran out.
      if (result_.verdict != Verdict::Stopped) walk_.reset();
    }
    return true;
  }

  std::shared_ptr<const M> model_;
  std::vector<typename M::Input> inputs_;
  std::vector<typename M::Output> outputs_;
  std::vector<int64_t> calls_;
  std::vector<int64_t> returns_;
  std::unique_ptr<Walk> walk_;
  PartitionResult result_;
  bool done_ = false;
};

}  // namespace porcupine::detail
