// Unit tests of the Persister (Go: raft/persister.go): empty when fresh, copies in and out, the
// state and snapshot saved together, Copy() independent, sizes, the 2023+ Save alias,
// the state saved in two pieces.
#include "raft/persister.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>

namespace {

using lab::Bytes;
using raft::Persister;

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_SUITE("persister") {
  TEST_CASE("persister_fresh_reads_empty") {
    auto p = Persister::Make();
    CHECK(p->ReadRaftState().empty());
    CHECK(p->ReadSnapshot().empty());
    CHECK(p->RaftStateSize() == 0);
    CHECK(p->SnapshotSize() == 0);
  }

  TEST_CASE("persister_save_raft_state_then_read") {
    auto p = Persister::Make();
    p->SaveRaftState(bytes_of("term=3 vote=1"));
    CHECK(p->ReadRaftState() == bytes_of("term=3 vote=1"));
    CHECK(p->RaftStateSize() == 13);
    CHECK(p->ReadSnapshot().empty());
    p->SaveRaftState(bytes_of("t4"));
    CHECK(p->ReadRaftState() == bytes_of("t4"));
    CHECK(p->RaftStateSize() == 2);
  }

  TEST_CASE("persister_save_raft_state_keeps_the_snapshot") {
    auto p = Persister::Make();
    p->SaveStateAndSnapshot(bytes_of("state1"), bytes_of("snapshot1"));
    p->SaveRaftState(bytes_of("state2"));
    CHECK(p->ReadRaftState() == bytes_of("state2"));
    CHECK(p->ReadSnapshot() == bytes_of("snapshot1"));
  }

  TEST_CASE("persister_save_state_and_snapshot_stores_both") {
    auto p = Persister::Make();
    p->SaveStateAndSnapshot(bytes_of("state"), bytes_of("a longer snapshot"));
    CHECK(p->ReadRaftState() == bytes_of("state"));
    CHECK(p->ReadSnapshot() == bytes_of("a longer snapshot"));
    CHECK(p->RaftStateSize() == 5);
    CHECK(p->SnapshotSize() == 17);
    p->SaveStateAndSnapshot(Bytes{}, Bytes{});
    CHECK(p->RaftStateSize() == 0);
    CHECK(p->SnapshotSize() == 0);
  }

  TEST_CASE("persister_save_is_an_alias_of_save_state_and_snapshot") {
    auto p = Persister::Make();
    p->Save(bytes_of("s"), bytes_of("snap"));
    CHECK(p->ReadRaftState() == bytes_of("s"));
    CHECK(p->ReadSnapshot() == bytes_of("snap"));
    CHECK(p->SnapshotSize() == 4);
  }

  TEST_CASE("persister_saves_copy_the_callers_bytes") {
    auto p = Persister::Make();
    Bytes state = bytes_of("abc");
    Bytes snapshot = bytes_of("xyz");
    p->SaveStateAndSnapshot(state, snapshot);
    state[0] = 'Z';
    snapshot.clear();
    CHECK(p->ReadRaftState() == bytes_of("abc"));
    CHECK(p->ReadSnapshot() == bytes_of("xyz"));
  }

  TEST_CASE("persister_reads_return_copies") {
    auto p = Persister::Make();
    p->SaveStateAndSnapshot(bytes_of("abc"), bytes_of("xyz"));
    Bytes state = p->ReadRaftState();
    Bytes snapshot = p->ReadSnapshot();
    state[0] = 'Z';
    state.push_back('!');
    snapshot[2] = 'Q';
    CHECK(p->ReadRaftState() == bytes_of("abc"));
    CHECK(p->ReadSnapshot() == bytes_of("xyz"));
    CHECK(p->RaftStateSize() == 3);
  }

  TEST_CASE("persister_copy_is_independent") {
    auto p = Persister::Make();
    p->SaveStateAndSnapshot(bytes_of("state1"), bytes_of("snap1"));
    auto c = p->Copy();
    REQUIRE(c != nullptr);
    CHECK(c.get() != p.get());
    CHECK(c->ReadRaftState() == bytes_of("state1"));
    CHECK(c->ReadSnapshot() == bytes_of("snap1"));
    CHECK(c->RaftStateSize() == 6);
    CHECK(c->SnapshotSize() == 5);

    // A killed instance still writing into the old object must not reach the copy.
    p->SaveStateAndSnapshot(bytes_of("old instance"), bytes_of("old snap"));
    CHECK(c->ReadRaftState() == bytes_of("state1"));
    CHECK(c->ReadSnapshot() == bytes_of("snap1"));

    c->SaveRaftState(bytes_of("restarted"));
    CHECK(p->ReadRaftState() == bytes_of("old instance"));
    CHECK(c->ReadSnapshot() == bytes_of("snap1"));
  }

  TEST_CASE("persister_state_in_two_pieces_reads_as_one") {
    auto p = Persister::Make();
    lab::AppendOnlyBytes log;
    log.Append(bytes_of("entries").data(), 7);
    p->SaveRaftState(bytes_of("head:"), log.Share());
    CHECK(p->ReadRaftState() == bytes_of("head:entries"));
    CHECK(p->RaftStateSize() == 12);
    auto c = p->Copy();

    // The writer goes on with its buffer: what was saved does not change.
    log.Truncate(3);
    log.Append(bytes_of("TRY").data(), 3);
    CHECK(p->ReadRaftState() == bytes_of("head:entries"));
    p->SaveStateAndSnapshot(bytes_of("h2:"), log.Share(), bytes_of("snap"));
    CHECK(p->ReadRaftState() == bytes_of("h2:entTRY"));
    CHECK(p->ReadSnapshot() == bytes_of("snap"));
    CHECK(c->ReadRaftState() == bytes_of("head:entries"));

    // A save in one piece drops the old second piece.
    p->SaveRaftState(bytes_of("whole"));
    CHECK(p->ReadRaftState() == bytes_of("whole"));
    CHECK(p->RaftStateSize() == 5);
  }

  TEST_CASE("persister_copy_of_fresh_is_empty") {
    auto c = Persister::Make()->Copy();
    CHECK(c->RaftStateSize() == 0);
    CHECK(c->SnapshotSize() == 0);
  }

  TEST_CASE("persister_holds_arbitrary_codec_bytes") {
    auto p = Persister::Make();
    const std::vector<int64_t> log = {1, 1, 2, 3, 5, 8};
    p->SaveStateAndSnapshot(lab::encode(log), lab::encode(std::string("kv")));
    CHECK(lab::decode<std::vector<int64_t>>(p->ReadRaftState()) == log);
    CHECK(lab::decode<std::string>(p->ReadSnapshot()) == "kv");
    CHECK(p->RaftStateSize() == 8 + 6 * 8);
  }

  // Writers save matching (state, snapshot) pairs while readers take Copy(), which
  // reads both under one lock: a copy holding a state from one save and a snapshot from
  // another would mean the pair was not saved atomically.
  TEST_CASE("persister_save_state_and_snapshot_is_atomic_under_concurrency") {
    auto p = Persister::Make();
    p->SaveStateAndSnapshot(Bytes{0}, Bytes{0, 0});
    std::atomic<int> torn{0};
    std::atomic<int> copies{0};
    lab::WaitGroup wg;
    lab::World world("persister");
    for (int w = 1; w <= 2; ++w) {
      wg.add();
      lab::go("writer", [&, w] {
        for (int i = 0; i < 2000; ++i) {
          const auto tag = static_cast<uint8_t>((w * 2000 + i) % 251);
          p->SaveStateAndSnapshot(Bytes{tag}, Bytes{tag, tag});
        }
        wg.done();
      });
    }
    for (int r = 0; r < 2; ++r) {
      wg.add();
      lab::go("reader", [&] {
        for (int i = 0; i < 2000; ++i) {
          auto c = p->Copy();
          const Bytes state = c->ReadRaftState();
          const Bytes snapshot = c->ReadSnapshot();
          if (state.size() != 1 || snapshot.size() != 2 || snapshot[0] != state[0]) ++torn;
          ++copies;
        }
        wg.done();
      });
    }
    REQUIRE(wg.wait_for(std::chrono::seconds(20)));
    CHECK(copies.load() == 4000);
    CHECK_MESSAGE(torn.load() == 0, torn.load(), " copies mixed two saves");
    CHECK(world.end().empty());
  }
}
