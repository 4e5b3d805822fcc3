// The seed sweep's parent (see sweep.hpp): its settings, a child process per seed (and
// per restart after a child died), and the results: a line per failing run, results.tsv
// and the failing runs' logs. The parent stays single-threaded and never starts the
// runtime's backend (it reads only lab::simulated(), which is the environment, and
// lab::real_seconds()), so forking it is safe.
#include "tester/sweep.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"
#include "tester/seed_list.hpp"
#include "tester/sweep_child.hpp"

namespace tester::sweep {

namespace {

constexpr double kDefaultTimeoutSeconds = 120;
constexpr size_t kLastLineChars = 300;  // of a dead child's output, in its message

volatile sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

[[noreturn]] void usage_error(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "sweep: %s\n", message.c_str());
  std::exit(2);
}

// Set and not empty.
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

struct Settings {
  std::string seeds_text;
  std::vector<SeedRange> seeds;
  double timeout = kDefaultTimeoutSeconds;
  uint64_t stop_after = 0;  // failing seeds after which no further seed runs; 0: never
  std::string out_dir;     // empty: no files
  std::string binary;      // argv[0], for the replay lines
  std::string arguments;   // the rest of the command line, as shell words: " -ts=2A"
  std::string replay_env;  // what a replay needs besides the world and the seed: "X=1 "
};

// A shell word for `text`: as it is when it is plain, else in single quotes.
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_,.:/=+-") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The lab's settings in the environment that a replay needs besides the world and the
// seed (a Raft option, say), by name: every LAB_ variable set, but the sweep's own and
// LAB_LOG (the failing run's log is kept; the replay says how to get it again).
std::string replay_environment() {
  static const std::vector<std::string_view> skipped = {
      "LAB_SIM", "LAB_SEED", "LAB_SEEDS", "LAB_SWEEP_OUT", "LAB_SWEEP_TIMEOUT",
      "LAB_SWEEP_STOP_AFTER", "LAB_LOG"};
  std::vector<std::string> settings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (!entry.starts_with("LAB_") || eq == std::string_view::npos || eq + 1 == entry.size()) continue;
    if (std::find(skipped.begin(), skipped.end(), entry.substr(0, eq)) != skipped.end()) continue;
    settings.push_back(std::string(entry.substr(0, eq + 1)) +
                       shell_word(std::string(entry.substr(eq + 1))));
  }
  std::sort(settings.begin(), settings.end());
  std::string words;
  for (const std::string& s : settings) words += s + " ";
  return words;
}

Settings read_settings(char** argv) {
  Settings s;
  s.seeds_text = std::getenv("LAB_SEEDS");
  try {
    s.seeds = parse_seed_list(s.seeds_text);
  } catch (const BadSeedList& e) {
    usage_error("LAB_SEEDS=" + s.seeds_text + ": " + e.what());
  }
  if (!lab::simulated()) {
    usage_error("LAB_SEEDS=" + s.seeds_text +
                " needs the simulated world (LAB_SIM=1): only there does a seed replay its run");
  }
  if (const char* seed = env("LAB_SEED")) {
    usage_error(std::string("LAB_SEED=") + seed + " and LAB_SEEDS=" + s.seeds_text +
                " are both set: a sweep gives each run its own LAB_SEED; unset LAB_SEED");
  }
  if (const char* check = env("LAB_CHECK_DETERMINISM"); check != nullptr && check == std::string_view("1")) {
    usage_error("LAB_CHECK_DETERMINISM=1 does not go with LAB_SEEDS: check one seed at a time");
  }
  if (const char* t = env("LAB_SWEEP_TIMEOUT")) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(t, &end);
    if (errno != 0 || end == t || *end != '\0' || !std::isfinite(v) || v <= 0) {
      usage_error(std::string("LAB_SWEEP_TIMEOUT=") + t +
                  ": expected the real seconds a test case may take, a number above 0");
    }
    s.timeout = v;
  }
  if (const char* k = env("LAB_SWEEP_STOP_AFTER")) {
    uint64_t v = 0;
    const char* end = k + std::strlen(k);
    const auto [stop, error] = std::from_chars(k, end, v, 10);
    if (error != std::errc() || stop != end || v == 0) {
      usage_error(std::string("LAB_SWEEP_STOP_AFTER=") + k +
                  ": expected how many failing seeds end the sweep, a whole number above 0");
    }
    s.stop_after = v;
  }
  if (const char* out = env("LAB_SWEEP_OUT")) {
    std::error_code error;
    std::filesystem::create_directories(out, error);
    if (error || !std::filesystem::is_directory(out)) {
      usage_error(std::string("LAB_SWEEP_OUT=") + out + ": cannot make the folder (" +
                  (error ? error.message() : "a file is in the way") + ")");
    }
    s.out_dir = out;
  }
  s.binary = argv[0];
  for (char** a = argv + 1; *a != nullptr; ++a) s.arguments += " " + shell_word(*a);
  s.replay_env = replay_environment();
  return s;
}

