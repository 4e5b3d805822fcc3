// Unit tests of the codec (codec.hpp): Go's labgob tests (TestGOB, TestCapital) and the
// port's promises: every field written on decode, and bad input (truncated, trailing,
// corrupt lengths) reported as CodecError naming the type and the offset.
#include "labrpc/codec.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using lab::Bytes;
using lab::CodecError;

// Go's TestGOB types.
struct T1 {
  int64_t T1int0 = 0;
  int64_t T1int1 = 0;
  std::string T1string0;
  std::string T1string1;
  template <class A>
  void serialize(A& ar) {
    ar(T1int0, T1int1, T1string0, T1string1);
  }
  bool operator==(const T1&) const = default;
};
struct T3 {
  int64_t T3int999 = 0;
  template <class A>
  void serialize(A& ar) {
    ar(T3int999);
  }
  bool operator==(const T3&) const = default;
};
struct T2 {
  std::vector<T1> T2slice;
  std::map<int64_t, T1> T2map;
  T3 T2t3;
  template <class A>
  void serialize(A& ar) {
    ar(T2slice, T2map, T2t3);
  }
  bool operator==(const T2&) const = default;
};

struct Point {
  int32_t x = 0;
  int64_t y = 0;
  std::string label;
  template <class A>
  void serialize(A& ar) {
    ar(x, y, label);
  }
  bool operator==(const Point&) const = default;
};

// Every kind of member the labs put in a message.
struct Everything {
  bool flag = false;
  int8_t i8 = 0;
  uint16_t u16 = 0;
  int32_t i32 = 0;
  uint64_t u64 = 0;
  double ratio = 0;
  std::string name;
  std::vector<int32_t> ints;
  std::vector<uint8_t> bytes;
  std::vector<std::string> strings;
  std::map<std::string, int64_t> counts;
  std::map<int32_t, std::vector<Point>> nested;
  std::optional<Point> maybe;
  std::optional<std::string> maybe_name;
  std::pair<int32_t, std::string> pair;
  std::vector<std::vector<int64_t>> grid;
  template <class A>
  void serialize(A& ar) {
    ar(flag, i8, u16, i32, u64, ratio, name, ints, bytes, strings, counts, nested, maybe,
       maybe_name, pair, grid);
  }
  bool operator==(const Everything&) const = default;
};

Everything full_everything() {
  Everything e;
  e.flag = true;
  e.i8 = -7;
  e.u16 = 65535;
  e.i32 = std::numeric_limits<int32_t>::min();
  e.u64 = std::numeric_limits<uint64_t>::max();
  e.ratio = -0.125;
  e.name = std::string("with\0nul", 8);
  e.ints = {1, -2, 3};
  e.bytes = {0, 255, 128};
  e.strings = {"", "a", "bc"};
  e.counts = {{"x", 1}, {"y", -1}};
  e.nested = {{3, {Point{1, 2, "p"}, Point{}}}, {-1, {}}};
  e.maybe = Point{-5, 6, "best"};
  e.maybe_name = "";
  e.pair = {9, "nine"};
  e.grid = {{1, 2}, {}, {3}};
  return e;
}

struct Empty {
  template <class A>
  void serialize(A&) {}
  bool operator==(const Empty&) const = default;
};

// Go's TestCapital: a field gob cannot see. Here: a type without serialize().
struct NoSerialize {
  int x = 0;
};
struct WithSerialize {
  int x = 0;
  template <class A>
  void serialize(A& ar) {
    ar(x);
  }
};

// Encodability is decided at compile time: lab::encode(NoSerialize{}) does not compile.
static_assert(!lab::is_encodable_v<NoSerialize>);
static_assert(lab::is_encodable_v<WithSerialize>);
static_assert(!lab::is_encodable_v<std::string_view>);
static_assert(lab::is_encodable_v<Everything>);

