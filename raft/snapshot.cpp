// Raft 2D: log compaction with snapshots (§7, Figure 13).
//
// The service takes snapshots (Snapshot(index, bytes)); Raft trims its log behind them
// and keeps the latest snapshot, persisted with its state. A leader whose follower needs
// entries that are already trimmed sends the snapshot instead (InstallSnapshot); the
// follower hands it to its service through the applier, in order with the commands.
//
// Threading: Snapshot and the InstallSnapshot handler take mu_; what they call with mu_
// held never blocks. Snapshot is called from the task that drains the apply channel, so
// it must not wait for the applier.
#include <algorithm>
#include <string>
#include <utility>

#include "labrpc/log.hpp"
#include "raft/raft.hpp"

namespace raft {

void Raft::Snapshot([[maybe_unused]] int index, [[maybe_unused]] Bytes snapshot) {
  // STUDENT BEGIN 2D
  lab::Lock lock(mu_);
  // Already covered: an installed snapshot got there first (the service still ingests
  // that one, which is newer).
  if (index <= log_.SnapshotIndex()) return;
  // The service can only hold what it was given; anything else is its bug, and
  // trimming entries that were never applied would lose them.
  if (index > lastApplied_) {
    lab::log(lab::Topic::snapshot, me_, "ignores Snapshot(", index, ") beyond last applied ",
             lastApplied_);
    return;
  }
  log_.CompactTo(index);
  snapshot_ = std::move(snapshot);
  Persist(true);
  lab::log(lab::Topic::snapshot, me_, "log now (", log_.SnapshotIndex(), ", ", log_.LastIndex(),
           "]");
  // STUDENT END 2D
}

// Figure 13, InstallSnapshot RPC, receiver implementation (one chunk: offset 0, done).
void Raft::InstallSnapshot([[maybe_unused]] const InstallSnapshotArgs& args,
                           [[maybe_unused]] InstallSnapshotReply* reply) {
  // STUDENT BEGIN 2D
  lab::Lock lock(mu_);
  // 1. Reply immediately if term < currentTerm.
  if (args.Term < currentTerm_) {
    reply->Term = currentTerm_;
    return;
  }
  // As for AppendEntries: the sender leads args.Term; follow it.
  bool changed = StepDown(args.Term);
  reply->Term = currentTerm_;
  HeardFromLeader();

  // A snapshot no newer than what we know to be committed holds nothing new, and
  // delivering it would move the service backwards past commands it already has (or
  // that the applier is delivering right now).
  if (args.LastIncludedIndex <= commitIndex_) {
    if (changed) Persist();
    return;
  }
  // 6. If an existing log entry has the same index and term as the snapshot's last
  // included entry, retain the log entries following it: they may be newer.
  // 7. Otherwise discard the entire log.
  if (args.LastIncludedIndex <= log_.LastIndex() &&
      log_.TermAt(args.LastIncludedIndex) == args.LastIncludedTerm) {
    log_.CompactTo(args.LastIncludedIndex);
  } else {
    log_.ResetTo(args.LastIncludedIndex, args.LastIncludedTerm);
  }
  snapshot_ = args.Data;
  // Everything the snapshot covers is committed (the leader only snapshots what was
  // applied), and the applier will deliver it next, before any later command.
  commitIndex_ = args.LastIncludedIndex;
  Persist(true);

  // 8. Reset state machine using snapshot contents: the applier hands it to the service.
  ApplyMsg msg;
  msg.SnapshotValid = true;
  msg.Snapshot = args.Data;
  msg.SnapshotTerm = args.LastIncludedTerm;
  msg.SnapshotIndex = args.LastIncludedIndex;
  pendingSnapshot_ = std::move(msg);
  applyCond_.notify_one();
  lab::log(lab::Topic::snapshot, me_, "installed snapshot through ", args.LastIncludedIndex,
           " from leader ", args.LeaderId);
  // STUDENT END 2D
}

// STUDENT BEGIN 2D
void Raft::SendInstallSnapshot(int peer, uint64_t rpcId) {
  InstallSnapshotArgs args;
  args.Term = currentTerm_;
  args.LeaderId = me_;
  args.LastIncludedIndex = log_.SnapshotIndex();
  args.LastIncludedTerm = log_.SnapshotTerm();
  args.Data = snapshot_;
  lab::go("raft-" + std::to_string(me_) + " InstallSnapshot to " + std::to_string(peer),
          [self = shared_from_this(), peer, rpcId, args = std::move(args)] {
            InstallSnapshotReply reply;
            const bool ok = self->peers_[peer]->Call("Raft.InstallSnapshot", args, &reply);
            lab::Lock lock(self->mu_);
            if (self->Killed()) return;
            if (ok) {
              self->HandleInstallSnapshotReply(peer, rpcId, args, reply);
            } else {
              self->OnRpcLost(peer, rpcId);
            }
            self->NudgeTicker(lock);
          });
}

void Raft::HandleInstallSnapshotReply(int peer, uint64_t rpcId, const InstallSnapshotArgs& args,
                                      const InstallSnapshotReply& reply) {
  if (reply.Term > currentTerm_) {
    if (StepDown(reply.Term)) Persist();
    return;
  }
  if (role_ != Role::Leader || args.Term != currentTerm_) return;
  Progress& progress = progress_[peer];
  progress.lastReply = std::max(progress.lastReply, lab::now());  // the grace may be later
  if (rpcId != 0 && progress.inflightId == rpcId) progress.inflightId = 0;
  // The follower now holds everything through the snapshot (it installed it, or already
  // had those entries committed); continue with the entries after it.
  progress.matchIndex = std::max(progress.matchIndex, args.LastIncludedIndex);
  progress.nextIndex = std::max(progress.nextIndex, args.LastIncludedIndex + 1);
  MaybeReplicate(peer);
}
// STUDENT END 2D

}  // namespace raft
