// Tests of seed sweeps (tester/sweep.hpp): LAB_SEEDS's syntax and its errors, the line
// per failing run with its replay line and the totals, results.tsv and the logs, a seed
// that crashes or hangs costing that one run (the seed's other test cases still run), a
// failing run's log being exactly what its replay line prints, and a query (-ltc) being
// answered as without a sweep.
//
// A sweep runs this binary again, on fixtures: test cases that only act when
// LAB_FIXTURE=sweep, and then fail, crash or hang depending on the seed.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"
#include "tester/seed_list.hpp"

namespace tester {

namespace {

bool fixture() {
  const char* f = std::getenv("LAB_FIXTURE");
  return f != nullptr && std::string_view(f) == "sweep";
}

struct Outcome {
  int status = -1;
  std::string output;
};

std::string self() { return lab::platform::executable_path(); }

// Runs `env` + this binary + `args` through the shell; collects stdout and stderr. The
// lab's settings of this run (LAB_SEED=7 say, as CI's simulated runs set) are left out:
// the child gets exactly `env`.
Outcome run(const std::string& env, const std::string& args) {
  std::string unset;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("LAB_")) unset += " -u " + std::string(entry.substr(0, entry.find('=')));
  }
  const std::string command = "env" + unset + " " + env + " " + self() + " " + args + " 2>&1";
  Outcome out;
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.output.append(buffer, n);
  const int status = pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `text` without the real seconds of Go's "--- FAIL: TestX (0.01s)" line: the one thing
// a replay does not repeat (the simulated world's clock is virtual, that line's is not).
std::string without_real_seconds(const std::string& text) {
  static const std::regex fail_line(R"((--- FAIL: \S+ \()[0-9.]+s\))");
  return std::regex_replace(text, fail_line, "$1...s)");
}

// A fresh folder for a sweep's files, removed at the end of the test case.
struct TempDir {
  TempDir() {
    std::string path = (std::filesystem::temp_directory_path() / "lab-sweep-test-XXXXXX").string();
    REQUIRE(mkdtemp(path.data()) != nullptr);
    dir = path;
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

const std::string kFixtures = "-ts=sweep -tc=fixture_sweep_*";

}  // namespace

TEST_SUITE("sweep") {
  // --- Fixtures: idle unless LAB_FIXTURE=sweep. ---

  // Three tasks finish in an order the seed draws; fails for seeds that are multiples of 3,
  // naming the order and the virtual time, so a replay must repeat both.
  TEST_CASE("fixture_sweep_draws") {
    if (!fixture()) return;
    lab::World world("sweep draws");
    lab::Rng rng = lab::Rng::derived("sweep-fixture");
    const lab::TimePoint start = lab::now();
    lab::Mutex mu;
    std::string order;
    lab::WaitGroup finished;
    for (char name : {'a', 'b', 'c'}) {
      finished.add();
      lab::go(std::string(1, name), [&, name, pause = rng.duration_ms(1, 50)] {
        lab::sleep(pause);
        lab::Lock lock(mu);
        order += name;
        finished.done();
      });
    }
    finished.wait();
    std::printf("the tasks finished in the order %s\n", order.c_str());
    CHECK_MESSAGE(lab::run_seed() % 3 != 0, "finished in the order ", order, " after ",
                  lab::seconds_since(start), " s");
  }

  // Dies of SIGSEGV for seeds 4, 9, 14...
  TEST_CASE("fixture_sweep_crash") {
    if (!fixture() || lab::run_seed() % 5 != 4) return;
    std::printf("about to crash\n");
    std::fflush(stdout);
    std::raise(SIGSEGV);
  }

  // Never returns for seeds 5, 10, 15... (until killed).
  TEST_CASE("fixture_sweep_hang") {
    if (!fixture() || lab::run_seed() % 5 != 0) return;
    for (;;) pause();
  }

  // Passes: shows that a seed's test cases after a crash or a hang still run.
  TEST_CASE("fixture_sweep_after") {
    if (!fixture()) return;
    CHECK(true);
  }

  // --- The tests ---

  TEST_CASE("seed_lists_parse_as_written") {
    using R = std::vector<SeedRange>;
    const auto same = [](const R& a, const R& b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].first != b[i].first || a[i].last != b[i].last) return false;
      }
      return true;
    };
    CHECK(same(parse_seed_list("7"), R{{7, 7}}));
    CHECK(same(parse_seed_list("1..500"), R{{1, 500}}));
    CHECK(same(parse_seed_list("1..50,90"), R{{1, 50}, {90, 90}}));
    CHECK(same(parse_seed_list("3..3,0"), R{{3, 3}, {0, 0}}));
    CHECK(seed_count(parse_seed_list("1..50,90")) == 51);
    CHECK(seed_count(parse_seed_list("0..18446744073709551615")) == UINT64_MAX);
    CHECK(seed_count(parse_seed_list("18446744073709551615")) == 1);
  }

  TEST_CASE("a_bad_seed_list_is_refused_naming_the_fault") {
    const auto why = [](std::string_view text) {
      try {
        parse_seed_list(text);
      } catch (const BadSeedList& e) {
        return std::string(e.what());
      }
      return std::string("accepted");
    };
    CHECK(why("") == "no seeds; expected seeds such as 7, 1..500 or 1..50,90");
    CHECK(why("5..1") == "'5..1' runs backwards; write 1..5");
    CHECK(has(why("abc"), "'abc' is not a seed: a seed is a decimal integer from 0 to 18446744073709551615"));
    CHECK(has(why("1..x"), "'x' is not a seed"));
    CHECK(has(why("1..x"), "(in '1..x')"));
    CHECK(has(why("18446744073709551616"), "'18446744073709551616' is beyond the largest seed"));
    CHECK(has(why("1,,2"), "an empty item in the list"));
    CHECK(has(why("1,"), "an empty item in the list"));
    for (const char* bad : {"-3", "+3", " 1", "1 ", "1...3", "0x10", "1..2..3"}) {
      CHECK_MESSAGE(why(bad) != "accepted", bad);
    }
  }

  // Exit 2 and one line naming the value, before any run.
  TEST_CASE("bad_sweep_settings_stop_the_run_naming_them") {
    const Outcome reversed = run("LAB_SIM=1 LAB_SEEDS=5..1", kFixtures);
    CHECK(reversed.status == 2);
    CHECK(reversed.output == "sweep: LAB_SEEDS=5..1: '5..1' runs backwards; write 1..5\n");
    const Outcome empty = run("LAB_SIM=1 LAB_SEEDS=", kFixtures);
    CHECK(empty.status == 2);
    CHECK(has(empty.output, "sweep: LAB_SEEDS=: no seeds"));
    const Outcome big = run("LAB_SIM=1 LAB_SEEDS=1..18446744073709551616", kFixtures);
    CHECK(big.status == 2);
    CHECK_MESSAGE(has(big.output, "LAB_SEEDS=1..18446744073709551616: '18446744073709551616' is beyond"),
                  big.output);
    const Outcome real = run("LAB_SIM=0 LAB_SEEDS=1..3", kFixtures);
    CHECK(real.status == 2);
    CHECK_MESSAGE(has(real.output, "sweep: LAB_SEEDS=1..3 needs the simulated world (LAB_SIM=1)"),
                  real.output);
    const Outcome both = run("LAB_SIM=1 LAB_SEED=4 LAB_SEEDS=1..3", kFixtures);
    CHECK(both.status == 2);
    CHECK_MESSAGE(has(both.output, "LAB_SEED=4 and LAB_SEEDS=1..3 are both set"), both.output);
    const Outcome timeout = run("LAB_SIM=1 LAB_SEEDS=1 LAB_SWEEP_TIMEOUT=soon", kFixtures);
    CHECK(timeout.status == 2);
    CHECK_MESSAGE(has(timeout.output, "sweep: LAB_SWEEP_TIMEOUT=soon: expected"), timeout.output);
    const Outcome stop = run("LAB_SIM=1 LAB_SEEDS=1 LAB_SWEEP_STOP_AFTER=0", kFixtures);
    CHECK(stop.status == 2);
    CHECK_MESSAGE(has(stop.output, "sweep: LAB_SWEEP_STOP_AFTER=0: expected how many failing seeds"),
                  stop.output);
    const Outcome none = run("LAB_SIM=1 LAB_SEEDS=1..3", "-tc=no_such_test_case");
    CHECK(none.status == 2);
    CHECK_MESSAGE(has(none.output, "sweep: no test case ran with seed 1"), none.output);
  }

  TEST_CASE("a_sweep_lists_each_failing_run_with_its_replay_line_and_the_totals") {
    const Outcome out = run("LAB_SIM=1 LAB_FIXTURE=sweep LAB_RAFT_MODE=plain LAB_SEEDS=1..6",
                            "-ts=sweep -tc=fixture_sweep_draws,fixture_sweep_after");
    CHECK(out.status == 1);
    const std::vector<std::string> lines = lines_of(out.output);
    REQUIRE_MESSAGE(lines.size() == 5, out.output);
    CHECK_MESSAGE(lines[0].starts_with("FAIL seed 3 fixture_sweep_draws ("), out.output);
    CHECK_MESSAGE(has(lines[0], "sweep_test.cpp:"), out.output);
    CHECK_MESSAGE(has(lines[0], "; finished in the order "), out.output);
    // The replay carries the lab's other settings (LAB_FIXTURE, LAB_RAFT_MODE here).
    CHECK_MESSAGE(lines[1].starts_with("    replay: LAB_FIXTURE=sweep "), lines[1]);
    CHECK_MESSAGE(has(lines[1], " LAB_RAFT_MODE=plain "), lines[1]);
    CHECK_MESSAGE(lines[1].ends_with(" LAB_SIM=1 LAB_SEED=3 " + self() + " -tc=fixture_sweep_draws"),
                  lines[1]);
    CHECK(lines[2].starts_with("FAIL seed 6 fixture_sweep_draws ("));
    CHECK_MESSAGE(lines[4].starts_with("sweep: 12 runs, 10 passed, 2 failed (0 crashed, 0 timed out) in "),
                  out.output);
  }

  TEST_CASE("a_sweep_told_to_stop_after_k_failing_seeds_runs_no_seed_after_the_kth") {
    // Seeds 3 and 6 fail: the sweep ends after 6 (both its test cases ran), not at 9.
    const Outcome out = run("LAB_SIM=1 LAB_FIXTURE=sweep LAB_SEEDS=1..9 LAB_SWEEP_STOP_AFTER=2",
                            "-ts=sweep -tc=fixture_sweep_draws,fixture_sweep_after");
    CHECK(out.status == 1);
    CHECK_MESSAGE(has(out.output, "sweep: stopped after seed 6: 2 failing seeds (LAB_SWEEP_STOP_AFTER=2)\n"),
                  out.output);
    CHECK_MESSAGE(has(out.output, "sweep: 12 runs, 10 passed, 2 failed"), out.output);
    CHECK_MESSAGE(!has(out.output, "seed 9"), out.output);
    // The replay line does not carry it: one seed is one run.
    for (const std::string& line : lines_of(out.output)) {
      if (has(line, "replay: ")) CHECK_MESSAGE(!has(line, "LAB_SWEEP_STOP_AFTER"), line);
    }
    // Not reached: every seed runs.
    const Outcome all = run("LAB_SIM=1 LAB_FIXTURE=sweep LAB_SEEDS=1..6 LAB_SWEEP_STOP_AFTER=3",
                            "-ts=sweep -tc=fixture_sweep_draws");
    CHECK_MESSAGE(!has(all.output, "stopped after"), all.output);
    CHECK_MESSAGE(has(all.output, "sweep: 6 runs, 4 passed, 2 failed"), all.output);
  }

  // A crash and a hang each cost one run: the seed's later test cases run in a new child.
  // Under ThreadSanitizer the crash fixture's death reads differently: TSan reports
  // doctest's own signal handler (it allocates) and exits with status 66 instead of the
  // SIGSEGV. The sweep still counts it as a crash; only the wording is checked less.
