// Lab 2C, persistence: the Go test_test.go tests of part 2C, in Go's order, with Go's
// names, titles, steps and messages (Go: raft/test_test.go).
// Run: build/raft_test -ts=2C, or one test with -tc=TestFigure8Unreliable2C.
#include <doctest/doctest.h>

#include "tester/raft_config.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

using tester::cat;
using tester::Command;
using tester::kRaftElectionTimeout;
using tester::RaftConfig;

TEST_SUITE("2C") {

// points: 3
TEST_CASE("TestPersist12C") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C): basic persistence");

  cfg.one(11, servers, true);

  // crash and re-start all
  for (int i = 0; i < servers; i++) cfg.start1(i);
  for (int i = 0; i < servers; i++) {
    cfg.disconnect(i);
    cfg.connect(i);
  }

  cfg.one(12, servers, true);

  const int leader1 = cfg.checkOneLeader();
  cfg.disconnect(leader1);
  cfg.start1(leader1);
  cfg.connect(leader1);

  cfg.one(13, servers, true);

  const int leader2 = cfg.checkOneLeader();
  cfg.disconnect(leader2);
  cfg.one(14, servers - 1, true);
  cfg.start1(leader2);
  cfg.connect(leader2);

  cfg.wait(4, servers, -1);  // wait for leader2 to join before killing i3

  const int i3 = (cfg.checkOneLeader() + 1) % servers;
  cfg.disconnect(i3);
  cfg.one(15, servers - 1, true);
  cfg.start1(i3);
  cfg.connect(i3);

  cfg.one(16, servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestPersist22C") {
  const int servers = 5;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C): more persistence");

  int index = 1;
  for (int iters = 0; iters < 5; iters++) {
    cfg.one(10 + index, servers, true);
    index++;

    const int leader1 = cfg.checkOneLeader();

    cfg.disconnect((leader1 + 1) % servers);
    cfg.disconnect((leader1 + 2) % servers);

    cfg.one(10 + index, servers - 2, true);
    index++;

    cfg.disconnect((leader1 + 0) % servers);
    cfg.disconnect((leader1 + 3) % servers);
    cfg.disconnect((leader1 + 4) % servers);

    cfg.start1((leader1 + 1) % servers);
    cfg.start1((leader1 + 2) % servers);
    cfg.connect((leader1 + 1) % servers);
    cfg.connect((leader1 + 2) % servers);

    lab::sleep(kRaftElectionTimeout);

    cfg.start1((leader1 + 3) % servers);
    cfg.connect((leader1 + 3) % servers);

    cfg.one(10 + index, servers - 2, true);
    index++;

    cfg.connect((leader1 + 4) % servers);
    cfg.connect((leader1 + 0) % servers);
  }

  cfg.one(1000, servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestPersist32C") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C): partitioned leader and one follower crash, leader restarts");

  cfg.one(101, 3, true);

  const int leader = cfg.checkOneLeader();
  cfg.disconnect((leader + 2) % servers);

  cfg.one(102, 2, true);

  cfg.crash1((leader + 0) % servers);
  cfg.crash1((leader + 1) % servers);
  cfg.connect((leader + 2) % servers);
  cfg.start1((leader + 0) % servers);
  cfg.connect((leader + 0) % servers);

  cfg.one(103, 2, true);

  cfg.start1((leader + 1) % servers);
  cfg.connect((leader + 1) % servers);

  cfg.one(104, servers, true);

  cfg.end();
}

