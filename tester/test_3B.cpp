// Lab 3B, the key/value service with snapshots: the Go kvraft test_test.go tests of part
// 3B, in Go's order, with Go's names, titles, steps and messages.
// GenericTest and GenericTestSpeed live in test_3_common.cpp.
// Run: build/kv_test -ts=3B, or one test with -tc=TestSnapshotRPC3B.
#include <doctest/doctest.h>

#include "tester/test_3_common.hpp"

#include <memory>
#include <string>

using tester::cat;
using tester::check;
using tester::GenericTest;
using tester::GenericTestSpeed;
using tester::KvConfig;
using tester::Put;

TEST_SUITE("3B") {

// if one server falls behind, then rejoins, does it recover by using the InstallSnapshot
// RPC? also checks that majority discards committed log entries even if minority doesn't
// respond.
// points: 5
TEST_CASE("TestSnapshotRPC3B") {
  const int nservers = 3;
  const int maxraftstate = 1000;
  KvConfig cfg(nservers, false, maxraftstate);

  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());

  cfg.begin("Test: InstallSnapshot RPC (3B)");

  Put(cfg, *ck, "a", "A", nullptr, -1);
  check(cfg, *ck, "a", "A");

  // a bunch of puts into the majority partition.
  cfg.partition({0, 1}, {2});
  {
    std::shared_ptr<kvraft::Clerk> ck1 = cfg.makeClient({0, 1});
    for (int i = 0; i < 50; i++) {
      Put(cfg, *ck1, std::to_string(i), std::to_string(i), nullptr, -1);
    }
    lab::sleep(tester::kElectionTimeout);
    Put(cfg, *ck1, "b", "B", nullptr, -1);
  }

  // check that the majority partition has thrown away most of its log entries.
  const size_t sz = cfg.LogSize();
  if (sz > 8 * static_cast<size_t>(maxraftstate)) {
    cfg.fail(cat("logs were not trimmed (", sz, " > 8*", maxraftstate, ")"));
  }

  // now make group that requires participation of lagging server, so that it has to
  // catch up.
  cfg.partition({0, 2}, {1});
  {
    std::shared_ptr<kvraft::Clerk> ck1 = cfg.makeClient({0, 2});
    Put(cfg, *ck1, "c", "C", nullptr, -1);
    Put(cfg, *ck1, "d", "D", nullptr, -1);
    check(cfg, *ck1, "a", "A");
    check(cfg, *ck1, "b", "B");
    check(cfg, *ck1, "1", "1");
    check(cfg, *ck1, "49", "49");
  }

  // now everybody
  cfg.partition({0, 1, 2}, {});

  Put(cfg, *ck, "e", "E", nullptr, -1);
  check(cfg, *ck, "c", "C");
  check(cfg, *ck, "e", "E");
  check(cfg, *ck, "1", "1");

  cfg.end();
}

// are the snapshots not too huge? 500 bytes is a generous bound for the operations we're
// doing here.
// points: 5
TEST_CASE("TestSnapshotSize3B") {
  const int nservers = 3;
  const int maxraftstate = 1000;
  const size_t maxsnapshotstate = 500;
  KvConfig cfg(nservers, false, maxraftstate);

  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());

  cfg.begin("Test: snapshot size is reasonable (3B)");

  for (int i = 0; i < 200; i++) {
    Put(cfg, *ck, "x", "0", nullptr, -1);
    check(cfg, *ck, "x", "0");
    Put(cfg, *ck, "x", "1", nullptr, -1);
    check(cfg, *ck, "x", "1");
  }

  // check that servers have thrown away most of their log entries
  const size_t sz = cfg.LogSize();
  if (sz > 8 * static_cast<size_t>(maxraftstate)) {
    cfg.fail(cat("logs were not trimmed (", sz, " > 8*", maxraftstate, ")"));
  }

  // check that the snapshots are not unreasonably large
  const size_t ssz = cfg.SnapshotSize();
  if (ssz > maxsnapshotstate) {
    cfg.fail(cat("snapshot too large (", ssz, " > ", maxsnapshotstate, ")"));
  }

  cfg.end();
}

// points: 4
TEST_CASE("TestSpeed3B") { GenericTestSpeed("3B", 1000); }

// points: 4
TEST_CASE("TestSnapshotRecover3B") {
  // Test: restarts, snapshots, one client (3B) ...
  GenericTest("3B", 1, 5, false, true, false, 1000, false);
}

// points: 4
TEST_CASE("TestSnapshotRecoverManyClients3B") {
  // Test: restarts, snapshots, many clients (3B) ...
  GenericTest("3B", 20, 5, false, true, false, 1000, false);
}

// points: 4
TEST_CASE("TestSnapshotUnreliable3B") {
  // Test: unreliable net, snapshots, many clients (3B) ...
  GenericTest("3B", 5, 5, true, false, false, 1000, false);
}

// points: 4
TEST_CASE("TestSnapshotUnreliableRecover3B") {
  // Test: unreliable net, restarts, snapshots, many clients (3B) ...
  GenericTest("3B", 5, 5, true, true, false, 1000, false);
}

// points: 5
TEST_CASE("TestSnapshotUnreliableRecoverConcurrentPartition3B") {
  // Test: unreliable net, restarts, partitions, snapshots, many clients (3B) ...
  GenericTest("3B", 5, 5, true, true, true, 1000, false);
}

// points: 5
TEST_CASE("TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B") {
  // Test: unreliable net, restarts, partitions, snapshots, random keys, many clients (3B) ...
  GenericTest("3B", 15, 7, true, true, true, 1000, true);
}

}  // TEST_SUITE("3B")
