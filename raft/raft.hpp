// Raft: one peer of the replicated log of Lab 2 (2A leader election, 2B log replication,
// 2C persistence, 2D snapshots), following Figure 2 and §5–§7 of the extended Raft paper.
// SOLUTION NOTE BEGIN 2A
// This tree holds the reference solution; the handout generator (scripts/handout) makes
// the student's skeleton from it (see the markers below).
// SOLUTION NOTE END 2A
//
// Who calls it: the tester and kvraft, through the API in raft/api.hpp (Make, Start,
// GetState, Snapshot, Kill); other peers, through the RPC handlers registered by
// MakeService. Every public method is callable from any task and returns without
// waiting for the network.
//
// Threading: one lock, `mu_`, guards all of a peer's mutable state (the `dead_` flag
// aside). Background tasks (lab::go): the ticker (election timer and heartbeats), the
// applier (the only task that sends on the apply channel), and one short task per
// outgoing RPC. No task holds `mu_` while it blocks: not across an RPC (a call to a dead
// peer may take seconds), not while sending on the apply channel (the service calls
// Snapshot from the task that receives, which needs `mu_`), and not while sleeping.
// All time, timers and randomness come from the lab runtime (lab::now, lab::sleep,
// lab::Rng), so the same code runs in the real and the simulated world.
//
// Handout markers: the code a student writes lies between a line
//   // STUDENT BEGIN <part>
// and a line
//   // STUDENT END <part>
// where <part> is the lab part (2A, 2B, 2C or 2D) that first needs it. Regions never
// nest and each marker sits on its own line; the handout generator replaces what lies
// between a pair with a TODO for that part. Everything outside the regions (class and
// function shells, the API, MakeService) is what the handout gives, and still compiles
// with every region emptied. A comment that explains the solution's own design choices
// sits between `// SOLUTION NOTE BEGIN <part>` and `// SOLUTION NOTE END <part>` (comment
// lines only): the generator drops it whole, with no TODO. A comment left outside both
// must not name what the regions remove; the generator stops, naming it, if one does.
//
// Source layout: raft.cpp (construction, the API, persistence), election.cpp (2A),
// replication.cpp (2B: AppendEntries, commit, the applier), snapshot.cpp (2D);
// log.hpp (the log and its snapshot offset), rpc_types.hpp (RPC arguments and replies).
// Debug lines go through the runtime's topic logger (labrpc/log.hpp), off unless
// LAB_LOG=all (or VERBOSE=1) asks for them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/api.hpp"
#include "raft/log.hpp"
#include "raft/rpc_types.hpp"

namespace raft {

using namespace std::chrono_literals;

// STUDENT BEGIN 2A
// Timing. The tester allows at most ten heartbeats per second (TestCount2B: at most 60
// RPCs in an idle second with three peers) and expects a new leader well within a
// second of a failure (RaftElectionTimeout = 1 s; checkOneLeader gives up after ~5 s).

// A leader sends each follower something at least this often (§5.2).
inline constexpr lab::Duration kHeartbeatInterval = 100ms;
// Election timeouts are drawn uniformly from [min, max] at every reset (§5.2). The
// minimum spans three heartbeats, so one or two lost heartbeats start no election; the
// 200 ms spread makes split votes rare, and min + spread leaves time for a second
// round inside the tester's one second.
inline constexpr lab::Duration kElectionTimeoutMin = 300ms;
inline constexpr lab::Duration kElectionTimeoutMax = 500ms;
// Leader contact (Raft thesis §6.2, §9.6). A leader that has heard from no majority of
// the cluster for this long steps down (check-quorum): cut off from the others, it can
// commit nothing, and while it still claims to lead, clients and the tester's one()
// hand it commands that are lost. A follower that heard from a leader this recently
// refuses pre-votes: the leader is alive, so no election is needed. It equals the
// shortest election timeout, so a cut-off leader steps down about when the others may
// start electing its successor.
inline constexpr lab::Duration kLeaderContactTimeout = kElectionTimeoutMin;
// A new leader is not held to check-quorum for this long after its election. Its first
// replies may all still be on their way: with the tester's long reordering (Figure 8
// unreliable) two replies in three come 200 ms to 2.2 s late, and a leader held to 300 ms
// from the start stepped down again and again before any of them came back, so the
// final agreement of that test took up to 10 s (its limit) in one seed out of 1,500.
inline constexpr lab::Duration kNewLeaderGrace = 500ms;

// The reference's two additions to Figure 2, switchable as etcd raft's Config.PreVote and
// Config.CheckQuorum are: both on by default. Students write a plain Figure 2 Raft, and
// pre-votes and check-quorum hide some of its classic bugs from the tests, so an
// instructor measuring the tests (make mutants, docs/instructor.md) runs the reference
// with both off: LAB_RAFT_MODE=plain.
struct Options {
  bool preVote = true;      // ask for pre-votes before campaigning (thesis §9.6)
  bool checkQuorum = true;  // a leader cut off from the majority steps down (thesis §6.2)

