// The lab-facing Raft API (Go: raft/raft.go), as the Go lab names it. The tester and kvraft
// use only this; raft/raft.hpp implements it.
#pragma once

#include "labrpc/labrpc.hpp"
#include "raft/persister.hpp"

#include <memory>
#include <vector>

namespace raft {

// What a peer delivers on its apply channel, in log order: a committed command, or a
// snapshot the service must install.
struct ApplyMsg {
  bool CommandValid = false;
  Bytes Command;
  int CommandIndex = 0;

  bool SnapshotValid = false;
  Bytes Snapshot;
  int SnapshotTerm = 0;
  int SnapshotIndex = 0;
};

using ApplyChannel = lab::Channel<ApplyMsg>;

struct StartResult {
  int index = -1;  // where the command will be if it is ever committed
  int term = 0;
  bool isLeader = false;
};

struct State {
  int term = 0;
  bool isLeader = false;
};

class Raft;

// Go's Make(peers, me, persister, applyCh): returns at once; the peer restores from
// persister->ReadRaftState() and runs on background tasks of the caller's World.
// peers[me] is this peer's own end. The apply channel is unbuffered in the tester.
std::shared_ptr<Raft> Make(std::vector<lab::ClientEnd*> peers, int me,
                           std::shared_ptr<Persister> persister,
                           std::shared_ptr<ApplyChannel> applyCh);

// The "Raft" service with its RPC handlers, to register on the peer's labrpc Server.
std::shared_ptr<lab::Service> MakeService(std::shared_ptr<Raft> rf);

}  // namespace raft
