// The kvraft server: a replicated key/value state machine on top of Raft (Lab 3; Go:
// kvraft/server.go).
//
// Who calls it: the tester, through StartKVServer and Kill (and rf(), to register the
// peer's "Raft" service and ask GetState); clerks, through the "KVServer" service
// (MakeService) with the Get and PutAppend handlers.
//
// What it does (the Go lab's 3A and 3B pages): a handler hands the clerk's request to
// Raft (Start) as an operation in the log, and answers once the server has applied the
// log entry at the returned index. Every Get, Put and Append goes through the log, so all
// servers apply the same operations in the same order, and a Get reflects every
// operation committed before it. A handler whose index is taken by a different
// operation, or whose leader loses its term, answers ErrWrongLeader and the clerk tries
// elsewhere; duplicate detection (per clerk, the requests already applied) keeps a
// retried Put or Append from being applied twice. With maxraftstate >= 0 (3B) the server
// snapshots the store and the duplicate table when Raft's persisted state nears
// maxraftstate bytes; a restarted server starts from the persisted snapshot, and a
// lagging one installs the leader's snapshot when Raft delivers it.
//
// Threading: `mu_` guards the server's state (the store, the duplicate table, what was
// applied, the waiting handlers). Raft never calls back into the server, so calling
// Start and GetState under mu_ cannot deadlock. Tasks: the applier (Applier), which takes
// Raft's messages from the apply channel (Raft waits until it has), plus one task per RPC
// (labrpc runs every handler on its own task).
// SOLUTION NOTE BEGIN 3A
// In the reference: lock order mu_ before Raft's own lock (handlers call Start under
// mu_); the applier receives from the apply channel and calls Raft's Snapshot without
// holding mu_; all waits are timed.
// SOLUTION NOTE END 3A
#pragma once

#include "kvraft/common.hpp"
#include "labrpc/labrpc.hpp"
#include "raft/api.hpp"
#include "raft/persister.hpp"
#include "raft/raft.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kvraft {

class KVServer;

// Go's StartKVServer(servers, me, persister, maxraftstate): servers[] holds the ends of
// the Raft peers that together form the service, servers[me] is this one. The server
// stores snapshots through persister->SaveStateAndSnapshot (via Raft's Snapshot) and Raft
// saves its state there too. Snapshot when Raft's saved state reaches maxraftstate bytes;
// maxraftstate == -1: never snapshot. Returns at once; the work runs on tasks.
std::shared_ptr<KVServer> StartKVServer(std::vector<lab::ClientEnd*> servers, int me,
                                        std::shared_ptr<raft::Persister> persister,
                                        int maxraftstate);

// The "KVServer" service ("KVServer.Get", "KVServer.PutAppend"), to register on the
// peer's labrpc Server beside raft::MakeService(kv->rf()).
std::shared_ptr<lab::Service> MakeService(std::shared_ptr<KVServer> kv);

class KVServer {
 public:
  // RPC handlers.
  void Get(const GetArgs& args, GetReply* reply);
  void PutAppend(const PutAppendArgs& args, PutAppendReply* reply);

  // The tester calls Kill() when a server will not be needed again: it kills the Raft
  // too, and the server's tasks end soon after. Handlers still answer (ErrWrongLeader).
  void Kill();
  bool killed() const { return dead_.load(); }

  // Go's kv.rf: the tester registers its service and asks GetState().
  std::shared_ptr<raft::Raft> rf() const { return rf_; }

 private:
  friend std::shared_ptr<KVServer> StartKVServer(std::vector<lab::ClientEnd*> servers, int me,
                                                 std::shared_ptr<raft::Persister> persister,
                                                 int maxraftstate);

  KVServer(int me, std::shared_ptr<raft::Persister> persister, int maxraftstate);

  // The task that reads the apply channel and applies, in log order.
  void Applier();
  // "kvserver 3", for error messages.
  std::string Who() const;

