// lincheck: the linearizability checker as a command of its own. Reads histories in
// porcupine's key/value log format, Jepsen's (EDN maps or log lines) or lincheck's JSON,
// checks each against a model (key/value, key/value over digests, register,
// compare-and-set register), prints the verdict per partition and per file, and writes
// the HTML picture on request. docs/linearizability.md is its manual; kUsage below is
// its --help.
//
// Exit status: 0 every history linearizable, 1 one is not, 2 none is illegal but one
// check ran out of its budget, 3 bad input (the file and line, and the problem), 4 a
// usage error (an unknown option or a bad value, named).
#include "labrpc/runtime.hpp"
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/history_file.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/kv_digest.hpp"
#include "tester/porcupine/register.hpp"
#include "tester/porcupine/visualize.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace porcupine;

constexpr const char* kUsage =
    "usage: lincheck [--format kv|edn|json] [--model kv|kv-digest|register|cas]\n"
    "                [--workers N] [--budget SECONDS] [--html FILE] [-v] FILE...\n"
    "Checks each history FILE for linearizability and prints the verdict per partition\n"
    "(key) and per file.\n"
    "  --format   kv: porcupine's key/value logs; edn: Jepsen histories (EDN maps, or\n"
    "             jepsen.util log lines as in porcupine's etcd data); json: lincheck's\n"
    "             format (docs/linearizability.md). Default: json when the file starts\n"
    "             with '[' or '{\"', else edn (which reads kv logs too).\n"
    "  --model    kv, kv-digest (values as digests), register (read, write) or cas (read,\n"
    "             write, cas). Default: the JSON file's \"model\", else from the\n"
    "             operations: get/put/append kv, a cas cas, read/write register.\n"
    "  --workers  partitions checked at once (default: one per core; one for a history\n"
    "             of under 200 operations)\n"
    "  --budget   give up after SECONDS (a decimal) per file: the verdict is then unknown\n"
    "             unless a partition was already found illegal (default: no limit)\n"
    "  --html     write the picture of the check to FILE (one history FILE only)\n"
    "  -v         check every partition to its end, and print times and step counts\n"
    "Exit status: 0 linearizable, 1 not linearizable, 2 unknown (a budget ran out),\n"
    "3 bad input (file:line: problem), 4 usage error.\n";

constexpr int kExitIllegal = 1;
constexpr int kExitUnknown = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitUsage = 4;

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "lincheck: %s (lincheck --help for usage)\n", message.c_str());
  std::exit(kExitUsage);
}

[[noreturn]] void bad_input(const std::string& message) {
  std::fprintf(stderr, "lincheck: %s\n", message.c_str());
  std::exit(kExitBadInput);
}

struct Options {
  std::string format;  // empty: guess
  std::string model;   // empty: from the file
  int workers = 0;
  double budget = 0;   // seconds; 0: none
  std::string html;
  bool verbose = false;
  std::vector<std::string> files;
};

int parse_workers(const std::string& text) {
  bool ok = !text.empty() && text.size() <= 4;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  const int n = ok ? std::atoi(text.c_str()) : 0;
  if (n < 1 || n > 1024) usage_error("--workers takes a whole number from 1 to 1024, not '" + text + "'");
  return n;
}

double parse_budget(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double s = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(s) || s <= 0 || s > 1e6 ||
      text.find_first_not_of("0123456789.") != std::string::npos) {
    usage_error("--budget takes seconds, a decimal above 0 (0.5, 10), not '" + text + "'");
  }
  return s;
}

Options parse_args(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 == args.size()) usage_error(a + " takes a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--format") {
      o.format = value();
      if (o.format != "kv" && o.format != "edn" && o.format != "json") {
        usage_error("unknown --format '" + o.format + "' (expected kv, edn or json)");
      }
    } else if (a == "--model") {
      o.model = value();
      if (!IsModelName(o.model)) {
        usage_error("unknown --model '" + o.model + "' (expected " + kModelNames + ")");
      }
    } else if (a == "--workers") {
      o.workers = parse_workers(value());
    } else if (a == "--budget") {
      o.budget = parse_budget(value());
    } else if (a == "--html") {
      o.html = value();
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'");
    } else {
      o.files.push_back(a);
    }
  }
  if (o.files.empty()) usage_error("no history FILE given");
  if (!o.html.empty() && o.files.size() > 1) usage_error("--html draws one history; " + std::to_string(o.files.size()) + " FILEs given");
  return o;
}

const char* verdict_words(CheckResult r) {
  switch (r) {
    case CheckResult::Ok:
      return "Ok: linearizable";
    case CheckResult::Illegal:
      return "Illegal: not linearizable";
    case CheckResult::Unknown:
      return "Unknown: the budget ran out";
  }
  return "?";
}

