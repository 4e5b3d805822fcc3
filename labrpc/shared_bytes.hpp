// Bytes handed over without copying, for state that is saved again and again while it
// mostly grows: Raft's encoded log, which the Persister keeps after every save. Copying
// the whole log into each save was most of what a long Lab 3A run spent its CPU on.
//
// AppendOnlyBytes is the writer's buffer. Share() returns a SharedBytes covering what the
// buffer holds now, and nothing ever changes those bytes afterwards: appends write past
// them (into spare room, or into a new, larger buffer when there is none), and cutting
// the buffer back below what was shared moves the kept bytes to a new buffer rather than
// let later appends overwrite them. A SharedBytes is a pointer and a length; copying one
// copies no bytes, and it keeps its buffer alive.
//
// Threading: an AppendOnlyBytes has one owner at a time (Raft uses it under its lock);
// a SharedBytes is immutable and may be read from any task while the owner appends.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

namespace lab {

class SharedBytes {
 public:
  SharedBytes() = default;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  friend class AppendOnlyBytes;
  SharedBytes(std::shared_ptr<const uint8_t[]> buffer, size_t size)
      : buffer_(std::move(buffer)), data_(buffer_.get()), size_(size) {}

  std::shared_ptr<const uint8_t[]> buffer_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

class AppendOnlyBytes {
 public:
  size_t size() const { return size_; }

  void Append(const uint8_t* data, size_t n) {
    if (n == 0) return;
    // Doubling keeps the copying amortised O(1) per byte appended.
    if (size_ + n > capacity_) MoveTo(std::max(size_ + n, 2 * capacity_), size_);
    std::memcpy(buffer_.get() + size_, data, n);
    size_ += n;
  }

  // Keeps the first n bytes (n <= size()).
  void Truncate(size_t n) {
    if (n < shared_) {
      MoveTo(capacity_, n);  // a SharedBytes covers the bytes the next append would overwrite
    } else {
      size_ = n;
    }
  }

  SharedBytes Share() {
    shared_ = std::max(shared_, size_);
    return SharedBytes(buffer_, size_);
  }

 private:
  // Continues in a new buffer of `capacity` bytes holding the first `keep` bytes.
  void MoveTo(size_t capacity, size_t keep) {
    std::shared_ptr<uint8_t[]> fresh(new uint8_t[capacity]);
    if (keep > 0) std::memcpy(fresh.get(), buffer_.get(), keep);
    buffer_ = std::move(fresh);
    capacity_ = capacity;
    size_ = keep;
    shared_ = 0;
  }

  std::shared_ptr<uint8_t[]> buffer_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t shared_ = 0;  // bytes of buffer_ that some SharedBytes may cover
};

}  // namespace lab
