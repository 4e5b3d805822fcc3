// The linearizability checker on key/value histories shaped like porcupine's kv test data
// (1, 10 and 50 clients, ok and illegal; kv_generator.hpp), beside the Go anchors.
// Prints one table: per scenario the operations, the answer, the median wall time of RUNS
// checks, the Go figure and the speed-up (Go time / ours). docs/benchmarks.md records it.
// Usage (kUsage below; --help prints it). Bad arguments exit 3 with one line naming them.
//
// Anchors: porcupine with state hashing, Go 1.19, this machine class (2 cores): the
// 50-client history (~1,700 operations) partitioned by key checks in ~260 ms when legal
// and ~60 ms when illegal; the 10-client history (~340 operations) without partitioning
// (one model state holding every key) ~2.9 s legal, ~3.2 s illegal.
#include "labrpc/runtime.hpp"
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/kv_generator.hpp"
#include "tester/porcupine/kv_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: porcupine_bench [RUNS] [SEED]    generated histories (defaults: 3 runs, seed 1);\n"
    "                                        exit 0 when every answer is the expected one\n"
    "       porcupine_bench --log FILE... [--runs RUNS]   the same rows for key/value logs in\n"
    "           porcupine's test-data format (kv_log.hpp), e.g. its own c10-ok.txt, c50-ok.txt;\n"
    "           exit 0 all linearizable, 1 one is not, 2 a check ran out of time\n"
    "       porcupine_bench --generate CLIENTS [SEED] [--illegal]   prints a generated history\n"
    "           in that format (to compare its shape with porcupine's files)\n"
    "       porcupine_bench --picture PATH [CLIENTS]   writes the picture of an illegal\n"
    "           generated history (default 5 clients)\n"
    "Bad arguments or unreadable files exit 3.\n";

constexpr int kBadInput = 3;

[[noreturn]] void bad_input(const std::string& message) {
  std::fprintf(stderr, "porcupine_bench: %s (--help for usage)\n", message.c_str());
  std::exit(kBadInput);
}

// A whole decimal number in [min, max], or a bad-input exit naming `what`.
uint64_t parse_number(const std::string& text, const char* what, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (ok) {
    errno = 0;
    value = std::strtoull(text.c_str(), nullptr, 10);
    ok = errno == 0 && value >= min && value <= max;
  }
  if (!ok) {
    bad_input(std::string(what) + " must be a whole number from " + std::to_string(min) +
              " to " + std::to_string(max) + ", not '" + text + "'");
  }
  return value;
}

int parse_count(const std::string& text, const char* what) {
  return static_cast<int>(parse_number(text, what, 1, 1'000'000));
}

using porcupine::CheckOptions;
using porcupine::CheckResult;
using porcupine::KvInput;
using porcupine::KvOperation;
using porcupine::KvOutput;

// porcupine's kvNoPartitionModel: no partitions, the state is the whole map. As Go's
// map[string]string of immutable strings: a state is shared by reference and never
// changed; put and append copy the (key, value pointer) pairs and make one new value.
// The state carries a hash (XOR of its entries' hashes, updated per step) so that the
// search's cache tells states apart without comparing them.
struct KvWholeMapModel {
  using Value = std::shared_ptr<const std::string>;
  struct Store {
    std::vector<std::pair<std::string, Value>> entries;  // sorted by key
    uint64_t hash = 0;
  };
  using State = std::shared_ptr<const Store>;
  using Input = KvInput;
  using Output = KvOutput;

  static uint64_t entry_hash(const std::string& key, const std::string& value) {
    return std::hash<std::string>{}(key) * 0x9e3779b97f4a7c15ULL ^ std::hash<std::string>{}(value);
  }
  State init() const { return std::make_shared<const Store>(); }
  std::pair<bool, State> step(const State& state, const KvInput& in, const KvOutput& out) const {
    const auto& entries = state->entries;
    const auto it = std::lower_bound(
        entries.begin(), entries.end(), in.Key,
        [](const std::pair<std::string, Value>& e, const std::string& k) { return e.first < k; });
    const bool found = it != entries.end() && it->first == in.Key;
    if (in.Op == 0) return {found ? *it->second == out.Value : out.Value.empty(), state};
    auto next = std::make_shared<Store>(*state);
    auto pos = next->entries.begin() + (it - entries.begin());
    if (found) {
      next->hash ^= entry_hash(in.Key, *pos->second);
    } else {
      pos = next->entries.insert(pos, {in.Key, nullptr});
    }
    pos->second = std::make_shared<const std::string>(
        in.Op == 1 || !found ? in.Value : *pos->second + in.Value);
    next->hash ^= entry_hash(in.Key, *pos->second);
    return {true, std::move(next)};
  }
  bool equal(const State& a, const State& b) const {
    if (a == b) return true;
    if (a->hash != b->hash || a->entries.size() != b->entries.size()) return false;
    for (size_t i = 0; i < a->entries.size(); ++i) {
      const auto& x = a->entries[i];
      const auto& y = b->entries[i];
      if (x.first != y.first || (x.second != y.second && *x.second != *y.second)) return false;
    }
    return true;
  }
  uint64_t hash(const State& s) const { return s->hash; }
};