// The command that repeats one run; for a death outside any test case ("(exit)"), the
// whole seed's run.
std::string replay_line(const Settings& s, uint64_t seed, const std::string& test) {
  return s.replay_env + "LAB_SIM=1 LAB_SEED=" + std::to_string(seed) + " " + s.binary +
         (test.starts_with("(") ? s.arguments : " -tc=" + test);
}

// A name fit for a file: anything but letters, digits, '.', '_' and '-' becomes '_'.
std::string file_name_part(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return s;
}

std::string format_seconds(double seconds, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, seconds);
  return text;
}

// --- One child -------------------------------------------------------------------

// A test case a child began, as its report tells.
struct TestEvent {
  std::string name;
  long offset = 0;  // where its output starts in the child's output file
  double began = 0;  // parent's real clock when the start arrived
  bool ended = false;
  long crash_offset = -1;  // where doctest's report of a crash begins
  std::string status;  // pass, fail or crash, once ended
  double seconds = 0;
  std::string message;
};

struct ChildRun {
  std::vector<TestEvent> tests;
  bool query = false;
  bool done = false;
  long done_offset = -1;
  bool timed_out = false;
  bool interrupted = false;
  int wait_status = 0;
  double died_at = 0;
  int output_fd = -1;  // the child's stdout and stderr, an unlinked file
};

// An unlinked temporary file for a child's output.
int make_output_file() {
  const char* dir = env("TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/lab-sweep-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    usage_error("cannot make a temporary file in " + path.substr(0, path.rfind('/')) + ": " +
                std::strerror(errno));
  }
  unlink(path.c_str());
  return fd;
}

std::string read_range(int fd, long from, long to) {
  std::string text;
  if (to <= from) return text;
  text.resize(static_cast<size_t>(to - from));
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = pread(fd, text.data() + got, text.size() - got, from + static_cast<long>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return text;
}

long file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<long>(st.st_size) : 0;
}

[[noreturn]] void child_main(int argc, char** argv, RunTests run_tests, uint64_t seed,
                             const std::vector<std::string>& excluded, int report_fd,
                             int output_fd) {
  setpgid(0, 0);  // the parent kills the whole group: grandchildren too
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0) _exit(3);
  close(output_fd);
  setenv("LAB_SEED", std::to_string(seed).c_str(), 1);
  // The runs themselves are single runs: a test that runs this binary again must not sweep.
  unsetenv("LAB_SEEDS");
  unsetenv("LAB_SWEEP_OUT");
  unsetenv("LAB_SWEEP_TIMEOUT");
  report_to(report_fd);
  std::exit(run_tests(argc, argv, excluded));
}

