// Tests of the testers' guard: the first failure and its place reach the report, the
// time limit fails the World and cuts the test's waits short, and a test within its
// limit is left alone.
#include <doctest/doctest.h>

#include <chrono>

#include "labrpc/runtime.hpp"
#include "tester/test_guard.hpp"

using namespace std::chrono_literals;

namespace tester {

TEST_SUITE("test_guard") {
  TEST_CASE("guard_reports_the_first_failure_and_where_it_was_raised") {
    lab::World world("guard");
    TestGuard guard(world);
    const int line = __LINE__ + 2;
    try {
      guard.fail("expected one leader, got none", std::source_location::current());
    } catch (...) {
    }
    try {
      guard.fail("a later failure", std::source_location::current());
    } catch (...) {
    }
    guard.stop();
    guard.report_end(world.end());
    CHECK(world.failure() == "expected one leader, got none");
    CHECK(report().failure == "expected one leader, got none");
    CHECK(report().where == cat("test_guard_test.cpp:", line));
  }

  TEST_CASE("guard_limit_fails_the_world_and_cancels_its_waits") {
    lab::World world("guard");
    TestGuard guard(world, 1s);
    bool cancelled = false;
    const lab::TimePoint t0 = lab::now();
    {
      TestGuard::Awaiting awaiting(guard, "one(101)");
      try {
        lab::sleep(30s);
      } catch (const lab::Cancelled&) {
        cancelled = true;
      }
    }
    const double waited = std::chrono::duration<double>(lab::now() - t0).count();
    CHECK(cancelled);
    CHECK_MESSAGE(waited < 10.0, "the limit ended the wait only after ", waited, " s");
    CHECK(world.failure() == "test took longer than 1 seconds");
    guard.stop();
    guard.report_end(world.end());
    CHECK(report().failure == "test took longer than 1 seconds");
    CHECK(report().where.rfind("test_guard.cpp:", 0) == 0);
  }

  TEST_CASE("guard_leaves_a_test_within_its_limit_alone") {
    lab::World world("guard");
    {
      TestGuard guard(world, 1s);
      lab::sleep(100ms);
      guard.checkTimeout();
      guard.stop();
    }
    lab::sleep(1500ms);  // past the limit: the disarmed timer must not fire
    CHECK_FALSE(world.failed());
    CHECK(world.end().empty());
  }
}

}  // namespace tester
