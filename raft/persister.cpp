// The Persister: bytes in (moved or shared), copies out, one lock.
#include "raft/persister.hpp"

namespace raft {

std::shared_ptr<Persister> Persister::Copy() const {
  auto copy = Make();
  lab::Lock lock(mu_);
  copy->raft_state_ = raft_state_;
  copy->tail_ = tail_;
  copy->snapshot_ = snapshot_;
  return copy;
}

void Persister::SaveRaftState(Bytes head, lab::SharedBytes tail) {
  lab::Lock lock(mu_);
  raft_state_ = std::move(head);
  tail_ = std::move(tail);
}

void Persister::SaveStateAndSnapshot(Bytes head, lab::SharedBytes tail, Bytes snapshot) {
  lab::Lock lock(mu_);
  raft_state_ = std::move(head);
  tail_ = std::move(tail);
  snapshot_ = std::move(snapshot);
}

Bytes Persister::ReadRaftState() const {
  lab::Lock lock(mu_);
  Bytes state;
  state.reserve(raft_state_.size() + tail_.size());
  state.insert(state.end(), raft_state_.begin(), raft_state_.end());
  state.insert(state.end(), tail_.data(), tail_.data() + tail_.size());
  return state;
}

Bytes Persister::ReadSnapshot() const {
  lab::Lock lock(mu_);
  return snapshot_;
}

size_t Persister::RaftStateSize() const {
  lab::Lock lock(mu_);
  return raft_state_.size() + tail_.size();
}

size_t Persister::SnapshotSize() const {
  lab::Lock lock(mu_);
  return snapshot_.size();
}

}  // namespace raft