// Test the scenarios described in Figure 8 of the extended Raft paper. Each iteration
// asks a leader, if there is one, to insert a command in the Raft log. If there is a
// leader, that leader will fail quickly with a high probability (perhaps without
// committing the command), or crash after a while with low probability (most likely
// committing the command). If the number of alive servers isn't enough to form a
// majority, perhaps start a new server. The leader in a new term may try to finish
// replicating log entries that haven't been committed yet.
// points: 4
TEST_CASE("TestFigure82C") {
  const int servers = 5;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C): Figure 8");

  cfg.one(cfg.rand_int(), 1, true);

  int nup = servers;
  for (int iters = 0; iters < 1000; iters++) {
    int leader = -1;
    for (int i = 0; i < servers; i++) {
      if (std::shared_ptr<raft::Raft> rf = cfg.raft(i)) {
        if (rf->Start(Command(cfg.rand_int()).encode()).isLeader) leader = i;
      }
    }

    if (cfg.rand_intn(1000) < 100) {
      const int64_t ms = cfg.rand_intn(kRaftElectionTimeout / std::chrono::milliseconds(1) / 2);
      lab::sleep(std::chrono::milliseconds(ms));
    } else {
      const int64_t ms = cfg.rand_intn(13);
      lab::sleep(std::chrono::milliseconds(ms));
    }

    if (leader != -1) {
      cfg.crash1(leader);
      nup -= 1;
    }

    if (nup < 3) {
      const int s = static_cast<int>(cfg.rand_intn(servers));
      if (!cfg.raft(s)) {
        cfg.start1(s);
        cfg.connect(s);
        nup += 1;
      }
    }
  }

  for (int i = 0; i < servers; i++) {
    if (!cfg.raft(i)) {
      cfg.start1(i);
      cfg.connect(i);
    }
  }

  cfg.one(cfg.rand_int(), servers, true);

  cfg.end();
}

// points: 3
TEST_CASE("TestUnreliableAgree2C") {
  const int servers = 5;
  RaftConfig cfg(servers, true, false);

  cfg.begin("Test (2C): unreliable agreement");

  // Shared with the tasks, which may outlive this scope if the test fails.
  auto wg = std::make_shared<lab::WaitGroup>();

  for (int iters = 1; iters < 50; iters++) {
    for (int j = 0; j < 4; j++) {
      wg->add(1);
      // A failure inside one() fails the whole test, not just this task.
      lab::go(cat("one(", 100 * iters + j, ")"), [&cfg, wg, iters, j] {
        cfg.one(100 * iters + j, 1, true);
        wg->done();
      });
    }
    cfg.one(iters, 1, true);
  }

  cfg.setunreliable(false);

  wg->wait();

  cfg.one(100, servers, true);

  cfg.end();
}

// points: 6
TEST_CASE("TestFigure8Unreliable2C") {
  const int servers = 5;
  RaftConfig cfg(servers, true, false);

  cfg.begin("Test (2C): Figure 8 (unreliable)");

  cfg.one(cfg.rand_int() % 10000, 1, true);

  int nup = servers;
  for (int iters = 0; iters < 1000; iters++) {
    if (iters == 200) cfg.setlongreordering(true);
    int leader = -1;
    for (int i = 0; i < servers; i++) {
      const raft::StartResult r = cfg.start(i, cfg.rand_int() % 10000);
      if (r.isLeader && cfg.connected(i)) leader = i;
    }

    if (cfg.rand_intn(1000) < 100) {
      const int64_t ms = cfg.rand_intn(kRaftElectionTimeout / std::chrono::milliseconds(1) / 2);
      lab::sleep(std::chrono::milliseconds(ms));
    } else {
      const int64_t ms = cfg.rand_intn(13);
      lab::sleep(std::chrono::milliseconds(ms));
    }

    if (leader != -1 &&
        cfg.rand_intn(1000) < kRaftElectionTimeout / std::chrono::milliseconds(1) / 2) {
      cfg.disconnect(leader);
      nup -= 1;
    }

    if (nup < 3) {
      const int s = static_cast<int>(cfg.rand_intn(servers));
      if (!cfg.connected(s)) {
        cfg.connect(s);
        nup += 1;
      }
    }
  }

  for (int i = 0; i < servers; i++) {
    if (!cfg.connected(i)) cfg.connect(i);
  }

  cfg.one(cfg.rand_int() % 10000, servers, true);

  cfg.end();
}

