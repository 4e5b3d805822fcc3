// The linearizability checker's benchmark: key/value histories shaped like porcupine's kv
// test data (1, 10 and 50 clients, ok and illegal; kv_generator.hpp) and compare-and-set
// register histories shaped like its Jepsen etcd data (register_generator.hpp), or
// history files (--log). Prints one table: per history the operations, the answer, the
// median wall time of RUNS checks with 1 worker and with 2, and their ratio (both measured
// in this run), the search's steps, and, beside porcupine's own files only, porcupine's
// figure as recorded elsewhere (labelled so: it is not measured here, and no ratio is
// drawn from it). docs/benchmarks.md records the table. Usage: kUsage below (--help).
// Bad arguments exit 3 with one line naming them.
#include "labrpc/runtime.hpp"
#include "tester/porcupine/adapters.hpp"
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/history_file.hpp"
#include "tester/porcupine/json_history.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/kv_generator.hpp"
#include "tester/porcupine/kv_log.hpp"
#include "tester/porcupine/register.hpp"
#include "tester/porcupine/register_generator.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: porcupine_bench [RUNS] [SEED]    generated histories (defaults: 3 runs, seed 1):\n"
    "           key/value, register and cas register, 1, 10 and 50 clients, ok and illegal;\n"
    "           exit 0 when every answer is the expected one\n"
    "       porcupine_bench --log FILE... [--runs RUNS]   the same rows for history files in\n"
    "           any format lincheck reads (porcupine's kv logs c10-ok.txt..., its Jepsen etcd\n"
    "           logs, JSON); exit 0 all linearizable, 1 one is not, 2 a check ran out of time\n"
    "       porcupine_bench --generate CLIENTS [SEED] [--illegal] [--model kv|register|cas]\n"
    "           prints a generated history: kv in porcupine's log format (to compare its\n"
    "           shape with porcupine's files), register and cas in lincheck's JSON\n"
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

const char* expected_name(bool illegal) { return illegal ? "Illegal" : "Ok"; }

// `expected` is "Ok", "Illegal" or "" (either); a check that ran out of time proves nothing.
bool answered_as_expected(CheckResult answer, const std::string& expected) {
  return expected.empty() || porcupine::to_string(answer) == expected ||
         answer == CheckResult::Unknown;
}

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

// Porcupine's own figures, recorded elsewhere (never run here): porcupine with state
// hashing, Go 1.19, a quiet 2-core VM of this project's machine class, on porcupine's own
// test_data/kv files, by key or (no partitions) as one state. Recorded by 2026-11-29
// (commit 24a39d8).
constexpr const char* kRecordedLabel =
    "porcupine (recorded): porcupine with state hashing, Go 1.19, on its own test_data/kv\n"
    "files, quiet 2-core VM of this machine class, recorded by 2026-11-29 (commit 24a39d8);\n"
    "not measured in this run, shown beside those files only, and no ratio is drawn from it";

double recorded_ms(const std::string& file, bool one_state) {
  static const std::map<std::pair<std::string, bool>, double> figures = {
      {{"c50-ok.txt", false}, 260},
      {{"c50-bad.txt", false}, 60},
      {{"c10-ok.txt", true}, 2900},
      {{"c10-bad.txt", true}, 3200},
  };
  const auto it = figures.find({file, one_state});
  return it == figures.end() ? 0 : it->second;
}

struct Measure {
  CheckResult result = CheckResult::Unknown;
  double median_ms = 0;
  uint64_t steps = 0;
};

// The median of `runs` checks with `workers` workers (and a 60 s budget: a check that runs
// out proves nothing, and the row says Unknown).
template <class M, class Op>
Measure measure(const M& model, const std::vector<Op>& history, int runs, int workers) {
  CheckOptions options;
  options.workers = workers;
  options.timeout = std::chrono::seconds(60);
  Measure m;
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const double start = lab::real_seconds();
    const porcupine::CheckOutcome outcome = porcupine::Check(model, history, options);
    times.push_back((lab::real_seconds() - start) * 1000.0);
    m.result = outcome.result;
    m.steps = outcome.stats.steps;
  }
  std::sort(times.begin(), times.end());
  m.median_ms = times[times.size() / 2];
  return m;
}

