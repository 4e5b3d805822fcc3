// The Raft tester's cluster (see raft_config.hpp). Each helper keeps the Go name, steps,
// constants and messages of raft/config.go; deviations are the ones docs/design.md lists
// ("Where the port differs from Go") and are marked "Port:" where they happen.
#include "tester/raft_config.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "labrpc/log.hpp"

namespace tester {

namespace {

std::string server_name(int i) { return std::to_string(i); }

// Go's %v of a map[int]interface{}: map[1:101 2:102].
std::string format_log(const std::map<int, Command>& log) {
  std::ostringstream out;
  out << "map[";
  bool first = true;
  for (const auto& [index, command] : log) {
    out << (first ? "" : " ") << index << ":" << command;
    first = false;
  }
  out << "]";
  return out.str();
}

// The snapshot the snapshot applier hands to Raft, as Go's labgob writes it: the last
// included index, then the applied commands 0..index (0 is a nil placeholder).
using TesterSnapshot = std::pair<int64_t, std::vector<lab::Bytes>>;

}  // namespace

// --- Command -------------------------------------------------------------------------

lab::Bytes Command::encode() const {
  if (is_int()) return lab::encode(as_int());
  if (is_string()) return lab::encode(as_string());
  return {};
}

Command Command::decode(const lab::Bytes& bytes) {
  if (bytes.size() == sizeof(int64_t)) return Command(lab::decode<int64_t>(bytes));
  return Command(lab::decode<std::string>(bytes));
}

std::string Command::to_string() const {
  if (is_int()) return std::to_string(as_int());
  if (is_string()) return as_string();
  return "<nil>";
}

std::ostream& operator<<(std::ostream& out, const Command& command) {
  return out << command.to_string();
}

// --- make_config and cleanup --------------------------------------------------------

RaftConfig::RaftConfig(int n, bool unreliable, bool snapshot)
    : world_(test_world_name("raft tester")),
      n_(n),
      snapshot_(snapshot),
      peers_(static_cast<size_t>(n)),
      rng_(lab::Rng::derived("tester")),
      monitor_(monitors_enabled() ? std::make_unique<SafetyMonitor>(n) : nullptr),
      guard_(world_) {
  warn_once_if_one_cpu();
  try {
    setunreliable(unreliable);
    net_.LongDelays(true);

    // create a full set of Rafts, then connect everyone
    for (int i = 0; i < n_; i++) start1(i);
    for (int i = 0; i < n_; i++) connect(i);
    if (monitor_) lab::go("safety monitor", [this] { sample(); });
  } catch (...) {
    // The destructor will not run: stop every task before the members go.
    cleanup();
    throw;
  }
}

RaftConfig::~RaftConfig() { cleanup(); }

// Go's cleanup(): kills every Raft and cleans up the network; then, unlike Go, ends
// every task the test started, so nothing leaks into the next test.
void RaftConfig::cleanup() noexcept {
  if (finished_.exchange(true)) return;
  guard_.stop();

  // Kill every live Raft, without the tester lock (a Kill may wait for the Raft's lock).
  std::vector<std::shared_ptr<raft::Raft>> rafts;
  std::vector<std::shared_ptr<raft::ApplyChannel>> channels;
  {
    lab::Lock lock(mu_);
    for (Peer& peer : peers_) {
      if (peer.raft) rafts.push_back(peer.raft);
    }
    channels = apply_channels_;
  }
  for (auto& rf : rafts) {
    try {
      rf->Kill();
    } catch (const std::exception& e) {
      std::printf("info: Kill() threw during cleanup: %s\n", e.what());
    } catch (...) {
    }
  }
  // Closing every apply channel (old instances' too) releases a Raft blocked sending
  // and ends the appliers.
  for (auto& ch : channels) ch->close();
  net_.Cleanup();

  std::vector<std::string> stragglers;
  try {
    stragglers = world_.end();
  } catch (...) {
  }

  guard_.report_end(stragglers);
}

void RaftConfig::fail(const std::string& message, SourceLocation where) {
  guard_.fail(message, where);
}

// --- crash1 and start1 --------------------------------------------------------------

// crash1 shuts down a Raft server but saves its persistent state.
void RaftConfig::crash1(int i) {
  // Before the peer is cut off: what it reports from now on may never reach its Persister.
  if (monitor_) monitor_->crashing(i);
  disconnect(i);
  net_.DeleteServer(server_name(i));  // disable client connections to the server.

  std::shared_ptr<raft::Raft> rf;
  {
    lab::Lock lock(mu_);
    Peer& peer = peers_[i];
    // a fresh persister, in case old instance continues to update the Persister.
    // but copy old persister's content so that we always pass Make() the last
    // persisted state.
    if (peer.saved) peer.saved = peer.saved->Copy();
    rf = peer.raft;
  }
  if (rf) {
    lab::log(lab::Topic::test, i, "crash1 (its persisted state is kept)");
    rf->Kill();  // never under the tester lock
  }
  lab::Lock lock(mu_);
  Peer& peer = peers_[i];
  peer.raft = nullptr;
  if (peer.saved) {
    const lab::Bytes raft_state = peer.saved->ReadRaftState();
    const lab::Bytes snapshot = peer.saved->ReadSnapshot();
    peer.saved = raft::Persister::Make();
    peer.saved->SaveStateAndSnapshot(raft_state, snapshot);
  }
}

// start1 starts or re-starts a Raft. If one already exists, "kill" it first. Then
// allocate new outgoing end names and a new Persister, to isolate the previous instance
// of this server, which cannot really be killed.
void RaftConfig::start1(int i) {
  crash1(i);

  // a fresh set of outgoing ClientEnd names, so that the old crashed instance's
  // ClientEnds can't send; left disabled until connect(i).
  std::vector<std::string> end_names;
  for (int j = 0; j < n_; j++) end_names.push_back(rand_string(20));
  std::vector<lab::ClientEnd*> ends;
  for (int j = 0; j < n_; j++) {
    ends.push_back(net_.MakeEnd(end_names[j]));
    net_.Connect(end_names[j], server_name(j));
    net_.NameCaller(end_names[j], cat("S", i), i);
  }
  lab::log(lab::Topic::test, i, "start1 (from its persisted state)");

  std::shared_ptr<raft::Persister> persister;
  {
    lab::Lock lock(mu_);
    Peer& peer = peers_[i];
    peer.end_names = end_names;
    peer.last_applied = 0;
    // a fresh persister, so the old instance doesn't overwrite the new instance's
    // persisted state; but copy the old content so Make() gets the last persisted state.
    if (peer.saved) {
      peer.saved = peer.saved->Copy();
      const lab::Bytes snapshot = peer.saved->ReadSnapshot();
      if (!snapshot.empty()) {
        // mimic the KV server and process the snapshot now.
        const std::string err = ingestSnap(i, snapshot, -1);
        if (!err.empty()) fail(err);
      }
    } else {
      peer.saved = raft::Persister::Make();
    }
    persister = peer.saved;
  }

  // Unbuffered, as in Go: a Raft that sends on it while holding its lock deadlocks.
  auto apply_ch = std::make_shared<raft::ApplyChannel>(0);
  {
    lab::Lock lock(mu_);
    apply_channels_.push_back(apply_ch);
  }
  std::shared_ptr<raft::Raft> rf = raft::Make(ends, i, persister, apply_ch);
  uint64_t life = 0;
  {
    lab::Lock lock(mu_);
    peers_[i].raft = rf;
    if (monitor_) life = monitor_->started(i);
    peers_[i].life = life;
  }

  lab::go(cat(snapshot_ ? "applierSnap " : "applier ", i), [this, i, life, apply_ch] {
    if (snapshot_) {
      applierSnap(i, life, apply_ch);
    } else {
      applier(i, life, apply_ch);
    }
  });

  auto server = std::make_shared<lab::Server>();
  server->AddService(raft::MakeService(rf));
  net_.AddServer(server_name(i), server);
}

// --- Appliers -----------------------------------------------------------------------

std::pair<std::string, bool> RaftConfig::checkLogs(int i, int index, const Command& command) {
  std::string err;
  for (int j = 0; j < n_; j++) {
    const auto& log_j = peers_[j].log;
    auto old = log_j.find(index);
    if (old != log_j.end() && !(old->second == command)) {
      std::printf("%d: log %s; server %s\n", i, format_log(peers_[i].log).c_str(),
                  format_log(log_j).c_str());
      // some server has already committed a different value for this entry!
      err = cat("commit index=", index, " server=", i, " ", command, " != server=", j, " ",
                old->second);
    }
  }
  const bool prevok = peers_[i].log.count(index - 1) > 0;
  peers_[i].log[index] = command;
  maxIndex_ = std::max(maxIndex_, index);
  return {err, prevok};
}

void RaftConfig::applyFailure(int i, const std::string& message, SourceLocation where) {
  {
    lab::Lock lock(mu_);
    if (peers_[i].apply_error.empty()) peers_[i].apply_error = message;
  }
  std::printf("apply error: %s\n", message.c_str());
  std::fflush(stdout);
  // Port: Go's log.Fatalf exits the process; here the test fails and stops.
  fail(cat("apply error: ", message), where);
}

namespace {
Command decode_applied(const raft::ApplyMsg& m, int i, std::string* err) {
  try {
    return Command::decode(m.Command);
  } catch (const lab::CodecError& e) {
    *err = cat("server ", i, " applied an undecodable command at index ", m.CommandIndex, ": ",
               m.Command.size(), " bytes, neither an encoded int64 (8 bytes) nor an encoded "
               "string (", e.what(), ")");
    return Command();
  }
}
}  // namespace

// applier reads messages from the apply channel and checks that they match the log
// contents.
void RaftConfig::applier(int i, uint64_t life, std::shared_ptr<raft::ApplyChannel> apply_ch) {
  while (std::optional<raft::ApplyMsg> m = apply_ch->recv()) {
    if (!m->CommandValid) continue;  // ignore other types of ApplyMsg
    std::string err;
    const Command command = decode_applied(*m, i, &err);
    if (!err.empty()) applyFailure(i, err);
    bool prevok;
    {
      lab::Lock lock(mu_);
      std::tie(err, prevok) = checkLogs(i, m->CommandIndex, command);
    }
    if (m->CommandIndex > 1 && !prevok) {
      err = cat("server ", i, " apply out of order ", m->CommandIndex);
    }
    if (!err.empty()) applyFailure(i, err);
    if (monitor_) monitor_->applied(life, m->CommandIndex);
  }
}

std::string RaftConfig::ingestSnap(int i, const lab::Bytes& snapshot, int index) {
  if (snapshot.empty()) fail("nil snapshot");
  TesterSnapshot decoded;
  std::vector<Command> xlog;
  try {
    lab::decode_into(snapshot, decoded);
    for (const lab::Bytes& bytes : decoded.second) {
      xlog.push_back(bytes.empty() ? Command() : Command::decode(bytes));
    }
  } catch (const lab::CodecError& e) {
    std::printf("info: server %d: %s\n", i, e.what());
    fail("snapshot decode error");
  }
  const int64_t lastIncludedIndex = decoded.first;
  if (index != -1 && index != lastIncludedIndex) {
    return cat("server ", i, " snapshot doesn't match m.SnapshotIndex");
  }
  Peer& peer = peers_[i];
  peer.log.clear();
  for (size_t j = 0; j < xlog.size(); j++) peer.log[static_cast<int>(j)] = xlog[j];
  peer.last_applied = static_cast<int>(lastIncludedIndex);
  return "";
}

lab::Bytes RaftConfig::makeSnapshot(int i, int index) {
  TesterSnapshot snapshot;
  snapshot.first = index;
  const auto& log = peers_[i].log;
  for (int j = 0; j <= index; j++) {
    auto it = log.find(j);
    snapshot.second.push_back(it == log.end() ? lab::Bytes() : it->second.encode());
  }
  return lab::encode(snapshot);
}

// applierSnap checks what peer i applies and snapshots its state every
// kSnapShotInterval commands, synchronously, from the task draining the channel.
void RaftConfig::applierSnap(int i, uint64_t life,
                             std::shared_ptr<raft::ApplyChannel> apply_ch) {
  std::shared_ptr<raft::Raft> rf;
  {
    lab::Lock lock(mu_);
    rf = peers_[i].raft;
  }
  if (!rf) return;

  while (std::optional<raft::ApplyMsg> m = apply_ch->recv()) {
    std::string err;
    if (m->SnapshotValid) {
      lab::Lock lock(mu_);
      err = ingestSnap(i, m->Snapshot, m->SnapshotIndex);
    } else if (m->CommandValid) {
      int expected;
      {
        lab::Lock lock(mu_);
        expected = peers_[i].last_applied + 1;
      }
      if (m->CommandIndex != expected) {
        err = cat("server ", i, " apply out of order, expected index ", expected, ", got ",
                  m->CommandIndex);
      }
      std::string decode_err;
      const Command command = decode_applied(*m, i, &decode_err);
      if (!decode_err.empty()) applyFailure(i, decode_err);

      lab::Bytes snapshot;
      {
        lab::Lock lock(mu_);
        if (err.empty()) {
          bool prevok;
          std::tie(err, prevok) = checkLogs(i, m->CommandIndex, command);
          if (m->CommandIndex > 1 && !prevok) {
            err = cat("server ", i, " apply out of order ", m->CommandIndex);
          }
        }
        peers_[i].last_applied = m->CommandIndex;
        if (err.empty() && (m->CommandIndex + 1) % kSnapShotInterval == 0) {
          snapshot = makeSnapshot(i, m->CommandIndex);
        }
      }
      // Port: Go snapshots even after an apply error, then exits; here the error ends
      // the test first.
      if (err.empty() && (m->CommandIndex + 1) % kSnapShotInterval == 0) {
        rf->Snapshot(m->CommandIndex, std::move(snapshot));  // never under the tester lock
      }
    }
    // else: ignore other types of ApplyMsg.
    if (!err.empty()) applyFailure(i, err);
    if (monitor_ && m->SnapshotValid) {
      if (auto v = monitor_->applied_snapshot(life, i, m->SnapshotIndex)) applyFailure(i, *v);
    } else if (monitor_ && m->CommandValid) {
      monitor_->applied(life, m->CommandIndex);
    }
  }
}

// --- Network helpers ----------------------------------------------------------------

// connect attaches server i to the net.
void RaftConfig::connect(int i) {
  lab::Lock lock(mu_);
  if (!peers_[i].connected) lab::log(lab::Topic::test, i, "connect");
  peers_[i].connected = true;
  // outgoing ClientEnds
  for (int j = 0; j < n_; j++) {
    if (peers_[j].connected && !peers_[i].end_names.empty()) {
      net_.Enable(peers_[i].end_names[j], true);
    }
  }
  // incoming ClientEnds
  for (int j = 0; j < n_; j++) {
    if (peers_[j].connected && !peers_[j].end_names.empty()) {
      net_.Enable(peers_[j].end_names[i], true);
    }
  }
}

// disconnect detaches server i from the net.
void RaftConfig::disconnect(int i) {
  lab::Lock lock(mu_);
  if (peers_[i].connected) lab::log(lab::Topic::test, i, "disconnect");
  peers_[i].connected = false;
  // outgoing ClientEnds
  if (!peers_[i].end_names.empty()) {
    for (int j = 0; j < n_; j++) net_.Enable(peers_[i].end_names[j], false);
  }
  // incoming ClientEnds
  for (int j = 0; j < n_; j++) {
    if (!peers_[j].end_names.empty()) net_.Enable(peers_[j].end_names[i], false);
  }
}

void RaftConfig::cut(int i, int j) {
  lab::Lock lock(mu_);
  lab::log(lab::Topic::test, i, "cut from S", j);
  if (!peers_[i].end_names.empty()) net_.Enable(peers_[i].end_names[j], false);
  if (!peers_[j].end_names.empty()) net_.Enable(peers_[j].end_names[i], false);
}

void RaftConfig::setunreliable(bool unreliable) {
  lab::log(lab::Topic::test, lab::kNoPeer, "network ", unreliable ? "unreliable" : "reliable");
  net_.Reliable(!unreliable);
}
void RaftConfig::setlongreordering(bool long_reordering) {
  lab::log(lab::Topic::test, lab::kNoPeer, "long reordering ", long_reordering ? "on" : "off");
  net_.LongReordering(long_reordering);
}
// Port: 0 for a deleted server, where Go crashes.
int RaftConfig::rpcCount(int i) const { return net_.GetCount(server_name(i)); }
int64_t RaftConfig::rpcTotal() const { return net_.GetTotalCount(); }
int64_t RaftConfig::bytesTotal() const { return net_.GetTotalBytes(); }

size_t RaftConfig::LogSize() {
  std::vector<std::shared_ptr<raft::Persister>> saved;
  {
    lab::Lock lock(mu_);
    for (const Peer& peer : peers_) saved.push_back(peer.saved);
  }
  size_t logsize = 0;
  for (const auto& persister : saved) {
    if (persister) logsize = std::max(logsize, persister->RaftStateSize());
  }
  return logsize;
}

std::shared_ptr<raft::Raft> RaftConfig::raft(int i) {
  lab::Lock lock(mu_);
  return peers_[i].raft;
}

bool RaftConfig::connected(int i) {
  lab::Lock lock(mu_);
  return peers_[i].connected;
}

raft::StartResult RaftConfig::start(int i, const Command& command) {
  const Live p = live(i, false);
  if (!p.rf) fail(cat("server ", i, " is crashed: no Raft to call Start() on"));
  std::optional<std::string> violation;
  const raft::StartResult r = observed_start(i, p, command.encode(), &violation);
  if (violation) fail(*violation);
  return r;
}

raft::State RaftConfig::get_state(int i) {
  const Live p = live(i, false);
  if (!p.rf) fail(cat("server ", i, " is crashed: no Raft to call GetState() on"));
  std::optional<std::string> violation;
  const raft::State state = observed_state(i, p, &violation);
  if (violation) fail(*violation);
  return state;
}

// --- Safety monitors ----------------------------------------------------------------

RaftConfig::Live RaftConfig::live(int i, bool connected_only) {
  lab::Lock lock(mu_);
  const Peer& peer = peers_[i];
  if (connected_only && !peer.connected) return {};
  return {peer.raft, peer.life};
}

raft::State RaftConfig::observed_state(int i, const Live& p,
                                       std::optional<std::string>* violation) {
  if (!monitor_) return p.rf->GetState();
  const SafetyMonitor::Ticket ticket = monitor_->begin(i, p.life);
  const raft::State state = p.rf->GetState();
  std::optional<std::string> v = monitor_->state(ticket, state.term, state.isLeader);
  if (v && !*violation) *violation = std::move(v);
  return state;
}

raft::StartResult RaftConfig::observed_start(int i, const Live& p, const lab::Bytes& command,
                                             std::optional<std::string>* violation) {
  if (!monitor_) return p.rf->Start(command);
  const SafetyMonitor::Ticket ticket = monitor_->begin(i, p.life);
  const raft::StartResult r = p.rf->Start(command);
  std::optional<std::string> v = monitor_->start(ticket, r.index, r.term, r.isLeader);
  if (v && !*violation) *violation = std::move(v);
  return r;
}

void RaftConfig::sample() {
  while (!finished()) {
    lab::sleep(kSampleInterval);
    for (int i = 0; i < n_ && !finished(); i++) {
      const Live p = live(i, false);
      if (!p.rf) continue;
      std::optional<std::string> violation;
      observed_state(i, p, &violation);
      if (violation) fail(*violation);
    }
  }
}

// --- Observers ----------------------------------------------------------------------

// checkOneLeader checks that one of the connected servers thinks it is the leader, and
// that no other connected server thinks otherwise. Try a few times in case re-elections
// are needed.
int RaftConfig::checkOneLeader() {
  TestGuard::Awaiting awaiting(guard_, "checkOneLeader()");
  for (int iter = 0; iter < 10; iter++) {
    lab::sleep(std::chrono::milliseconds(450 + rand_intn(100)));

    std::vector<Live> connected_rafts;
    for (int i = 0; i < n_; i++) connected_rafts.push_back(live(i, true));
    std::map<int, std::vector<int>> leaders;
    std::optional<std::string> violation;
    for (int i = 0; i < n_; i++) {
      if (!connected_rafts[i].rf) continue;
      const raft::State state = observed_state(i, connected_rafts[i], &violation);
      if (state.isLeader) leaders[state.term].push_back(i);
    }

    int lastTermWithLeader = -1;
    for (const auto& [term, termLeaders] : leaders) {
      if (termLeaders.size() > 1) {
        fail(cat("term ", term, " has ", termLeaders.size(), " (>1) leaders"));
      }
      lastTermWithLeader = std::max(lastTermWithLeader, term);
    }
    if (violation) fail(*violation);
    if (!leaders.empty()) {
      const int leader = leaders[lastTermWithLeader][0];
      lab::log(lab::Topic::test, lab::kNoPeer, "checkOneLeader: S", leader, " leads term ",
               lastTermWithLeader);
      return leader;
    }
  }
  fail("expected one leader, got none");
}

// checkTerms checks that everyone agrees on the term.
int RaftConfig::checkTerms() {
  int term = -1;
  std::optional<std::string> violation;
  for (int i = 0; i < n_; i++) {
    const Live p = live(i, true);
    if (!p.rf) continue;
    const int xterm = observed_state(i, p, &violation).term;
    if (term == -1) {
      term = xterm;
    } else if (term != xterm) {
      fail("servers disagree on term");
    }
  }
  if (violation) fail(*violation);
  return term;
}

// checkNoLeader checks that none of the connected servers thinks it is the leader.
void RaftConfig::checkNoLeader() {
  std::optional<std::string> violation;
  for (int i = 0; i < n_; i++) {
    const Live p = live(i, true);
    if (p.rf && observed_state(i, p, &violation).isLeader) {
      fail(cat("expected no leader among connected servers, but ", i, " claims to be leader"));
    }
  }
  if (violation) fail(*violation);
}

// nCommitted returns how many servers think a log entry is committed.
std::pair<int, Command> RaftConfig::nCommitted(int index) {
  int count = 0;
  Command cmd;
  for (int i = 0; i < n_; i++) {
    std::string apply_error;
    std::optional<Command> cmd1;
    {
      lab::Lock lock(mu_);
      apply_error = peers_[i].apply_error;
      auto it = peers_[i].log.find(index);
      if (it != peers_[i].log.end()) cmd1 = it->second;
    }
    if (!apply_error.empty()) fail(apply_error);
    if (cmd1) {
      if (count > 0 && !(cmd == *cmd1)) {
        fail(cat("committed values do not match: index ", index, ", ", cmd, ", ", *cmd1));
      }
      count += 1;
      cmd = *cmd1;
    }
  }
  return {count, cmd};
}

// wait waits for at least `count` servers to commit, but it doesn't wait forever.
Command RaftConfig::wait(int index, int count, int start_term) {
  TestGuard::Awaiting awaiting(guard_, cat("wait(", index, ", ", count, ", ", start_term, ")"));
  lab::Duration to = std::chrono::milliseconds(10);
  for (int iters = 0; iters < 30; iters++) {
    if (nCommitted(index).first >= count) break;
    lab::sleep(to);
    if (to < std::chrono::seconds(1)) to *= 2;
    if (start_term > -1) {
      std::vector<Live> rafts;
      for (int i = 0; i < n_; i++) rafts.push_back(live(i, false));
      std::optional<std::string> violation;
      for (int i = 0; i < n_; i++) {
        // Port: skips crashed peers, where Go would touch a nil Raft.
        if (!rafts[i].rf) continue;
        const int term = observed_state(i, rafts[i], &violation).term;
        if (violation) fail(*violation);
        if (term > start_term) {
          // someone has moved on; can no longer guarantee that we'll "win"
          return Command(-1);
        }
      }
    }
  }
  auto [nd, cmd] = nCommitted(index);
  if (nd < count) {
    fail(cat("only ", nd, " decided for index ", index, "; wanted ", count));
  }
  return cmd;
}

// one does a complete agreement. It might choose the wrong leader initially, and have
// to re-submit after giving up; it entirely gives up after about 10 seconds. It
// indirectly checks that the servers agree on the same value, since nCommitted()
// checks this, as do the appliers. Returns the index. With retry, it may submit the
// command several times, in case a leader fails just after Start(); without, it calls
// Start() only once, to simplify the early 2B tests.
int RaftConfig::one(const Command& command, int expected_servers, bool retry) {
  const std::string shown = command.is_string() ? std::string("<string>") : command.to_string();
  TestGuard::Awaiting awaiting(guard_, cat("one(", shown, ")"));
  const lab::Bytes encoded = command.encode();
  const lab::TimePoint t0 = lab::now();
  int starts = 0;
  while (lab::now() - t0 < std::chrono::seconds(10) && !finished()) {
    // try all the servers, maybe one is the leader.
    int index = -1;
    for (int si = 0; si < n_; si++) {
      starts = (starts + 1) % n_;
      const Live p = live(starts, true);
      if (p.rf) {
        std::optional<std::string> violation;
        const raft::StartResult r = observed_start(starts, p, encoded, &violation);
        if (violation) fail(*violation);
        if (r.isLeader) {
          index = r.index;
          break;
        }
      }
    }

    if (index != -1) {
      // somebody claimed to be the leader and to have submitted our command; wait a
      // while for agreement.
      const lab::TimePoint t1 = lab::now();
      while (lab::now() - t1 < std::chrono::seconds(2)) {
        auto [nd, cmd1] = nCommitted(index);
        if (nd > 0 && nd >= expected_servers) {
          // committed, and it was the command we submitted.
          if (cmd1 == command) {
            lab::log(lab::Topic::test, lab::kNoPeer, "one(", shown, "): committed at index ",
                     index, " by ", nd, " servers");
            return index;
          }
        }
        lab::sleep(std::chrono::milliseconds(20));
      }
      if (!retry) fail(cat("one(", command, ") failed to reach agreement"));
    } else {
      lab::sleep(std::chrono::milliseconds(50));
    }
  }
  // Kept from Go: silent once cleanup began.
  if (!finished()) fail(cat("one(", command, ") failed to reach agreement"));
  return -1;
}

// --- begin and end ------------------------------------------------------------------

// begin starts a test and prints the test message.
void RaftConfig::begin(const std::string& title) {
  lab::log(lab::Topic::test, lab::kNoPeer, "begin ", report().test_name, ": ", title);
  std::printf("%s ...\n", title.c_str());
  std::fflush(stdout);
  t0_ = lab::now();
  rpcs0_ = rpcTotal();
  bytes0_ = bytesTotal();
  lab::Lock lock(mu_);
  maxIndex0_ = maxIndex_;
}

// end ends a test: getting here means no failure so far. Prints the Passed line with
// some performance numbers.
void RaftConfig::end() {
  guard_.checkTimeout();
  // A failure raised on another task while this thread was not blocked.
  if (world_.failed()) throw lab::Cancelled(world_.failure());

  const double t = lab::seconds_since(t0_);         // real (or virtual) time
  const int nPeers = n_;                            // number of Raft peers
  const int64_t nRPC = rpcTotal() - rpcs0_;         // number of RPC sends
  const int64_t nBytes = bytesTotal() - bytes0_;    // number of bytes
  int nCmds;                                        // number of Raft agreements reported
  {
    lab::Lock lock(mu_);
    nCmds = maxIndex_ - maxIndex0_;
  }
  std::printf("  ... Passed --  %4.1f  %d %4lld %7lld %4d\n", t, nPeers,
              static_cast<long long>(nRPC), static_cast<long long>(nBytes), nCmds);
  std::fflush(stdout);
}

// --- The tester's random stream -----------------------------------------------------

int64_t RaftConfig::rand_int() {
  lab::Lock lock(mu_);
  return static_cast<int64_t>(rng_.next() >> 1);
}

int64_t RaftConfig::rand_intn(int64_t n) {
  lab::Lock lock(mu_);
  return rng_.intn(n);
}

int32_t RaftConfig::rand_int31() {
  lab::Lock lock(mu_);
  return static_cast<int32_t>(rng_.next() >> 33);
}

std::string RaftConfig::rand_string(int length) {
  static constexpr char kUrlBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  lab::Lock lock(mu_);
  std::string s;
  s.reserve(static_cast<size_t>(length));
  for (int k = 0; k < length; k++) s.push_back(kUrlBase64[rng_.intn(64)]);
  return s;
}

}  // namespace tester
