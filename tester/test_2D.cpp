// Lab 2D, snapshots: the Go test_test.go tests of part 2D, in Go's order, with Go's
// names, titles, steps and messages (Go: raft/test_test.go), plus the test
// TestSnapshotInit2D of the 2023 lab (6.5840) last. Every config here runs the snapshot applier.
// Run: build/raft_test -ts=2D, or one test with -tc=TestSnapshotInstall2D.
#include <doctest/doctest.h>

#include "tester/raft_config.hpp"

#include <string>

using tester::cat;
using tester::kMaxLogSize;
using tester::kSnapShotInterval;
using tester::RaftConfig;

namespace {

void snapcommon(const std::string& name, bool disconnect, bool reliable, bool crash) {
  const int iters = 30;
  const int servers = 3;
  RaftConfig cfg(servers, !reliable, true);

  cfg.begin(name);

  cfg.one(cfg.rand_int(), servers, true);
  int leader1 = cfg.checkOneLeader();

  for (int i = 0; i < iters; i++) {
    int victim = (leader1 + 1) % servers;
    int sender = leader1;
    if (i % 3 == 1) {
      sender = (leader1 + 1) % servers;
      victim = leader1;
    }

    if (disconnect) {
      cfg.disconnect(victim);
      cfg.one(cfg.rand_int(), servers - 1, true);
    }
    if (crash) {
      cfg.crash1(victim);
      cfg.one(cfg.rand_int(), servers - 1, true);
    }

    // perhaps send enough to get a snapshot
    const int nn = kSnapShotInterval / 2 + static_cast<int>(cfg.rand_intn(kSnapShotInterval));
    for (int k = 0; k < nn; k++) cfg.start(sender, cfg.rand_int());

    // let applier threads catch up with the Start()'s
    if (!disconnect && !crash) {
      // make sure all followers have caught up, so that an InstallSnapshot RPC isn't
      // required for TestSnapshotBasic2D().
      cfg.one(cfg.rand_int(), servers, true);
    } else {
      cfg.one(cfg.rand_int(), servers - 1, true);
    }

    if (cfg.LogSize() >= kMaxLogSize) cfg.fail("Log size too large");

    if (disconnect) {
      // reconnect a follower, who maybe behind and needs to receive a snapshot to catch
      // up.
      cfg.connect(victim);
      cfg.one(cfg.rand_int(), servers, true);
      leader1 = cfg.checkOneLeader();
    }
    if (crash) {
      cfg.start1(victim);
      cfg.connect(victim);
      cfg.one(cfg.rand_int(), servers, true);
      leader1 = cfg.checkOneLeader();
    }
  }
  cfg.end();
}

}  // namespace

TEST_SUITE("2D") {

// points: 3
TEST_CASE("TestSnapshotBasic2D") {
  snapcommon("Test (2D): snapshots basic", false, true, false);
}

// points: 3
TEST_CASE("TestSnapshotInstall2D") {
  snapcommon("Test (2D): install snapshots (disconnect)", true, true, false);
}

// points: 4
TEST_CASE("TestSnapshotInstallUnreliable2D") {
  snapcommon("Test (2D): install snapshots (disconnect+unreliable)", true, false, false);
}

// points: 4
TEST_CASE("TestSnapshotInstallCrash2D") {
  snapcommon("Test (2D): install snapshots (crash)", false, true, true);
}

// points: 4
TEST_CASE("TestSnapshotInstallUnCrash2D") {
  snapcommon("Test (2D): install snapshots (unreliable+crash)", false, false, true);
}

// do the servers persist the snapshots, and restart using snapshot along with the tail
// of the log?
// points: 4
TEST_CASE("TestSnapshotAllCrash2D") {
  const int servers = 3;
  const int iters = 5;
  RaftConfig cfg(servers, false, true);

  cfg.begin("Test (2D): crash and restart all servers");

  cfg.one(cfg.rand_int(), servers, true);

  for (int i = 0; i < iters; i++) {
    // perhaps enough to get a snapshot
    const int nn = kSnapShotInterval / 2 + static_cast<int>(cfg.rand_intn(kSnapShotInterval));
    for (int k = 0; k < nn; k++) cfg.one(cfg.rand_int(), servers, true);

    const int index1 = cfg.one(cfg.rand_int(), servers, true);

    // crash all
    for (int k = 0; k < servers; k++) cfg.crash1(k);

    // revive all
    for (int k = 0; k < servers; k++) {
      cfg.start1(k);
      cfg.connect(k);
    }

    const int index2 = cfg.one(cfg.rand_int(), servers, true);
    if (index2 < index1 + 1) cfg.fail(cat("index decreased from ", index1, " to ", index2));
  }
  cfg.end();
}

// [extra] do servers correctly initialize their in-memory copy of the snapshot, making
// sure that future writes to persistent state don't lose state?
// points: extra
TEST_CASE("TestSnapshotInit2D") {
  const int servers = 3;
  RaftConfig cfg(servers, false, true);

  cfg.begin("Test (2D): snapshot initialization after crash");
  cfg.one(cfg.rand_int(), servers, true);

  // enough ops to make a snapshot
  const int nn = kSnapShotInterval + 1;
  for (int i = 0; i < nn; i++) cfg.one(cfg.rand_int(), servers, true);

  // crash all
  for (int i = 0; i < servers; i++) cfg.crash1(i);

  // revive all
  for (int i = 0; i < servers; i++) {
    cfg.start1(i);
    cfg.connect(i);
  }

  // a single op, to get something to be written back to persistent storage.
  cfg.one(cfg.rand_int(), servers, true);

  // crash all
  for (int i = 0; i < servers; i++) cfg.crash1(i);

  // revive all
  for (int i = 0; i < servers; i++) {
    cfg.start1(i);
    cfg.connect(i);
  }

  // do another op to trigger potential bug
  cfg.one(cfg.rand_int(), servers, true);
  cfg.end();
}

}  // TEST_SUITE("2D")
