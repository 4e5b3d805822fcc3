// Raft 2B: log replication (§5.3), the commit rule (§5.4.2), and the applier.
//
// The leader brings each follower's log in line with its own through AppendEntries
// (Figure 2); an entry stored on a majority is committed once an entry of the leader's
// own term is (§5.4.2, Figure 8), and every peer hands its committed entries to the
// service on the apply channel, in log order. Two things the tests need beyond Figure 2
// (the Go lab's 2B hints): replicate when Start is called, not only at the next
// heartbeat (kvraft's TestSpeed3A wants 1000 operations, one after another, within 33 s:
// Go: kvraft/test_test.go, GenericTestSpeed), and let a rejected AppendEntries back the
// leader up more than one entry at a time (TestBackup2B and the Figure 8 tests need it to
// fit their limits), for instance with the XTerm, XIndex and XLen of the lab's hints.
// SOLUTION NOTE BEGIN 2B
//
// How the reference leader sends: every AppendEntries carries all the entries the
// follower lacks (from its nextIndex on), so heartbeats and replication are one message.
// Four things trigger a send to a follower:
//   - Start, at once, unless a replication RPC to that follower is already in flight
//     (the reply's handler then sends what arrived meanwhile, in one batch);
//   - a reply, while the follower still lacks entries (after a rejection, or when Starts
//     arrived during the round trip);
//   - the ticker, when nothing was sent to the follower for kHeartbeatInterval, or when a
//     follower that has every entry but not the commit index has waited
//     kCommitNotifyDelay for it (so it applies within a few ms, not a heartbeat
//     interval, of the commit; meanwhile the next Start usually carries it for free).
// So a command normally crosses the network once per follower, and a burst of Starts
// costs a few RPCs, not one each.
// SOLUTION NOTE END 2B
//
// The applier is the only task that sends on the apply channel. It must not hold mu_
// while it sends: the channel is unbuffered, and the service may call Snapshot (which
// takes mu_) before it takes the next message.
//
// Threading: the AppendEntries handler and the applier take mu_; what they call with mu_
// held never blocks (RPCs run on tasks of their own).
#include <algorithm>
#include <functional>
#include <string>
#include <utility>

#include "labrpc/log.hpp"
#include "raft/raft.hpp"

