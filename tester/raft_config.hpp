// The Raft tester's cluster: the C++ twin of the Go lab's raft/config.go.
//
// A RaftConfig builds n Raft peers on a simulated labrpc network, crashes, restarts,
// partitions and observes them, and checks every command the peers apply. The lab tests
// (tester/test_2*.cpp) drive it exactly as test_test.go drives config.go, with the same
// helper names (checkOneLeader, nCommitted, one, ...), messages and constants.
//
// Who calls it: one test at a time, from the test's main thread; one(), nCommitted(),
// rand...() and the accessors may also be called from tasks the test starts (lab::go).
//
// Threading: the tester lock `mu_` guards every per-peer slot, maxIndex and the tester's
// random stream. It is never held while calling into a Raft (Kill, Start, GetState,
// Snapshot) nor while sleeping, so a Raft that blocks (or waits on its own lock) never
// stalls the appliers or the other tasks of the tester with it. The network has its own
// lock and is called with or without `mu_`.
//
// Safety monitors (tester/safety_monitor.hpp), unless LAB_MONITORS=0: every GetState and
// Start the config makes, a sampler task's GetState of every live peer every 10 ms, and
// what the appliers take are shown to a SafetyMonitor; a violation fails the test like a
// Go check (after Go's own check, where a helper has one, so Go's message comes first).
// Calls a test makes on a Raft it holds (cfg.raft(i)->Start) are not seen.
//
// Failures: every Go t.Fatalf / log.Fatalf is fail(message): it records the first
// failure (and where it was raised) on the test's World, which cancels every blocked
// runtime call of the test's tasks and main thread, and throws. A failure on a helper
// task (an applier, a concurrent one(), a churn client) therefore ends the whole test,
// not just the task. The destructor is Go's cleanup(): it kills every peer, ends the
// World and joins every task the test started.
#pragma once

#include "labrpc/labrpc.hpp"
#include "labrpc/runtime.hpp"
#include "raft/api.hpp"
#include "raft/persister.hpp"
#include "raft/raft.hpp"
#include "tester/safety_monitor.hpp"
#include "tester/source_location.hpp"
#include "tester/test_guard.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tester {

// The tester generously allows solutions to complete elections in one second (much
// more than the paper's range of timeouts).
inline constexpr lab::Duration kRaftElectionTimeout = std::chrono::milliseconds(1000);
// The snapshot applier snapshots after every SnapShotInterval-th command.
inline constexpr int kSnapShotInterval = 10;
// 2D: the largest Raft state (bytes) a peer may persist once it snapshots.
inline constexpr size_t kMaxLogSize = 2000;

// What a test puts in a log entry: a 64-bit integer (every test) or a string
// (TestRPCBytes2B); nil stands for Go's nil interface, the placeholder at index 0 of a
// snapshot. Commands cross Raft as codec bytes and are compared by decoded value.
//
// Encoding: an integer is lab::encode(int64_t), 8 bytes; a string is lab::encode(string),
// an 8-byte length then the characters. Decoding tells them apart by size: exactly 8
// bytes is an integer (so the empty string, never used by the tests, reads back as 0).
class Command {
 public:
  Command() = default;  // nil
  Command(int64_t value) : value_(value) {}
  Command(int value) : value_(static_cast<int64_t>(value)) {}
  Command(std::string value) : value_(std::move(value)) {}
  Command(const char* value) : value_(std::string(value)) {}

  bool is_nil() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_int() const { return std::holds_alternative<int64_t>(value_); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  int64_t as_int() const { return std::get<int64_t>(value_); }
  const std::string& as_string() const { return std::get<std::string>(value_); }

  // The bytes handed to Raft's Start. Nil encodes as no bytes.
  lab::Bytes encode() const;
  // Throws lab::CodecError naming what was wrong.
  static Command decode(const lab::Bytes& bytes);

  // Go's %v: decimal integer, raw string, <nil>.
  std::string to_string() const;

  friend bool operator==(const Command& a, const Command& b) { return a.value_ == b.value_; }

 private:
  std::variant<std::monostate, int64_t, std::string> value_;
};

std::ostream& operator<<(std::ostream& out, const Command& command);

class RaftConfig {
 public:
  // Go's make_config(t, n, unreliable, snapshot): a new World and network, n peers
  // started (start1) then connected, long delays on, the 120-second limit armed.
  RaftConfig(int n, bool unreliable, bool snapshot);
  // Go's cleanup(), plus what Go leaves out: every task of the test is joined.
  ~RaftConfig();
  RaftConfig(const RaftConfig&) = delete;
  RaftConfig& operator=(const RaftConfig&) = delete;

  int n() const { return n_; }

  // --- Fail, as Go's t.Fatalf: record, cancel the test's World, throw. ---------------
  [[noreturn]] void fail(const std::string& message,
                         SourceLocation where = SourceLocation::current());

