// Lab 2B, log replication: the Go test_test.go tests of part 2B, in Go's order, with
// Go's names, titles, steps and messages (Go: raft/test_test.go), plus the tests
// TestFollowerFailure2B and TestLeaderFailure2B of the 2023 lab (6.5840) after
// TestRPCBytes2B.
// Run: build/raft_test -ts=2B, or one test with -tc=TestBackup2B.
#include <doctest/doctest.h>

#include "tester/raft_config.hpp"

#include <memory>
#include <vector>

using tester::cat;
using tester::Command;
using tester::kRaftElectionTimeout;
using tester::RaftConfig;

namespace {
// Go's %v of a []int.
std::string format_ints(const std::vector<int64_t>& values) {
  std::string s = "[";
  for (size_t k = 0; k < values.size(); ++k) s += (k ? " " : "") + std::to_string(values[k]);
  return s + "]";
}
}  // namespace

TEST_SUITE("2B") {

// points: 2
TEST_CASE("TestBasicAgree2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): basic agreement");

  const int iters = 3;
  for (int index = 1; index < iters + 1; index++) {
    auto [nd, cmd] = cfg.nCommitted(index);
    if (nd > 0) cfg.fail("some have committed before Start()");

    const int xindex = cfg.one(index * 100, servers, false);
    if (xindex != index) cfg.fail(cat("got index ", xindex, " but expected ", index));
  }

  cfg.end();
}

// check, based on counting bytes of RPCs, that each command is sent to each peer just
// once.
// points: 2
TEST_CASE("TestRPCBytes2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): RPC byte count");

  cfg.one(99, servers, false);
  const int64_t bytes0 = cfg.bytesTotal();

  const int iters = 10;
  int64_t sent = 0;
  for (int index = 2; index < iters + 2; index++) {
    const std::string cmd = cfg.rand_string(5000);
    const int xindex = cfg.one(cmd, servers, false);
    if (xindex != index) cfg.fail(cat("got index ", xindex, " but expected ", index));
    sent += static_cast<int64_t>(cmd.size());
  }

  const int64_t bytes1 = cfg.bytesTotal();
  const int64_t got = bytes1 - bytes0;
  const int64_t expected = int64_t{servers} * sent;
  if (got > expected + 50000) {
    cfg.fail(cat("too many RPC bytes; got ", got, ", expected ", expected));
  }

  cfg.end();
}

// [extra] test just failure of followers.
// points: extra
TEST_CASE("TestFollowerFailure2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): test progressive failure of followers");

  cfg.one(101, servers, false);

  // disconnect one follower from the network.
  const int leader1 = cfg.checkOneLeader();
  cfg.disconnect((leader1 + 1) % servers);

  // the leader and remaining follower should be able to agree despite the
  // disconnected follower.
  cfg.one(102, servers - 1, false);
  lab::sleep(kRaftElectionTimeout);
  cfg.one(103, servers - 1, false);

  // disconnect the remaining follower
  const int leader2 = cfg.checkOneLeader();
  cfg.disconnect((leader2 + 1) % servers);
  cfg.disconnect((leader2 + 2) % servers);

  // submit a command.
  const raft::StartResult r = cfg.start(leader2, 104);
  if (!r.isLeader) cfg.fail("leader rejected Start()");
  if (r.index != 4) cfg.fail(cat("expected index 4, got ", r.index));

  lab::sleep(2 * kRaftElectionTimeout);

  // check that command 104 did not commit.
  auto [n, cmd] = cfg.nCommitted(r.index);
  if (n > 0) cfg.fail(cat(n, " committed but no majority"));

  cfg.end();
}

// [extra] test just failure of leaders.
// points: extra
TEST_CASE("TestLeaderFailure2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): test failure of leaders");

  cfg.one(101, servers, false);

  // disconnect the first leader.
  const int leader1 = cfg.checkOneLeader();
  cfg.disconnect(leader1);

  // the remaining followers should elect a new leader.
  cfg.one(102, servers - 1, false);
  lab::sleep(kRaftElectionTimeout);
  cfg.one(103, servers - 1, false);

  // disconnect the new leader.
  const int leader2 = cfg.checkOneLeader();
  cfg.disconnect(leader2);

  // submit a command to each server.
  for (int i = 0; i < servers; i++) cfg.start(i, 104);

  lab::sleep(2 * kRaftElectionTimeout);

  // check that command 104 did not commit.
  auto [n, cmd] = cfg.nCommitted(4);
  if (n > 0) cfg.fail(cat(n, " committed but no majority"));

  cfg.end();
}