  // STUDENT BEGIN 3A
  // Committed entries Raft's applier may hand over before the server's applier takes
  // them. Unbuffered, every entry costs a task switch each way (Raft's applier waits
  // until the server takes it); under heavy load (TestSnapshotRecoverManyClients3B)
  // followers fall up to a second behind the leader, holding unapplied entries Raft cannot
  // trim, and the test finds their logs too large.
  static constexpr size_t kApplyChannelCapacity = 256;
  // How long a handler waits for its op between checks that this peer still leads in
  // the term it started the op in.
  static constexpr lab::Duration kLeadershipCheckInterval = std::chrono::milliseconds(50);
  // A handler gives up (ErrWrongLeader) after this long even if this peer still believes
  // it leads: a leader cut off from the majority keeps its term until it hears of a newer
  // one, and its clerk does better trying the other servers.
  static constexpr lab::Duration kMaxWait = std::chrono::seconds(1);

  // What goes in the Raft log: one client request.
  enum OpType : int8_t { kGet = 0, kPut = 1, kAppend = 2 };
  struct Op {
    int8_t Type = kGet;
    std::string Key;
    std::string Value;  // Put and Append only
    int64_t ClientId = 0;
    int64_t SeqNum = 0;

    template <class Archive>
    void serialize(Archive& ar) {
      ar(Type, Key, Value, ClientId, SeqNum);
    }
  };

  // A handler waiting for the entry at `index`; lives on the handler's stack, registered
  // in waiters_ while it waits. The applier fills in the outcome.
  struct Waiter {
    int index = 0;
    int64_t clientId = 0;
    int64_t seqNum = 0;
    bool done = false;
    std::string err;
    std::string value;  // Get only
  };

  // Starts `op` in Raft if this peer leads, then waits for its outcome: OK (or ErrNoKey
  // for a Get, with *value) once applied, ErrWrongLeader when it cannot be.
  std::string StartAndWait(const Op& op, std::string* value);

  // Under mu_: applies one committed command and answers the handlers waiting for it.
  void ApplyCommand(const raft::ApplyMsg& msg);
  // Under mu_: every handler waiting for an index <= `index` learns its outcome; the
  // ones whose entry is not `op` at `index` learn ErrWrongLeader.
  void ResolveWaiters(int index, const Op* op);
  // STUDENT END 3A

  // STUDENT BEGIN 3B
  // The state machine as a snapshot holds it: through which index, the store and the
  // duplicate table.
  struct KvSnapshot {
    int64_t LastIncludedIndex = 0;
    std::map<std::string, std::string> Data;
    std::map<int64_t, int64_t> LastSeq;

    template <class Archive>
    void serialize(Archive& ar) {
      ar(LastIncludedIndex, Data, LastSeq);
    }
  };
  // Without mu_, on the applier: when Raft's saved state has grown to maxraftstate,
  // snapshots everything applied and hands it to Raft, which trims its log.
  void MaybeSnapshot();
  // Under mu_: the snapshot of everything applied so far.
  lab::Bytes MakeSnapshot() const;
  // Under mu_: replaces the state machine with a snapshot's. `index` is what the Raft
  // message says the snapshot covers (-1: reading the persisted one at start).
  void InstallSnapshot(const lab::Bytes& snapshot, int index);
  // STUDENT END 3B

  // --- Fixed at construction; read without the lock. ---------------------------------
  const int me_;
  const std::shared_ptr<raft::Persister> persister_;
  const int maxraftstate_;  // snapshot when Raft's state reaches this size; -1: never
  std::shared_ptr<raft::ApplyChannel> applyCh_;
  std::shared_ptr<raft::Raft> rf_;
  std::atomic<bool> dead_{false};  // set by Kill

  lab::Mutex mu_;  // guards every field below
  // Notified when the applier has applied what a handler may be waiting for, and by Kill.
  lab::CondVar applied_;

  // STUDENT BEGIN 3A
  std::map<std::string, std::string> data_;  // the key/value store
  // Duplicate detection: per clerk, the highest SeqNum of a Put or Append applied. A clerk
  // has one request outstanding and numbers them in order, so anything not above it is a
  // retry of a request already applied. (A Get is never skipped: reading again is
  // harmless, and it reads the latest value.) Part of every snapshot, so it survives
  // restarts.
  std::map<int64_t, int64_t> lastSeq_;
  int lastApplied_ = 0;  // index of the last command applied (or snapshot installed)
  std::multimap<int, Waiter*> waiters_;  // by log index
  // STUDENT END 3A
  // STUDENT BEGIN 3B
  // Bytes of the commands applied since the last snapshot (taken or installed).
  size_t appliedBytesSinceSnapshot_ = 0;
  // STUDENT END 3B
};

}  // namespace kvraft
