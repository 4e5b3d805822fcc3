// The kvraft server (see server.hpp): handlers, the applier, snapshots.
#include "kvraft/server.hpp"

#include "labrpc/log.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace kvraft {

namespace {
// STUDENT BEGIN 3A
// For log lines: an op's name, and a clerk's id cut to a few digits.
const char* OpName(int8_t type) {
  return type == 0 ? "Get" : type == 1 ? "Put" : type == 2 ? "Append" : "?";
}
int64_t ShortId(int64_t clientId) { return clientId % 10000; }
// STUDENT END 3A
}  // namespace

std::shared_ptr<KVServer> StartKVServer(std::vector<lab::ClientEnd*> servers, int me,
                                        std::shared_ptr<raft::Persister> persister,
                                        int maxraftstate) {
  std::shared_ptr<KVServer> kv(new KVServer(me, persister, maxraftstate));

  // STUDENT BEGIN 3B
  // A restarted server resumes from its last snapshot; Raft then delivers only the
  // commands after it.
  {
    lab::Lock lock(kv->mu_);
    const lab::Bytes snapshot = persister->ReadSnapshot();
    if (!snapshot.empty()) kv->InstallSnapshot(snapshot, -1);
  }
  // STUDENT END 3B

  size_t applyChannelCapacity = 0;  // unbuffered, like Go's make(chan raft.ApplyMsg)
  // STUDENT BEGIN 3A
  applyChannelCapacity = KVServer::kApplyChannelCapacity;
  // STUDENT END 3A
  kv->applyCh_ = std::make_shared<raft::ApplyChannel>(applyChannelCapacity);
  kv->rf_ = raft::Make(std::move(servers), me, persister, kv->applyCh_);

  // STUDENT BEGIN 3A
  // The applier holds the server alive until the channel closes (Kill) or the test's
  // World ends.
  lab::go("kvserver-" + std::to_string(me) + " applier", [kv] { kv->Applier(); });
  // STUDENT END 3A
  return kv;
}

std::shared_ptr<lab::Service> MakeService(std::shared_ptr<KVServer> kv) {
  auto service = std::make_shared<lab::Service>("KVServer");
  service->Add("Get", kv, &KVServer::Get);
  service->Add("PutAppend", kv, &KVServer::PutAppend);
  return service;
}

KVServer::KVServer(int me, std::shared_ptr<raft::Persister> persister, int maxraftstate)
    : me_(me), persister_(std::move(persister)), maxraftstate_(maxraftstate) {}

std::string KVServer::Who() const { return "kvserver " + std::to_string(me_); }

void KVServer::Kill() {
  dead_.store(true);
  rf_->Kill();
  // STUDENT BEGIN 3A
  // Closing the apply channel ends the applier (and releases Raft's applier if it is
  // sending); waiting handlers see dead_ and answer.
  applyCh_->close();
  lab::Lock lock(mu_);
  applied_.notify_all();
  // STUDENT END 3A
}

// --- Handlers (3A) ------------------------------------------------------------------

void KVServer::Get([[maybe_unused]] const GetArgs& args, [[maybe_unused]] GetReply* reply) {
  // STUDENT BEGIN 3A
  Op op;
  op.Type = kGet;
  op.Key = args.Key;
  op.ClientId = args.ClientId;
  op.SeqNum = args.SeqNum;
  reply->Err = StartAndWait(op, &reply->Value);
  // STUDENT END 3A
}

void KVServer::PutAppend([[maybe_unused]] const PutAppendArgs& args,
                         [[maybe_unused]] PutAppendReply* reply) {
  // STUDENT BEGIN 3A
  Op op;
  if (args.Op == OpPut) {
    op.Type = kPut;
  } else if (args.Op == OpAppend) {
    op.Type = kAppend;
  } else {
    lab::fatal(Who() + ": PutAppend with Op \"" + args.Op +
               "\"; expecting \"Put\" or \"Append\"");
  }
  op.Key = args.Key;
  op.Value = args.Value;
  op.ClientId = args.ClientId;
  op.SeqNum = args.SeqNum;
  reply->Err = StartAndWait(op, nullptr);
  // STUDENT END 3A
}

