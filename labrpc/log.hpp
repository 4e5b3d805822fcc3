// The runtime's topic logger: debug lines for students and the tester, off unless asked
// for, laid out by scripts/prettylog one column per peer.
//
//   lab::log(lab::Topic::vote, me, "granted vote to S", candidate, " in term ", term);
// prints on stderr
//      412.3 vote     S1 granted vote to S2 in term 3
// that is: milliseconds since the first log line of the current World (virtual time in
// simulation, so a seed's log is the same byte for byte), the topic, the peer (`S<n>`, or
// `--` for kNoPeer) and the message.
//
// Choosing topics, read once at start: LAB_LOG=all, LAB_LOG=vote,leader, LAB_LOG=all,-timer
// (every topic but timer). An unknown topic is an error that lists the valid ones.
// VERBOSE=1 (the Go labs' switch) means LAB_LOG=all. Off by default; a call on a topic
// that is off costs one load and one branch, and its message is never built.
//
// Callable from any task, timer callback or thread. It never blocks in the runtime, so
// turning logs on does not change which task runs when in a simulated run. Each line goes
// out with one fwrite, so lines of different tasks never interleave.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace lab {

// What a line is about. Names are what LAB_LOG and prettylog's -j/-i take.
enum class Topic : uint8_t {
  vote,      // RequestVote asked, granted, refused; elections started
  leader,    // a peer becomes leader or steps down
  term,      // a peer's term changes
  append,    // AppendEntries sent, accepted, rejected
  log,       // entries appended to or cut from a log
  commit,    // commitIndex moves
  apply,     // entries or snapshots handed to the service
  persist,   // state saved or restored
  snapshot,  // snapshots taken, sent, installed
  timer,     // election timeouts, heartbeats
  rpc,       // the network: each request taken up, each reply delivered
  drop,      // the network's faults: requests or replies lost or delayed, targets unreachable
  client,    // clerks (kvraft)
  server,    // key/value servers (kvraft)
  test,      // the tester: begin, connect, disconnect, crash, start, partition, leaders found
  info,      // anything else worth a line
  warn,      // something unexpected but survivable
  error,     // something wrong
};
inline constexpr int kTopicCount = 18;

// The peer of a line that belongs to no peer (the tester, a clerk): printed as `--`.
inline constexpr int kNoPeer = -1;

// "vote", "leader", ...
std::string_view topic_name(Topic topic);

// LAB_LOG's syntax: comma-separated topic names, "all", "none", "-topic" to take one away
// ("all,-timer"). Returns a bit mask (bit k = Topic k). Throws std::invalid_argument
// naming the bad word and listing the valid ones.
uint32_t parse_log_topics(std::string_view spec);

// The topics turned on (a mask as parse_log_topics returns), and a way to change them
// (tests and tools; call before tasks log).
uint32_t log_topics();
void set_log_topics(uint32_t mask);

// Where lines go: stderr unless a test redirects them (nullptr: back to stderr).
void set_log_output(std::FILE* out);

// One line, newline included: "%8.1f %-8s S<peer> <message>".
std::string format_log_line(double milliseconds, Topic topic, int peer, std::string_view message);

namespace detail {
extern std::atomic<uint32_t> g_log_topics;
void write_log_line(Topic topic, int peer, std::string_view message);
}  // namespace detail

inline bool log_enabled(Topic topic) {
  return (detail::g_log_topics.load(std::memory_order_relaxed) >> static_cast<unsigned>(topic)) &
         1u;
}
inline bool log_any() { return detail::g_log_topics.load(std::memory_order_relaxed) != 0; }

template <class... Parts>
void log(Topic topic, int peer, const Parts&... parts) {
  if (!log_enabled(topic)) [[likely]]
    return;
  std::ostringstream message;
  (message << ... << parts);
  detail::write_log_line(topic, peer, message.str());
}

}  // namespace lab
