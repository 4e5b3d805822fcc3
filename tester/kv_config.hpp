// The kvraft tester's cluster: the C++ twin of the Go lab's kvraft/config.go, plus the
// operation wrappers of kvraft/test_test.go (Get, Put, Append) that count operations and
// record them for the linearizability checker.
//
// A KvConfig builds n kvraft servers (each a KVServer with its Raft) on a simulated labrpc
// network, restarts and partitions them, and makes clerks whose ends it can enable and
// disable one by one. The tests (tester/test_3A.cpp, test_3B.cpp, with the shared
// GenericTest in test_3_common.cpp) drive it as test_test.go drives config.go, with the
// same helper names, messages and constants.
//
// Who calls it: one test at a time, from the test's main thread; makeClient, deleteClient,
// the wrappers, partition, op counting, fail and the random helpers are also called from
// tasks the test starts (clients, the partitioner).
//
// Threading: the tester lock `mu_` guards the server slots, Persisters, end names, clerks
// and the tester's random stream. It is never held while calling into a server or its
// Raft (Kill, GetState) nor while sleeping. The network has its own lock.
//
// Safety monitors (tester/safety_monitor.hpp), unless LAB_MONITORS=0: Leader()'s GetState
// calls and a sampler task's GetState of every live server's Raft every 10 ms are shown to
// a SafetyMonitor (the servers' Starts and applies are theirs, out of the tester's sight);
// a violation fails the test like a Go check.
//
// Failures: every Go t.Fatalf is fail(message): it records the first failure and where,
// fails the test's World (cancelling every blocked runtime call of the test's tasks and
// main thread) and throws. A failure on a client task therefore ends the whole test. The
// destructor is Go's cleanup(): it kills every server, ends the World and joins every
// task the test started.
#pragma once

#include "kvraft/client.hpp"
#include "kvraft/server.hpp"
#include "labrpc/labrpc.hpp"
#include "labrpc/runtime.hpp"
#include "raft/persister.hpp"
#include "tester/porcupine/kv_digest.hpp"
#include "tester/safety_monitor.hpp"
#include "tester/source_location.hpp"
#include "tester/test_guard.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tester {

// The tester generously allows solutions to complete elections in one second (much more
// than the paper's range of timeouts).
inline constexpr lab::Duration kElectionTimeout = std::chrono::seconds(1);
// The checker's budget; past it the history is assumed linearizable (Go prints so).
inline constexpr lab::Duration kLinearizabilityCheckTimeout = std::chrono::seconds(1);

class KvConfig {
 public:
  // What the network dispatches a server's "KVServer" calls to: kvraft::MakeService, or,
  // to show that the checks catch a bug, a service with one planted in front of the server
  // (tester/test_3_broken.cpp).
  using MakeKvService =
      std::function<std::shared_ptr<lab::Service>(std::shared_ptr<kvraft::KVServer>)>;

  // Go's make_config(t, n, unreliable, maxraftstate): a new World and network, n servers
  // started then connected, then the network made unreliable if asked; no long delays.
  KvConfig(int n, bool unreliable, int maxraftstate,
           MakeKvService makeService = kvraft::MakeService);
  // Go's cleanup(), plus what Go leaves out: every task of the test is joined.
  ~KvConfig();
  KvConfig(const KvConfig&) = delete;
  KvConfig& operator=(const KvConfig&) = delete;

  int n() const { return n_; }
  int maxraftstate() const { return maxraftstate_; }

  // --- Fail, as Go's t.Fatalf: record, cancel the test's World, throw. ---------------
  [[noreturn]] void fail(const std::string& message,
                         SourceLocation where = SourceLocation::current());

  // --- Servers and network ---------------------------------------------------------
  // (Re)starts server i from its saved Persister with fresh, disabled ends; after a
  // ShutdownServer(i).
  void StartServer(int i);
  // Cuts server i off, keeps a copy of its Persister and kills it.
  void ShutdownServer(int i);
  // Enables the ends between server i and each server in `to`, both ways.
  void connect(int i, const std::vector<int>& to);
  // Disables the ends between server i and each server in `from`, both ways.
  void disconnect(int i, const std::vector<int>& from);
  std::vector<int> All() const;
  void ConnectAll();
  // Two groups, each connected inside, cut from each other; clerks' ends untouched.
  void partition(const std::vector<int>& p1, const std::vector<int>& p2);

  // --- Clerks ----------------------------------------------------------------------
  // A clerk with its own ends to every server (in random order), only those to `to`
  // enabled.
  std::shared_ptr<kvraft::Clerk> makeClient(const std::vector<int>& to);
  // Forgets the clerk; its ends stay enabled (as in Go).
  void deleteClient(const std::shared_ptr<kvraft::Clerk>& ck);
  void ConnectClient(const std::shared_ptr<kvraft::Clerk>& ck, const std::vector<int>& to);
  void DisconnectClient(const std::shared_ptr<kvraft::Clerk>& ck, const std::vector<int>& from);

