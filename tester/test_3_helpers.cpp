// Unit tests of the Lab 3 tester's own helpers (suite "kv-helpers", in `make test`, not in
// `make test-3` or the grader): appendOffsets must say exactly what find and rfind say,
// and the benchmark's operation pacer must space operations as it promises.
#include "tester/op_pacer.hpp"
#include "tester/test_3_common.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace std::chrono_literals;

namespace {

// A value as a buggy server might return it: client 0's and 1's elements, some repeated,
// missing, out of order, with leading zeros, glued to noise or cut short.
std::string messyValue(std::mt19937& rng, int count) {
  std::string v;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int k = 0; k < 3 * count; k++) {
    const int c = pick(3) == 0 ? 1 : 0;
    const int j = pick(count + 3);
    switch (pick(8)) {
      case 0: v += "x " + std::to_string(c) + " 0" + std::to_string(j) + " y"; break;
      case 1: v += "x " + std::to_string(c) + " " + std::to_string(j); break;  // cut short
      case 2: v += "yx 1" + std::to_string(c) + " x"; break;
      case 3: v += "x 0 99999999999 y"; break;
      default: v += "x " + std::to_string(c) + " " + std::to_string(j) + " y";
    }
  }
  return v;
}

}  // namespace

TEST_SUITE("kv-helpers") {
  TEST_CASE("append_offsets_agree_with_find_and_rfind") {
    std::mt19937 rng(7);
    for (int round = 0; round < 300; round++) {
      const int count = 1 + static_cast<int>(rng() % 40);
      const std::string v = messyValue(rng, count);
      for (int clnt = 0; clnt <= 2; clnt++) {
        const auto where = tester::appendOffsets(v, clnt, count);
        REQUIRE(where.size() == static_cast<size_t>(count));
        for (int j = 0; j < count; j++) {
          const std::string wanted = "x " + std::to_string(clnt) + " " + std::to_string(j) + " y";
          INFO("value ", v, ", element ", wanted);
          CHECK(where[j].first == v.find(wanted));
          CHECK(where[j].second == v.rfind(wanted));
        }
      }
    }
  }

  TEST_CASE("append_offsets_of_a_clean_value") {
    const std::string v = "x 0 0 yx 0 1 yx 0 2 y";
    const auto where = tester::appendOffsets(v, 0, 4);
    CHECK(where[0] == std::pair<size_t, size_t>{0, 0});
    CHECK(where[1] == std::pair<size_t, size_t>{7, 7});
    CHECK(where[2] == std::pair<size_t, size_t>{14, 14});
    CHECK(where[3].first == std::string::npos);
  }

  // LAB_KV_OPS_PER_SEC's pacer: slots 1/R apart, shared by every caller, none saved up
  // while nobody asks (a burst after a partition heals would be work Go never does).
  TEST_CASE("op_pacer_spaces_operations_and_saves_no_slots") {
    lab::World world("op-pacer");
    tester::OpPacer pacer(100);  // a slot every 10 ms
    const lab::TimePoint t0 = lab::now();
    for (int i = 0; i < 21; i++) pacer.wait();
    CHECK(lab::now() - t0 >= 200ms);

    lab::sleep(100ms);  // ten slots nobody used
    const lab::TimePoint t1 = lab::now();
    pacer.wait();
    pacer.wait();
    CHECK(lab::now() - t1 >= 10ms);

    lab::Channel<bool> done(2);
    const lab::TimePoint t2 = lab::now();
    for (int c = 0; c < 2; c++) {
      lab::go("client", [&pacer, &done] {
        for (int i = 0; i < 10; i++) pacer.wait();
        done.send(true);
      });
    }
    done.recv();
    done.recv();
    CHECK(lab::now() - t2 >= 190ms);

    tester::OpPacer unpaced(0);
    const lab::TimePoint t3 = lab::now();
    for (int i = 0; i < 1000; i++) unpaced.wait();
    CHECK(lab::now() - t3 < 100ms);
  }

  TEST_CASE("op_pacer_rate_takes_zero_or_a_sane_rate_and_names_a_bad_one") {
    CHECK(tester::OpPacer::parse_rate("0") == 0);
    CHECK(tester::OpPacer::parse_rate("60") == 60);
    CHECK(tester::OpPacer::parse_rate("0.5") == 0.5);
    for (const char* bad : {"", "abc", "60x", "-1", "nan", "inf", "1e-300", "1e10", "0.001"}) {
      CAPTURE(bad);
      const std::string message = "LAB_KV_OPS_PER_SEC=" + std::string(bad) + ": expected 0 (no limit)";
      CHECK_THROWS_WITH(tester::OpPacer::parse_rate(bad), doctest::Contains(message.c_str()));
    }
  }
}