// test that a follower participates after disconnect and re-connect.
// points: 3
TEST_CASE("TestFailAgree2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): agreement after follower reconnects");

  cfg.one(101, servers, false);

  // disconnect one follower from the network.
  const int leader = cfg.checkOneLeader();
  cfg.disconnect((leader + 1) % servers);

  // the leader and remaining follower should be able to agree despite the
  // disconnected follower.
  cfg.one(102, servers - 1, false);
  cfg.one(103, servers - 1, false);
  lab::sleep(kRaftElectionTimeout);
  cfg.one(104, servers - 1, false);
  cfg.one(105, servers - 1, false);

  // re-connect
  cfg.connect((leader + 1) % servers);

  // the full set of servers should preserve previous agreements, and be able to agree
  // on new commands.
  cfg.one(106, servers, true);
  lab::sleep(kRaftElectionTimeout);
  cfg.one(107, servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestFailNoAgree2B") {
  const int servers = 5;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): no agreement if too many followers disconnect");

  cfg.one(10, servers, false);

  // 3 of 5 followers disconnect
  const int leader = cfg.checkOneLeader();
  cfg.disconnect((leader + 1) % servers);
  cfg.disconnect((leader + 2) % servers);
  cfg.disconnect((leader + 3) % servers);

  const raft::StartResult r = cfg.start(leader, 20);
  if (!r.isLeader) cfg.fail("leader rejected Start()");
  if (r.index != 2) cfg.fail(cat("expected index 2, got ", r.index));

  lab::sleep(2 * kRaftElectionTimeout);

  auto [n, cmd] = cfg.nCommitted(r.index);
  if (n > 0) cfg.fail(cat(n, " committed but no majority"));

  // repair
  cfg.connect((leader + 1) % servers);
  cfg.connect((leader + 2) % servers);
  cfg.connect((leader + 3) % servers);

  // the disconnected majority may have chosen a leader from among their own ranks,
  // forgetting index 2.
  const int leader2 = cfg.checkOneLeader();
  const raft::StartResult r2 = cfg.start(leader2, 30);
  if (!r2.isLeader) cfg.fail("leader2 rejected Start()");
  if (r2.index < 2 || r2.index > 3) cfg.fail(cat("unexpected index ", r2.index));

  cfg.one(1000, servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestConcurrentStarts2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): concurrent Start()s");

  bool success = false;
  for (int attempt = 0; attempt < 5 && !success; attempt++) {
    if (attempt > 0) {
      // give solution some time to settle
      lab::sleep(std::chrono::seconds(3));
    }

    const int leader = cfg.checkOneLeader();
    const raft::StartResult first = cfg.start(leader, 1);
    if (!first.isLeader) {
      // leader moved on really quickly
      continue;
    }
    const int term = first.term;

    const int iters = 5;
    // Shared with the tasks, which may outlive this scope if the test fails.
    auto wg = std::make_shared<lab::WaitGroup>();
    auto is = std::make_shared<lab::Channel<int>>(iters);
    std::shared_ptr<raft::Raft> rf = cfg.raft(leader);
    for (int ii = 0; ii < iters; ii++) {
      wg->add(1);
      lab::go(cat("Start(", 100 + ii, ")"), [wg, is, rf, ii, term] {
        const raft::StartResult r = rf->Start(Command(100 + ii).encode());
        if (r.term == term && r.isLeader) is->send(r.index);
        wg->done();
      });
    }
    wg->wait();
    is->close();

    bool term_changed = false;
    for (int j = 0; j < servers; j++) {
      if (cfg.get_state(j).term != term) term_changed = true;
    }
    // term changed -- can't expect low RPC counts
    if (term_changed) continue;

    bool failed = false;
    std::vector<int64_t> cmds;
    while (std::optional<int> index = is->recv()) {
      const Command cmd = cfg.wait(*index, servers, term);
      if (!cmd.is_int()) cfg.fail(cat("value ", cmd, " is not an int"));
      if (cmd.as_int() == -1) {
        // peers have moved on to later terms so we can't expect all Start()s to have
        // succeeded
        failed = true;
        break;
      }
      cmds.push_back(cmd.as_int());
    }
    if (failed) continue;

    for (int ii = 0; ii < iters; ii++) {
      const int64_t x = 100 + ii;
      bool ok = false;
      for (int64_t c : cmds) {
        if (c == x) ok = true;
      }
      if (!ok) cfg.fail(cat("cmd ", x, " missing in ", format_ints(cmds)));
    }

    success = true;
  }

  if (!success) cfg.fail("term changed too often");

  cfg.end();
}

// points: 4
TEST_CASE("TestRejoin2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): rejoin of partitioned leader");

  cfg.one(101, servers, true);

  // leader network failure
  const int leader1 = cfg.checkOneLeader();
  cfg.disconnect(leader1);

  // make old leader try to agree on some entries
  cfg.start(leader1, 102);
  cfg.start(leader1, 103);
  cfg.start(leader1, 104);

  // new leader commits, also for index=2
  cfg.one(103, 2, true);

  // new leader network failure
  const int leader2 = cfg.checkOneLeader();
  cfg.disconnect(leader2);

  // old leader connected again
  cfg.connect(leader1);

  cfg.one(104, 2, true);

  // all together now
  cfg.connect(leader2);

  cfg.one(105, servers, true);

  cfg.end();
}