void print_header(const std::string& what, int runs) {
  std::printf("porcupine checker, %s, %d runs per row (median ms)\n", what.c_str(), runs);
  std::printf("%-34s %6s %8s %10s %10s %6s %11s %12s\n", "history", "ops", "answer", "1 worker",
              "2 workers", "1w/2w", "steps", "porcupine*");
}

void print_footer() {
  std::printf("(1w/2w: the 1-worker time over the 2-worker one, both this run; - where the\n"
              "history is one partition)\n* %s\n",
              kRecordedLabel);
}

// One row: checks `history` with 1 worker and, when it has several partitions, with 2;
// prints the figures, marked UNEXPECTED when the answer is not `expected` ("Ok",
// "Illegal", or "" for either; Unknown proves nothing and passes). Returns the answer.
template <class M, class Op>
CheckResult row(const std::string& name, const M& model, const std::vector<Op>& history,
                int runs, const std::string& expected, double recorded = 0) {
  const bool partitioned = model_partition(model, history).size() > 1;
  const Measure one = measure(model, history, runs, 1);
  const Measure two = partitioned ? measure(model, history, runs, 2) : one;
  const bool as_expected = answered_as_expected(one.result, expected) &&
                           answered_as_expected(two.result, expected);
  char two_ms[32] = "-", ratio[32] = "-", porcupine[32] = "-";
  if (partitioned) {
    std::snprintf(two_ms, sizeof two_ms, "%.2f", two.median_ms);
    std::snprintf(ratio, sizeof ratio, "%.2f", one.median_ms / std::max(two.median_ms, 1e-6));
  }
  if (recorded > 0) std::snprintf(porcupine, sizeof porcupine, "%.0f", recorded);
  std::printf("%-34s %6zu %8s %10.2f %10s %6s %11llu %12s%s\n", name.c_str(), history.size(),
              porcupine::to_string(one.result), one.median_ms, two_ms, ratio,
              static_cast<unsigned long long>(one.steps), porcupine,
              as_expected ? "" : "  UNEXPECTED");
  std::fflush(stdout);
  return one.result == CheckResult::Illegal || two.result == CheckResult::Illegal
             ? CheckResult::Illegal
             : one.result;
}

constexpr size_t kOneStateMaxOps = 500;

// Exit status: 0 every history linearizable, 1 one is not, 2 a check ran out of time.
// Every file is read before the table starts, so a bad one stops it with nothing printed.
int check_logs(const std::vector<std::string>& paths, int runs) {
  std::vector<porcupine::HistoryFile> files;
  for (const std::string& path : paths) {
    try {
      files.push_back(porcupine::ReadHistoryFile(path, "", ""));
    } catch (const porcupine::BadHistory& e) {
      bad_input(e.what());
    }
  }
  print_header("history files", runs);
  std::vector<CheckResult> results;
  for (const porcupine::HistoryFile& f : files) {
    const std::string name = std::filesystem::path(f.path).filename().string();
    if (f.model == "kv" || f.model == "kv-digest") {
      results.push_back(row(name + ", by key", porcupine::KvModel{}, f.kv, runs, "",
                            recorded_ms(name, false)));
      // As one state, a 50-client file runs into the time limit (Go has no figure either).
      if (f.kv.size() <= kOneStateMaxOps) {
        results.push_back(row(name + ", one state", KvWholeMapModel{}, f.kv, runs, "",
                              recorded_ms(name, true)));
      }
    } else {
      results.push_back(row(name + ", " + f.model, porcupine::RegisterModel{}, f.registers, runs, ""));
    }
  }
  print_footer();
  if (std::count(results.begin(), results.end(), CheckResult::Illegal) > 0) {
    std::printf("not linearizable: at least one history is illegal\n");
    return 1;
  }
  return std::count(results.begin(), results.end(), CheckResult::Unknown) > 0 ? 2 : 0;
}

porcupine::KvHistoryShape kv_shape(int clients, bool illegal, uint64_t seed) {
  porcupine::KvHistoryShape shape;
  shape.clients = clients;
  shape.illegal = illegal;
  shape.seed = seed;
  return shape;
}

