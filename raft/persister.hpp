// The Persister: where a Raft peer keeps its durable state and snapshot (Go:
// raft/persister.go).
// The tester hands each peer one; on a crash it swaps in a copy, so a killed instance
// that is still running writes only into its old object.
//
// Thread-safe; reads return copies. Saving state and snapshot together is atomic. The
// state can be saved in two pieces, the second shared rather than copied (Raft's encoded
// log: see labrpc/shared_bytes.hpp); readers see the two as one. The Persister holds
// opaque bytes: the reader decodes them with the codec, which reports corrupt or
// truncated bytes by type and offset.
#pragma once

#include "labrpc/codec.hpp"
#include "labrpc/runtime.hpp"
#include "labrpc/shared_bytes.hpp"

#include <memory>
#include <utility>

namespace raft {

using lab::Bytes;

class Persister {
 public:
  static std::shared_ptr<Persister> Make() { return std::make_shared<Persister>(); }
  // An independent Persister with the same contents.
  std::shared_ptr<Persister> Copy() const;

  // By value: a caller that moves its bytes in saves without a copy. The state is `head`
  // followed by `tail` (none by default).
  void SaveRaftState(Bytes head, lab::SharedBytes tail = {});
  void SaveStateAndSnapshot(Bytes head, lab::SharedBytes tail, Bytes snapshot);
  void SaveStateAndSnapshot(Bytes state, Bytes snapshot) {
    SaveStateAndSnapshot(std::move(state), {}, std::move(snapshot));
  }
  // 2023+ name for SaveStateAndSnapshot.
  void Save(Bytes state, Bytes snapshot) {
    SaveStateAndSnapshot(std::move(state), std::move(snapshot));
  }

  Bytes ReadRaftState() const;
  Bytes ReadSnapshot() const;
  size_t RaftStateSize() const;
  size_t SnapshotSize() const;

 private:
  mutable lab::Mutex mu_;
  Bytes raft_state_;        // the state, or its first piece
  lab::SharedBytes tail_;   // the rest of the state
  Bytes snapshot_;
};

}  // namespace raft
