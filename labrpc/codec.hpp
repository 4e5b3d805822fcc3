// The codec: what labgob is to the Go labs. Encodes a value into self-contained bytes
// (cereal's binary format) and decodes it back; RPC arguments and replies, Raft's
// persisted state, snapshots and commands all cross boundaries as these bytes.
//
// A type is encodable when cereal can serialise it: a member
//   template <class Archive> void serialize(Archive& ar) { ar(field1, field2); }
// or a free serialize function. Anything else is a compile-time error naming the type,
// as are pointers and views, which would share memory between peers.
//
// The first encode of an aggregate type checks that its serialize() visits every member
// (codec_members.hpp), the twin of labgob's check for fields gob cannot see.
//
// Decoding never has undefined behaviour: truncated input, a length prefix longer than
// what is left, or trailing bytes throw CodecError naming the expected type and offset.
//
// Pure functions: callable from any task, never block.
#pragma once

#include <cereal/archives/binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace lab {

using Bytes = std::vector<uint8_t>;

class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A readable name for a type ("raft::AppendEntriesArgs").
std::string demangle(const char* mangled);
template <class T>
const std::string& type_name() {
  static const std::string name = demangle(typeid(T).name());
  return name;
}

}  // namespace lab

#include "labrpc/codec_members.hpp"

namespace lab {

// Reads cereal's binary format, refusing any read or length prefix that goes past the
// end of the input (a corrupt length would otherwise ask for gigabytes).
class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  BoundedInputArchive(const uint8_t* data, size_t size)
      : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this),
        data_(data),
        size_(size) {}

  void loadBinary(void* out, size_t n);
  // A container's length cannot exceed the bytes left (elements take at least one byte),
  // except for small containers of empty elements.
  void checkLength(uint64_t length) const;
  size_t offset() const { return offset_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

// Writes cereal's binary format straight into a byte vector (cereal's own writer goes
// through an ostream, several times slower; Raft persists its whole log often).
class VectorOutputArchive
    : public cereal::OutputArchive<VectorOutputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit VectorOutputArchive(Bytes& out)
      : cereal::OutputArchive<VectorOutputArchive, cereal::AllowEmptyClassElision>(this),
        out_(out) {}
  void saveBinary(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + n);
  }

 private:
  Bytes& out_;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_SAVE_FUNCTION_NAME(VectorOutputArchive& ar,
                                                                     const T& t) {
  ar.saveBinary(std::addressof(t), sizeof(t));
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(VectorOutputArchive& ar, const cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(VectorOutputArchive& ar, const cereal::SizeTag<T>& t) {
  ar(t.size);
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(VectorOutputArchive& ar, const cereal::BinaryData<T>& t) {
  ar.saveBinary(t.data, static_cast<size_t>(t.size));
}

template <class T>
std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>> CEREAL_LOAD_FUNCTION_NAME(
    BoundedInputArchive& ar, T& t) {
  ar.loadBinary(std::addressof(t), sizeof(t));
}
// A bool is one byte, 0 or 1; any other value is corrupt (and would be undefined).
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, bool& b);
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.checkLength(static_cast<uint64_t>(t.size));
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::BinaryData<T>& t) {
  ar.loadBinary(t.data, static_cast<size_t>(t.size));
}

template <class T>
inline constexpr bool is_encodable_v =
    cereal::traits::is_output_serializable<T, VectorOutputArchive>::value;

template <class T>
void check_encodable() {
  static_assert(!std::is_pointer_v<T> && !std::is_reference_v<T>,
                "lab codec: pointers and references cannot cross the network; send values");
  static_assert(is_encodable_v<T>,
                "lab codec: this type has no serialize() function. Add "
                "`template <class Archive> void serialize(Archive& ar) { ar(field1, field2, "
                "...); }` listing every field (see the instantiation below for the type)");
}

// Appends the encoding of `value` to `out` (for callers that build bytes piecewise).
template <class T>
void append_encoding(const T& value, Bytes& out) {
  check_encodable<T>();
  [[maybe_unused]] static const bool members_checked = detail::check_members_once(value);
  VectorOutputArchive archive(out);
  archive(value);
}

template <class T>
Bytes encode(const T& value) {
  Bytes out;
  append_encoding(value, out);
  return out;
}

// Overwrites every field of `out`. Throws CodecError naming T on bad input.
template <class T>
void decode_into(const uint8_t* data, size_t size, T& out) {
  check_encodable<T>();
  BoundedInputArchive archive(data, size);
  try {
    archive(out);
  } catch (const CodecError& e) {
    throw CodecError("cannot decode " + type_name<T>() + ": " + e.what());
  } catch (const std::exception& e) {
    throw CodecError("cannot decode " + type_name<T>() + " at offset " +
                     std::to_string(archive.offset()) + ": " + e.what());
  }
  if (archive.offset() != size) {
    throw CodecError("cannot decode " + type_name<T>() + ": " +
                     std::to_string(size - archive.offset()) + " trailing bytes at offset " +
                     std::to_string(archive.offset()) + " of " + std::to_string(size));
  }
}
template <class T>
void decode_into(const Bytes& bytes, T& out) {
  decode_into(bytes.data(), bytes.size(), out);
}

template <class T>
T decode(const Bytes& bytes) {
  T value{};
  decode_into(bytes, value);
  return value;
}

}  // namespace lab

CEREAL_REGISTER_ARCHIVE(lab::BoundedInputArchive)
CEREAL_REGISTER_ARCHIVE(lab::VectorOutputArchive)
// Pairs the bounded reader with the vector writer for cereal's trait checks.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<lab::BoundedInputArchive> {
  using type = lab::VectorOutputArchive;
};
template <>
struct get_input_from_output<lab::VectorOutputArchive> {
  using type = lab::BoundedInputArchive;
};
}  // namespace cereal::traits::detail