porcupine::RegisterHistoryShape cas_shape(int clients, int keys, bool illegal, uint64_t seed) {
  porcupine::RegisterHistoryShape shape;
  shape.clients = clients;
  shape.keys = keys;
  shape.illegal = illegal;
  shape.seed = seed;
  return shape;
}

int generate(const std::vector<std::string>& args) {
  if (args.size() < 2) bad_input("--generate takes CLIENTS [SEED] [--illegal] [--model kv|register|cas]");
  const int clients = parse_count(args[1], "CLIENTS");
  bool illegal = false, seeded = false;
  uint64_t seed = 1;
  std::string model = "kv";
  for (size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--illegal") {
      illegal = true;
    } else if (args[i] == "--model") {
      if (i + 1 == args.size()) bad_input("--model takes kv, register or cas");
      model = args[++i];
      if (model != "kv" && model != "register" && model != "cas") {
        bad_input("unknown --model '" + model + "' (expected kv, register or cas)");
      }
    } else if (!seeded && args[i].rfind("-", 0) != 0) {
      seed = parse_number(args[i], "SEED", 0, UINT64_MAX);
      seeded = true;
    } else {
      bad_input("unexpected argument '" + args[i] + "' after --generate");
    }
  }
  if (model == "kv") {
    porcupine::WriteKvLog(std::cout, porcupine::GenerateKvHistory(kv_shape(clients, illegal, seed)));
    return 0;
  }
  porcupine::RegisterHistoryShape shape = cas_shape(clients, 1, illegal, seed);
  shape.cas = model == "cas";
  try {
    porcupine::WriteJsonHistory(
        std::cout, porcupine::FromRegisterHistory(porcupine::GenerateRegisterHistory(shape)), model);
  } catch (const std::invalid_argument& e) {
    bad_input(e.what());
  }
  return 0;
}

}  // namespace

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
  if (mode == "--generate") return generate(args);
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

  print_header("generated histories, seed " + std::to_string(seed), runs);
  bool all_expected = true;
  const auto expect = [&](CheckResult answer, bool illegal) {
    all_expected = answered_as_expected(answer, expected_name(illegal)) && all_expected;
  };
  for (int clients : {1, 10, 50}) {
    for (bool illegal : {false, true}) {
      const std::string name = std::to_string(clients) + (clients == 1 ? " client, " : " clients, ") +
                               expected_name(illegal) + ", kv by key";
      const auto history = porcupine::GenerateKvHistory(kv_shape(clients, illegal, seed));
      expect(row(name, porcupine::KvModel{}, history, runs, expected_name(illegal)), illegal);
    }
  }
  for (bool illegal : {false, true}) {
    const auto history = porcupine::GenerateKvHistory(kv_shape(10, illegal, seed));
    // One state for all keys is far slower: one run.
    expect(row(std::string("10 clients, ") + expected_name(illegal) + ", kv one state",
               KvWholeMapModel{}, history, 1, expected_name(illegal)),
           illegal);
  }
  struct RegisterRow {
    int clients;
    int keys;
    bool cas;
  };
  for (const RegisterRow& r : {RegisterRow{1, 1, false}, RegisterRow{10, 1, false}, RegisterRow{50, 1, false},
                               RegisterRow{1, 1, true}, RegisterRow{10, 1, true}, RegisterRow{50, 1, true},
                               RegisterRow{50, 10, true}}) {
    for (bool illegal : {false, true}) {
      const std::string name = std::to_string(r.clients) + (r.clients == 1 ? " client, " : " clients, ") +
                               expected_name(illegal) + (r.cas ? ", cas" : ", register") +
                               (r.keys == 1 ? "" : " 10 keys");
      porcupine::RegisterHistoryShape shape = cas_shape(r.clients, r.keys, illegal, seed);
      shape.cas = r.cas;
      const auto history = porcupine::GenerateRegisterHistory(shape);
      expect(row(name, porcupine::RegisterModel{}, history, runs, expected_name(illegal)), illegal);
    }
  }
  print_footer();
  return all_expected ? 0 : 1;
}