  // LAB_RAFT_MODE, read once: unset, empty or "default" (both on), "plain" (both off), or
  // a comma-separated list of what to turn on ("prevote", "checkquorum"). A bad value
  // stops the program with a message naming it.
  static const Options& FromEnvironment();
  // The same syntax; throws std::invalid_argument naming the bad word.
  static Options Parse(const std::string& mode);
};
// STUDENT END 2A
// STUDENT BEGIN 2B
// A replication RPC still unanswered after this long is presumed lost: the next Start or
// reply sends afresh instead of waiting for it (a call to an unreachable peer may take
// seconds to fail).
inline constexpr lab::Duration kReplicationPatience = 100ms;
// A follower that has every entry but not the latest commit index is told it this long
// after the commit, unless an AppendEntries with new entries carries it sooner. Under a
// stream of commands (TestReliableChurn2C's clients start one every ~10 ms each) the
// next one is usually that soon, so most commits cost no RPC of their own: 2.6 RPCs per
// command there instead of 4.6. The tester's one() polls every 20 ms, so it seldom
// waits longer for it.
inline constexpr lab::Duration kCommitNotifyDelay = 10ms;
// STUDENT END 2B

class Raft : public std::enable_shared_from_this<Raft> {
 public:
  // Go's rf.Start(command): if this peer leads, appends the command to its log and starts
  // replicating it; returns at once with the index it will have if it is ever committed.
  StartResult Start(Bytes command);
  // Go's rf.GetState(): the current term and whether this peer believes it is the leader.
  State GetState();
  // The service has saved a snapshot holding everything through `index`: discard those
  // entries and persist the snapshot with the state (§7). Called from the task that
  // drains the apply channel, so it must never wait for the applier.
  void Snapshot(int index, Bytes snapshot);
  // Stops the peer for good: its tasks end soon; Start and GetState still answer.
  void Kill();

  // RPC handlers ("Raft.RequestVote", "Raft.AppendEntries", "Raft.InstallSnapshot").
  void RequestVote(const RequestVoteArgs& args, RequestVoteReply* reply);
  void AppendEntries(const AppendEntriesArgs& args, AppendEntriesReply* reply);
  void InstallSnapshot(const InstallSnapshotArgs& args, InstallSnapshotReply* reply);

 private:
  friend std::shared_ptr<Raft> Make(std::vector<lab::ClientEnd*> peers, int me,
                                    std::shared_ptr<Persister> persister,
                                    std::shared_ptr<ApplyChannel> applyCh);

  Raft(std::vector<lab::ClientEnd*> peers, int me, std::shared_ptr<Persister> persister,
       std::shared_ptr<ApplyChannel> applyCh);

  bool Killed() const { return dead_.load(); }

  // --- Persistence (2C), raft.cpp. Callers hold mu_. ---------------------------------
  // Saves currentTerm, votedFor and the log (with its snapshot offset), and with them,
  // atomically, the snapshot when it has just changed (the Persister keeps the last one
  // it was given). Called before answering any RPC or returning from Start after a
  // change to them, as Figure 2 requires of "persistent state".
  void Persist(bool snapshotChanged = false);
  // Restores what Persist saved; a fresh peer (empty state) starts blank.
  void ReadPersist(const Bytes& state);