template <class T>
T round_trip(const T& value) {
  return lab::decode<T>(lab::encode(value));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The message of the CodecError that decoding `bytes` as T throws ("" when none).
template <class T>
std::string decode_error(const Bytes& bytes) {
  try {
    T value{};
    lab::decode_into(bytes, value);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

void put_u64(Bytes& bytes, size_t offset, uint64_t value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

}  // namespace

TEST_SUITE("codec") {
  // Go's TestGOB: encode an int, structs with slices and maps, decode, compare.
  TEST_CASE("TestGOB") {
    T2 t2;
    t2.T2slice = {T1{1, 2, "6.824", "x"}, T1{}};
    t2.T2map[99] = T1{1, 2, "x", "y"};
    t2.T2t3.T3int999 = 999;
    Bytes bytes = lab::encode(int64_t{99});
    const Bytes t2_bytes = lab::encode(t2);
    bytes.insert(bytes.end(), t2_bytes.begin(), t2_bytes.end());

    const Bytes first(bytes.begin(), bytes.begin() + 8);
    const Bytes second(bytes.begin() + 8, bytes.end());
    CHECK(lab::decode<int64_t>(first) == 99);
    const T2 got = lab::decode<T2>(second);
    CHECK(got == t2);
    CHECK(got.T2slice[0].T1string0 == "6.824");
    CHECK(got.T2map.at(99).T1string1 == "y");
    CHECK(got.T2t3.T3int999 == 999);
  }

  // Go's TestCapital: what gob would silently skip is rejected at compile time here
  // (the static_asserts above); the trait is also usable at run time.
  TEST_CASE("TestCapital") {
    CHECK_FALSE(lab::is_encodable_v<NoSerialize>);
    CHECK(lab::is_encodable_v<WithSerialize>);
    CHECK(round_trip(WithSerialize{17}).x == 17);
  }

  TEST_CASE("encode_decode_round_trips_scalars") {
    CHECK(round_trip(0) == 0);
    CHECK(round_trip(-1) == -1);
    CHECK(round_trip(std::numeric_limits<int64_t>::min()) == std::numeric_limits<int64_t>::min());
    CHECK(round_trip(std::numeric_limits<uint64_t>::max()) == std::numeric_limits<uint64_t>::max());
    CHECK(round_trip(int8_t{-128}) == int8_t{-128});
    CHECK(round_trip(true) == true);
    CHECK(round_trip(false) == false);
    CHECK(round_trip('z') == 'z');
    CHECK(round_trip(3.5) == 3.5);
    CHECK(round_trip(-0.25f) == -0.25f);
  }

  TEST_CASE("encode_decode_round_trips_strings") {
    CHECK(round_trip(std::string()) == "");
    CHECK(round_trip(std::string("6.824")) == "6.824");
    const std::string binary("a\0b\xff\n", 5);
    CHECK(round_trip(binary) == binary);
    const std::string long_string(100000, 'q');
    CHECK(round_trip(long_string) == long_string);
  }

  TEST_CASE("encode_decode_round_trips_structs_containers_and_nesting") {
    const Everything e = full_everything();
    const Everything got = round_trip(e);
    CHECK(got == e);
    CHECK(got.name.size() == 8);
    REQUIRE(got.maybe.has_value());
    CHECK(got.maybe->label == "best");
    CHECK(got.maybe_name == std::optional<std::string>(""));
    CHECK(got.nested.at(3).at(0) == Point{1, 2, "p"});

    const std::map<std::string, std::vector<std::optional<int>>> m = {
        {"a", {1, std::nullopt, 3}}, {"b", {}}};
    CHECK(round_trip(m) == m);
    const std::vector<std::pair<std::string, Point>> v = {{"k", Point{1, 1, "v"}}};
    CHECK(round_trip(v) == v);
  }

  TEST_CASE("encode_decode_round_trips_empty_values") {
    CHECK(round_trip(Everything{}) == Everything{});
    CHECK(round_trip(std::vector<int>{}).empty());
    CHECK(round_trip(std::map<int, std::string>{}).empty());
    CHECK(round_trip(std::vector<std::string>{}).empty());
    CHECK_FALSE(round_trip(std::optional<Point>{}).has_value());
    CHECK(lab::encode(Empty{}).empty());
    CHECK(round_trip(Empty{}) == Empty{});
  }

  // A vector of messages that encode to nothing (an RPC with no arguments) still has a
  // length, and must come back with it.
  TEST_CASE("encode_decode_round_trips_vector_of_empty_structs") {
    const std::vector<Empty> three(3);
    std::vector<Empty> got;
    CHECK_NOTHROW(got = round_trip(three));
    CHECK(got.size() == 3);
  }

  // Byte counts (TestBytes, log sizes) rely on this framing: cereal's binary archive
  // adds 8 bytes per string or container (its length) and nothing per number.
  TEST_CASE("encode_sizes_follow_the_documented_framing") {
    CHECK(lab::encode(int32_t{5}).size() == 4);
    CHECK(lab::encode(int64_t{5}).size() == 8);
    CHECK(lab::encode(std::string(284, 'a')).size() == 8 + 284);
    CHECK(lab::encode(std::vector<int32_t>(10)).size() == 8 + 40);
    CHECK(lab::encode(Point{1, 2, "abc"}).size() == 4 + 8 + 8 + 3);
    CHECK(lab::encode(std::optional<int32_t>{}).size() == 1);
    CHECK(lab::encode(std::optional<int32_t>{1}).size() == 1 + 4);
  }

  TEST_CASE("encode_is_deterministic") {
    CHECK(lab::encode(full_everything()) == lab::encode(full_everything()));
  }

  TEST_CASE("decode_truncated_input_names_type_and_offset") {
    Bytes bytes = lab::encode(Point{1, 2, "abc"});  // x@0, y@4, length@12, "abc"@20
    REQUIRE(bytes.size() == 23);
    bytes.pop_back();  // the label's 3 characters at offset 20: only 2 are left
    const std::string error = decode_error<Point>(bytes);
    REQUIRE_MESSAGE(!error.empty(), "truncated input decoded without error");
    CHECK_MESSAGE(contains(error, "Point"), error);
    CHECK_MESSAGE(contains(error, "offset 20"), error);

    bytes.resize(10);  // y needs 8 bytes at offset 4; 6 are left
    const std::string error_y = decode_error<Point>(bytes);
    CHECK_MESSAGE(contains(error_y, "Point"), error_y);
    CHECK_MESSAGE(contains(error_y, "offset 4"), error_y);

    const std::string error_int = decode_error<int32_t>(Bytes{1, 2, 3});
    CHECK_MESSAGE(contains(error_int, "int"), error_int);
    CHECK_MESSAGE(contains(error_int, "offset 0"), error_int);
    CHECK_MESSAGE(!decode_error<int64_t>(Bytes{}).empty(), "empty input decoded as int64");
  }

  // Every proper prefix of a valid encoding is an error, never a crash or a silent value.
  TEST_CASE("decode_every_truncation_is_a_codec_error") {
    const Bytes bytes = lab::encode(full_everything());
    for (size_t n = 0; n < bytes.size(); ++n) {
      const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
      Everything out;
      CHECK_THROWS_AS(lab::decode_into(prefix, out), CodecError);
    }
  }

  TEST_CASE("decode_trailing_bytes_fail_naming_type_and_offset") {
    Bytes bytes = lab::encode(int32_t{5});
    bytes.push_back(0);
    const std::string error = decode_error<int32_t>(bytes);
    REQUIRE_MESSAGE(!error.empty(), "trailing byte accepted");
    CHECK_MESSAGE(contains(error, "int"), error);
    CHECK_MESSAGE(contains(error, "trailing"), error);
    CHECK_MESSAGE(contains(error, "offset 4"), error);

    Bytes point = lab::encode(Point{1, 2, "abc"});
    point.insert(point.end(), {9, 9});
    const std::string point_error = decode_error<Point>(point);
    CHECK_MESSAGE(contains(point_error, "Point"), point_error);
    CHECK_MESSAGE(contains(point_error, "offset 23"), point_error);
  }

  // A length prefix overwritten with 0xFF.. would ask for 2^64-1 elements: the bounded
  // reader refuses it before allocating (under ASan an attempt would abort the run).
  TEST_CASE("decode_huge_length_prefix_fails_fast_without_allocating") {
    Bytes vec = lab::encode(std::vector<int32_t>{1, 2, 3});
    put_u64(vec, 0, std::numeric_limits<uint64_t>::max());
    const std::string error = decode_error<std::vector<int32_t>>(vec);
    REQUIRE_MESSAGE(!error.empty(), "corrupt length accepted");
    CHECK_MESSAGE(contains(error, "std::vector<int"), error);
    CHECK_MESSAGE(contains(error, "offset 0"), error);

    Bytes str = lab::encode(std::string("abc"));
    put_u64(str, 0, uint64_t{1} << 40);
    CHECK_MESSAGE(!decode_error<std::string>(str).empty(), "corrupt string length accepted");

    // Inside a struct: Point's label length sits at offset 12.
    Bytes point = lab::encode(Point{1, 2, "abc"});
    put_u64(point, 12, std::numeric_limits<uint64_t>::max() / 2);
    const std::string point_error = decode_error<Point>(point);
    CHECK_MESSAGE(contains(point_error, "Point"), point_error);
    CHECK_MESSAGE(contains(point_error, "offset 12"), point_error);

    Bytes map = lab::encode(std::map<int32_t, std::string>{{1, "a"}});
    put_u64(map, 0, std::numeric_limits<uint64_t>::max());
    CHECK(!decode_error<std::map<int32_t, std::string>>(map).empty());

    Bytes nested = lab::encode(std::vector<std::vector<int64_t>>{{1}, {2, 3}});
    put_u64(nested, 8, uint64_t{1} << 62);  // the first inner vector's length
    CHECK(!decode_error<std::vector<std::vector<int64_t>>>(nested).empty());
  }

  // A length that fits what is left but overstates the elements is caught when the
  // elements run out.
  TEST_CASE("decode_overstated_length_is_a_codec_error") {
    Bytes vec = lab::encode(std::vector<int32_t>{1, 2, 3});
    put_u64(vec, 0, 12);  // 12 ints need 48 bytes; 12 are left
    CHECK(!decode_error<std::vector<int32_t>>(vec).empty());
  }

  // Go's gob keeps a destination's old value where the sender's is zero; here decoding
  // overwrites every field, including with zeros, empties and nullopt.
  TEST_CASE("decode_into_non_default_object_overwrites_every_field") {
    Everything out = full_everything();
    lab::decode_into(lab::encode(Everything{}), out);
    CHECK(out == Everything{});

    Everything other;
    other.name = "short";
    other.ints = {9};
    other.counts = {{"z", 26}};
    Everything target = full_everything();
    lab::decode_into(lab::encode(other), target);
    CHECK(target == other);
  }

  TEST_CASE("decode_raw_pointer_overload_matches_bytes_overload") {
    const Bytes bytes = lab::encode(Point{3, 4, "five"});
    Point out;
    lab::decode_into(bytes.data(), bytes.size(), out);
    CHECK(out == Point{3, 4, "five"});
    Empty empty;
    CHECK_NOTHROW(lab::decode_into(nullptr, 0, empty));
  }

  // A corrupt byte where a bool is expected must not become an invalid bool (undefined
  // behaviour once read, e.g. by std::optional's "nullopt" flag): it is an error, like any
  // other bad input. decode_into writes the bool without reading it, so while this fails
  // it fails as a check, not as a UBSan abort.
  TEST_CASE("decode_corrupt_bool_is_a_codec_error") {
    CHECK(lab::decode<bool>(Bytes{1}) == true);
    CHECK(lab::decode<bool>(Bytes{0}) == false);
    bool out = false;
    CHECK_THROWS_AS(lab::decode_into(Bytes{2}, out), CodecError);
  }

  TEST_CASE("type_name_is_readable") {
    CHECK(lab::type_name<int>() == "int");
    CHECK(contains(lab::type_name<Point>(), "Point"));
    CHECK(contains(lab::type_name<std::vector<Point>>(), "std::vector<"));
    // libc++'s inline namespace (std::__1::) is left out.
    CHECK_FALSE(contains(lab::type_name<std::vector<std::string>>(), "__1"));
  }
}