  // --- Peers and network (§6.2, §6.3) --------------------------------------------
  // Shuts peer i down, keeping its persisted state in a fresh Persister.
  void crash1(int i);
  // (Re)starts peer i from its saved state with fresh, disabled ends.
  void start1(int i);
  void connect(int i);
  void disconnect(int i);
  // Not Go's: cuts the link between peers i and j both ways, each still reaching the
  // others (a partial partition, for the extra suites); connect(i) or connect(j) mends it.
  void cut(int i, int j);
  void setunreliable(bool unreliable);
  void setlongreordering(bool long_reordering);
  int rpcCount(int i) const;
  int64_t rpcTotal() const;
  int64_t bytesTotal() const;
  // The largest Raft state any peer has persisted.
  size_t LogSize();

  // Go's cfg.rafts[i] (null when crashed) and cfg.connected[i].
  std::shared_ptr<raft::Raft> raft(int i);
  bool connected(int i);
  // cfg.rafts[i].Start(cmd) / GetState(); fails the test when peer i is crashed (Go's
  // nil-pointer panic).
  raft::StartResult start(int i, const Command& command);
  raft::State get_state(int i);

  // --- Observers (§6.5) ------------------------------------------------------------
  int checkOneLeader();
  int checkTerms();
  void checkNoLeader();
  // How many peers applied `index`, and the command they applied.
  std::pair<int, Command> nCommitted(int index);
  // Waits for at least `count` peers to apply `index`; Command(-1) when some peer
  // moved past `start_term` (start_term > -1).
  Command wait(int index, int count, int start_term);
  // A complete agreement on `command` by at least `expected_servers` peers; its index.
  int one(const Command& command, int expected_servers, bool retry);

  // --- Test bracket (§6.6, §10) ----------------------------------------------------
  void begin(const std::string& title);
  void end();

  // --- The tester's random stream (lab::Rng "tester"), safe from any task ---------
  int64_t rand_int();          // Go's rand.Int(): [0, 2^63)
  int64_t rand_intn(int64_t n);  // [0, n)
  int32_t rand_int31();        // Go's rand.Int31(): [0, 2^31)
  std::string rand_string(int length);  // URL-safe base64 characters

 private:
  struct Peer {
    std::shared_ptr<raft::Raft> raft;  // null while crashed
    std::string apply_error;           // from the apply channel readers
    bool connected = false;
    std::shared_ptr<raft::Persister> saved;
    std::vector<std::string> end_names;  // the end names this peer sends on, one per peer
    std::map<int, Command> log;          // copy of this peer's applied commands
    int last_applied = 0;
    uint64_t life = 0;                   // the safety monitor's id of the running instance
  };

  // --- Safety monitors; each a no-op with LAB_MONITORS=0 ---------------------------
  // Peer i's Raft and the life it runs, read together (a null Raft: crashed, or cut off
  // when connected_only).
  struct Live {
    std::shared_ptr<raft::Raft> rf;
    uint64_t life = 0;
  };
  Live live(int i, bool connected_only);
  // p.rf->GetState() / Start(), shown to the monitor; a violation is kept in *violation
  // (the first one: an earlier one is not replaced). Never under mu_.
  raft::State observed_state(int i, const Live& p, std::optional<std::string>* violation);
  raft::StartResult observed_start(int i, const Live& p, const lab::Bytes& command,
                                   std::optional<std::string>* violation);
  // The sampler task: every live peer's GetState every kSampleInterval, until cleanup.
  void sample();

  // `life`: the instance whose channel it reads, for the safety monitor.
  void applier(int i, uint64_t life, std::shared_ptr<raft::ApplyChannel> apply_ch);
  void applierSnap(int i, uint64_t life, std::shared_ptr<raft::ApplyChannel> apply_ch);
  // Under mu_. Records the applied command; returns (error or "", prevok).
  std::pair<std::string, bool> checkLogs(int i, int index, const Command& command);
  // Under mu_. Installs a snapshot as peer i's applied record; returns "" or the error.
  std::string ingestSnap(int i, const lab::Bytes& snapshot, int index);
  // Prints "apply error: ..." and ends the test, as Go's log.Fatalf does.
  [[noreturn]] void applyFailure(int i, const std::string& message,
                                 SourceLocation where = SourceLocation::current());
  lab::Bytes makeSnapshot(int i, int index);  // under mu_
  bool finished() const { return finished_.load(); }
  void cleanup() noexcept;

  // The World first: destroyed last, after everything that runs on it.
  lab::World world_;
  lab::Network net_;

  const int n_;
  const bool snapshot_;

  mutable lab::Mutex mu_;
  std::vector<Peer> peers_;
  std::vector<std::shared_ptr<raft::ApplyChannel>> apply_channels_;  // all ever made
  lab::Rng rng_;
  int maxIndex_ = 0;
  std::unique_ptr<SafetyMonitor> monitor_;  // null with LAB_MONITORS=0

  std::atomic<bool> finished_{false};

  // begin()/end() statistics.
  lab::TimePoint t0_;
  int64_t rpcs0_ = 0;
  int64_t bytes0_ = 0;
  int maxIndex0_ = 0;

  // The 120-second limit and the failure report; after world_, which it watches.
  TestGuard guard_;
};

}  // namespace tester
