// Raft 2A: leader election (§5.2), with the election restriction of §5.4.1: the ticker
// task and the RequestVote RPC.
//
// The ticker (started by Make) is the peer's clock. A follower or candidate whose
// election timeout passes without hearing from the current leader or granting a vote
// starts an election (Figure 2, rules for followers and candidates); a leader sends
// heartbeats (AppendEntries, replication.cpp) often enough that no follower times out.
// The numbers are the tester's (the Go lab's 2A hints): at most ten heartbeats a second
// (TestCount2B), and a new leader within five seconds of a failure (Go: raft/config.go,
// checkOneLeader), so election timeouts are longer than the paper's 150-300 ms and
// randomised, so that split votes are rare. Ask each peer for its vote on a task of its
// own: a call to an unreachable peer may take seconds to fail.
// SOLUTION NOTE BEGIN 2A
//
// The reference adds pre-votes and check-quorum (Raft thesis §9.6 and §6.2). The ticker
// wakes when something is due: a follower or candidate whose election timeout passed
// asks for pre-votes, and campaigns once a majority would vote for it; a leader sends a
// heartbeat to each follower it has sent nothing for kHeartbeatInterval, and steps down
// when no majority has answered it for kLeaderContactTimeout (a new leader only after
// kNewLeaderGrace). Votes are requested on one task per peer, and each reply is counted
// under mu_ if it still belongs to the current pre-election, or to our campaign in the
// current term.
//
// Why both: in the tests peers are cut off and reconnected all the time. Without
// pre-votes a cut-off peer raises its term at every timeout and, back in the cluster,
// deposes the working leader; without check-quorum a cut-off leader keeps accepting
// commands it can never commit (the tester's one() then waits 2 s for one of them).
// SOLUTION NOTE END 2A
//
// Threading: the RequestVote handler and the ticker take mu_; what they call with mu_
// held never blocks (RPCs run on tasks of their own).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "labrpc/log.hpp"
#include "raft/raft.hpp"

namespace raft {

void Raft::Ticker() {
  // STUDENT BEGIN 2A
  // Sleeps until the next thing is due (a heartbeat, the election timeout) rather than
  // polling every few milliseconds: on a quiet cluster the ticker is most of what a peer
  // does, and each wake-up costs a thread switch. A deadline that moved later meanwhile
  // (a heartbeat reset the election timer) only means one more wait.
  lab::Lock lock(mu_);
  while (!Killed()) {
    const lab::TimePoint now = lab::now();
    lab::TimePoint wake = lab::TimePoint::max();
    if (role_ == Role::Leader && options_.checkQuorum && !MajorityInContact(now)) {
      lab::log(lab::Topic::leader, me_, "no majority heard from in term ", currentTerm_);
      StepDown(currentTerm_);
      continue;
    }
    if (role_ == Role::Leader) {
      // Heartbeats prevent election timeouts (§5.2). Each follower has its own clock:
      // a follower that just got entries needs no heartbeat yet. A commit index whose
      // notice is due goes the same way (replication.cpp).
      for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) {
        if (peer == me_) continue;
        const Progress& progress = progress_[peer];
        if (now - progress.lastSent >= kHeartbeatInterval || now >= progress.commitDue) {
          lab::log(lab::Topic::timer, me_, now >= progress.commitDue ? "commit notice" : "heartbeat",
                   " to S", peer);
          SendTo(peer, /*tracked=*/false);
        }
        wake = std::min({wake, progress.lastSent + kHeartbeatInterval, progress.commitDue});
      }
    } else if (now >= electionDeadline_) {
      // Figure 2, rules for followers: "if election timeout elapses without receiving
      // AppendEntries RPC from current leader or granting vote to candidate: convert to
      // candidate"; for candidates: "if election timeout elapses: start new election".
      // Both begin with a pre-vote, unless pre-votes are off.
      lab::log(lab::Topic::timer, me_, "election timeout in term ", currentTerm_);
      if (options_.preVote) {
        StartPreVote();
      } else {
        StartElection();
      }
      continue;  // it reset the timer (or, in a one-peer cluster, made us leader)
    } else {
      wake = electionDeadline_;
    }
    tickerWake_ = wake;
    tickerCond_.wait_until(lock, wake);
    tickerWake_ = lab::TimePoint::min();  // awake: it looks at everything before sleeping
  }
  // STUDENT END 2A
}