struct Scenario {
  std::string name;
  int clients;
  bool illegal;
  bool partitioned;
  double go_ms;  // 0: no anchor
};

struct Measure {
  size_t ops = 0;
  CheckResult result = CheckResult::Unknown;
  double median_ms = 0;
  uint64_t steps = 0;
  int workers = 0;
};

template <class M>
Measure measure(const M& model, const std::vector<KvOperation>& history, int runs,
                const CheckOptions& options) {
  Measure m;
  m.ops = history.size();
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const lab::TimePoint start = lab::now();
    porcupine::CheckOutcome outcome = porcupine::Check(model, history, options);
    times.push_back(lab::seconds_since(start) * 1000.0);
    m.result = outcome.result;
    m.steps = outcome.stats.steps;
    m.workers = outcome.stats.workers;
  }
  std::sort(times.begin(), times.end());
  m.median_ms = times[times.size() / 2];
  return m;
}

const char* expected_name(bool illegal) { return illegal ? "Illegal" : "Ok"; }

// `expected` is "Ok", "Illegal" or "" (either); a check that ran out of time proves nothing.
bool answered_as_expected(CheckResult answer, const std::string& expected) {
  return expected.empty() || porcupine::to_string(answer) == expected ||
         answer == CheckResult::Unknown;
}

}  // namespace

// The picture scripts/check-picture.sh renders: a short illegal history, one row per
// client, so a screenshot shows the error.
int write_picture(const std::string& path, int clients) {
  porcupine::KvHistoryShape shape;
  shape.clients = clients;
  shape.keys = 3;
  shape.iterations = 1;
  shape.iteration_ns = 2'000'000'000;
  shape.illegal = true;
  const std::vector<KvOperation> history = porcupine::GenerateKvHistory(shape);
  const porcupine::KvCheck check =
      porcupine::CheckKvOperationsVerbose(history, std::chrono::seconds(10));
  porcupine::VisualizeKv(history, check, path);
  std::printf("%s: %zu operations, %s\n", path.c_str(), history.size(),
              porcupine::to_string(check.result));
  return check.result == CheckResult::Illegal ? 0 : 1;
}

// One row of the table: checks `history` (by key, with 2 workers and with 1; or as one
// state, with a time limit, `one_state_runs` times), prints the figures, marked
// UNEXPECTED when the answer is not `expected` ("Ok", "Illegal", or "" for either).
// Returns the answer.
CheckResult row(const std::string& name, const std::vector<KvOperation>& history,
                bool partitioned, double go_ms, int runs, const std::string& expected,
                int one_state_runs = 1) {
  Measure m, one;
  if (partitioned) {
    CheckOptions parallel, sequential;
    sequential.workers = 1;
    m = measure(porcupine::KvModel{}, history, runs, parallel);
    one = measure(porcupine::KvModel{}, history, runs, sequential);
  } else {
    // One state for all keys is far slower (and the generated histories are harder than
    // porcupine's files, see docs/benchmarks.md): with a time limit.
    CheckOptions limited;
    limited.timeout = std::chrono::seconds(60);
    m = measure(KvWholeMapModel{}, history, one_state_runs, limited);
    one = m;  // one partition: one worker either way
  }
  const bool as_expected = answered_as_expected(m.result, expected);
  char go[32] = "-", ratio[32] = "-";
  if (go_ms > 0) {
    std::snprintf(go, sizeof go, "%.0f", go_ms);
    std::snprintf(ratio, sizeof ratio, "%.1fx", go_ms / m.median_ms);
  }
  std::printf("%-32s %6zu %8s %11.2f %11.2f %9s %11s %9llu%s\n", name.c_str(), m.ops,
              porcupine::to_string(m.result), m.median_ms, one.median_ms, go, ratio,
              static_cast<unsigned long long>(m.steps), as_expected ? "" : "  UNEXPECTED");
  std::fflush(stdout);
  return m.result;
}

void print_header(const std::string& what, int runs) {
  std::printf("porcupine checker, %s, %d runs per row (median)\n", what.c_str(), runs);
  std::printf("%-32s %6s %8s %11s %11s %9s %11s %9s\n", "history", "ops", "answer", "ours ms",
              "1 worker ms", "Go ms", "speed-up", "steps");
}

void print_footer() {
  std::printf("(ours: %d workers where partitioned; speed-up = Go ms / ours ms)\n",
              std::max(1, std::min(2, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)))));
}

// Go's figures for porcupine's own files, by file name and mode (the anchors).
double go_anchor(const std::string& file, bool partitioned) {
  static const std::map<std::pair<std::string, bool>, double> anchors = {
      {{"c50-ok.txt", true}, 260},
      {{"c50-bad.txt", true}, 60},
      {{"c10-ok.txt", false}, 2900},
      {{"c10-bad.txt", false}, 3200},
  };
  const auto it = anchors.find({file, partitioned});
  return it == anchors.end() ? 0 : it->second;
}

