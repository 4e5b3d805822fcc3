// The member-coverage check (Go's TestCapital / TestDefault slots): a serialize() that
// forgets a member warns once per type; complete ones stay silent.
#include "labrpc/codec.hpp"

#include <doctest/doctest.h>

namespace {

struct Complete {
  int a = 0;
  std::string b;
  std::vector<int64_t> c;
  std::map<std::string, int> d;
  template <class A>
  void serialize(A& ar) {
    ar(a, b, c, d);
  }
};

struct ForgetsOne {
  int a = 0;
  std::string b;
  int forgotten = 0;
  template <class A>
  void serialize(A& ar) {
    ar(a, b);
  }
};

struct Nested {
  Complete inner;
  std::vector<Complete> many;
  std::optional<int> maybe;
  template <class A>
  void serialize(A& ar) {
    ar(inner, many, maybe);
  }
};

}  // namespace

TEST_SUITE("codec") {
  TEST_CASE("member_check_warns_once_for_a_forgotten_member") {
    const int before = lab::codec_warning_count();
    lab::encode(Complete{1, "x", {2}, {{"k", 3}}});
    lab::encode(Nested{});
    CHECK(lab::codec_warning_count() == before);
    lab::encode(ForgetsOne{1, "y", 7});
    CHECK(lab::codec_warning_count() == before + 1);
    lab::encode(ForgetsOne{});
    CHECK_MESSAGE(lab::codec_warning_count() == before + 1, "the warning repeats");
    // And the forgotten member indeed does not cross.
    CHECK(lab::decode<ForgetsOne>(lab::encode(ForgetsOne{1, "y", 7})).forgotten == 0);
  }
}
