// The topic logger (see log.hpp).
#include "labrpc/log.hpp"

#include <array>
#include <cstdlib>
#include <functional>
#include <stdexcept>

#include "labrpc/backend.hpp"
#include "labrpc/runtime.hpp"

namespace lab {

namespace {

constexpr std::array<std::string_view, kTopicCount> kTopicNames = {
    "vote",  "leader", "term", "append", "log",    "commit", "apply", "persist", "snapshot",
    "timer", "rpc",    "drop", "client", "server", "test",   "info",  "warn",    "error",
};
constexpr uint32_t kAllTopics = (1u << kTopicCount) - 1;

std::string valid_topics() {
  std::string list = "all, none";
  for (std::string_view name : kTopicNames) {
    list += ", ";
    list += name;
  }
  return list;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// LAB_LOG, or VERBOSE (the Go labs' switch: a number, non-zero means everything).
uint32_t topics_from_environment() {
  try {
    if (const char* spec = std::getenv("LAB_LOG"); spec != nullptr) return parse_log_topics(spec);
    if (const char* verbose = std::getenv("VERBOSE"); verbose != nullptr && *verbose != '\0') {
      char* end = nullptr;
      const long level = std::strtol(verbose, &end, 10);
      if (*end != '\0') {
        throw std::invalid_argument(std::string("VERBOSE=") + verbose +
                                    " is not a number (VERBOSE=1 logs every topic; LAB_LOG "
                                    "chooses topics)");
      }
      return level != 0 ? kAllTopics : 0;
    }
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::exit(2);
  }
  return 0;
}

std::atomic<std::FILE*> g_output{nullptr};

// Times count from the first line of the current World. Worlds are told apart by their
// address and name, and by the clock going backwards (each simulated World restarts its
// clock; a new World may reuse a freed one's address). Lines from outside any World (the
// real world's timer thread) count from the last World's first line. Read and written
// only under the output's stdio lock; atomics so that sanitizers need not know that lock.
std::atomic<const void*> g_world{nullptr};
std::atomic<size_t> g_world_name_hash{0};
std::atomic<int64_t> g_start_ns{0};
std::atomic<int64_t> g_last_ns{0};
std::atomic<bool> g_started{false};

double milliseconds_since_world_start() {
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(lab::now().time_since_epoch()).count();
  const detail::WorldImpl* world = detail::backend().current_world();
  const size_t name_hash = world != nullptr ? std::hash<std::string>{}(world->name()) : 0;
  const bool new_world =
      world != nullptr && (world != g_world.load(std::memory_order_relaxed) ||
                           name_hash != g_world_name_hash.load(std::memory_order_relaxed));
  if (!g_started.load(std::memory_order_relaxed) || new_world ||
      now_ns < g_last_ns.load(std::memory_order_relaxed)) {
    g_start_ns.store(now_ns, std::memory_order_relaxed);
    g_started.store(true, std::memory_order_relaxed);
    if (world != nullptr) {
      g_world.store(world, std::memory_order_relaxed);
      g_world_name_hash.store(name_hash, std::memory_order_relaxed);
    }
  }
  g_last_ns.store(now_ns, std::memory_order_relaxed);
  return static_cast<double>(now_ns - g_start_ns.load(std::memory_order_relaxed)) / 1e6;
}

}  // namespace

namespace detail {

std::atomic<uint32_t> g_log_topics{topics_from_environment()};

void write_log_line(Topic topic, int peer, std::string_view message) {
  std::FILE* out = g_output.load(std::memory_order_relaxed);
  if (out == nullptr) out = stderr;
  // The stdio lock makes reading the clock and writing one step, so a log's times never
  // go backwards within a World. It is held for a few microseconds and never across a
  // runtime call that could block.
  flockfile(out);
  const std::string line = format_log_line(milliseconds_since_world_start(), topic, peer, message);
  std::fwrite(line.data(), 1, line.size(), out);
  funlockfile(out);
}

}  // namespace detail

std::string_view topic_name(Topic topic) {
  const auto index = static_cast<size_t>(topic);
  return index < kTopicNames.size() ? kTopicNames[index] : "?";
}

uint32_t parse_log_topics(const std::string_view whole_spec) {
  std::string_view spec = whole_spec;
  uint32_t mask = 0;
  while (true) {
    const size_t comma = spec.find(',');
    std::string_view word = trim(spec.substr(0, comma));
    const bool remove = !word.empty() && word.front() == '-';
    if (remove) word.remove_prefix(1);
    uint32_t bits = 0;
    bool known = true;
    if (word == "all" || word == "1") {
      bits = kAllTopics;
    } else if (word == "none" || word == "0" || (word.empty() && !remove)) {
      bits = 0;
    } else {
      known = false;
      for (size_t k = 0; k < kTopicNames.size(); k++) {
        if (word == kTopicNames[k]) {
          bits = 1u << k;
          known = true;
        }
      }
    }
    if (!known) {
      throw std::invalid_argument("LAB_LOG: unknown topic \"" + std::string(word) + "\" in \"" +
                                  std::string(whole_spec) + "\"; valid topics: " + valid_topics() +
                                  " (comma-separated; -topic takes one away)");
    }
    mask = remove ? (mask & ~bits) : (mask | bits);
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return mask;
}

uint32_t log_topics() { return detail::g_log_topics.load(std::memory_order_relaxed); }

void set_log_topics(uint32_t mask) {
  detail::g_log_topics.store(mask & kAllTopics, std::memory_order_relaxed);
}

void set_log_output(std::FILE* out) { g_output.store(out, std::memory_order_relaxed); }

std::string format_log_line(double milliseconds, Topic topic, int peer, std::string_view message) {
  char head[64];
  const std::string_view name = topic_name(topic);
  int n;
  if (peer == kNoPeer) {
    n = std::snprintf(head, sizeof head, "%8.1f %-8.*s -- ", milliseconds,
                      static_cast<int>(name.size()), name.data());
  } else {
    n = std::snprintf(head, sizeof head, "%8.1f %-8.*s S%d ", milliseconds,
                      static_cast<int>(name.size()), name.data(), peer);
  }
  std::string line(head, static_cast<size_t>(n));
  // One line per call: a message's own newlines would break the layout prettylog reads.
  for (char c : message) line += c == '\n' ? ' ' : c;
  line += '\n';
  return line;
}

}  // namespace lab
