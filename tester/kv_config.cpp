// The kvraft tester's cluster (see kv_config.hpp). Each helper keeps the Go name, steps
// and messages of kvraft/config.go; deviations are the ones docs/design.md lists ("Where
// the port differs from Go") and are marked "Port:" where they happen.
#include "tester/kv_config.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "labrpc/log.hpp"

namespace tester {

namespace {

std::string server_name(int i) { return std::to_string(i); }

// Servers as Go prints a slice: "[0 1 2]" (test logs).
std::string peer_list(const std::vector<int>& peers) {
  std::string out = "[";
  for (size_t k = 0; k < peers.size(); ++k) out += (k ? " " : "") + std::to_string(peers[k]);
  return out + "]";
}

}  // namespace

// --- make_config and cleanup --------------------------------------------------------

KvConfig::KvConfig(int n, bool unreliable, int maxraftstate, MakeKvService makeService)
    : world_(test_world_name("kvraft tester")),
      n_(n),
      maxraftstate_(maxraftstate),
      makeService_(std::move(makeService)),
      kvservers_(static_cast<size_t>(n)),
      lives_(static_cast<size_t>(n), 0),
      saved_(static_cast<size_t>(n)),
      endnames_(static_cast<size_t>(n)),
      rng_(lab::Rng::derived("tester")),
      monitor_(monitors_enabled() ? std::make_unique<SafetyMonitor>(n) : nullptr),
      guard_(world_) {
  warn_once_if_one_cpu();
  try {
    // create a full set of KV servers.
    for (int i = 0; i < n_; i++) StartServer(i);
    ConnectAll();
    // Port: Go's network never has long delays here either (LongDelays stays false).
    net_.Reliable(!unreliable);
    if (monitor_) lab::go("safety monitor", [this] { sample(); });
  } catch (...) {
    // The destructor will not run: stop every task before the members go.
    cleanup();
    throw;
  }
}

KvConfig::~KvConfig() { cleanup(); }

// Go's cleanup(): kills every server and cleans up the network; then, unlike Go, ends
// every task the test started, so nothing leaks into the next test.
void KvConfig::cleanup() noexcept {
  if (finished_.exchange(true)) return;
  guard_.stop();

  // Kill every live server, without the tester lock (Kill takes the server's and the
  // Raft's locks). Kill closes the server's apply channel, which ends its applier.
  std::vector<std::shared_ptr<kvraft::KVServer>> servers;
  {
    lab::Lock lock(mu_);
    for (const auto& kv : kvservers_) {
      if (kv) servers.push_back(kv);
    }
  }
  for (auto& kv : servers) {
    try {
      kv->Kill();
    } catch (const std::exception& e) {
      std::printf("info: Kill() threw during cleanup: %s\n", e.what());
    } catch (...) {
    }
  }
  net_.Cleanup();

  std::vector<std::string> stragglers;
  try {
    stragglers = world_.end();
  } catch (...) {
  }

  guard_.report_end(stragglers);
}

void KvConfig::fail(const std::string& message, SourceLocation where) {
  guard_.fail(message, where);
}

// --- Servers and network ------------------------------------------------------------

// Maximum log size across all servers
size_t KvConfig::LogSize() {
  std::vector<std::shared_ptr<raft::Persister>> saved;
  {
    lab::Lock lock(mu_);
    saved = saved_;
  }
  size_t logsize = 0;
  for (const auto& persister : saved) {
    if (persister) logsize = std::max(logsize, persister->RaftStateSize());
  }
  return logsize;
}

// Maximum snapshot size across all servers
size_t KvConfig::SnapshotSize() {
  std::vector<std::shared_ptr<raft::Persister>> saved;
  {
    lab::Lock lock(mu_);
    saved = saved_;
  }
  size_t snapshotsize = 0;
  for (const auto& persister : saved) {
    if (persister) snapshotsize = std::max(snapshotsize, persister->SnapshotSize());
  }
  return snapshotsize;
}

// attach server i to servers listed in to
void KvConfig::connectUnlocked(int i, const std::vector<int>& to) {
  // outgoing socket files
  if (!endnames_[i].empty()) {
    for (int j : to) net_.Enable(endnames_[i][j], true);
  }
  // incoming socket files
  for (int j : to) {
    if (!endnames_[j].empty()) net_.Enable(endnames_[j][i], true);
  }
}

void KvConfig::connect(int i, const std::vector<int>& to) {
  lab::Lock lock(mu_);
  connectUnlocked(i, to);
}

// detach server i from the servers listed in from
void KvConfig::disconnectUnlocked(int i, const std::vector<int>& from) {
  // outgoing socket files
  if (!endnames_[i].empty()) {
    for (int j : from) net_.Enable(endnames_[i][j], false);
  }
  // incoming socket files. Port: Go tests endnames[j] with the loop counter j; this
  // tests the server the end belongs to (harmless either way).
  for (int j : from) {
    if (!endnames_[j].empty()) net_.Enable(endnames_[j][i], false);
  }
}

void KvConfig::disconnect(int i, const std::vector<int>& from) {
  lab::Lock lock(mu_);
  disconnectUnlocked(i, from);
}

std::vector<int> KvConfig::All() const {
  std::vector<int> all(static_cast<size_t>(n_));
  for (int i = 0; i < n_; i++) all[i] = i;
  return all;
}

void KvConfig::ConnectAll() {
  lab::log(lab::Topic::test, lab::kNoPeer, "connect all servers");
  lab::Lock lock(mu_);
  for (int i = 0; i < n_; i++) connectUnlocked(i, All());
}

// Sets up 2 partitions with connectivity between servers in each partition.
void KvConfig::partition(const std::vector<int>& p1, const std::vector<int>& p2) {
  lab::log(lab::Topic::test, lab::kNoPeer, "partition ", peer_list(p1), " | ", peer_list(p2));
  lab::Lock lock(mu_);
  for (int i : p1) {
    disconnectUnlocked(i, p2);
    connectUnlocked(i, p1);
  }
  for (int i : p2) {
    disconnectUnlocked(i, p1);
    connectUnlocked(i, p2);
  }
}

std::string KvConfig::randstring(int length) {
  static constexpr char kUrlBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string s;
  s.reserve(static_cast<size_t>(length));
  for (int k = 0; k < length; k++) s.push_back(kUrlBase64[rng_.intn(64)]);
  return s;
}

// Create a clerk with clerk specific server names. Give it connections to all of the
// servers, but for now enable only connections to servers in to[].
std::shared_ptr<kvraft::Clerk> KvConfig::makeClient(const std::vector<int>& to) {
  lab::Lock lock(mu_);

  // a fresh set of ClientEnds.
  std::vector<lab::ClientEnd*> ends(static_cast<size_t>(n_));
  std::vector<std::string> endnames(static_cast<size_t>(n_));
  for (int j = 0; j < n_; j++) {
    endnames[j] = randstring(20);
    ends[j] = net_.MakeEnd(endnames[j]);
    net_.Connect(endnames[j], server_name(j));
    net_.NameCaller(endnames[j], cat("clerk ", clerks_made_ + 1), lab::kNoPeer);
  }
  clerks_made_++;
  lab::log(lab::Topic::test, lab::kNoPeer, "makeClient: clerk ", clerks_made_, " reaches ",
           peer_list(to));

  // Randomize server handles (Go's random_handles).
  for (int i = 0; i < n_; i++) {
    const auto j = static_cast<size_t>(rng_.intn(i + 1));
    std::swap(ends[static_cast<size_t>(i)], ends[j]);
  }
  std::shared_ptr<kvraft::Clerk> ck = kvraft::MakeClerk(ends);
  clerks_[ck.get()] = endnames;
  ConnectClientUnlocked(ck.get(), to);
  return ck;
}

void KvConfig::deleteClient(const std::shared_ptr<kvraft::Clerk>& ck) {
  lab::Lock lock(mu_);
  clerks_.erase(ck.get());
}

void KvConfig::ConnectClientUnlocked(kvraft::Clerk* ck, const std::vector<int>& to) {
  const std::vector<std::string>& endnames = clerks_.at(ck);
  for (int j : to) net_.Enable(endnames[j], true);
}

void KvConfig::ConnectClient(const std::shared_ptr<kvraft::Clerk>& ck,
                             const std::vector<int>& to) {
  lab::Lock lock(mu_);
  ConnectClientUnlocked(ck.get(), to);
}

void KvConfig::DisconnectClientUnlocked(kvraft::Clerk* ck, const std::vector<int>& from) {
  const std::vector<std::string>& endnames = clerks_.at(ck);
  for (int j : from) net_.Enable(endnames[j], false);
}

void KvConfig::DisconnectClient(const std::shared_ptr<kvraft::Clerk>& ck,
                                const std::vector<int>& from) {
  lab::Lock lock(mu_);
  DisconnectClientUnlocked(ck.get(), from);
}

// Shutdown a server by isolating it
void KvConfig::ShutdownServer(int i) {
  lab::log(lab::Topic::test, i, "ShutdownServer (its persisted state is kept)");
  // Before the server is cut off: what it reports from now on may never reach its Persister.
  if (monitor_) monitor_->crashing(i);
  std::shared_ptr<kvraft::KVServer> kv;
  {
    lab::Lock lock(mu_);
    disconnectUnlocked(i, All());

    // disable client connections to the server. it's important to do this before
    // creating the new Persister in saved[i], to avoid the possibility of the server
    // returning a positive reply to an Append but persisting the result in the
    // superseded Persister.
    net_.DeleteServer(server_name(i));

    // a fresh persister, in case old instance continues to update the Persister. but
    // copy old persister's content so that we always pass Make() the last persisted
    // state.
    if (saved_[i]) saved_[i] = saved_[i]->Copy();
    kv = kvservers_[i];
  }
  if (kv) {
    kv->Kill();  // never under the tester lock
    lab::Lock lock(mu_);
    kvservers_[i] = nullptr;
  }
}

// If restart servers, first call ShutdownServer
void KvConfig::StartServer(int i) {
  std::vector<lab::ClientEnd*> ends(static_cast<size_t>(n_));
  std::shared_ptr<raft::Persister> persister;
  {
    lab::Lock lock(mu_);

    // a fresh set of outgoing ClientEnd names.
    endnames_[i].assign(static_cast<size_t>(n_), "");
    for (int j = 0; j < n_; j++) endnames_[i][j] = randstring(20);

    // a fresh set of ClientEnds.
    for (int j = 0; j < n_; j++) {
      ends[j] = net_.MakeEnd(endnames_[i][j]);
      net_.Connect(endnames_[i][j], server_name(j));
      net_.NameCaller(endnames_[i][j], cat("S", i), i);
    }
    lab::log(lab::Topic::test, i, "StartServer (from its persisted state)");

    // a fresh persister, so old instance doesn't overwrite new instance's persisted
    // state. give the fresh persister a copy of the old persister's state, so that the
    // spec is that we pass StartKVServer() the last persisted state.
    saved_[i] = saved_[i] ? saved_[i]->Copy() : raft::Persister::Make();
    persister = saved_[i];
  }

  std::shared_ptr<kvraft::KVServer> kv =
      kvraft::StartKVServer(ends, i, persister, maxraftstate_);
  {
    lab::Lock lock(mu_);
    kvservers_[i] = kv;
    lives_[i] = monitor_ ? monitor_->started(i) : 0;
  }

  auto srv = std::make_shared<lab::Server>();
  srv->AddService(makeService_(kv));
  srv->AddService(raft::MakeService(kv->rf()));
  net_.AddServer(server_name(i), srv);
}

std::pair<bool, int> KvConfig::Leader() {
  std::vector<std::shared_ptr<kvraft::KVServer>> servers;
  std::vector<uint64_t> lives;
  {
    lab::Lock lock(mu_);
    servers = kvservers_;
    lives = lives_;
  }
  for (int i = 0; i < n_; i++) {
    // Port: skips a shut-down server, where Go would touch a nil one.
    if (!servers[i]) continue;
    std::optional<std::string> violation;
    const bool isLeader = observed_state(i, servers[i], lives[i], &violation).isLeader;
    if (violation) fail(*violation);
    if (isLeader) return {true, i};
  }
  return {false, 0};
}

// --- Safety monitors ----------------------------------------------------------------

raft::State KvConfig::observed_state(int i, const std::shared_ptr<kvraft::KVServer>& kv,
                                     uint64_t life, std::optional<std::string>* violation) {
  if (!monitor_) return kv->rf()->GetState();
  const SafetyMonitor::Ticket ticket = monitor_->begin(i, life);
  const raft::State state = kv->rf()->GetState();
  std::optional<std::string> v = monitor_->state(ticket, state.term, state.isLeader);
  if (v && !*violation) *violation = std::move(v);
  return state;
}

void KvConfig::sample() {
  while (!finished_.load()) {
    lab::sleep(kSampleInterval);
    for (int i = 0; i < n_ && !finished_.load(); i++) {
      std::shared_ptr<kvraft::KVServer> kv;
      uint64_t life;
      {
        lab::Lock lock(mu_);
        kv = kvservers_[i];
        life = lives_[i];
      }
      if (!kv) continue;
      std::optional<std::string> violation;
      observed_state(i, kv, life, &violation);
      if (violation) fail(*violation);
    }
  }
}

// Partition servers into 2 groups and put current leader in minority
std::pair<std::vector<int>, std::vector<int>> KvConfig::make_partition() {
  const int l = Leader().second;
  std::vector<int> p1(static_cast<size_t>(n_ / 2 + 1));
  std::vector<int> p2(static_cast<size_t>(n_ / 2));
  size_t j = 0;
  for (int i = 0; i < n_; i++) {
    if (i != l) {
      if (j < p1.size()) {
        p1[j] = i;
      } else {
        p2[j - p1.size()] = i;
      }
      j++;
    }
  }
  p2.back() = l;
  return {p1, p2};
}

int64_t KvConfig::rpcTotal() const { return net_.GetTotalCount(); }

void KvConfig::op() { ops_.fetch_add(1); }

// --- begin and end ------------------------------------------------------------------

// start a Test. print the Test message. e.g. cfg.begin("Test: one client (3A)")
void KvConfig::begin(const std::string& title) {
  lab::log(lab::Topic::test, lab::kNoPeer, "begin ", report().test_name, ": ", title);
  std::printf("%s ...\n", title.c_str());
  std::fflush(stdout);
  t0_ = lab::now();
  rpcs0_ = rpcTotal();
  ops_.store(0);
}

// end a Test -- the fact that we got here means there was no failure. print the Passed
// message, and some performance numbers.
void KvConfig::end() {
  guard_.checkTimeout();
  // A failure raised on another task while this thread was not blocked.
  if (world_.failed()) throw lab::Cancelled(world_.failure());

  const double t = lab::seconds_since(t0_);   // real (or virtual) time
  const int npeers = n_;                      // number of Raft peers
  const int64_t nrpc = rpcTotal() - rpcs0_;   // number of RPC sends
  const int32_t ops = ops_.load();            // number of clerk get/put/append calls
  std::printf("  ... Passed --  %4.1f  %d %5lld %4d\n", t, npeers, static_cast<long long>(nrpc),
              ops);
  std::fflush(stdout);
}

// --- The tester's random stream -----------------------------------------------------

int64_t KvConfig::rand_int() {
  lab::Lock lock(mu_);
  return static_cast<int64_t>(rng_.next() >> 1);
}

int64_t KvConfig::rand_intn(int64_t n) {
  lab::Lock lock(mu_);
  return rng_.intn(n);
}

// --- Failure aids -------------------------------------------------------------------

std::string KvConfig::make_picture_file() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  std::string name = report().test_name.empty() ? "kvraft" : report().test_name;
  std::string path = cat(dir, "/lab-", name, "-", lab::run_seed(), "-XXXXXX.html");
  std::vector<char> buffer(path.begin(), path.end());
  buffer.push_back('\0');
  const int fd = mkstemps(buffer.data(), 5);  // keeps the ".html" suffix
  if (fd < 0) return "";
  close(fd);
  return std::string(buffer.data());
}

