// The Persister: copies in, copies out, one lock.
#include "raft/persister.hpp"

namespace raft {

std::shared_ptr<Persister> Persister::Copy() const {
  auto copy = Make();
  lab::Lock lock(mu_);
  copy->raft_state_ = raft_state_;
  copy->snapshot_ = snapshot_;
  return copy;
}

void Persister::SaveRaftState(Bytes state) {
  lab::Lock lock(mu_);
  raft_state_ = std::move(state);
}

void Persister::SaveStateAndSnapshot(Bytes state, Bytes snapshot) {
  lab::Lock lock(mu_);
  raft_state_ = std::move(state);
  snapshot_ = std::move(snapshot);
}

Bytes Persister::ReadRaftState() const {
  lab::Lock lock(mu_);
  return raft_state_;
}

Bytes Persister::ReadSnapshot() const {
  lab::Lock lock(mu_);
  return snapshot_;
}

size_t Persister::RaftStateSize() const {
  lab::Lock lock(mu_);
  return raft_state_.size();
}

size_t Persister::SnapshotSize() const {
  lab::Lock lock(mu_);
  return snapshot_.size();
}

}  // namespace raft
