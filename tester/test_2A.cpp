// Lab 2A, leader election: the Go test_test.go tests of part 2A, in Go's order, with
// Go's names, titles, steps and messages (Go: raft/test_test.go).
// Run: build/raft_test -ts=2A, or one test with -tc=TestReElection2A.
#include <doctest/doctest.h>

#include "tester/raft_config.hpp"

#include <cstdio>

using tester::kRaftElectionTimeout;
using tester::RaftConfig;

TEST_SUITE("2A") {

// points: 5
TEST_CASE("TestInitialElection2A") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2A): initial election");

  // is a leader elected?
  cfg.checkOneLeader();

  // sleep a bit to avoid racing with followers learning of the election, then check
  // that all peers agree on the term.
  lab::sleep(std::chrono::milliseconds(50));
  const int term1 = cfg.checkTerms();
  if (term1 < 1) cfg.fail(tester::cat("term is ", term1, ", but should be at least 1"));

  // does the leader+term stay the same if there is no network failure?
  lab::sleep(2 * kRaftElectionTimeout);
  const int term2 = cfg.checkTerms();
  if (term1 != term2) {
    std::printf("warning: term changed even though there were no failures");
  }

  // there should still be a leader.
  cfg.checkOneLeader();

  cfg.end();
}

// points: 5
TEST_CASE("TestReElection2A") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2A): election after network failure");

  const int leader1 = cfg.checkOneLeader();

  // if the leader disconnects, a new one should be elected.
  cfg.disconnect(leader1);
  cfg.checkOneLeader();

  // if the old leader rejoins, that shouldn't disturb the new leader.
  cfg.connect(leader1);
  const int leader2 = cfg.checkOneLeader();

  // if there's no quorum, no leader should be elected.
  cfg.disconnect(leader2);
  cfg.disconnect((leader2 + 1) % servers);
  lab::sleep(2 * kRaftElectionTimeout);
  cfg.checkNoLeader();

  // if a quorum arises, it should elect a leader.
  cfg.connect((leader2 + 1) % servers);
  cfg.checkOneLeader();

  // re-join of last node shouldn't prevent leader from existing.
  cfg.connect(leader2);
  cfg.checkOneLeader();

  cfg.end();
}

// points: 5
TEST_CASE("TestManyElections2A") {
  const int servers = 7;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2A): multiple elections");

  cfg.checkOneLeader();

  const int iters = 10;
  for (int ii = 1; ii < iters; ii++) {
    // disconnect three nodes (they may coincide)
    const int i1 = static_cast<int>(cfg.rand_intn(servers));
    const int i2 = static_cast<int>(cfg.rand_intn(servers));
    const int i3 = static_cast<int>(cfg.rand_intn(servers));
    cfg.disconnect(i1);
    cfg.disconnect(i2);
    cfg.disconnect(i3);

    // either the current leader should still be alive, or the remaining four should
    // elect a new one.
    cfg.checkOneLeader();

    cfg.connect(i1);
    cfg.connect(i2);
    cfg.connect(i3);
  }

  cfg.checkOneLeader();

  cfg.end();
}

}  // TEST_SUITE("2A")
