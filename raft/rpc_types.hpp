// The arguments and replies of Raft's three RPCs (Figure 2 and Figure 13 of the extended
// Raft paper), as they cross the labrpc network.
//
// Field names keep the paper's (and the Go lab's) capitalised names, so the handout maps
// one to one onto Figure 2. Every field must be listed in serialize(): the codec sends
// exactly what serialize() names and nothing else, so a forgotten field arrives as its
// default value.
//
// Plain values: no locking; each RPC task owns its own copy.
#pragma once

#include <vector>

#include "raft/log.hpp"

namespace raft {

// RequestVote RPC (Figure 2): invoked by candidates to gather votes (§5.2).
struct RequestVoteArgs {
  // STUDENT BEGIN 2A
  int Term = 0;          // candidate's term
  int CandidateId = 0;   // candidate requesting the vote
  int LastLogIndex = 0;  // index of the candidate's last log entry (§5.4)
  int LastLogTerm = 0;   // term of the candidate's last log entry (§5.4)
  // A pre-vote (Raft thesis §9.6): Term is the term the candidate would campaign in, and
  // the question is only whether the vote would be granted; the receiver changes nothing.
  bool PreVote = false;
  // STUDENT END 2A

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2A
    ar(Term, CandidateId, LastLogIndex, LastLogTerm, PreVote);
    // STUDENT END 2A
  }
};

struct RequestVoteReply {
  // STUDENT BEGIN 2A
  int Term = 0;              // currentTerm, for the candidate to update itself
  bool VoteGranted = false;  // true means the candidate received the vote
  // STUDENT END 2A

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2A
    ar(Term, VoteGranted);
    // STUDENT END 2A
  }
};

// AppendEntries RPC (Figure 2): invoked by the leader to replicate log entries (§5.3);
// also used as heartbeat (§5.2).
struct AppendEntriesArgs {
  // STUDENT BEGIN 2B
  int Term = 0;                   // leader's term
  int LeaderId = 0;               // so a follower knows who leads
  int PrevLogIndex = 0;           // index of the log entry immediately preceding the new ones
  int PrevLogTerm = 0;            // term of the PrevLogIndex entry
  std::vector<LogEntry> Entries;  // entries to store (empty for a pure heartbeat)
  int LeaderCommit = 0;           // leader's commitIndex
  // STUDENT END 2B

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2B
    ar(Term, LeaderId, PrevLogIndex, PrevLogTerm, Entries, LeaderCommit);
    // STUDENT END 2B
  }
};

struct AppendEntriesReply {
  // STUDENT BEGIN 2B
  int Term = 0;          // currentTerm, for the leader to update itself
  bool Success = false;  // the follower held an entry matching PrevLogIndex and PrevLogTerm

  // Fast backup of a rejected AppendEntries (the "accelerated log backtracking" sketched
  // at the end of §5.3), so that a leader skips a whole conflicting term per round trip
  // instead of one entry: TestBackup2B and the Figure 8 tests need it to fit their time.
  int XTerm = -1;   // term of the follower's conflicting entry at PrevLogIndex, -1 if none
  int XIndex = -1;  // first index the follower holds with term XTerm
  int XLen = 0;     // follower's last log index + 1 (where a short log would continue)
  // STUDENT END 2B

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2B
    ar(Term, Success, XTerm, XIndex, XLen);
    // STUDENT END 2B
  }
};

// InstallSnapshot RPC (Figure 13): invoked by the leader to send a follower the snapshot
// when the entries it needs are already discarded (§7). Sent whole, in one RPC: the lab
// has no chunks, so Figure 13's offset and done fields are left out.
struct InstallSnapshotArgs {
  // STUDENT BEGIN 2D
  int Term = 0;               // leader's term
  int LeaderId = 0;           // so a follower knows who leads
  int LastIncludedIndex = 0;  // the snapshot replaces all entries up through this index
  int LastIncludedTerm = 0;   // term of LastIncludedIndex
  Bytes Data;                 // the service's snapshot
  // STUDENT END 2D

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2D
    ar(Term, LeaderId, LastIncludedIndex, LastIncludedTerm, Data);
    // STUDENT END 2D
  }
};

struct InstallSnapshotReply {
  // STUDENT BEGIN 2D
  int Term = 0;  // currentTerm, for the leader to update itself
  // STUDENT END 2D

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2D
    ar(Term);
    // STUDENT END 2D
  }
};

}  // namespace raft