// STUDENT BEGIN 3A
std::string KVServer::StartAndWait(const Op& op, std::string* value) {
  // The lock is held from Start until the waiter is registered, so the applier cannot
  // apply the entry before this handler is listening for it.
  lab::Lock lock(mu_);
  if (killed()) return ErrWrongLeader;

  // A retried Put or Append that this server has already applied is done: answer at once
  // rather than logging it again (applied means committed, whoever leads now).
  if (op.Type != kGet) {
    auto last = lastSeq_.find(op.ClientId);
    if (last != lastSeq_.end() && op.SeqNum <= last->second) {
      lab::log(lab::Topic::server, me_, "C", ShortId(op.ClientId), "#", op.SeqNum, " ",
               OpName(op.Type), "(", op.Key, ") already applied");
      return OK;
    }
  }

  const raft::StartResult started = rf_->Start(lab::encode(op));
  if (!started.isLeader) return ErrWrongLeader;
  lab::log(lab::Topic::server, me_, "C", ShortId(op.ClientId), "#", op.SeqNum, " ",
           OpName(op.Type), "(", op.Key, ") started at index ", started.index, " term ",
           started.term);

  Waiter waiter;
  waiter.index = started.index;
  waiter.clientId = op.ClientId;
  waiter.seqNum = op.SeqNum;
  const auto registered = waiters_.emplace(started.index, &waiter);
  // Unregister on every way out, including lab::Cancelled when the test ends (waits
  // return holding the lock), so the applier never sees a dangling waiter.
  struct Unregister {
    std::multimap<int, Waiter*>& waiters;
    std::multimap<int, Waiter*>::iterator it;
    ~Unregister() { waiters.erase(it); }
  } unregister{waiters_, registered};

  const lab::TimePoint give_up = lab::now() + kMaxWait;
  while (!waiter.done) {
    if (killed() || lab::now() >= give_up) {
      lab::log(lab::Topic::server, me_, "C", ShortId(op.ClientId), "#", op.SeqNum,
               " gives up on index ", started.index, killed() ? " (killed)" : " (too long)");
      return ErrWrongLeader;
    }
    applied_.wait_until(lock, std::min(lab::now() + kLeadershipCheckInterval, give_up));
    if (waiter.done) break;
    // Lost leadership, or a new term (even if this peer leads again): the entry at our
    // index may be overwritten, and the applier would tell us only once a later leader
    // commits something there. Asked without mu_: Raft may hold its lock for a while
    // (persisting), and the applier needs mu_ meanwhile.
    lock.unlock();
    const raft::State state = rf_->GetState();
    lock.lock();
    if (waiter.done) break;
    if (!state.isLeader || state.term != started.term) {
      lab::log(lab::Topic::server, me_, "C", ShortId(op.ClientId), "#", op.SeqNum,
               " gives up on index ", started.index, " (term ", started.term, " is over)");
      return ErrWrongLeader;
    }
  }
  if (value != nullptr) *value = std::move(waiter.value);
  return waiter.err;
}
// STUDENT END 3A

// --- The applier (3A) and snapshots (3B) --------------------------------------------

void KVServer::Applier() {
  // STUDENT BEGIN 3A
  while (std::optional<raft::ApplyMsg> msg = applyCh_->recv()) {
    if (msg->CommandValid) {
      {
        lab::Lock lock(mu_);
        ApplyCommand(*msg);
      }
      MaybeSnapshot();
    } else if (msg->SnapshotValid) {
      lab::Lock lock(mu_);
      InstallSnapshot(msg->Snapshot, msg->SnapshotIndex);
    }
  }
  // STUDENT END 3A
}

// STUDENT BEGIN 3A
void KVServer::ApplyCommand(const raft::ApplyMsg& msg) {
  // Already in the state machine: covered by a snapshot installed meanwhile.
  if (msg.CommandIndex <= lastApplied_) return;
  if (msg.CommandIndex != lastApplied_ + 1) {
    lab::fatal(Who() + ": Raft applied index " + std::to_string(msg.CommandIndex) +
               " right after " + std::to_string(lastApplied_) + " (entries skipped)");
  }
  Op op;
  try {
    lab::decode_into(msg.Command, op);
  } catch (const lab::CodecError& e) {
    lab::fatal(Who() + ": undecodable command at index " + std::to_string(msg.CommandIndex) +
               ": " + e.what());
  }

  if (op.Type == kPut || op.Type == kAppend) {
    auto last = lastSeq_.find(op.ClientId);
    const bool fresh = last == lastSeq_.end() || op.SeqNum > last->second;
    lab::log(lab::Topic::server, me_, "applies index ", msg.CommandIndex, ": C",
             ShortId(op.ClientId), "#", op.SeqNum, " ", OpName(op.Type), "(", op.Key, ")",
             fresh ? "" : " again: skipped");
    if (fresh) {
      if (op.Type == kPut) {
        data_[op.Key] = op.Value;
      } else {
        data_[op.Key] += op.Value;
      }
      lastSeq_[op.ClientId] = op.SeqNum;
    }
  } else if (op.Type != kGet) {
    lab::fatal(Who() + ": command at index " + std::to_string(msg.CommandIndex) +
               " has unknown op type " + std::to_string(op.Type));
  }
  if (op.Type == kGet) {
    lab::log(lab::Topic::server, me_, "applies index ", msg.CommandIndex, ": C",
             ShortId(op.ClientId), "#", op.SeqNum, " Get(", op.Key, ")");
  }
  lastApplied_ = msg.CommandIndex;
  appliedBytesSinceSnapshot_ += msg.Command.size();
  ResolveWaiters(msg.CommandIndex, &op);
}