// STUDENT BEGIN 2A
Options Options::Parse(const std::string& mode) {
  if (mode.empty() || mode == "default") return Options{};
  Options options{false, false};
  if (mode == "plain") return options;
  size_t start = 0;
  while (start <= mode.size()) {
    const size_t comma = std::min(mode.find(',', start), mode.size());
    const std::string word = mode.substr(start, comma - start);
    if (word == "prevote") {
      options.preVote = true;
    } else if (word == "checkquorum") {
      options.checkQuorum = true;
    } else {
      throw std::invalid_argument("LAB_RAFT_MODE=" + mode + ": unknown word \"" + word +
                                  "\"; expected default, plain, or a comma-separated list of "
                                  "prevote and checkquorum");
    }
    start = comma + 1;
  }
  return options;
}

const Options& Options::FromEnvironment() {
  static const Options options = [] {
    const char* mode = std::getenv("LAB_RAFT_MODE");
    try {
      return Parse(mode == nullptr ? "" : mode);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "lab: %s\n", e.what());
      std::exit(2);
    }
  }();
  return options;
}

void Raft::ResetElectionTimer() {
  const lab::Duration spread = kElectionTimeoutMax - kElectionTimeoutMin;
  electionDeadline_ =
      lab::now() + kElectionTimeoutMin + lab::Duration(rng_.range(0, spread.count()));
}

void Raft::HeardFromLeader() {
  lastLeaderContact_ = lab::now();
  ResetElectionTimer();
}

bool Raft::MajorityInContact(lab::TimePoint now) const {
  int inContact = 1;  // ourselves
  for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) {
    if (peer != me_ && now - progress_[peer].lastReply < kLeaderContactTimeout) inContact++;
  }
  return inContact > static_cast<int>(peers_.size()) / 2;
}

bool Raft::StepDown(int term) {
  bool changed = false;
  if (term > currentTerm_) {
    // Figure 2, rules for all servers: "if RPC request or response contains term T >
    // currentTerm: set currentTerm = T, convert to follower" (§5.1). The vote was for the
    // old term.
    lab::log(lab::Topic::term, me_, "term ", currentTerm_, " -> ", term);
    currentTerm_ = term;
    votedFor_ = -1;
    changed = true;
  }
  if (role_ == Role::Leader) {
    // A deposed leader has not run its election timer while it led; without a fresh one
    // it would ask for pre-votes at the next tick, before any leader could reach it.
    ResetElectionTimer();
    lab::log(lab::Topic::leader, me_, "leader steps down in term ", currentTerm_);
  }
  role_ = Role::Follower;
  return changed;
}

void Raft::StartPreVote() {
  role_ = Role::PreCandidate;
  ResetElectionTimer();  // a pre-vote that fails is tried again at the next timeout
  lab::log(lab::Topic::vote, me_, "asks for pre-votes for term ", currentTerm_ + 1);
  preVotesFrom_.assign(peers_.size(), false);
  if (CountVote(preVotesFrom_, me_)) {  // a one-peer cluster
    StartElection();
    return;
  }
  RequestVotes(currentTerm_ + 1, /*preVote=*/true);
}

void Raft::StartElection() {
  // Figure 2, rules for candidates: "on conversion to candidate, start election:
  // increment currentTerm, vote for self, reset election timer, send RequestVote RPCs to
  // all other servers".
  currentTerm_++;
  role_ = Role::Candidate;
  votedFor_ = me_;
  Persist();  // the vote for ourselves must survive a crash, or we might vote twice
  ResetElectionTimer();
  lab::log(lab::Topic::vote, me_, "campaigns in term ", currentTerm_);
  votesFrom_.assign(peers_.size(), false);
  if (CountVote(votesFrom_, me_)) {  // a one-peer cluster
    BecomeLeader();
    return;
  }

  RequestVotes(currentTerm_, /*preVote=*/false);
}

void Raft::RequestVotes(int term, bool preVote) {
  RequestVoteArgs args;
  args.Term = term;
  args.CandidateId = me_;
  args.LastLogIndex = log_.LastIndex();
  args.LastLogTerm = log_.LastTerm();
  args.PreVote = preVote;
  for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) {
    if (peer == me_) continue;
    // One task per peer: a call to an unreachable peer may block for seconds, and must
    // not hold up the votes of the others.
    lab::go("raft-" + std::to_string(me_) + (args.PreVote ? " PreVote to " : " RequestVote to ") +
                std::to_string(peer),
            [self = shared_from_this(), peer, args] {
              RequestVoteReply reply;
              if (!self->peers_[peer]->Call("Raft.RequestVote", args, &reply)) return;
              lab::Lock lock(self->mu_);
              if (self->Killed()) return;
              self->HandleRequestVoteReply(peer, args, reply);
            });
  }
}

bool Raft::CountVote(std::vector<bool>& tally, int peer) {
  tally[peer] = true;
  const auto granted = std::count(tally.begin(), tally.end(), true);
  return granted > static_cast<long>(peers_.size()) / 2;
}