  // --- Observers -------------------------------------------------------------------
  // The first server whose Raft says it leads: (true, i); else (false, 0).
  std::pair<bool, int> Leader();
  // p1: n/2+1 servers without the leader; p2: the other n/2, the leader last.
  std::pair<std::vector<int>, std::vector<int>> make_partition();
  // The largest Raft state / snapshot any server has saved.
  size_t LogSize();
  size_t SnapshotSize();
  int64_t rpcTotal() const;
  // Counts one clerk Get/Put/Append (the wrappers call it).
  void op();

  // --- Test bracket (§10) ----------------------------------------------------------
  void begin(const std::string& title);
  void end();

  // --- The tester's random stream (lab::Rng "tester"), safe from any task ---------
  int64_t rand_int();            // Go's rand.Int(): [0, 2^63)
  int64_t rand_intn(int64_t n);  // [0, n)

  // --- Failure aids ------------------------------------------------------------------
  // A new, empty file for a history picture, named after the test and the seed, in the
  // system's temporary directory; "" when none could be created.
  std::string make_picture_file();
  // Remembers the picture's path for the failure report.
  void set_picture(const std::string& path);

  // Names, while it lives, what a task of the test waits for; the 120-second limit's
  // message names everything still awaited.
  class Awaiting : public TestGuard::Awaiting {
   public:
    Awaiting(KvConfig& cfg, std::string what,
             SourceLocation where = SourceLocation::current())
        : TestGuard::Awaiting(cfg.guard_, std::move(what), where) {}
  };

 private:
  void connectUnlocked(int i, const std::vector<int>& to);       // under mu_
  void disconnectUnlocked(int i, const std::vector<int>& from);  // under mu_
  void ConnectClientUnlocked(kvraft::Clerk* ck, const std::vector<int>& to);
  void DisconnectClientUnlocked(kvraft::Clerk* ck, const std::vector<int>& from);
  std::string randstring(int length);  // under mu_
  // The Raft of server i's GetState, shown to the monitor (when on): its answer, and the
  // violation it shows, if any. Never under mu_.
  raft::State observed_state(int i, const std::shared_ptr<kvraft::KVServer>& kv, uint64_t life,
                             std::optional<std::string>* violation);
  // The sampler task: every live server's GetState every kSampleInterval, until cleanup.
  void sample();
  void cleanup() noexcept;

  // The World first: destroyed last, after everything that runs on it.
  lab::World world_;
  lab::Network net_;

  const int n_;
  const int maxraftstate_;
  const MakeKvService makeService_;

  mutable lab::Mutex mu_;
  std::vector<std::shared_ptr<kvraft::KVServer>> kvservers_;  // null while shut down
  std::vector<uint64_t> lives_;  // the safety monitor's id of each running server
  std::vector<std::shared_ptr<raft::Persister>> saved_;
  std::vector<std::vector<std::string>> endnames_;  // names of each server's sending ends
  std::map<kvraft::Clerk*, std::vector<std::string>> clerks_;
  int clerks_made_ = 0;  // numbers clerks in the test and rpc logs
  lab::Rng rng_;
  std::unique_ptr<SafetyMonitor> monitor_;  // null with LAB_MONITORS=0

  std::atomic<bool> finished_{false};

  // begin()/end() statistics.
  lab::TimePoint t0_;            // when the test called begin()
  int64_t rpcs0_ = 0;            // rpcTotal() at begin()
  std::atomic<int32_t> ops_{0};  // clerk Get/Put/Append calls since begin()

  // The 120-second limit and the failure report; after world_, which it watches.
  TestGuard guard_;
};

// --- The operation wrappers of test_test.go ------------------------------------------

// The operations the clients completed, for the linearizability checker. Safe from any
// task.
class OpLog {
 public:
  void Append(porcupine::KvDigestOperation op);
  // A copy of the operations so far (Go's Read). A get's result is kept as a digest
  // (porcupine/kv_digest.hpp): whole values would make a one-client history O(n²) bytes.
  std::vector<porcupine::KvDigestOperation> Read();

 private:
  lab::Mutex mu_;
  std::vector<porcupine::KvDigestOperation> operations_;
};

// Get/Put/Append through the clerk, counted; with a log, also recorded as client `cli`,
// with the runtime clock's nanoseconds before the call and after its return.
std::string Get(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, OpLog* log, int cli);
void Put(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value,
         OpLog* log, int cli);
void Append(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value,
            OpLog* log, int cli);

}  // namespace tester