namespace raft {

// Figure 2, AppendEntries RPC, receiver implementation.
void Raft::AppendEntries([[maybe_unused]] const AppendEntriesArgs& args,
                         [[maybe_unused]] AppendEntriesReply* reply) {
  // STUDENT BEGIN 2B
  lab::Lock lock(mu_);
  reply->Success = false;
  reply->XTerm = -1;
  reply->XIndex = -1;

  // 1. Reply false if term < currentTerm (§5.1): the sender is a deposed leader, and our
  // term in the reply tells it so.
  if (args.Term < currentTerm_) {
    reply->Term = currentTerm_;
    reply->XLen = log_.LastIndex() + 1;
    return;
  }
  // The sender leads args.Term: adopt that term, and a candidate of the same term
  // returns to follower (§5.2, "if AppendEntries RPC received from new leader: convert
  // to follower"). Election Safety (at most one leader per term) makes a message from
  // another leader of our own term impossible.
  if (role_ == Role::Leader && args.Term == currentTerm_) {
    lab::fatal("raft: peer " + std::to_string(me_) + ": leader of term " +
               std::to_string(currentTerm_) + " got AppendEntries from leader " +
               std::to_string(args.LeaderId) + " of the same term");
  }
  bool changed = StepDown(args.Term);
  reply->Term = currentTerm_;
  // Heard from the current leader: no election for now (Figure 2, rules for followers).
  HeardFromLeader();

  // Entries through our snapshot are committed, so the leader holds them exactly as we
  // did (Leader Completeness, §5.4.3): skip those, and check consistency at the
  // snapshot's last included entry instead, which trivially matches.
  int prevIndex = args.PrevLogIndex;
  int prevTerm = args.PrevLogTerm;
  size_t first = 0;  // first of args.Entries that is not already in the snapshot
  if (prevIndex < log_.SnapshotIndex()) {
    const size_t covered = static_cast<size_t>(log_.SnapshotIndex() - prevIndex);
    first = std::min(covered, args.Entries.size());
    prevIndex = log_.SnapshotIndex();
    prevTerm = log_.SnapshotTerm();
  }

  // 2. Reply false if the log doesn't contain an entry at prevLogIndex whose term
  // matches prevLogTerm (§5.3). The X fields let the leader skip back a whole term at
  // once: XTerm -1 means "my log is too short, continue at XLen".
  reply->XLen = log_.LastIndex() + 1;
  if (prevIndex > log_.LastIndex()) {
    lab::log(lab::Topic::append, me_, "rejects S", args.LeaderId, ": no entry ", prevIndex,
             ", log ends at ", log_.LastIndex());
    if (changed) Persist();
    return;
  } else if (log_.TermAt(prevIndex) != prevTerm) {
    reply->XTerm = log_.TermAt(prevIndex);
    reply->XIndex = prevIndex;
    while (reply->XIndex - 1 > log_.SnapshotIndex() &&
           log_.TermAt(reply->XIndex - 1) == reply->XTerm) {
      reply->XIndex--;
    }
    lab::log(lab::Topic::append, me_, "rejects S", args.LeaderId, ": entry ", prevIndex,
             " has term ", reply->XTerm, " (from ", reply->XIndex, "), not ", prevTerm);
    if (changed) Persist();
    return;
  }

  // 3. If an existing entry conflicts with a new one (same index but different terms),
  // delete the existing entry and all that follow it (§5.3).
  // 4. Append any new entries not already in the log.
  // Entries that match are kept along with what follows them: this RPC may be an old,
  // reordered one, and truncating would drop newer entries the leader already counts
  // as replicated here.
  for (size_t k = first; k < args.Entries.size(); k++) {
    const int index = args.PrevLogIndex + 1 + static_cast<int>(k);
    if (index <= log_.LastIndex()) {
      if (log_.TermAt(index) == args.Entries[k].Term) continue;
      log_.TruncateFrom(index);
    }
    for (; k < args.Entries.size(); k++) log_.Append(args.Entries[k]);
    lab::log(lab::Topic::log, me_, "from S", args.LeaderId, ": log now ends at ", log_.LastIndex());
    changed = true;
    break;
  }
  // Figure 2: persistent state is updated on stable storage before responding.
  if (changed) Persist();
  reply->Success = true;

  // 5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last
  // new entry): only entries known to match the leader's may be committed here.
  const int lastNew = args.PrevLogIndex + static_cast<int>(args.Entries.size());
  const int newCommit = std::min(args.LeaderCommit, lastNew);
  if (newCommit > commitIndex_) {
    commitIndex_ = newCommit;
    applyCond_.notify_one();
  }
  // STUDENT END 2B
}

// STUDENT BEGIN 2B
void Raft::SendTo(int peer, bool tracked) {
  Progress& progress = progress_[peer];
  const uint64_t rpcId = tracked ? nextRpcId_++ : 0;
  const lab::TimePoint now = lab::now();
  progress.lastSent = now;
  progress.commitDue = lab::TimePoint::max();  // whatever is sent carries commitIndex_
  if (tracked) {
    progress.inflightId = rpcId;
    progress.inflightSince = now;
  }
  // The entries this follower needs next are gone into the snapshot: send that (§7).
  if (progress.nextIndex <= log_.SnapshotIndex()) {
    SendInstallSnapshot(peer, rpcId);
    return;
  }

  AppendEntriesArgs args;
  args.Term = currentTerm_;
  args.LeaderId = me_;
  args.PrevLogIndex = progress.nextIndex - 1;
  args.PrevLogTerm = log_.TermAt(args.PrevLogIndex);
  args.Entries = log_.From(progress.nextIndex);
  args.LeaderCommit = commitIndex_;
  progress.commitSent = commitIndex_;
  lab::go("raft-" + std::to_string(me_) + " AppendEntries to " + std::to_string(peer),
          [self = shared_from_this(), peer, rpcId, args = std::move(args)] {
            AppendEntriesReply reply;
            const bool ok = self->peers_[peer]->Call("Raft.AppendEntries", args, &reply);
            lab::Lock lock(self->mu_);
            if (self->Killed()) return;
            if (ok) {
              self->HandleAppendEntriesReply(peer, rpcId, args, reply);
            } else {
              self->OnRpcLost(peer, rpcId);
            }
            self->NudgeTicker(lock);
          });
}

void Raft::MaybeReplicate(int peer) {
  if (role_ != Role::Leader || peer == me_) return;
  Progress& progress = progress_[peer];
  if (progress.nextIndex > log_.LastIndex()) {
    // It lacks at most the commit index. The tester's one() waits until every peer has
    // applied, so a heartbeat's delay would add up to kHeartbeatInterval to each call;
    // the ticker sends it after kCommitNotifyDelay, unless new entries take it first.
    if (progress.commitSent < commitIndex_ && progress.commitDue == lab::TimePoint::max()) {
      progress.commitDue = lab::now() + kCommitNotifyDelay;
      // Woken early, the ticker only sends what is due and sleeps again: wake it only if
      // it would otherwise sleep past this (a thread switch per commit is what the
      // delay saves). The caller wakes it after releasing mu_ (NudgeTicker).
      if (tickerWake_ > progress.commitDue) {
        tickerWake_ = progress.commitDue;
        tickerNudge_ = true;
      }
    }
    return;
  }
  // One replication RPC in flight per follower; its reply sends whatever came since.
  if (progress.inflightId != 0 && lab::now() - progress.inflightSince < kReplicationPatience) {
    return;
  }
  SendTo(peer, /*tracked=*/true);
}

void Raft::NudgeTicker(lab::Lock& lock) {
  const bool nudge = std::exchange(tickerNudge_, false);
  lock.unlock();
  // After the unlock: woken while mu_ is held, the ticker would only block on it.
  if (nudge) tickerCond_.notify_all();
}

void Raft::OnRpcLost(int peer, uint64_t rpcId) {
  // No resend here: a peer that is down would be called in a tight loop. The next
  // heartbeat (within kHeartbeatInterval) carries the entries, and its reply restarts
  // replication.
  if (role_ == Role::Leader && rpcId != 0 && progress_[peer].inflightId == rpcId) {
    progress_[peer].inflightId = 0;
  }
}

void Raft::HandleAppendEntriesReply(int peer, uint64_t rpcId, const AppendEntriesArgs& args,
                                    const AppendEntriesReply& reply) {
  if (reply.Term > currentTerm_) {
    if (StepDown(reply.Term)) Persist();
    return;
  }
  // A reply to an RPC of an earlier term says nothing about the current one.
  if (role_ != Role::Leader || args.Term != currentTerm_) return;
  Progress& progress = progress_[peer];
  progress.lastReply = std::max(progress.lastReply, lab::now());  // the grace may be later
  if (rpcId != 0 && progress.inflightId == rpcId) progress.inflightId = 0;

  if (reply.Success) {
    // Figure 2, rules for leaders: "if successful: update nextIndex and matchIndex for
    // follower". Replies may come out of order, so neither moves backwards.
    const int match = args.PrevLogIndex + static_cast<int>(args.Entries.size());
    progress.nextIndex = std::max(progress.nextIndex, match + 1);
    if (match > progress.matchIndex) {
      progress.matchIndex = match;
      AdvanceCommitIndex();
    }
  } else if (args.PrevLogIndex == progress.nextIndex - 1) {
    // "If AppendEntries fails because of log inconsistency: decrement nextIndex and
    // retry", skipping a whole term per round trip. A rejection of an older RPC (sent
    // before nextIndex last moved) is stale and ignored.
    const int backedUp = BackupNextIndex(reply);
    progress.nextIndex =
        std::min(std::max(backedUp, progress.matchIndex + 1), log_.LastIndex() + 1);
  }
  MaybeReplicate(peer);
}

int Raft::BackupNextIndex(const AppendEntriesReply& reply) const {
  // The follower's log ends before PrevLogIndex: continue right after its end.
  if (reply.XTerm == -1) return reply.XLen;
  // The leader has entries of XTerm: the follower's XTerm entries may match ours up to
  // our last one of that term, so resume just after it.
  for (int index = log_.LastIndex(); index > log_.SnapshotIndex(); index--) {
    const int term = log_.TermAt(index);
    if (term == reply.XTerm) return index + 1;
    if (term < reply.XTerm) break;  // terms only grow along the log
  }
  // The leader has no XTerm entry: the follower's whole XTerm run is wrong; overwrite it.
  return reply.XIndex;
}

void Raft::AdvanceCommitIndex() {
  // Figure 2, rules for leaders: "if there exists an N such that N > commitIndex, a
  // majority of matchIndex[i] >= N, and log[N].term == currentTerm: set commitIndex = N"
  // (§5.3, §5.4). The largest N stored on a majority is the median of the match
  // indices (the leader counting its own log).
  std::vector<int> matched;
  matched.reserve(peers_.size());
  for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) {
    matched.push_back(peer == me_ ? log_.LastIndex() : progress_[peer].matchIndex);
  }
  std::sort(matched.begin(), matched.end(), std::greater<>());
  const int n = matched[peers_.size() / 2];
  // §5.4.2 (Figure 8): an entry from an earlier term is never committed by counting
  // replicas; it commits when an entry of the current term after it does. Terms only
  // grow along the log, so if log[n] is older, so is every candidate below n.
  if (n > commitIndex_ && log_.TermAt(n) == currentTerm_) {
    commitIndex_ = n;
    lab::log(lab::Topic::commit, me_, "through ", n, " in term ", currentTerm_);
    applyCond_.notify_one();
    for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) MaybeReplicate(peer);
  }
}
// STUDENT END 2B