template <class Op>
std::string partition_title(const std::vector<Op>& history, const std::vector<size_t>& ops,
                            size_t count) {
  if (ops.empty() || history[ops[0]].Input.Key.empty()) {
    return count == 1 ? "all operations" : "partition";
  }
  return "key '" + history[ops[0]].Input.Key + "'";
}

// What stopped searches still hold (CheckOutcome::memory), kept until the process ends.
std::vector<std::shared_ptr<const void>> g_kept;

// Checks one history and prints its verdicts; returns the file's verdict.
template <class M, class Op>
CheckResult check(const HistoryFile& file, const M& model, const std::vector<Op>& history,
                  const Options& o) {
  CheckOptions options;
  options.workers = o.workers;
  options.verbose = o.verbose || !o.html.empty();
  if (o.budget > 0) {
    options.timeout = std::chrono::duration_cast<lab::Duration>(std::chrono::duration<double>(o.budget));
  }
  const std::vector<std::vector<size_t>> groups = model_partition(model, history);
  const double start = lab::real_seconds();
  CheckOutcome outcome;
  try {
    outcome = Check(model, history, options);
  } catch (const std::exception& e) {
    bad_input(file.path + ": " + e.what());
  }
  const double seconds = lab::real_seconds() - start;
  if (outcome.memory) g_kept.push_back(std::move(outcome.memory));

  std::printf("%s: %s model, %zu operations in %zu partition%s\n", file.path.c_str(),
              file.model.c_str(), history.size(), groups.size(), groups.size() == 1 ? "" : "s");
  bool undecided = false;
  for (size_t p = 0; p < groups.size(); ++p) {
    const CheckResult r = outcome.partitions.at(p).result;
    const bool stopped = r == CheckResult::Unknown && outcome.result == CheckResult::Illegal;
    undecided = undecided || stopped;
    std::printf("  %-8s %s, %zu operations%s", to_string(r),
                partition_title(history, groups[p], groups.size()).c_str(), groups[p].size(),
                stopped ? " (not decided)" : "");
    if (o.verbose) {
      std::printf(", %llu steps", static_cast<unsigned long long>(outcome.partitions[p].steps));
    }
    std::printf("\n");
  }
  std::printf("%s: %s", file.path.c_str(), verdict_words(outcome.result));
  if (undecided) std::printf(" (the first illegal partition stops the others; -v checks them all)");
  std::printf("\n");
  if (o.verbose) {
    std::printf("%s: %.3f s, %d worker%s, %llu steps, %llu configurations cached\n",
                file.path.c_str(), seconds, outcome.stats.workers,
                outcome.stats.workers == 1 ? "" : "s",
                static_cast<unsigned long long>(outcome.stats.steps),
                static_cast<unsigned long long>(outcome.stats.cached));
  }
  if (!o.html.empty()) {
    try {
      VisualizationData data = ComputeVisualizationData(model, history, *outcome.info, outcome.result);
      for (size_t p = 0; p < data.partitions.size(); ++p) {
        data.partitions[p].title = partition_title(history, groups[p], groups.size());
      }
      WriteVisualization(data, o.html);
    } catch (const std::exception& e) {
      bad_input(e.what());
    }
    std::printf("%s: wrote the picture to %s\n", file.path.c_str(), o.html.c_str());
  }
  std::fflush(stdout);
  return outcome.result;
}

CheckResult check_loaded(const HistoryFile& file, const Options& o) {
  if (file.model == "kv") return check(file, KvModel{}, file.kv, o);
  if (file.model == "kv-digest") {
    std::vector<KvDigestOperation> digests;
    digests.reserve(file.kv.size());
    for (const KvOperation& op : file.kv) digests.push_back(Digest(op));
    return check(file, KvDigestModel{}, digests, o);
  }
  return check(file, RegisterModel{}, file.registers, o);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(std::vector<std::string>(argv + 1, argv + argc));
  // Every file is read, and typed for its model, before any is checked: bad input stops
  // the run with nothing checked.
  std::vector<HistoryFile> files;
  for (const std::string& path : o.files) {
    try {
      files.push_back(ReadHistoryFile(path, o.format, o.model));
    } catch (const BadHistory& e) {
      bad_input(e.what());
    }
  }
  bool illegal = false, unknown = false;
  for (const HistoryFile& file : files) {
    const CheckResult r = check_loaded(file, o);
    illegal = illegal || r == CheckResult::Illegal;
    unknown = unknown || r == CheckResult::Unknown;
  }
  if (files.size() > 1) {
    std::printf("overall: %s\n", verdict_words(illegal   ? CheckResult::Illegal
                                               : unknown ? CheckResult::Unknown
                                                         : CheckResult::Ok));
  }
  // The searches' memory (CheckOutcome::memory, kept until here) goes back with the
  // process, in bulk: freeing it piece by piece would add a good share of a budget to the
  // run after its answer.
  std::fflush(nullptr);
  std::_Exit(illegal ? kExitIllegal : unknown ? kExitUnknown : 0);
}
