// The simulated world's guards, each shown catching what it is for: the determinism
// check catches a real-clock read, the watchdog names a task blocked outside the
// runtime, deadlock detection names the blocked tasks, a task that swallows its World's
// cancellation is named as such. Each case runs this binary again
// on a fixture (a test case that only acts when LAB_FIXTURE names it), because a guard
// that fires ends or aborts the process it guards.
//
// The fixtures break the runtime rule on purpose; scripts/check-runtime-rule.sh lets
// this one file do so.
#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace {

using namespace std::chrono_literals;

bool fixture(std::string_view name) {
  const char* f = std::getenv("LAB_FIXTURE");
  return f != nullptr && name == f;
}

struct Outcome {
  int status = -1;
  std::string output;
};

// Runs this binary on one fixture with extra environment; collects stdout and stderr.
Outcome run_fixture(const std::string& env, const std::string& test_case) {
  const std::string self = lab::platform::executable_path();
  REQUIRE(!self.empty());
  const std::string command = env + " " + self +
                              " -tc=" + test_case + " 2>&1";
  Outcome out;
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out.output += buffer;
  const int status = pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

}  // namespace

TEST_SUITE("simulation") {
  // --- Fixtures: idle unless LAB_FIXTURE names them. ---

  TEST_CASE("fixture_reads_real_clock") {
    if (!fixture("real_clock")) return;
    lab::World world("reads the real clock");
    const auto real = std::chrono::steady_clock::now().time_since_epoch().count();
    lab::go("clock reader", [real] { lab::sleep(std::chrono::microseconds(real % 1000)); });
    lab::sleep(1ms);
    lab::sleep(1ms);
  }

  TEST_CASE("fixture_blocks_outside_runtime") {
    if (!fixture("blocks")) return;
    lab::World world("blocks outside the runtime");
    lab::go("blocker", [] { std::this_thread::sleep_for(std::chrono::seconds(60)); });
    lab::sleep(1s);
  }

  TEST_CASE("fixture_deadlock") {
    if (!fixture("deadlock")) return;
    lab::World world("deadlock");
    auto never = std::make_shared<lab::Channel<int>>();
    lab::go("waiter on never", [never] { never->recv(); });
    try {
      lab::Channel<int> nobody_sends;
      nobody_sends.recv();
    } catch (const lab::Cancelled& e) {
      std::printf("main cancelled: %s\n", e.what());
    }
  }

  TEST_CASE("fixture_swallows_cancellation") {
    if (!fixture("swallows")) return;
    lab::World world("swallows cancellation");
    lab::go("ticker-2", [] {
      for (;;) {
        try {
          lab::sleep(10ms);
        } catch (...) {  // the student's bug: the World's cancellation is ignored
        }
      }
    });
    lab::sleep(50ms);
  }

  // --- The guards at work. ---

  TEST_CASE("determinism_check_catches_a_real_clock_read") {
    const Outcome out = run_fixture("LAB_CHECK_DETERMINISM=1 LAB_FIXTURE=real_clock",
                                    "fixture_reads_real_clock");
    CHECK_MESSAGE(out.status != 0, out.output);
    CHECK_MESSAGE(out.output.find("the runs differ at event") != std::string::npos, out.output);
  }

  TEST_CASE("determinism_check_passes_a_deterministic_test") {
    const Outcome out = run_fixture("LAB_CHECK_DETERMINISM=1 LAB_FIXTURE=deadlock",
                                    "fixture_deadlock");
    CHECK_MESSAGE(out.status == 0, out.output);
    CHECK_MESSAGE(out.output.find("determinism: ok") != std::string::npos, out.output);
  }

  TEST_CASE("watchdog_names_a_task_blocked_outside_the_runtime") {
    const Outcome out = run_fixture("LAB_SIM=1 LAB_SIM_STALL_SECONDS=1 LAB_FIXTURE=blocks",
                                    "fixture_blocks_outside_runtime");
    CHECK_MESSAGE(out.status != 0, out.output);
    CHECK_MESSAGE(out.output.find("task [blocker]") != std::string::npos, out.output);
  }

  TEST_CASE("deadlock_is_reported_naming_the_blocked_tasks") {
    const Outcome out = run_fixture("LAB_SIM=1 LAB_FIXTURE=deadlock", "fixture_deadlock");
    CHECK_MESSAGE(out.status == 0, out.output);
    CHECK_MESSAGE(out.output.find("main cancelled: simulation: deadlock") != std::string::npos,
                  out.output);
    CHECK_MESSAGE(out.output.find("[waiter on never] blocked 0.0 s in Channel::recv") !=
                      std::string::npos,
                  out.output);
  }

  // Once its World is cancelled, every blocking call throws at once: a task that catches
  // and loops never gives the processor back. It is named as such (not as one that blocks
  // outside the runtime), stopped, and the World ends without it.
  TEST_CASE("a_task_that_swallows_cancellation_is_named_and_stopped") {
    const Outcome out = run_fixture("LAB_SIM=1 LAB_SIM_STALL_SECONDS=2 LAB_FIXTURE=swallows",
                                    "fixture_swallows_cancellation");
    CHECK_MESSAGE(out.status == 0, out.output);
    CHECK_MESSAGE(out.output.find("simulation: task [ticker-2] keeps running after its World was "
                                  "cancelled: it catches lab::Cancelled (catch (...)?)") !=
                      std::string::npos,
                  out.output);
    CHECK_MESSAGE(out.output.find("never finished: [ticker-2]") != std::string::npos, out.output);
    CHECK_MESSAGE(out.output.find("outside") == std::string::npos, out.output);
  }
}
