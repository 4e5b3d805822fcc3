// Lab 3's extra suite: scenario tests that are not Go's, each driving on purpose a schedule
// that Go's tests reach only by luck, aimed at a classic kvraft bug. Suites "3A-extra" and
// "3B-extra" (so -ts=3A, -ts=3B and make test-3A ... do not run them; make test-extra
// does); each test is "// points: extra": run and reported by the grader, worth nothing
// unless the instructor gives it points (docs/instructor.md).
// Run: build/kv_test -ts='3*-extra', or one test with -tc=TestExtraDedupSurvivesSnapshot3B.
#include <doctest/doctest.h>

#include "tester/test_3_common.hpp"

#include <memory>
#include <vector>

using namespace std::chrono_literals;
using tester::Append;
using tester::cat;
using tester::checkConcurrentAppends;
using tester::Get;
using tester::KvConfig;
using tester::Put;

namespace {

// Runs Append(key, value) with `ck` on a task of its own; the channel says when it returned.
std::shared_ptr<lab::Channel<bool>> append_async(KvConfig& cfg,
                                                 std::shared_ptr<kvraft::Clerk> ck,
                                                 const std::string& value) {
  auto done = std::make_shared<lab::Channel<bool>>(1);
  lab::go(cat("Append(\"k\", \"", value, "\")"), [&cfg, ck, value, done] {
    Append(cfg, *ck, "k", value, nullptr, -1);
    done->send(true);
  });
  return done;
}

void await(KvConfig& cfg, const std::shared_ptr<lab::Channel<bool>>& done,
           const std::string& what) {
  if (!done->recv_for(30s)) cfg.fail(cat(what, " did not complete"));
}

}  // namespace

TEST_SUITE("3A-extra") {

// A clerk's Append reaches the leader, which is then cut off with a minority; the clerk
// retries at the new leader. The first try may have reached a majority before the cut
// (the new leader then commits it too): the server must apply it once.
// points: extra
TEST_CASE("TestExtraDuplicateAcrossLeaderChange3A") {
  const int nservers = 5;
  KvConfig cfg(nservers, true, -1);
  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());
  Put(cfg, *ck, "k", "", nullptr, -1);

  cfg.begin("Test: retried appends across leader changes apply once (3A-extra)");

  const int rounds = 8;
  for (int j = 0; j < rounds; j++) {
    auto done = append_async(cfg, ck, cat("x 0 ", j, " y"));
    lab::sleep(std::chrono::milliseconds(cfg.rand_intn(30)));
    auto [p1, p2] = cfg.make_partition();  // the leader in the minority
    cfg.partition(p1, p2);
    await(cfg, done, cat("Append number ", j));
    cfg.ConnectAll();
  }
  checkConcurrentAppends(cfg, Get(cfg, *ck, "k", nullptr, -1), {rounds});

  cfg.end();
}

// The leader, cut off with a minority, takes client 0's Append at the next index; the
// majority's new leader commits client 1's Append at that same index. After the heal the
// old leader applies client 1's operation there: the server waiting on that index for
// client 0 must see it is not its operation (and client 0 must retry), not answer
// "done" because the index came.
// points: extra
TEST_CASE("TestExtraWaiterMatchedByIndex3A") {
  const int nservers = 5;
  KvConfig cfg(nservers, false, -1);
  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());
  Put(cfg, *ck, "k", "", nullptr, -1);

  cfg.begin("Test: a waiter is answered by its own operation, not its index (3A-extra)");

  const int rounds = 6;
  for (int j = 0; j < rounds; j++) {
    auto [p1, p2] = cfg.make_partition();  // the leader last in p2
    cfg.partition(p1, p2);
    std::shared_ptr<kvraft::Clerk> ck0 = cfg.makeClient({p2.back()});
    auto done = append_async(cfg, ck0, cat("x 0 ", j, " y"));
    lab::sleep(100ms);  // the old leader has it, uncommitted
    std::shared_ptr<kvraft::Clerk> ck1 = cfg.makeClient(p1);
    Append(cfg, *ck1, "k", cat("x 1 ", j, " y"), nullptr, -1);
    cfg.ConnectAll();
    cfg.ConnectClient(ck0, cfg.All());
    await(cfg, done, cat("client 0's Append number ", j));
    cfg.deleteClient(ck0);
    cfg.deleteClient(ck1);
  }
  checkConcurrentAppends(cfg, Get(cfg, *ck, "k", nullptr, -1), {rounds, rounds});

  cfg.end();
}

}  // TEST_SUITE("3A-extra")

TEST_SUITE("3B-extra") {

// A clerk's Append is cut off from its reply (the clerk's ends go down while the server
// waits for the commit); with a tiny maxraftstate every server snapshots after nearly
// every command, so once applied the Append lives in the snapshots, not in the log. Every
// server restarts, then the clerk, reconnected, retries the Append: the duplicate table
// must have come back with the snapshot, or the Append applies twice.
// points: extra
TEST_CASE("TestExtraDedupSurvivesSnapshot3B") {
  const int nservers = 3;
  const int maxraftstate = 100;
  KvConfig cfg(nservers, false, maxraftstate);
  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());
  Put(cfg, *ck, "k", "", nullptr, -1);

  cfg.begin("Test: the duplicate table survives a snapshot and a restart (3B-extra)");

  const int rounds = 6;
  for (int j = 0; j < rounds; j++) {
    Get(cfg, *ck, "k", nullptr, -1);  // a leader, known to the clerk: the Append goes at once
    auto done = append_async(cfg, ck, cat("x 0 ", j, " y"));
    // An Append takes about a millisecond from the clerk's call to the leader's reply.
    lab::sleep(std::chrono::microseconds(cfg.rand_intn(1500)));
    cfg.DisconnectClient(ck, cfg.All());  // the reply, if not sent yet, is lost
    lab::sleep(300ms);                     // applied and snapshotted meanwhile
    for (int i = 0; i < nservers; i++) cfg.ShutdownServer(i);
    for (int i = 0; i < nservers; i++) cfg.StartServer(i);
    cfg.ConnectAll();
    cfg.ConnectClient(ck, cfg.All());
    await(cfg, done, cat("Append number ", j));
  }
  checkConcurrentAppends(cfg, Get(cfg, *ck, "k", nullptr, -1), {rounds});
  if (cfg.SnapshotSize() == 0) cfg.fail("no snapshot was taken");

  cfg.end();
}

}  // TEST_SUITE("3B-extra")