// points: 6
TEST_CASE("TestBackup2B") {
  const int servers = 5;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): leader backs up quickly over incorrect follower logs");

  cfg.one(cfg.rand_int(), servers, true);

  // put leader and one follower in a partition
  const int leader1 = cfg.checkOneLeader();
  cfg.disconnect((leader1 + 2) % servers);
  cfg.disconnect((leader1 + 3) % servers);
  cfg.disconnect((leader1 + 4) % servers);

  // submit lots of commands that won't commit
  for (int i = 0; i < 50; i++) cfg.start(leader1, cfg.rand_int());

  lab::sleep(kRaftElectionTimeout / 2);

  cfg.disconnect((leader1 + 0) % servers);
  cfg.disconnect((leader1 + 1) % servers);

  // allow other partition to recover
  cfg.connect((leader1 + 2) % servers);
  cfg.connect((leader1 + 3) % servers);
  cfg.connect((leader1 + 4) % servers);

  // lots of successful commands to new group.
  for (int i = 0; i < 50; i++) cfg.one(cfg.rand_int(), 3, true);

  // now another partitioned leader and one follower
  const int leader2 = cfg.checkOneLeader();
  int other = (leader1 + 2) % servers;
  if (leader2 == other) other = (leader2 + 1) % servers;
  cfg.disconnect(other);

  // lots more commands that won't commit
  for (int i = 0; i < 50; i++) cfg.start(leader2, cfg.rand_int());

  lab::sleep(kRaftElectionTimeout / 2);

  // bring original leader back to life,
  for (int i = 0; i < servers; i++) cfg.disconnect(i);
  cfg.connect((leader1 + 0) % servers);
  cfg.connect((leader1 + 1) % servers);
  cfg.connect(other);

  // lots of successful commands to new group.
  for (int i = 0; i < 50; i++) cfg.one(cfg.rand_int(), 3, true);

  // now everyone
  for (int i = 0; i < servers; i++) cfg.connect(i);
  cfg.one(cfg.rand_int(), servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestCount2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B): RPC counts aren't too high");

  auto rpcs = [&] {
    int n = 0;
    for (int j = 0; j < servers; j++) n += cfg.rpcCount(j);
    return n;
  };

  int leader = cfg.checkOneLeader();

  int total1 = rpcs();

  if (total1 > 30 || total1 < 1) {
    cfg.fail(cat("too many or few RPCs (", total1, ") to elect initial leader"));
  }

  int total2 = 0;
  bool success = false;
  for (int attempt = 0; attempt < 5 && !success; attempt++) {
    if (attempt > 0) {
      // give solution some time to settle
      lab::sleep(std::chrono::seconds(3));
    }

    leader = cfg.checkOneLeader();
    total1 = rpcs();

    const int iters = 10;
    const raft::StartResult first = cfg.start(leader, 1);
    if (!first.isLeader) {
      // leader moved on really quickly
      continue;
    }
    const int starti = first.index;
    const int term = first.term;

    std::vector<int64_t> cmds;
    bool retry = false;
    for (int i = 1; i < iters + 2; i++) {
      const int64_t x = cfg.rand_int31();
      cmds.push_back(x);
      const raft::StartResult r = cfg.start(leader, x);
      if (r.term != term || !r.isLeader) {
        // Term changed while starting, or no longer the leader
        retry = true;
        break;
      }
      if (starti + i != r.index) cfg.fail("Start() failed");
    }
    if (retry) continue;

    for (int i = 1; i < iters + 1; i++) {
      const Command cmd = cfg.wait(starti + i, servers, term);
      if (!cmd.is_int() || cmd.as_int() != cmds[i - 1]) {
        if (cmd.is_int() && cmd.as_int() == -1) {
          // term changed -- try again
          retry = true;
          break;
        }
        cfg.fail(cat("wrong value ", cmd, " committed for index ", starti + i, "; expected ",
                     format_ints(cmds)));
      }
    }
    if (retry) continue;

    bool failed = false;
    total2 = 0;
    for (int j = 0; j < servers; j++) {
      if (cfg.get_state(j).term != term) {
        // term changed -- can't expect low RPC counts; keep going to update total2
        failed = true;
      }
      total2 += cfg.rpcCount(j);
    }
    if (failed) continue;

    if (total2 - total1 > (iters + 1 + 3) * 3) {
      cfg.fail(cat("too many RPCs (", total2 - total1, ") for ", iters, " entries"));
    }

    success = true;
  }

  if (!success) cfg.fail("term changed too often");

  lab::sleep(kRaftElectionTimeout);

  int total3 = 0;
  for (int j = 0; j < servers; j++) total3 += cfg.rpcCount(j);

  if (total3 - total2 > 3 * 20) {
    cfg.fail(cat("too many RPCs (", total3 - total2, ") for 1 second of idleness"));
  }

  cfg.end();
}

}  // TEST_SUITE("2B")