void KvConfig::set_picture(const std::string& path) {
  // Read by the listener on the main thread after the test; set on the main thread.
  report().picture = path;
}

// --- The operation wrappers ---------------------------------------------------------

void OpLog::Append(porcupine::KvDigestOperation op) {
  lab::Lock lock(mu_);
  operations_.push_back(std::move(op));
}

std::vector<porcupine::KvDigestOperation> OpLog::Read() {
  lab::Lock lock(mu_);
  return operations_;
}

namespace {
// The runtime clock's nanoseconds: one origin for every task of the process.
int64_t now_ns() { return lab::now().time_since_epoch().count(); }

// Runs one clerk operation for client `cli`, counted; with a log, also recorded with the
// runtime clock's nanoseconds before the call and after its return.
template <class Call>
void run_op(KvConfig& cfg, OpLog* log, int cli, porcupine::KvInput input, Call call) {
  static const char* const kNames[] = {"Get", "Put", "Append"};
  KvConfig::Awaiting awaiting(cfg, cat(kNames[input.Op], "(\"", input.Key, "\") by client ", cli));
  const int64_t start = now_ns();
  porcupine::KvDigestOutput output = call();
  const int64_t end = now_ns();
  cfg.op();
  if (log != nullptr) {
    log->Append(porcupine::KvDigestOperation{cli, std::move(input), start, std::move(output), end});
  }
}
}  // namespace

// get/put/putappend that keep counts
std::string Get(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, OpLog* log, int cli) {
  std::string v;
  run_op(cfg, log, cli, porcupine::KvInput{0, key, ""}, [&] {
    v = ck.Get(key);
    return porcupine::KvDigestOutput{porcupine::ValueDigest::Of(v)};
  });
  return v;
}

void Put(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value,
         OpLog* log, int cli) {
  run_op(cfg, log, cli, porcupine::KvInput{1, key, value}, [&] {
    ck.Put(key, value);
    return porcupine::KvDigestOutput{};
  });
}

void Append(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value,
            OpLog* log, int cli) {
  run_op(cfg, log, cli, porcupine::KvInput{2, key, value}, [&] {
    ck.Append(key, value);
    return porcupine::KvDigestOutput{};
  });
}

}  // namespace tester
