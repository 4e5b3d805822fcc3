// The determinism check: two child runs of this binary with one seed, then a line-by-line
// comparison of their event traces (see determinism.hpp).
#include "tester/determinism.hpp"

#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace tester {

namespace {

// Runs argv as a child with the simulation, the seed and a trace file; returns its
// exit status. The second run's own output is dropped: it repeats the first one's.
int run_child(char** argv, const std::string& seed, const std::string& trace, bool quiet) {
  const std::string self = lab::platform::executable_path();
  if (self.empty()) {
    std::fprintf(stderr, "determinism: cannot find this program's own executable to run it again\n");
    return 2;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("determinism: fork");
    return 2;
  }
  if (pid == 0) {
    setenv("LAB_SIM", "1", 1);
    setenv("LAB_SEED", seed.c_str(), 1);
    setenv("LAB_SIM_TRACE", trace.c_str(), 1);
    unsetenv("LAB_CHECK_DETERMINISM");
    if (quiet) {
      if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(2);
    }
    execv(self.c_str(), argv);
    std::perror("determinism: exec");
    _exit(2);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

bool determinism_check_requested() {
  const char* v = std::getenv("LAB_CHECK_DETERMINISM");
  return v != nullptr && std::string_view(v) == "1" && std::getenv("LAB_SIM_TRACE") == nullptr;
}

int run_determinism_check(int argc, char** argv) {
  (void)argc;
  const std::string seed = std::to_string(lab::run_seed());
  char dir_template[] = "/tmp/lab-determinism-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    std::perror("determinism: mkdtemp");
    return 2;
  }
  const std::string trace1 = std::string(dir) + "/run1.trace";
  const std::string trace2 = std::string(dir) + "/run2.trace";
  std::printf("determinism: running twice with LAB_SIM=1 LAB_SEED=%s\n", seed.c_str());
  std::fflush(stdout);
  const int status1 = run_child(argv, seed, trace1, false);
  const int status2 = run_child(argv, seed, trace2, true);

  std::ifstream a(trace1), b(trace2);
  std::string line_a, line_b;
  long long events = 0;
  for (;;) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) break;
    if (!more_a || !more_b || line_a != line_b) {
      std::printf("determinism: FAILED: the runs differ at event %lld (traces in %s)\n"
                  "  run 1: %s\n  run 2: %s\n",
                  events + 1, dir, more_a ? line_a.c_str() : "<end of trace>",
                  more_b ? line_b.c_str() : "<end of trace>");
      return 1;
    }
    ++events;
  }
  std::printf("determinism: ok: %lld events identical in both runs (exit status %d, %d)\n", events,
              status1, status2);
  std::remove(trace1.c_str());
  std::remove(trace2.c_str());
  rmdir(dir);
  return status1 != 0 ? status1 : status2;
}

}  // namespace tester
