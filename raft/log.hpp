// The Raft log (Figure 2's log[]; §5.3), and after snapshots its offset (§7).
//
// Log indices are global and start at 1, as in the paper and the tester. Once the service
// snapshots (2D), the entries up through the snapshot's last included index are
// discarded, but later entries keep their indices: where an entry sits in memory and its
// log index then differ, and the log must still know the last included entry's index and
// term for the AppendEntries consistency check (the Go lab's 2D hints).
// SOLUTION NOTE BEGIN 2B
//
// The reference's Log keeps an offset: position 0 of `entries_` is a sentinel standing
// for the last entry the snapshot covers (index `base_`, its term kept), and position k
// holds index base_ + k. Before any snapshot, base_ = 0 and the sentinel is the empty
// entry at index 0 with term 0, which makes "the entry before the first one" always
// exist: the AppendEntries consistency check and RequestVote's up-to-date check need no
// special case for an empty log.
//
// Saving keeps the entries' encoded bytes between saves and encodes only the entries
// appended since the last one: Raft saves its log on every change, and re-encoding it
// whole would cost O(log length) per new entry, O(n²) over a run that never snapshots
// (Lab 3A). For the same reason the bytes are shared with the Persister, not copied into
// each save (lab::SharedBytes). The saved form is exactly cereal's encoding of
// (base_, entries_), so loading is plain cereal.
// SOLUTION NOTE END 2B
//
// Threading: no locking of its own; Raft uses it only while holding its lock.
#pragma once

#include <string>
#include <vector>

#include "labrpc/codec.hpp"
#include "labrpc/runtime.hpp"
#include "labrpc/shared_bytes.hpp"

namespace raft {

using lab::Bytes;

// One log entry: a command for the state machine and the term in which the leader
// received it (Figure 2, "log[]").
struct LogEntry {
  // STUDENT BEGIN 2B
  int Term = 0;
  Bytes Command;
  // STUDENT END 2B

  template <class Archive>
  void serialize([[maybe_unused]] Archive& ar) {
    // STUDENT BEGIN 2B
    ar(Term, Command);
    // STUDENT END 2B
  }
};

// STUDENT BEGIN 2B
class Log {
 public:
  Log() : entries_(1) {}

  // The snapshot's last included index and term (0, 0 before any snapshot).
  int SnapshotIndex() const { return base_; }
  int SnapshotTerm() const { return entries_[0].Term; }
  int LastIndex() const { return base_ + static_cast<int>(entries_.size()) - 1; }
  int LastTerm() const { return entries_.back().Term; }

  // Term of the entry at `index`, for SnapshotIndex() <= index <= LastIndex().
  int TermAt(int index) const { return entries_[Position(index, base_)].Term; }
  // The entry at `index`, for SnapshotIndex() < index <= LastIndex().
  const LogEntry& At(int index) const { return entries_[Position(index, base_ + 1)]; }

  void Append(LogEntry entry) { entries_.push_back(std::move(entry)); }

  // Copies of the entries from `from` through LastIndex(); from > SnapshotIndex().
  std::vector<LogEntry> From(int from) const {
    if (from > LastIndex()) return {};
    return {entries_.begin() + Position(from, base_ + 1), entries_.end()};
  }

  // Drops the entries from `index` on (a conflict, Figure 2 AppendEntries rule 3).
  void TruncateFrom(int index) {
    entries_.resize(Position(index, base_ + 1));
    if (offsets_.size() > entries_.size()) {
      encoded_.Truncate(offsets_[entries_.size()]);
      offsets_.resize(entries_.size());
    }
  }

  // Discards the entries through `index`, which the log holds, keeping the ones after
  // it: the service's snapshot now covers them (§7).
  void CompactTo(int index) {
    const size_t position = Position(index, base_);
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(position));
    entries_[0].Command.clear();  // the sentinel keeps only the term
    base_ = index;
    ForgetEncoding();
  }

  // Discards the whole log: an installed snapshot covers everything through `index`.
  void ResetTo(int index, int term) {
    entries_.assign(1, LogEntry{term, {}});
    base_ = index;
    ForgetEncoding();
  }

  // A description of what is wrong with a decoded log, or "" when it is well formed.
  std::string Problem() const {
    if (entries_.empty()) return "log has no sentinel entry";
    if (base_ < 0) return "log snapshot index " + std::to_string(base_) + " is negative";
    for (size_t k = 1; k < entries_.size(); k++) {
      if (entries_[k].Term < entries_[k - 1].Term) {
        return "log terms decrease at index " + std::to_string(base_ + static_cast<int>(k));
      }
    }
    return "";
  }

  // What cereal writes of the log before its entries (the snapshot index, then the
  // entries' count, the sentinel included): followed by EncodedEntries(), the bytes
  // load() reads.
  struct Head {
    int base = 0;
    cereal::size_type count = 0;

    template <class Archive>
    void serialize(Archive& ar) {
      ar(base, cereal::make_size_tag(count));
    }
  };
  Head EncodedHead() const { return {base_, entries_.size()}; }

  // The entries' encoding as cereal writes them after the vector's length, shared rather
  // than copied: Persist hands it to the Persister with every save. Encodes only the
  // entries appended since the last call.
  lab::SharedBytes EncodedEntries() const {
    Bytes fresh;
    for (size_t k = offsets_.size(); k < entries_.size(); k++) {
      offsets_.push_back(encoded_.size() + fresh.size());
      lab::append_encoding(entries_[k], fresh);
    }
    encoded_.Append(fresh.data(), fresh.size());
    return encoded_.Share();
  }

  template <class Archive>
  void load(Archive& ar) {
    ar(base_, entries_);
    ForgetEncoding();
  }

 private:
  void ForgetEncoding() {
    encoded_.Truncate(0);
    offsets_.clear();
  }

  // Position of `index` in entries_, checking lowest <= index <= LastIndex(). A miss is
  // a bug in the caller, never a network input: every handler checks ranges first.
  size_t Position(int index, int lowest) const {
    if (index < lowest || index > LastIndex()) {
      lab::fatal("raft: log index " + std::to_string(index) + " outside [" +
                 std::to_string(lowest) + ", " + std::to_string(LastIndex()) + "]");
    }
    return static_cast<size_t>(index - base_);
  }

  int base_ = 0;  // index of the sentinel: the snapshot's last included index
  std::vector<LogEntry> entries_;
  // entries_[0 .. offsets_.size()) encoded back to back; entry k starts at offsets_[k].
  mutable lab::AppendOnlyBytes encoded_;
  mutable std::vector<size_t> offsets_;
};
// STUDENT END 2B

}  // namespace raft
