// The codec's twin of labgob's "lower-case field" check: Go's gob silently skips fields
// it cannot see; here a serialize() that forgets a member would silently drop it. Once
// per type, the first encode of an aggregate counts the members its serialize() visits
// and compares with the members the type has, warning
//   codec warning: <type> serializes <k> of its <n> members
// Included by codec.hpp; nothing else needs it.
#pragma once

#include <cereal/cereal.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace lab {

// How many codec warnings this process has printed.
int codec_warning_count();

namespace detail {

void codec_warn(const std::string& type, int visited, int members);

// An output archive that stores nothing and counts the values a top-level serialize()
// hands it directly (its members), not what those members contain.
class MemberCountingArchive
    : public cereal::OutputArchive<MemberCountingArchive, cereal::AllowEmptyClassElision> {
 public:
  MemberCountingArchive()
      : cereal::OutputArchive<MemberCountingArchive, cereal::AllowEmptyClassElision>(this) {}
  int depth = 0;
  int members_visited = 0;
};

template <class T>
void prologue(MemberCountingArchive& ar, const T&) {
  if (ar.depth == 1) ++ar.members_visited;
  ++ar.depth;
}
template <class T>
void epilogue(MemberCountingArchive& ar, const T&) {
  --ar.depth;
}
template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_SAVE_FUNCTION_NAME(MemberCountingArchive&,
                                                                     const T&) {}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(MemberCountingArchive& ar, const cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(MemberCountingArchive&, const cereal::SizeTag<T>&) {}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(MemberCountingArchive&, const cereal::BinaryData<T>&) {}

// Converts to anything, so T{AnyMember{}, ...} compiles exactly up to T's member count.
// Only ever named in unevaluated checks, yet defined: with libc++, checking a member like
// std::optional<P> for a P with internal linkage marks the conversion to P as used, and
// Clang refuses a used internal function that has no definition.
struct AnyMember {
  template <class U>
  operator U() const {
    std::terminate();
  }
};

template <class T, class... Fields>
constexpr int aggregate_members() {
  if constexpr (requires { T{std::declval<Fields>()..., AnyMember{}}; }) {
    return aggregate_members<T, Fields..., AnyMember>();
  } else {
    return static_cast<int>(sizeof...(Fields));
  }
}

template <class T>
bool check_members_once(const T& value) {
  if constexpr (std::is_class_v<T> && std::is_aggregate_v<T>) {
    constexpr int members = aggregate_members<T>();
    MemberCountingArchive ar;
    ar(value);
    if (ar.members_visited < members) codec_warn(type_name<T>(), ar.members_visited, members);
  }
  return true;
}

}  // namespace detail
}  // namespace lab

CEREAL_REGISTER_ARCHIVE(lab::detail::MemberCountingArchive)