namespace {

void internalChurn(bool unreliable) {
  const int servers = 5;
  RaftConfig cfg(servers, unreliable, false);

  cfg.begin(unreliable ? "Test (2C): unreliable churn" : "Test (2C): churn");

  // Shared with the clients, which may outlive this scope if the test fails.
  auto stop = std::make_shared<std::atomic<bool>>(false);
  using Values = std::optional<std::vector<int64_t>>;  // nullopt: the client failed

  // create concurrent clients
  auto cfn = [&cfg, stop](int me, std::shared_ptr<lab::Channel<Values>> ch) {
    Values ret;
    try {
      std::vector<int64_t> values;
      while (!stop->load()) {
        const int64_t x = cfg.rand_int();
        int index = -1;
        bool ok = false;
        for (int i = 0; i < servers; i++) {
          // try them all, maybe one of them is a leader
          if (std::shared_ptr<raft::Raft> rf = cfg.raft(i)) {
            const raft::StartResult r = rf->Start(Command(x).encode());
            if (r.isLeader) {
              ok = true;
              index = r.index;
            }
          }
        }
        if (ok) {
          // maybe leader will commit our value, maybe not. but don't wait forever.
          for (int to : {10, 20, 50, 100, 200}) {
            auto [nd, cmd] = cfg.nCommitted(index);
            if (nd > 0) {
              if (!cmd.is_int()) cfg.fail("wrong command type");
              if (cmd.as_int() == x) values.push_back(x);
              break;
            }
            lab::sleep(std::chrono::milliseconds(to));
          }
        } else {
          lab::sleep(std::chrono::milliseconds(79 + me * 17));
        }
      }
      ret = std::move(values);
    } catch (...) {
      ch->send(std::nullopt);  // buffered: never blocks
      throw;
    }
    ch->send(std::move(ret));
  };

  const int ncli = 3;
  std::vector<std::shared_ptr<lab::Channel<Values>>> cha;
  for (int i = 0; i < ncli; i++) {
    cha.push_back(std::make_shared<lab::Channel<Values>>(1));
    lab::go(cat("churn client ", i), [cfn, i, ch = cha[i]] { cfn(i, ch); });
  }

  for (int iters = 0; iters < 20; iters++) {
    if (cfg.rand_intn(1000) < 200) {
      const int i = static_cast<int>(cfg.rand_intn(servers));
      cfg.disconnect(i);
    }

    if (cfg.rand_intn(1000) < 500) {
      const int i = static_cast<int>(cfg.rand_intn(servers));
      if (!cfg.raft(i)) cfg.start1(i);
      cfg.connect(i);
    }

    if (cfg.rand_intn(1000) < 200) {
      const int i = static_cast<int>(cfg.rand_intn(servers));
      if (cfg.raft(i)) cfg.crash1(i);
    }

    // Make crash/restart infrequent enough that the peers can often keep up, but not so
    // infrequent that everything has settled down from one change to the next. Pick a
    // value smaller than the election timeout, but not hugely smaller.
    lab::sleep((kRaftElectionTimeout * 7) / 10);
  }

  lab::sleep(kRaftElectionTimeout);
  cfg.setunreliable(false);
  for (int i = 0; i < servers; i++) {
    if (!cfg.raft(i)) cfg.start1(i);
    cfg.connect(i);
  }

  stop->store(true);

  std::vector<int64_t> values;
  for (int i = 0; i < ncli; i++) {
    std::optional<Values> vv = cha[i]->recv();
    if (!vv || !*vv) cfg.fail("client failed");
    values.insert(values.end(), (**vv).begin(), (**vv).end());
  }

  lab::sleep(kRaftElectionTimeout);

  const int lastIndex = cfg.one(cfg.rand_int(), servers, true);

  // Kept from Go: the list starts with lastIndex+1 zero placeholders.
  std::vector<int64_t> really(static_cast<size_t>(lastIndex) + 1, 0);
  for (int index = 1; index <= lastIndex; index++) {
    const Command v = cfg.wait(index, servers, -1);
    if (!v.is_int()) cfg.fail("not an int");
    really.push_back(v.as_int());
  }

  for (int64_t v1 : values) {
    bool ok = false;
    for (int64_t v2 : really) {
      if (v1 == v2) ok = true;
    }
    if (!ok) cfg.fail("didn't find a value");
  }

  cfg.end();
}

}  // namespace

// points: 4
TEST_CASE("TestReliableChurn2C") { internalChurn(false); }

// points: 4
TEST_CASE("TestUnreliableChurn2C") { internalChurn(true); }

}  // TEST_SUITE("2C")