void Raft::HandleRequestVoteReply(int peer, const RequestVoteArgs& args,
                                  const RequestVoteReply& reply) {
  if (reply.Term > currentTerm_) {
    if (StepDown(reply.Term)) Persist();
    return;
  }
  if (args.PreVote) {
    // Count only pre-votes for the pre-election still running.
    if (role_ != Role::PreCandidate || args.Term != currentTerm_ + 1 || !reply.VoteGranted) return;
    if (CountVote(preVotesFrom_, peer)) StartElection();
    return;
  }
  // Count only votes for our campaign in the current term, while we still (pre-)campaign:
  // a reply may arrive after this peer won, lost, or moved on to a later term. (Still in
  // that term and not a follower, we campaigned in it: a peer grants only once per term.)
  const bool campaigning = role_ == Role::Candidate || role_ == Role::PreCandidate;
  if (!campaigning || currentTerm_ != args.Term || votedFor_ != me_ || !reply.VoteGranted) {
    return;
  }
  // Figure 2, rules for candidates: "if votes received from majority of servers: become
  // leader".
  if (CountVote(votesFrom_, peer)) BecomeLeader();
}

void Raft::BecomeLeader() {
  role_ = Role::Leader;
  lab::log(lab::Topic::leader, me_, "leader of term ", currentTerm_, " with log (",
           log_.SnapshotIndex(), ", ", log_.LastIndex(), "]");
  // Figure 2, volatile state on leaders, "reinitialized after election": nextIndex =
  // leader's last log index + 1, matchIndex = 0.
  Progress initial;
  initial.nextIndex = log_.LastIndex() + 1;
  // Check-quorum counts from the election, kNewLeaderGrace later.
  initial.lastReply = lab::now() + kNewLeaderGrace;
  progress_.assign(peers_.size(), initial);
  tickerCond_.notify_all();  // the ticker now has heartbeats to schedule
  // "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server";
  // this claims leadership before any follower times out.
  for (int peer = 0; peer < static_cast<int>(peers_.size()); peer++) {
    if (peer != me_) SendTo(peer, /*tracked=*/false);
  }
}
// STUDENT END 2A

// Figure 2, RequestVote RPC, receiver implementation.
void Raft::RequestVote([[maybe_unused]] const RequestVoteArgs& args,
                       [[maybe_unused]] RequestVoteReply* reply) {
  // STUDENT BEGIN 2A
  lab::Lock lock(mu_);
  // Up-to-date (§5.4.1): a later last term wins; with equal last terms, the longer log.
  // Granting votes only to such candidates keeps any committed entry in the log of every
  // future leader.
  const bool upToDate =
      args.LastLogTerm > log_.LastTerm() ||
      (args.LastLogTerm == log_.LastTerm() && args.LastLogIndex >= log_.LastIndex());
  if (args.PreVote) {
    // Would we vote in args.Term? Only for a later term and an up-to-date log, and not
    // while a leader is known to be alive. Nothing changes here: no term, no vote, no
    // timer.
    reply->Term = currentTerm_;
    reply->VoteGranted = args.Term > currentTerm_ && upToDate && role_ != Role::Leader &&
                         lab::now() - lastLeaderContact_ >= kLeaderContactTimeout;
    lab::log(lab::Topic::vote, me_,
             reply->VoteGranted ? "pre-votes for S" : "refuses a pre-vote to S", args.CandidateId,
             " in term ", args.Term);
    return;
  }
  bool changed = false;
  if (args.Term > currentTerm_) changed = StepDown(args.Term);
  reply->Term = currentTerm_;
  reply->VoteGranted = false;

  // 1. Reply false if term < currentTerm (§5.1).
  if (args.Term == currentTerm_) {
    // 2. If votedFor is null or candidateId, and the candidate's log is at least as
    // up-to-date as the receiver's log, grant the vote (§5.2, §5.4).
    if ((votedFor_ == -1 || votedFor_ == args.CandidateId) && upToDate) {
      if (votedFor_ != args.CandidateId) changed = true;
      votedFor_ = args.CandidateId;
      reply->VoteGranted = true;
      // Figure 2, rules for followers: granting a vote resets the election timer, so a
      // viable candidate gets time to win before this peer competes.
      ResetElectionTimer();
      lab::log(lab::Topic::vote, me_, "votes for S", args.CandidateId, " in term ", currentTerm_);
    }
  }
  if (!reply->VoteGranted) {
    lab::log(lab::Topic::vote, me_, "refuses S", args.CandidateId, " in term ", currentTerm_,
             " (voted for ", votedFor_, ", candidate log ", args.LastLogIndex, "/",
             args.LastLogTerm, ", ours ", log_.LastIndex(), "/", log_.LastTerm(), ")");
  }
  // The vote must be on stable storage before the candidate can count it.
  if (changed) Persist();
  // STUDENT END 2A
}

}  // namespace raft