  // --- Tasks started by Make. ----------------------------------------------------------
  void Ticker();   // election.cpp: election timeouts and leader heartbeats
  void Applier();  // replication.cpp: delivers committed entries and snapshots in order

  // STUDENT BEGIN 2A
  // A pre-candidate asks for pre-votes before it becomes a candidate (thesis §9.6).
  enum class Role { Follower, PreCandidate, Candidate, Leader };

  // election.cpp; callers hold mu_.
  void ResetElectionTimer();
  // An AppendEntries or InstallSnapshot of the current leader arrived.
  void HeardFromLeader();
  // Become a follower (§5.1): a higher term was seen, a leader of this term exists, or
  // (check-quorum) this leader lost touch with the majority. Returns true when
  // currentTerm or votedFor changed (the caller persists).
  bool StepDown(int term);
  // The election timeout passed: ask for pre-votes, and campaign only if a majority
  // would vote. A peer cut off from the majority so never raises its term, and when it
  // returns it does not depose a leader that was doing fine (thesis §9.6).
  void StartPreVote();
  void StartElection();
  // Asks every other peer for its vote (or pre-vote) in `term`, with our log's last entry.
  void RequestVotes(int term, bool preVote);
  void HandleRequestVoteReply(int peer, const RequestVoteArgs& args, const RequestVoteReply& reply);
  // Records in `tally` that `peer` (ourselves included) granted, and says whether a
  // majority has.
  bool CountVote(std::vector<bool>& tally, int peer);
  // Check-quorum: whether a majority (this leader included) answered within
  // kLeaderContactTimeout.
  bool MajorityInContact(lab::TimePoint now) const;
  void BecomeLeader();
  // STUDENT END 2A

  // STUDENT BEGIN 2B
  // What the leader knows about one follower (Figure 2, "volatile state on leaders", plus
  // the bookkeeping that keeps one replication RPC in flight per follower).
  struct Progress {
    int nextIndex = 1;   // index of the next log entry to send to this follower
    int matchIndex = 0;  // highest index known to be replicated on this follower
    // The replication RPC in flight to this follower (0: none), and when it was sent.
    // Start and replies send a new one only when none is in flight or it looks lost, so
    // a burst of Starts is batched into a few RPCs instead of one RPC per command.
    uint64_t inflightId = 0;
    lab::TimePoint inflightSince{};
    // When anything was last sent to this follower; a heartbeat is due kHeartbeatInterval
    // after it.
    lab::TimePoint lastSent{};
    // The LeaderCommit of the last AppendEntries sent to it, and when a follower that has
    // every entry but not the commit index is to be told it (kCommitNotifyDelay after
    // the commit; max: nothing pending).
    int commitSent = 0;
    lab::TimePoint commitDue = lab::TimePoint::max();
    // When a reply of the current term last came from this follower (check-quorum).
    // Arrival, not the request's send time: with long reordering (Figure8Unreliable)
    // most replies come 0.2-2.2 s late, and by send times the leader of a healthy
    // cluster would step down again and again. A new leader starts it kNewLeaderGrace
    // in the future.
    lab::TimePoint lastReply{};
  };

  // replication.cpp; callers hold mu_.
  // Sends the follower what it lacks (AppendEntries, or InstallSnapshot when the entries
  // it needs are gone) on a new task. `tracked`: counts as the follower's in-flight RPC.
  void SendTo(int peer, bool tracked);
  // Sends to `peer` if it lacks entries and no replication RPC to it is in flight; if it
  // lacks only the commit index, has the ticker send that kCommitNotifyDelay from now.
  void MaybeReplicate(int peer);
  void HandleAppendEntriesReply(int peer, uint64_t rpcId, const AppendEntriesArgs& args,
                                const AppendEntriesReply& reply);
  // Where to resume after a rejection, from the follower's XTerm / XIndex / XLen.
  int BackupNextIndex(const AppendEntriesReply& reply) const;
  // Figure 2, rules for leaders: commit the highest index stored on a majority, if it
  // is from the current term (§5.4.2).
  void AdvanceCommitIndex();
  // A call returned false (lost, or the follower unreachable): frees its in-flight slot.
  void OnRpcLost(int peer, uint64_t rpcId);
  // Releases `lock` (on mu_), then wakes the ticker if a commit notice it must send came
  // due sooner than it planned to wake. The RPC tasks end with it.
  void NudgeTicker(lab::Lock& lock);
  // STUDENT END 2B