constexpr size_t kOneStateMaxOps = 500;

// Exit status: 0 every history linearizable, 1 one is not, 2 a check ran out of time.
// Every file is read before the table starts, so a bad one stops it with nothing printed.
int check_logs(const std::vector<std::string>& files, int runs) {
  std::vector<std::vector<KvOperation>> histories;
  for (const std::string& path : files) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) bad_input(path + " is a folder, not a log file");
    std::ifstream in(path);
    if (!in) bad_input("cannot read " + path);
    try {
      histories.push_back(porcupine::ReadKvLog(in, path));
    } catch (const std::runtime_error& e) {
      bad_input(e.what());
    }
  }
  print_header("key/value logs", runs);
  std::vector<CheckResult> results;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::vector<KvOperation>& history = histories[i];
    const std::string file = std::filesystem::path(files[i]).filename().string();
    results.push_back(row(file + ", by key", history, true, go_anchor(file, true), runs, ""));
    // As one state, a 50-client file runs into the time limit (Go has no figure either).
    if (history.size() <= kOneStateMaxOps) {
      results.push_back(
          row(file + ", one state", history, false, go_anchor(file, false), runs, "", runs));
    }
  }
  print_footer();
  if (std::count(results.begin(), results.end(), CheckResult::Illegal) > 0) {
    std::printf("not linearizable: at least one history is illegal\n");
    return 1;
  }
  return std::count(results.begin(), results.end(), CheckResult::Unknown) > 0 ? 2 : 0;
}

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string mode = args.empty() ? "" : args[0];
  if (mode == "--help" || mode == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (mode == "--picture") {
    if (args.size() < 2 || args.size() > 3) bad_input("--picture takes PATH [CLIENTS]");
    return write_picture(args[1], args.size() > 2 ? parse_count(args[2], "CLIENTS") : 5);
  }
  if (mode == "--generate") {
    porcupine::KvHistoryShape shape;
    if (args.size() < 2) bad_input("--generate takes CLIENTS [SEED] [--illegal]");
    shape.clients = parse_count(args[1], "CLIENTS");
    bool seeded = false;
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "--illegal") {
        shape.illegal = true;
      } else if (!seeded) {
        shape.seed = parse_number(args[i], "SEED", 0, UINT64_MAX);
        seeded = true;
      } else {
        bad_input("unexpected argument '" + args[i] + "' after --generate");
      }
    }
    porcupine::WriteKvLog(std::cout, porcupine::GenerateKvHistory(shape));
    return 0;
  }
  lab::World world("porcupine bench");
  if (mode == "--log") {
    std::vector<std::string> files;
    int runs = 3;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--runs") {
        if (i + 1 == args.size()) bad_input("--runs takes a number");
        runs = parse_count(args[++i], "--runs");
      } else if (args[i].rfind("-", 0) == 0) {
        bad_input("unknown option '" + args[i] + "'");
      } else {
        files.push_back(args[i]);
      }
    }
    if (files.empty()) bad_input("--log takes one or more log files");
    return check_logs(files, runs);
  }
  if (args.size() > 2) bad_input("expected at most RUNS and SEED, got " + std::to_string(args.size()) + " arguments");
  for (const std::string& arg : args) {
    if (arg.rfind("-", 0) == 0) bad_input("unknown option '" + arg + "'");
  }
  const int runs = args.size() > 0 ? parse_count(args[0], "RUNS") : 3;
  const uint64_t seed = args.size() > 1 ? parse_number(args[1], "SEED", 0, UINT64_MAX) : 1;

  const std::vector<Scenario> scenarios = {
      {"1 client, ok, by key", 1, false, true, 0},
      {"1 client, illegal, by key", 1, true, true, 0},
      {"10 clients, ok, by key", 10, false, true, 0},
      {"10 clients, illegal, by key", 10, true, true, 0},
      {"50 clients, ok, by key", 50, false, true, 260},
      {"50 clients, illegal, by key", 50, true, true, 60},
      {"10 clients, ok, one state", 10, false, false, 2900},
      {"10 clients, illegal, one state", 10, true, false, 3200},
  };

  print_header("generated histories, seed " + std::to_string(seed), runs);
  bool all_expected = true;
  for (const Scenario& s : scenarios) {
    porcupine::KvHistoryShape shape;
    shape.clients = s.clients;
    shape.illegal = s.illegal;
    shape.seed = seed;
    const std::vector<KvOperation> history = porcupine::GenerateKvHistory(shape);
    const char* expected = expected_name(s.illegal);
    all_expected = answered_as_expected(
                       row(s.name, history, s.partitioned, s.go_ms, runs, expected), expected) &&
                   all_expected;
  }
  print_footer();
  return all_expected ? 0 : 1;
}