void Raft::Applier() {
  // STUDENT BEGIN 2B
  // Figure 2, rules for all servers: "if commitIndex > lastApplied: increment
  // lastApplied, apply log[lastApplied] to state machine", in log order. An installed
  // snapshot (2D) is delivered in its place in that order: it is always ahead of
  // lastApplied_, and nothing it covers is delivered after it.
  lab::Lock lock(mu_);
  while (true) {
    applyCond_.wait(lock, [&] {
      return Killed() || pendingSnapshot_.has_value() || lastApplied_ < commitIndex_;
    });
    if (Killed()) return;

    std::vector<ApplyMsg> batch;
    if (pendingSnapshot_.has_value()) {
      lastApplied_ = pendingSnapshot_->SnapshotIndex;
      batch.push_back(std::move(*pendingSnapshot_));
      pendingSnapshot_.reset();
    } else {
      if (lastApplied_ < log_.SnapshotIndex()) {
        lab::fatal(
            "raft: peer " + std::to_string(me_) + ": entry " + std::to_string(lastApplied_ + 1) +
            " to apply is already in the snapshot through " + std::to_string(log_.SnapshotIndex()));
      }
      for (int index = lastApplied_ + 1; index <= commitIndex_; index++) {
        ApplyMsg msg;
        msg.CommandValid = true;
        msg.Command = log_.At(index).Command;
        msg.CommandIndex = index;
        batch.push_back(std::move(msg));
      }
      // Counted as applied now, before the sends: the service may snapshot through any
      // of them (calling Snapshot) as soon as it has taken it.
      lastApplied_ = commitIndex_;
    }

    lab::log(lab::Topic::apply, me_, "delivers ",
             batch.front().SnapshotValid ? "snapshot through " : "entries through ", lastApplied_);
    lock.unlock();
    for (ApplyMsg& msg : batch) {
      // A closed channel means the service (or the test) is gone: stop.
      if (Killed() || !applyCh_->send(std::move(msg))) return;
    }
    lock.lock();
  }
  // STUDENT END 2B
}

}  // namespace raft