  // STUDENT BEGIN 2D
  // snapshot.cpp; callers hold mu_.
  void SendInstallSnapshot(int peer, uint64_t rpcId);
  void HandleInstallSnapshotReply(int peer, uint64_t rpcId, const InstallSnapshotArgs& args,
                                  const InstallSnapshotReply& reply);
  // STUDENT END 2D

  // --- Fixed at construction; read without the lock. ---------------------------------
  const std::vector<lab::ClientEnd*> peers_;  // peers_[i] calls peer i; peers_[me_] is us
  const int me_;
  const std::shared_ptr<Persister> persister_;
  const std::shared_ptr<ApplyChannel> applyCh_;
  std::atomic<bool> dead_{false};  // set by Kill

  lab::Mutex mu_;  // guards every field below
  // Signalled when the applier may have work: the commit index rose, a snapshot was
  // installed, or the peer was killed.
  lab::CondVar applyCond_;
  // Signalled when the ticker must look again before its next deadline: this peer became
  // leader (heartbeats are due), or was killed.
  // SOLUTION NOTE BEGIN 2B
  // Also when a commit notice came due sooner than the ticker planned to wake
  // (NudgeTicker).
  // SOLUTION NOTE END 2B
  lab::CondVar tickerCond_;

  lab::Rng rng_;  // this peer's random stream (election timeouts), derived from the seed

  // STUDENT BEGIN 2A
  const Options options_ = Options::FromEnvironment();
  // Persistent state on all servers (Figure 2); Persist() saves it.
  int currentTerm_ = 0;  // latest term this peer has seen
  int votedFor_ = -1;    // candidate voted for in currentTerm_, -1 for none
  Log log_;              // the log; with 2D it starts after the snapshot

  // Volatile state.
  Role role_ = Role::Follower;
  // A follower or candidate asks for pre-votes after this.
  lab::TimePoint electionDeadline_{};
  // Who granted our vote in our campaign for currentTerm_, and who granted a pre-vote in
  // the current pre-vote round, ourselves included. Peers are counted, not replies:
  // successive pre-vote rounds ask for the same term, and a late grant from the last
  // round must not count twice. The campaign's tally outlives its timeout: a vote of
  // currentTerm_ that arrives while we ask for pre-votes again still counts (§5.2: a
  // candidate wins with votes from a majority "for the same term"), which matters when
  // replies come seconds late (the tester's long reordering).
  std::vector<bool> votesFrom_;
  std::vector<bool> preVotesFrom_;
  lab::TimePoint lastLeaderContact_{};  // when the current leader was last heard from
  // STUDENT END 2A

  // STUDENT BEGIN 2B
  int commitIndex_ = 0;  // highest log index known to be committed
  int lastApplied_ = 0;  // highest index the applier took for delivery; only it advances this
  std::vector<Progress> progress_;  // leader only; reinitialised on election
  uint64_t nextRpcId_ = 1;          // numbers tracked replication RPCs
  // When the ticker is to wake next (min while it is awake): a commit notice due sooner
  // sets tickerNudge_, and NudgeTicker then signals tickerCond_.
  lab::TimePoint tickerWake_ = lab::TimePoint::min();
  bool tickerNudge_ = false;
  // STUDENT END 2B

  // STUDENT BEGIN 2D
  Bytes snapshot_;  // the latest snapshot, covering the log through log_.SnapshotIndex()
  // An installed snapshot the applier has yet to deliver (always ahead of lastApplied_).
  std::optional<ApplyMsg> pendingSnapshot_;
  // STUDENT END 2D
};

}  // namespace raft
