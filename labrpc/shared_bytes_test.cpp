// Unit tests of AppendOnlyBytes and SharedBytes: what was shared never changes, whatever
// the writer does next, and appending into spare room copies nothing.
#include "labrpc/shared_bytes.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "labrpc/runtime.hpp"

namespace {

using lab::AppendOnlyBytes;
using lab::SharedBytes;

void append(AppendOnlyBytes& b, const std::string& s) {
  b.Append(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string text(const SharedBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

}  // namespace

TEST_SUITE("shared_bytes") {
  TEST_CASE("shared_bytes_empty") {
    AppendOnlyBytes b;
    CHECK(b.size() == 0);
    const SharedBytes s = b.Share();
    CHECK(s.empty());
    CHECK(s.size() == 0);
    CHECK(SharedBytes().empty());
  }

  TEST_CASE("shared_bytes_share_sees_what_was_appended") {
    AppendOnlyBytes b;
    append(b, "hello");
    append(b, ", world");
    CHECK(b.size() == 12);
    CHECK(text(b.Share()) == "hello, world");
  }

  TEST_CASE("shared_bytes_appends_leave_earlier_shares_alone") {
    AppendOnlyBytes b;
    append(b, "abc");
    const SharedBytes first = b.Share();
    for (int i = 0; i < 100; i++) append(b, "0123456789");  // several moves to larger buffers
    const SharedBytes second = b.Share();
    CHECK(text(first) == "abc");
    CHECK(second.size() == 1003);
    CHECK(text(second).substr(0, 13) == "abc0123456789");
  }

  TEST_CASE("shared_bytes_appending_into_spare_room_copies_nothing") {
    AppendOnlyBytes b;
    append(b, "0123456789");
    const SharedBytes first = b.Share();
    b.Truncate(4);  // below the share: the kept bytes move to a new buffer
    append(b, "xy");
    const SharedBytes moved = b.Share();
    CHECK(moved.data() != first.data());
    append(b, "z");  // the new buffer has room for 20 bytes: stays put
    const SharedBytes grown = b.Share();
    CHECK(grown.data() == moved.data());
    CHECK(text(grown) == "0123xyz");
    CHECK(text(moved) == "0123xy");
    CHECK(text(first) == "0123456789");
  }

  TEST_CASE("shared_bytes_truncating_below_a_share_keeps_the_share") {
    AppendOnlyBytes b;
    append(b, "term1 term1 term1");
    const SharedBytes saved = b.Share();
    b.Truncate(6);
    append(b, "term2 term2 term2");
    CHECK(text(saved) == "term1 term1 term1");
    CHECK(text(b.Share()) == "term1 term2 term2 term2");
    b.Truncate(0);
    append(b, "fresh");
    CHECK(text(b.Share()) == "fresh");
    CHECK(text(saved) == "term1 term1 term1");
  }

  TEST_CASE("shared_bytes_truncating_above_every_share_stays_in_place") {
    AppendOnlyBytes b;
    append(b, "abcdefghij");  // room for 10 bytes
    b.Truncate(3);            // nothing shared yet
    const SharedBytes saved = b.Share();
    append(b, "de");
    b.Truncate(4);  // not below the share
    append(b, "XY");
    const SharedBytes now = b.Share();
    CHECK(now.data() == saved.data());
    CHECK(text(now) == "abcdXY");
    CHECK(text(saved) == "abc");
  }

  TEST_CASE("shared_bytes_outlive_their_writer") {
    SharedBytes saved;
    {
      AppendOnlyBytes b;
      append(b, "kept");
      saved = b.Share();
    }
    CHECK(text(saved) == "kept");
  }

  // Readers check shares while the writer appends, cuts back and shares again (the way
  // Raft saves its log while the tester copies a Persister): under ThreadSanitizer this
  // is the test that the writer never touches shared bytes. It needs real threads: in the
  // simulated world a reader that runs before the writer spins forever (one task runs
  // at a time, and an uncontended lock is no switch).
  TEST_CASE("shared_bytes_readers_while_the_writer_goes_on" * doctest::skip(lab::simulated())) {
    lab::World world("shared_bytes");
    lab::Mutex mu;
    SharedBytes latest;
    std::atomic<bool> done{false};
    std::atomic<int> wrong{0};
    lab::WaitGroup wg;
    wg.add();
    lab::go("writer", [&] {
      AppendOnlyBytes b;
      for (int i = 0; i < 3000; i++) {
        if (i % 7 == 6) b.Truncate(b.size() / 2);
        const uint8_t byte = static_cast<uint8_t>(b.size() % 251);
        b.Append(&byte, 1);  // byte k of the buffer always holds k % 251
        lab::Lock lock(mu);
        latest = b.Share();
      }
      done = true;
      wg.done();
    });
    for (int r = 0; r < 2; r++) {
      wg.add();
      lab::go("reader", [&] {
        while (!done) {
          SharedBytes s;
          {
            lab::Lock lock(mu);
            s = latest;
          }
          for (size_t k = 0; k < s.size(); k++) {
            if (s.data()[k] != k % 251) ++wrong;
          }
        }
        wg.done();
      });
    }
    REQUIRE(wg.wait_for(std::chrono::seconds(20)));
    CHECK(wrong.load() == 0);
    CHECK(world.end().empty());
  }
}
