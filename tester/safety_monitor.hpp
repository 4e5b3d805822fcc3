// The tester's safety monitors: Figure 2's guarantees checked from what the tester sees of
// the peers, without changing what a test does. The Raft and kvraft configs show the
// monitor every GetState and Start they make (and a task of theirs samples every live
// peer's GetState every kSampleInterval), and every command their appliers take; the
// monitor answers with a violation, which the config fails the test with. The rules:
//
//   election safety      at most one peer is leader in a term, and a peer leads a term in
//                        one life only (a restarted peer must campaign in a new term);
//   term monotonicity    a peer never reports a term below one it reported earlier;
//   term persistence     a restarted peer never reports a term below one it reported
//                        before its crash (its Persister keeps currentTerm);
//   leader log           a leader's Start returns an index past everything that peer has
//                        applied, and past its earlier Starts in the same term (leader
//                        append-only);
//   applied order        a snapshot the applier is given is not behind what that life
//                        already applied (Figure 2: lastApplied increases monotonically);
//   leader completeness  a leader of term T puts a command past every index committed by
//                        an earlier term: once peer j applied index c and later reported
//                        term t, c was committed by term t (j learned it from the leader
//                        of a term <= t), so a leader of a term above t holds c.
//
// "Earlier" means a call that had returned before the one checked began: calls race (the
// sampler's GetState against the test's), so an answer is only compared with what was
// known when it was asked for. A peer's life runs from its start to its crash: the old
// instance of a crashed peer may go on changing its state (cut off, it counts for no one),
// so what it reports once the crash began is not held against the next life.
//
// Not checked: anything the tester cannot see (votes, logs of followers). A stale leader,
// cut off in an old term, is legal and passes; two leaders of one term never are.
//
// Thread-safe: one lock of its own, held briefly, never while calling into a peer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "labrpc/runtime.hpp"

namespace tester {

// How often the configs' sampler asks every live peer for its state (lab time).
inline constexpr lab::Duration kSampleInterval = std::chrono::milliseconds(10);

// LAB_MONITORS: unset, empty or "1" turns the monitors on, "0" off (Go's tests alone).
// Throws std::invalid_argument naming any other value.
bool parse_monitors(const std::string& value);
// LAB_MONITORS, read once; a bad value stops the program with a message naming it.
bool monitors_enabled();

class SafetyMonitor {
 public:
  explicit SafetyMonitor(int n);

  // Peer `peer` begins a new life (started or restarted); returns the life's id, which the
  // caller passes back with every observation of that instance.
  uint64_t started(int peer);
  // Peer `peer` is about to crash (call it before cutting the peer off): what its life
  // reported so far is what its next life must not go below.
  void crashing(int peer);

  // An observation: opened before calling into the peer, closed with its answer.
  struct Ticket {
    int peer = 0;
    uint64_t life = 0;
    int term_floor = 0;     // the life's highest term reported before
    int carried_floor = 0;  // the highest term its earlier lives reported before a crash
    int applied_floor = 0;  // the highest index the life had applied
    int leader_term = -1;   // the life's latest term as leader, and its highest Start
    int leader_index = 0;   //   index in that term
  };
  Ticket begin(int peer, uint64_t life);
  // The answer of GetState; the violation it shows, if any.
  std::optional<std::string> state(const Ticket& ticket, int term, bool is_leader);
  // The answer of Start; the violation it shows, if any.
  std::optional<std::string> start(const Ticket& ticket, int index, int term, bool is_leader);
  // The life's applier took a command at `index`.
  void applied(uint64_t life, int index);
  // The life's applier took a snapshot through `index`; the violation if it is behind
  // what the life applied.
  std::optional<std::string> applied_snapshot(uint64_t life, int peer, int index);

 private:
  struct Life {
    int term_high = 0;
    int carried_floor = 0;
    int applied_high = 0;
    int leader_term = -1;
    int leader_index = 0;
  };
  struct Leader {
    int peer = 0;
    uint64_t life = 0;
  };
  struct Committed {
    int index = 0;
    int peer = 0;  // who applied it
  };

  // Under mu_: the term checks and election safety of one answer.
  std::optional<std::string> record_term(const Ticket& ticket, int term, bool is_leader);

  lab::Mutex mu_;
  std::vector<uint64_t> live_;  // each peer's current life (0: never started)
  std::vector<int> carried_;    // each peer's term before its last crash
  std::map<uint64_t, Life> lives_;
  uint64_t next_life_ = 1;
  std::map<int, Leader> leaders_;  // the first leader seen in each term
  // term t -> the highest index some peer had applied before reporting term t: committed
  // by term t.
  std::map<int, Committed> committed_by_;
};

}  // namespace tester