void KVServer::ResolveWaiters(int index, const Op* op) {
  bool resolved = false;
  for (auto it = waiters_.begin(); it != waiters_.end() && it->first <= index; ++it) {
    Waiter& waiter = *it->second;
    if (waiter.done) continue;
    waiter.done = true;
    resolved = true;
    const bool mine = op != nullptr && waiter.index == index &&
                      waiter.clientId == op->ClientId && waiter.seqNum == op->SeqNum;
    if (!mine) {
      waiter.err = ErrWrongLeader;
    } else if (op->Type != kGet) {
      waiter.err = OK;
    } else {
      auto found = data_.find(op->Key);
      waiter.err = found == data_.end() ? ErrNoKey : OK;
      if (found != data_.end()) waiter.value = found->second;
    }
  }
  if (resolved) applied_.notify_all();
}
// STUDENT END 3A

// STUDENT BEGIN 3B
void KVServer::MaybeSnapshot() {
  if (maxraftstate_ < 0) return;  // -1: never
  lab::Bytes snapshot;
  int index = 0;
  {
    lab::Lock lock(mu_);
    // Raft's state holds the log since the last snapshot, applied or not. Snapshot only
    // once the commands applied since the last one make up half the limit, so that each
    // snapshot trims at least that much: when the applier lags far behind the log (a
    // burst of commits, a busy machine), snapshotting after every command would trim one
    // entry each time at the cost of encoding the whole store, and the applier would
    // never catch up. Once it has, the state is at most half the limit plus the
    // unapplied tail (the tester allows 8 x maxraftstate). Checked first: it is free,
    // while asking the Persister waits for its lock, which Raft holds while saving.
    if (appliedBytesSinceSnapshot_ < static_cast<size_t>(maxraftstate_) / 2) return;
    if (persister_->RaftStateSize() < static_cast<size_t>(maxraftstate_)) return;
    snapshot = MakeSnapshot();
    index = lastApplied_;
    appliedBytesSinceSnapshot_ = 0;
  }
  lab::log(lab::Topic::snapshot, me_, "kvserver snapshots through index ", index, " (",
           snapshot.size(), " bytes)");
  // From the task that drains the apply channel, as the Raft tester does, and without
  // mu_: Raft takes its own lock, and the applier is the only task that changes the
  // state, so the snapshot still matches `index`.
  rf_->Snapshot(index, std::move(snapshot));
}

namespace {
// KvSnapshot's fields by reference, so that encoding does not copy the store first; the
// same fields in the same order, so KvSnapshot decodes what this encodes.
struct KvSnapshotView {
  const int64_t& LastIncludedIndex;
  const std::map<std::string, std::string>& Data;
  const std::map<int64_t, int64_t>& LastSeq;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(LastIncludedIndex, Data, LastSeq);
  }
};
}  // namespace

lab::Bytes KVServer::MakeSnapshot() const {
  const int64_t index = lastApplied_;
  return lab::encode(KvSnapshotView{index, data_, lastSeq_});
}

void KVServer::InstallSnapshot(const lab::Bytes& snapshot, int index) {
  // Not newer than what is applied: nothing to gain, and going back would undo commands.
  if (index != -1 && index <= lastApplied_) return;
  if (snapshot.empty()) {
    lab::fatal(Who() + ": Raft delivered an empty snapshot for index " + std::to_string(index));
  }
  KvSnapshot decoded;
  try {
    lab::decode_into(snapshot, decoded);
  } catch (const lab::CodecError& e) {
    lab::fatal(Who() + ": snapshot decode error: " + e.what());
  }
  if (index != -1 && decoded.LastIncludedIndex != index) {
    lab::fatal(Who() + ": Raft delivered a snapshot through index " + std::to_string(index) +
               " holding the state through " + std::to_string(decoded.LastIncludedIndex));
  }
  data_ = std::move(decoded.Data);
  lastSeq_ = std::move(decoded.LastSeq);
  lastApplied_ = static_cast<int>(decoded.LastIncludedIndex);
  appliedBytesSinceSnapshot_ = 0;
  lab::log(lab::Topic::snapshot, me_, "kvserver installs the snapshot through index ",
           lastApplied_, " (", data_.size(), " keys)");
  // Whatever these handlers started is in the snapshot or lost; they cannot tell which,
  // and their clerks retry (duplicate detection drops what was applied).
  ResolveWaiters(lastApplied_, nullptr);
}
// STUDENT END 3B

}  // namespace kvraft
