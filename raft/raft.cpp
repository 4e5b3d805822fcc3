// Raft: construction, the service-facing API (Start, GetState, Kill), the RPC service,
// and persistence (2C). Elections live in election.cpp, replication and the applier in
// replication.cpp, snapshots in snapshot.cpp.
//
// Threading: see raft.hpp. Every method here takes mu_ itself, except Persist and
// ReadPersist, whose callers hold it.
#include "raft/raft.hpp"

#include <string>
#include <utility>

#include "labrpc/log.hpp"

namespace raft {

std::shared_ptr<Raft> Make(std::vector<lab::ClientEnd*> peers, int me,
                           std::shared_ptr<Persister> persister,
                           std::shared_ptr<ApplyChannel> applyCh) {
  std::shared_ptr<Raft> rf(new Raft(std::move(peers), me, persister, std::move(applyCh)));
  {
    lab::Lock lock(rf->mu_);
    // Initialize from state persisted before a crash.
    rf->ReadPersist(persister->ReadRaftState());
    // STUDENT BEGIN 2A
    rf->ResetElectionTimer();
    // STUDENT END 2A
  }
  // The tasks hold the Raft alive until they end (after Kill, or when the test's World
  // ends).
  const std::string name = "raft-" + std::to_string(me);
  lab::go(name + " ticker", [rf] { rf->Ticker(); });
  lab::go(name + " applier", [rf] { rf->Applier(); });
  return rf;
}

std::shared_ptr<lab::Service> MakeService(std::shared_ptr<Raft> rf) {
  auto service = std::make_shared<lab::Service>("Raft");
  service->Add("RequestVote", rf, &Raft::RequestVote);
  service->Add("AppendEntries", rf, &Raft::AppendEntries);
  service->Add("InstallSnapshot", rf, &Raft::InstallSnapshot);
  return service;
}

Raft::Raft(std::vector<lab::ClientEnd*> peers, int me, std::shared_ptr<Persister> persister,
           std::shared_ptr<ApplyChannel> applyCh)
    : peers_(std::move(peers)),
      me_(me),
      persister_(std::move(persister)),
      applyCh_(std::move(applyCh)),
      rng_(lab::Rng::derived("raft-" + std::to_string(me))) {}

StartResult Raft::Start([[maybe_unused]] Bytes command) {
  StartResult result;
  // STUDENT BEGIN 2B
  lab::Lock lock(mu_);
  result.term = currentTerm_;
  if (Killed() || role_ != Role::Leader) return result;

  // Figure 2, rules for leaders: "if command received from client: append entry to local
  // log, respond after entry applied to state machine". Persisting before anyone can see
  // the entry keeps a crash from forgetting an entry a follower already holds.
  log_.Append(LogEntry{currentTerm_, std::move(command)});
  Persist();
  result.index = log_.LastIndex();
  result.isLeader = true;
  lab::log(lab::Topic::log, me_, "index ", result.index, " term ", currentTerm_);

  // Replicate now rather than at the next heartbeat: a service waiting for the commit
  // (kvraft: 1000 sequential operations in 33 s) would otherwise wait up to a heartbeat
  // interval per command. MaybeReplicate batches: a follower with an RPC in flight gets
  // this entry together with later ones when that RPC returns.
  for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) MaybeReplicate(peer);
  AdvanceCommitIndex();  // a one-peer cluster commits at once
  // STUDENT END 2B
  return result;
}

State Raft::GetState() {
  State state;
  // STUDENT BEGIN 2A
  lab::Lock lock(mu_);
  state.term = currentTerm_;
  state.isLeader = role_ == Role::Leader && !Killed();
  // STUDENT END 2A
  return state;
}

void Raft::Kill() {
  dead_.store(true);
  // Wake the applier and the ticker so that they see the flag; RPC tasks check it when
  // their call returns.
  lab::Lock lock(mu_);
  applyCond_.notify_all();
  tickerCond_.notify_all();
}

// --- Persistence (2C) --------------------------------------------------------------------

// STUDENT BEGIN 2C
// What Persist saves and ReadPersist loads: Figure 2's "persistent state on all servers"
// (the log carries the snapshot's last included index and term, §7). Persist writes the
// same bytes in two pieces (PersistedStateHead, then the log's kept encoding), so that
// the log is not copied into every save.
struct PersistedState {
  int currentTerm = 0;
  int votedFor = -1;
  Log log;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(currentTerm, votedFor, log);
  }
};

// What Persist writes before the log's entries: with the entries' bytes after it, these
// are exactly the bytes of PersistedState.
struct PersistedStateHead {
  int currentTerm = 0;
  int votedFor = -1;
  Log::Head log;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(currentTerm, votedFor, log);
  }
};
// STUDENT END 2C

void Raft::Persist([[maybe_unused]] bool snapshotChanged) {
  // STUDENT BEGIN 2C
  // The log's entries go to the Persister as shared bytes, not copied: the state holds
  // the whole log, and a copy per save was most of what persisting cost once logs grew
  // long (Lab 3A). The rest is a few numbers.
  Bytes head = lab::encode(PersistedStateHead{currentTerm_, votedFor_, log_.EncodedHead()});
  lab::SharedBytes entries = log_.EncodedEntries();
  // A new snapshot is saved with the state that starts after it, in one step: a peer
  // restarted from a log that starts after a snapshot needs that snapshot
  // (TestSnapshotInit2D). Otherwise the Persister keeps the snapshot it has, and copying
  // it again with every save would cost as much as the store it holds.
  if (snapshotChanged) {
    persister_->SaveStateAndSnapshot(std::move(head), std::move(entries), snapshot_);
  } else {
    persister_->SaveRaftState(std::move(head), std::move(entries));
  }
  // STUDENT END 2C
}

void Raft::ReadPersist([[maybe_unused]] const Bytes& state) {
  // STUDENT BEGIN 2C
  if (state.empty()) return;  // first boot: start with term 0, no vote, an empty log
  const std::string peer = "raft: peer " + std::to_string(me_);
  PersistedState saved;
  try {
    lab::decode_into(state, saved);
  } catch (const lab::CodecError& e) {
    lab::fatal(peer + ": corrupt persisted state: " + e.what());
  }
  std::string problem = saved.log.Problem();
  if (problem.empty() && saved.currentTerm < 0) problem = "negative term";
  if (problem.empty() &&
      (saved.votedFor < -1 || saved.votedFor >= static_cast<int>(peers_.size()))) {
    problem = "votedFor " + std::to_string(saved.votedFor) + " is not a peer";
  }
  if (problem.empty() && saved.log.LastTerm() > saved.currentTerm) {
    problem = "log holds term " + std::to_string(saved.log.LastTerm()) + " beyond currentTerm " +
              std::to_string(saved.currentTerm);
  }
  if (!problem.empty()) lab::fatal(peer + ": corrupt persisted state: " + problem);

  currentTerm_ = saved.currentTerm;
  votedFor_ = saved.votedFor;
  log_ = std::move(saved.log);
  // The service restores its state from the same snapshot when it restarts (the tester
  // and kvraft read it themselves), so the snapshot is not delivered again: applying
  // resumes right after it.
  snapshot_ = persister_->ReadSnapshot();
  commitIndex_ = log_.SnapshotIndex();
  lastApplied_ = log_.SnapshotIndex();
  lab::log(lab::Topic::persist, me_, "term ", currentTerm_, " votedFor ", votedFor_, " log (",
           log_.SnapshotIndex(), ", ", log_.LastIndex(), "]");
  // STUDENT END 2C
}

}  // namespace raft