// Applies one line of the child's report.
void apply(ChildRun& run, std::string_view line, double now) {
  std::vector<std::string_view> f;
  for (;;) {
    const size_t tab = line.find('\t');
    f.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  if (f[0] == "start" && f.size() == 3) {
    TestEvent t;
    t.name = f[1];
    t.offset = std::atol(std::string(f[2]).c_str());
    t.began = now;
    run.tests.push_back(t);
  } else if (f[0] == "end" && f.size() == 5 && !run.tests.empty()) {
    TestEvent& t = run.tests.back();
    t.ended = true;
    t.status = f[2];
    t.seconds = std::atof(std::string(f[3]).c_str());
    t.message = f[4];
  } else if (f[0] == "crash" && f.size() == 2 && !run.tests.empty()) {
    run.tests.back().crash_offset = std::atol(std::string(f[1]).c_str());
  } else if (f[0] == "query") {
    run.query = true;
  } else if (f[0] == "done" && f.size() == 2) {
    run.done = true;
    run.done_offset = std::atol(std::string(f[1]).c_str());
  }
}

// Forks a child for `seed` and follows its report until it ends, is killed for taking
// too long on a test case, or the sweep is interrupted.
ChildRun run_child(int argc, char** argv, RunTests run_tests, const Settings& settings,
                   uint64_t seed, const std::vector<std::string>& excluded) {
  ChildRun run;
  run.output_fd = make_output_file();
  int fds[2];
  if (!lab::platform::pipe_cloexec(fds)) usage_error(std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);  // or the child would write out the parent's buffers again
  const pid_t pid = fork();
  if (pid < 0) usage_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    child_main(argc, argv, run_tests, seed, excluded, fds[1], run.output_fd);
  }
  close(fds[1]);
  double deadline = lab::real_seconds() + settings.timeout;
  std::string pending;
  char buffer[4096];
  for (;;) {
    if (g_interrupted) {
      run.interrupted = true;
      break;
    }
    const double now = lab::real_seconds();
    if (now >= deadline) {
      run.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::ceil((deadline - now) * 1000)));
    if (ready <= 0) continue;  // EINTR (perhaps the interrupt) or the deadline: checked above
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child has ended
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      apply(run, std::string_view(pending).substr(0, newline), lab::real_seconds());
      pending.erase(0, newline + 1);
      deadline = lab::real_seconds() + settings.timeout;
    }
  }
  close(fds[0]);
  if (run.timed_out || run.interrupted) kill(-pid, SIGKILL);
  while (waitpid(pid, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  run.died_at = lab::real_seconds();
  return run;
}

// How a child that did not finish its run ended.
std::string death_of(const ChildRun& run, const Settings& settings) {
  if (run.timed_out) {
    return "timed out after " + format_seconds(settings.timeout, 0) + " s (killed)";
  }
  const int status = run.wait_status;
  if (WIFSIGNALED(status)) {
    const std::string abbrev = lab::platform::signal_abbrev(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) +
           (abbrev.empty() ? "" : " (SIG" + abbrev + ")");
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ')) --end;
  const size_t begin = text.rfind('\n', end == 0 ? 0 : end - 1);
  std::string line = text.substr(begin == std::string::npos ? 0 : begin + 1,
                                 end - (begin == std::string::npos ? 0 : begin + 1));
  if (line.size() > kLastLineChars) line = line.substr(0, kLastLineChars) + "...";
  return line;
}

// --- Results ---------------------------------------------------------------------

struct RunResult {
  uint64_t seed = 0;
  std::string test;
  std::string status;  // pass, fail, crash, timeout
  double seconds = 0;
  std::string message;
};

class Results {
 public:
  explicit Results(const Settings& settings) : settings_(settings) {
    if (settings.out_dir.empty()) return;
    const std::string path = settings.out_dir + "/results.tsv";
    tsv_ = std::fopen(path.c_str(), "w");
    if (tsv_ == nullptr) usage_error("cannot write " + path + ": " + std::strerror(errno));
    std::fputs("seed\ttest\tstatus\tseconds\tmessage\n", tsv_);
  }
  ~Results() {
    if (tsv_ != nullptr) std::fclose(tsv_);
  }
  Results(const Results&) = delete;
  Results& operator=(const Results&) = delete;

  // Records a run; a failing one is listed, and its output kept when there is a folder.
  void add(const RunResult& r, const std::string& output) {
    ++runs_;
    if (r.status == "pass") ++passed_;
    if (r.status != "pass") failing_seeds_.insert(r.seed);
    if (r.status == "crash") ++crashed_;
    if (r.status == "timeout") ++timed_out_;
    if (tsv_ != nullptr) {
      std::fprintf(tsv_, "%llu\t%s\t%s\t%s\t%s\n", static_cast<unsigned long long>(r.seed),
                   one_line(r.test).c_str(), r.status.c_str(), format_seconds(r.seconds, 3).c_str(),
                   one_line(r.message).c_str());
      std::fflush(tsv_);
    }
    if (r.status == "pass") return;
    std::string upper = r.status;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::printf("%s seed %llu %s (%s s): %s\n    replay: %s\n", upper.c_str(),
                static_cast<unsigned long long>(r.seed), r.test.c_str(),
                format_seconds(r.seconds, 2).c_str(), r.message.c_str(),
                replay_line(settings_, r.seed, r.test).c_str());
    if (!settings_.out_dir.empty()) {
      const std::string path = settings_.out_dir + "/" + file_name_part(r.test) + "-seed" +
                               std::to_string(r.seed) + ".log";
      if (std::FILE* log = std::fopen(path.c_str(), "w")) {
        std::fwrite(output.data(), 1, output.size(), log);
        std::fclose(log);
        std::printf("    log: %s\n", path.c_str());
      } else {
        std::printf("    log: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
      }
    }
    std::fflush(stdout);
  }

  bool all_passed() const { return passed_ == runs_; }
  uint64_t failing_seeds() const { return failing_seeds_.size(); }

  void print_total(double seconds, bool interrupted) const {
    std::printf("sweep: %s%llu runs, %llu passed, %llu failed (%llu crashed, %llu timed out) in %s s\n",
                interrupted ? "interrupted after " : "", static_cast<unsigned long long>(runs_),
                static_cast<unsigned long long>(passed_),
                static_cast<unsigned long long>(runs_ - passed_),
                static_cast<unsigned long long>(crashed_),
                static_cast<unsigned long long>(timed_out_), format_seconds(seconds, 1).c_str());
    std::fflush(stdout);
  }

 private:
  const Settings& settings_;
  std::FILE* tsv_ = nullptr;
  uint64_t runs_ = 0, passed_ = 0, crashed_ = 0, timed_out_ = 0;
  std::set<uint64_t> failing_seeds_;
};

// --- One seed --------------------------------------------------------------------

enum class SeedOutcome { kRan, kNoTests, kInterrupted, kQuery };

// Runs every chosen test case with `seed`, in as many children as it takes: after a child
// dies in a test case, the next one runs the test cases after it. A query (-ltc) is
// answered as doctest would and ends the sweep; `query_status` is its exit status.
SeedOutcome run_seed(int argc, char** argv, RunTests run_tests, const Settings& settings,
                     Results& results, uint64_t seed, int& query_status) {
  std::vector<std::string> begun;  // the seed's test cases that a child began
  for (;;) {
    ChildRun run = run_child(argc, argv, run_tests, settings, seed, begun);
    const long size = file_size(run.output_fd);
    if (run.query) {
      const std::string output = read_range(run.output_fd, 0, size);
      std::fwrite(output.data(), 1, output.size(), stdout);
      close(run.output_fd);
      query_status = WIFEXITED(run.wait_status) ? WEXITSTATUS(run.wait_status) : 1;
      return SeedOutcome::kQuery;
    }
    // The run's first lines (the seed and world, doctest's banner) begin each log.
    const long first = run.tests.empty() ? (run.done ? run.done_offset : size) : run.tests[0].offset;
    const std::string preamble = read_range(run.output_fd, 0, first);
    const std::string death = death_of(run, settings);
    for (size_t i = 0; i < run.tests.size(); ++i) {
      const TestEvent& t = run.tests[i];
      begun.push_back(t.name);
      const long end = i + 1 < run.tests.size() ? run.tests[i + 1].offset
                       : run.done               ? run.done_offset
                                                : size;
      if (!t.ended && run.interrupted) break;  // cut short: not counted
      RunResult r{seed, t.name, t.status, t.seconds, t.message};
      std::string output;
      if (t.ended && t.status != "crash") {
        if (t.status != "pass") output = preamble + read_range(run.output_fd, t.offset, end);
      } else {  // the child died in it, or was killed
        r.status = run.timed_out ? "timeout" : "crash";
        if (!t.ended) r.seconds = run.died_at - t.began;
        const std::string section = read_range(run.output_fd, t.offset, end);
        // The test's last words, before doctest's report of a signal it caught.
        const long own_end = t.crash_offset >= t.offset ? t.crash_offset : end;
        const std::string last = last_line(read_range(run.output_fd, t.offset, own_end));
        r.message = death + (last.empty() || run.timed_out ? "" : "; last output: " + last);
        output = preamble + section + (section.empty() || section.back() == '\n' ? "" : "\n") +
                 "sweep: " + death + "\n";
      }
      results.add(r, output);
    }
    const bool clean_exit = WIFEXITED(run.wait_status) && WEXITSTATUS(run.wait_status) <= 1;
    const bool in_test = !run.tests.empty() &&
                         (!run.tests.back().ended || run.tests.back().status == "crash");
    if (run.interrupted) {
      close(run.output_fd);
      return SeedOutcome::kInterrupted;
    }
    if (!in_test && !(run.done && clean_exit)) {
      // Died (or hung) outside any test case: before the first, between two, or at exit.
      const std::string where = run.done ? "(exit)" : run.tests.empty() ? "(start)" : "(between tests)";
      const std::string output = read_range(run.output_fd, 0, size);
      results.add({seed, where, run.timed_out ? "timeout" : "crash", 0,
                   death + (run.done ? " after its test cases" : "")},
                  output + "sweep: " + death + "\n");
    }
    close(run.output_fd);
    if (run.done || run.tests.empty()) {
      return begun.empty() && run.done ? SeedOutcome::kNoTests : SeedOutcome::kRan;
    }
  }
}

}  // namespace

bool requested() { return std::getenv("LAB_SEEDS") != nullptr; }

int run(int argc, char** argv, RunTests run_tests) {
  const Settings settings = read_settings(argv);
  struct sigaction action {};
  action.sa_handler = on_interrupt;  // no SA_RESTART: poll returns at once
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const double start = lab::real_seconds();
  Results results(settings);
  bool interrupted = false;
  bool stopped = false;
  for (const SeedRange& range : settings.seeds) {
    for (uint64_t seed = range.first;; ++seed) {
      int query_status = 0;
      switch (run_seed(argc, argv, run_tests, settings, results, seed, query_status)) {
        case SeedOutcome::kQuery:
          return query_status;
        case SeedOutcome::kNoTests:
          usage_error("no test case ran with seed " + std::to_string(seed) +
                      ": do the filters (-ts, -tc) match any? " + settings.binary +
                      " -ltc lists them");
        case SeedOutcome::kInterrupted:
          interrupted = true;
          break;
        case SeedOutcome::kRan:
          break;
      }
      const bool last_seed = seed == range.last && &range == &settings.seeds.back();
      if (settings.stop_after != 0 && results.failing_seeds() >= settings.stop_after && !last_seed) {
        std::printf("sweep: stopped after seed %llu: %llu failing seeds (LAB_SWEEP_STOP_AFTER=%llu)\n",
                    static_cast<unsigned long long>(seed),
                    static_cast<unsigned long long>(results.failing_seeds()),
                    static_cast<unsigned long long>(settings.stop_after));
        stopped = true;
      }
      if (interrupted || stopped || seed == range.last) break;
    }
    if (interrupted || stopped) break;
  }
  results.print_total(lab::real_seconds() - start, interrupted);
  if (interrupted) return 130;
  return results.all_passed() ? 0 : 1;
}

}  // namespace tester::sweep