#if defined(__SANITIZE_THREAD__)
  constexpr bool kUnderThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  constexpr bool kUnderThreadSanitizer = true;
#else
  constexpr bool kUnderThreadSanitizer = false;
#endif
#else
  constexpr bool kUnderThreadSanitizer = false;
#endif

  TEST_CASE("a_crash_or_a_hang_costs_one_run_and_results_tsv_has_them_all") {
    TempDir out;
    const Outcome sweep = run("LAB_SIM=1 LAB_FIXTURE=sweep LAB_SWEEP_TIMEOUT=1 LAB_SEEDS=3..5 "
                              "LAB_SWEEP_OUT=" + out.dir.string(),
                              kFixtures);
    CHECK(sweep.status == 1);
    CHECK_MESSAGE(has(sweep.output, "\nsweep: 12 runs, 9 passed, 3 failed (1 crashed, 1 timed out) in "),
                  sweep.output);
    CHECK_MESSAGE(has(sweep.output, "CRASH seed 4 fixture_sweep_crash ("), sweep.output);
    CHECK_MESSAGE((kUnderThreadSanitizer ||
                   has(sweep.output, "): killed by signal 11 (SIGSEGV); last output: about to crash\n")),
                  sweep.output);
    CHECK_MESSAGE(has(sweep.output, "TIMEOUT seed 5 fixture_sweep_hang ("), sweep.output);
    CHECK_MESSAGE(has(sweep.output, "    log: " + (out.dir / "fixture_sweep_hang-seed5.log").string()),
                  sweep.output);

    const std::vector<std::string> rows = lines_of(read_file(out.dir / "results.tsv"));
    REQUIRE(rows.size() == 13);
    CHECK(rows[0] == "seed\ttest\tstatus\tseconds\tmessage");
    const std::vector<std::string> want = {
        "3\tfixture_sweep_draws\tfail\t", "3\tfixture_sweep_crash\tpass\t",
        "3\tfixture_sweep_hang\tpass\t",  "3\tfixture_sweep_after\tpass\t",
        "4\tfixture_sweep_draws\tpass\t", "4\tfixture_sweep_crash\tcrash\t",
        "4\tfixture_sweep_hang\tpass\t",  "4\tfixture_sweep_after\tpass\t",
        "5\tfixture_sweep_draws\tpass\t", "5\tfixture_sweep_crash\tpass\t",
        "5\tfixture_sweep_hang\ttimeout\t", "5\tfixture_sweep_after\tpass\t"};
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK_MESSAGE(rows[i + 1].starts_with(want[i]), rows[i + 1]);
      // seconds with three decimals, then the message: five fields
      size_t tabs = 0;
      for (char c : rows[i + 1]) tabs += c == '\t';
      CHECK_MESSAGE(tabs == 4, rows[i + 1]);
    }
    CHECK(rows[2].ends_with("\t"));  // a pass has no message
    CHECK_MESSAGE((kUnderThreadSanitizer ||
                   rows[6].ends_with("\tkilled by signal 11 (SIGSEGV); last output: about to crash")),
                  rows[6]);
    CHECK_MESSAGE(rows[11].ends_with("\ttimed out after 1 s (killed)"), rows[11]);

    const std::string crash_log = read_file(out.dir / "fixture_sweep_crash-seed4.log");
    CHECK_MESSAGE(crash_log.starts_with("lab: seed 4, simulated world (replay with LAB_SIM=1 LAB_SEED=4)\n"),
                  crash_log);
    CHECK_MESSAGE(has(crash_log, "about to crash\n"), crash_log);
    CHECK_MESSAGE((kUnderThreadSanitizer || has(crash_log, "FATAL ERROR: test case CRASHED: SIGSEGV")),
                  crash_log);
    CHECK_MESSAGE((kUnderThreadSanitizer || crash_log.ends_with("\nsweep: killed by signal 11 (SIGSEGV)\n")),
                  crash_log);
    CHECK(std::filesystem::exists(out.dir / "fixture_sweep_draws-seed3.log"));
    CHECK(!std::filesystem::exists(out.dir / "fixture_sweep_after-seed3.log"));
  }

  // The log of a failing run is what its replay line prints, up to doctest's totals: the
  // same seed line, the same order and virtual time, the same failure report.
  TEST_CASE("a_failing_run_of_a_sweep_replays_alone_exactly") {
    TempDir out;
    const Outcome sweep = run("LAB_SIM=1 LAB_FIXTURE=sweep LAB_SEEDS=1..9 LAB_SWEEP_OUT=" +
                                  out.dir.string(),
                              kFixtures + " -tce=fixture_sweep_hang");
    CHECK(sweep.status == 1);
    for (const char* seed : {"3", "6", "9"}) {
      const std::string log = without_real_seconds(
          read_file(out.dir / (std::string("fixture_sweep_draws-seed") + seed + ".log")));
      CHECK(has(log, "the tasks finished in the order "));
      Outcome alone =
          run(std::string("LAB_SIM=1 LAB_FIXTURE=sweep LAB_SEED=") + seed, "-tc=fixture_sweep_draws");
      CHECK(alone.status == 1);
      alone.output = without_real_seconds(alone.output);
      CHECK_MESSAGE(alone.output.starts_with(log), "sweep's log:\n", log, "\nalone:\n", alone.output);
      const std::string rest = alone.output.substr(std::min(log.size(), alone.output.size()));
      CHECK_MESSAGE(rest.starts_with("==============="), rest);
      CHECK_MESSAGE(has(rest, "[doctest] test cases:"), rest);
    }
  }

  TEST_CASE("a_query_is_answered_as_without_a_sweep") {
    const Outcome out = run("LAB_SIM=1 LAB_SEEDS=1..3", "-ltc " + kFixtures);
    CHECK(out.status == 0);
    CHECK_MESSAGE(has(out.output, "fixture_sweep_after\n"), out.output);
    CHECK_MESSAGE(!has(out.output, "sweep:"), out.output);
  }
}

}  // namespace tester
