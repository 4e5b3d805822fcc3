// Lab 2's extra suite: scenario tests that are not Go's, each driving on purpose a schedule
// that Go's tests reach only by luck, aimed at a classic bug. Suites "2B-extra" and
// "2C-extra" (so -ts=2B, -ts=2C and make test-2B ... do not run them; make test-extra does);
// each test is "// points: extra": run and reported by the grader, worth nothing unless
// the instructor gives it points (docs/instructor.md).
//
// They use only the tester's controls (crash1, start1, connect, disconnect, cut, start,
// get_state), so they build against any Raft; the safety monitors (LAB_MONITORS) watch
// them as every test, and each test also checks its own rule, so it holds with the
// monitors off. A step whose setting did not come about (a split vote moved a term, a
// leader stepped down first) skips to the next round: a correct Raft always passes.
// Run: build/raft_test -ts='2*-extra', or one test with -tc=TestExtraFigure8Schedule2C.
#include <doctest/doctest.h>

#include "tester/raft_config.hpp"

#include <map>
#include <vector>

using namespace std::chrono_literals;
using tester::cat;
using tester::RaftConfig;

namespace {

// Every crashed peer restarted and every peer connected, then one agreement by all.
void restore_all(RaftConfig& cfg) {
  for (int i = 0; i < cfg.n(); i++) {
    if (!cfg.raft(i)) cfg.start1(i);
    cfg.connect(i);
  }
  cfg.one(cfg.rand_int(), cfg.n(), true);
}

// The first connected peer seen leading, polled every millisecond: the moment it has
// counted its deciding vote (checkOneLeader looks only after half a second).
int await_leader(RaftConfig& cfg) {
  for (const lab::TimePoint end = lab::now() + 5s; lab::now() < end; lab::sleep(1ms)) {
    for (int i = 0; i < cfg.n(); i++) {
      if (cfg.connected(i) && cfg.get_state(i).isLeader) return i;
    }
  }
  cfg.fail("expected one leader, got none");
}

}  // namespace

TEST_SUITE("2A-extra") {

// Figure 2, rules for candidates: a candidate wins a term on the votes of a majority for
// that term. With long reordering a granted vote's reply can arrive after its candidate
// timed out and campaigns in the next term; counted there, it can make the candidate win
// a term that a majority gave another peer: two leaders of one term. The leader (and at
// times one more peer) is cut off again and again, so elections follow one another while
// replies arrive late, and every sample of the peers' states is checked. Three peers: one
// late vote is then a majority (measured with the bug: about one seed in five fails, one
// in ten with five peers).
// points: extra
TEST_CASE("TestExtraLateVotes2A") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2A-extra): a late vote counts only in its own term");

  cfg.setlongreordering(true);
  // Samples every peer for `span`; fails when two lead one term at once. Returns the
  // connected leader of the newest term in the last sample, or -1.
  const auto watch = [&cfg](lab::Duration span) {
    int newest = -1;
    for (const lab::TimePoint end = lab::now() + span; lab::now() < end; lab::sleep(10ms)) {
      std::map<int, int> leader_of;  // term -> peer
      int newest_term = -1;
      newest = -1;
      for (int i = 0; i < cfg.n(); i++) {
        const raft::State st = cfg.get_state(i);
        if (!st.isLeader) continue;
        if (const auto other = leader_of.find(st.term); other != leader_of.end()) {
          cfg.fail(cat("peers ", other->second, " and ", i, " both lead term ", st.term,
                       ": a candidate must count only votes granted for the term it campaigns in"));
        }
        leader_of[st.term] = i;
        if (cfg.connected(i) && st.term > newest_term) newest_term = st.term;
        if (cfg.connected(i) && st.term == newest_term) newest = i;
      }
    }
    return newest;
  };
  for (int round = 0; round < 40; round++) {
    const int leader = watch(std::chrono::milliseconds(200 + cfg.rand_intn(500)));
    std::vector<int> out;
    if (leader >= 0) out.push_back(leader);
    if (cfg.rand_intn(2) == 0) {
      out.push_back(leader < 0 ? static_cast<int>(cfg.rand_intn(servers))
                               : (leader + 1 + static_cast<int>(cfg.rand_intn(servers - 1))) % servers);
    }
    for (int i : out) cfg.disconnect(i);
    watch(std::chrono::milliseconds(200 + cfg.rand_intn(500)));
    for (int i : out) cfg.connect(i);
  }
  cfg.setlongreordering(false);
  cfg.one(cfg.rand_int(), servers, true);

  cfg.end();
}

}  // TEST_SUITE("2A-extra")

TEST_SUITE("2B-extra") {

// Figure 2, rules for all servers: "if RPC request or response contains term T >
// currentTerm: set currentTerm = T, convert to follower". The leader is cut off from
// follower b but still reaches the third peer, a. When b campaigns and wins a later term
// with a's vote, the old leader hears of that term only in a's replies to its
// AppendEntries: it must step down then, not lead its old term on beside the new leader.
// (With pre-votes and check-quorum, a refuses b's campaign while it hears its leader and
// nothing changes: the round then has nothing to check.)
// points: extra
TEST_CASE("TestExtraLeaderStepsDownOnReply2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B-extra): a leader steps down on a reply of a later term");

  cfg.one(cfg.rand_int(), servers, true);
  for (int round = 0; round < 3; round++) {
    const int leader = cfg.checkOneLeader();
    const int b = (leader + 1) % servers;
    const int a = (leader + 2) % servers;
    cfg.cut(leader, b);
    // Heartbeats go out several times a second and each reply from a carries a's term, so
    // a peer may lead a term below a's only briefly; a second is many heartbeats.
    const lab::Duration limit = 1s;
    std::vector<lab::TimePoint> stale_since(servers, lab::TimePoint::max());
    std::vector<int> stale_term(servers, -1);
    for (const lab::TimePoint end = lab::now() + 3s; lab::now() < end; lab::sleep(20ms)) {
      std::vector<raft::State> states;
      for (int i = 0; i < servers; i++) states.push_back(cfg.get_state(i));
      for (const int p : {leader, b}) {  // a reaches both; each reaches a
        if (!states[p].isLeader || states[p].term >= states[a].term) {
          stale_since[p] = lab::TimePoint::max();
          continue;
        }
        if (stale_term[p] != states[p].term || stale_since[p] == lab::TimePoint::max()) {
          stale_term[p] = states[p].term;
          stale_since[p] = lab::now();
        }
        if (lab::now() - stale_since[p] >= limit) {
          cfg.fail(cat("peer ", p, " still leads term ", states[p].term, " after ",
                       lab::seconds_since(stale_since[p]), " s while peer ", a,
                       ", which it reaches, is in term ", states[a].term,
                       ": a reply of a later term must make a leader step down"));
        }
      }
    }
    cfg.connect(leader);  // mends the cut
    cfg.one(cfg.rand_int(), servers, true);
  }

  cfg.end();
}

// A deposed leader comes back with a longer log of uncommitted entries that conflict with
// what the new leader committed: the follower must cut its tail away (§5.3) and commit
// only what it holds from the new leader (the min rule of AppendEntries step 5), not its
// stale entries at the indices leaderCommit names.
// points: extra
TEST_CASE("TestExtraConflictingLongerLog2B") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2B-extra): a longer conflicting log is cut back");

  cfg.one(cfg.rand_int(), servers, true);
  for (int round = 0; round < 3; round++) {
    const int leader = cfg.checkOneLeader();
    // The leader, alone, takes entries no one else will see.
    for (int i = 0; i < servers; i++) {
      if (i != leader) cfg.disconnect(i);
    }
    for (int k = 0; k < 20; k++) cfg.start(leader, cfg.rand_int());
    // The other two elect a leader and commit a shorter, different log.
    cfg.disconnect(leader);
    for (int i = 0; i < servers; i++) {
      if (i != leader) cfg.connect(i);
    }
    for (int k = 0; k < 5; k++) cfg.one(cfg.rand_int(), servers - 1, true);
    // The old leader returns: its tail must go, and all three agree from here on.
    cfg.connect(leader);
    cfg.one(cfg.rand_int(), servers, true);
    // It may lead now: it must lead with the committed log, not its old one.
    const int leader2 = cfg.checkOneLeader();
    cfg.disconnect(leader2);
    cfg.one(cfg.rand_int(), servers - 1, true);
    cfg.connect(leader2);
    cfg.one(cfg.rand_int(), servers, true);
  }

  cfg.end();
}

}  // TEST_SUITE("2B-extra")

TEST_SUITE("2C-extra") {

// currentTerm is persistent state (Figure 2): every peer restarted at once must come back
// with at least the term it had.
// points: extra
TEST_CASE("TestExtraTermSurvivesRestart2C") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C-extra): currentTerm survives a restart of every peer");

  cfg.one(cfg.rand_int(), servers, true);
  for (int round = 0; round < 3; round++) {
    // A new election, so that terms move.
    const int leader = cfg.checkOneLeader();
    cfg.disconnect(leader);
    cfg.one(cfg.rand_int(), servers - 1, true);
    cfg.connect(leader);
    cfg.one(cfg.rand_int(), servers, true);

    std::vector<int> before(servers);
    for (int i = 0; i < servers; i++) before[i] = cfg.get_state(i).term;
    for (int i = 0; i < servers; i++) cfg.crash1(i);
    for (int i = 0; i < servers; i++) cfg.start1(i);
    for (int i = 0; i < servers; i++) {
      const int term = cfg.get_state(i).term;
      if (term < before[i]) {
        cfg.fail(cat("currentTerm lost in a crash: peer ", i, " had term ", before[i],
                     ", restarted with term ", term));
      }
    }
    for (int i = 0; i < servers; i++) cfg.connect(i);
    cfg.one(cfg.rand_int(), servers, true);
  }

  cfg.end();
}

// votedFor is persistent state (Figure 2): a voter that granted its vote in term T, then
// crashed and restarted, must not grant it again in T. Peer b sits out an election at
// term T-1, crashed; the others elect a in term T (the voter's vote decides it); a
// crashes, the voter restarts, b restarts and campaigns in T: the voter must refuse, or a
// and b both lead term T.
// points: extra
TEST_CASE("TestExtraVoteSurvivesCrash2C") {
  const int servers = 3;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C-extra): a vote survives the voter's crash");

  cfg.one(cfg.rand_int(), servers, true);
  int done = 0;
  for (int attempt = 0; attempt < 10 && done < 3; attempt++) {
    const int leader = cfg.checkOneLeader();
    const int b = (leader + 1) % servers;
    const int tb = cfg.get_state(b).term;
    cfg.crash1(b);
    // The old leader restarts as a follower; one of the two wins the next term.
    cfg.start1(leader);
    cfg.connect(leader);
    // Caught the moment it wins, while a voter that saves its vote after replying may not
    // have saved it yet.
    const int a = await_leader(cfg);
    const int term = cfg.get_state(a).term;
    const int voter = servers - a - b;  // the third peer
    if (term != tb + 1) {
      restore_all(cfg);  // a split vote: b's first campaign would not be in this term
      continue;
    }

    cfg.crash1(voter);  // first: its vote is a few milliseconds old
    cfg.crash1(a);
    cfg.start1(voter);
    cfg.start1(b);
    cfg.connect(voter);
    cfg.connect(b);
    // Whoever times out first campaigns: b in term `term` (it must lose), or the voter in
    // the next (it may win). Watch until one of them leads.
    for (int k = 0; k < 300; k++) {
      const raft::State sb = cfg.get_state(b);
      if (sb.isLeader && sb.term == term) {
        cfg.fail(cat("vote lost in a crash: peers ", std::min(a, b), " and ", std::max(a, b),
                     " both leader in term ", term, " (peer ", voter, " voted for ", a,
                     ", crashed, then voted for ", b, ")"));
      }
      if (sb.isLeader || cfg.get_state(voter).isLeader) break;
      lab::sleep(10ms);
    }
    done++;
    restore_all(cfg);
  }

  cfg.end();
}

// Figure 8 of the Raft paper, driven: (a) S1 leads and copies an entry to S2 only; (b) S1
// crashes, S5 leads a later term with S3 and S4 and takes an entry at the same index that
// reaches no one; (c) S5 crashes, S1 (or S2) leads a third term and copies the old entry
// to a majority: it must not commit it by counting replicas (§5.4.2); (d) it crashes,
// and S5, with S3 and S4, leads a fourth term and overwrites the entry. Committed entries
// never change, so an entry committed in (c) shows up as two values at one index.
// points: extra
TEST_CASE("TestExtraFigure8Schedule2C") {
  const int servers = 5;
  RaftConfig cfg(servers, false, false);

  cfg.begin("Test (2C-extra): Figure 8's schedule, driven");

  cfg.one(cfg.rand_int(), servers, true);
  for (int round = 0; round < 3; round++) {
    // (a)
    const int s1 = cfg.checkOneLeader();
    const int s2 = (s1 + 1) % servers;
    std::vector<int> rest;  // S3, S4, S5
    for (int i = 0; i < servers; i++) {
      if (i != s1 && i != s2) rest.push_back(i);
    }
    for (int i : rest) cfg.disconnect(i);
    if (!cfg.start(s1, cfg.rand_int()).isLeader) {
      restore_all(cfg);
      continue;
    }
    lab::sleep(200ms);  // to S2, not committed: 2 of 5
    cfg.crash1(s1);
    cfg.crash1(s2);

    // (b)
    for (int i : rest) cfg.connect(i);
    const int s5 = cfg.checkOneLeader();
    for (int i : rest) {
      if (i != s5) cfg.disconnect(i);
    }
    const bool s5_took = cfg.start(s5, cfg.rand_int()).isLeader;
    cfg.crash1(s5);
    if (!s5_took) {
      restore_all(cfg);
      continue;
    }

    // (c)
    std::vector<int> s34;
    for (int i : rest) {
      if (i != s5) s34.push_back(i);
    }
    cfg.start1(s1);
    cfg.start1(s2);
    cfg.connect(s1);
    cfg.connect(s2);
    for (int i : s34) cfg.connect(i);
    const int s1c = cfg.checkOneLeader();
    lab::sleep(300ms);  // time to copy the old entry (and, wrongly, to commit it)
    if (s1c != s1 && s1c != s2) {  // S2 had not got the entry: no Figure 8 this round
      restore_all(cfg);
      continue;
    }

    // (d)
    cfg.crash1(s1c);
    cfg.disconnect(s1c == s1 ? s2 : s1);
    cfg.start1(s5);
    cfg.connect(s5);
    cfg.one(cfg.rand_int(), 3, true);  // only S5 can lead S3 and S4: its log is the newest

    restore_all(cfg);
  }

  cfg.end();
}

}  // TEST_SUITE("2C-extra")

TEST_SUITE("2D-extra") {

// The snapshot is persistent state as much as the log is (Figure 13): a restarted peer
// reads it back, for it may have to send it. A follower is cut off while the other two
// take snapshots past its log; both restart, one leads, and, with no new command (so no
// new snapshot), the follower returns: it can catch up only from the snapshot the
// restarted leader read back.
// points: extra
TEST_CASE("TestExtraSnapshotAfterRestart2D") {
  const int servers = 3;
  RaftConfig cfg(servers, false, true);

  cfg.begin("Test (2D-extra): a restarted leader sends the snapshot it read back");

  cfg.one(cfg.rand_int(), servers, true);
  for (int round = 0; round < 3; round++) {
    const int leader = cfg.checkOneLeader();
    const int behind = (leader + 1) % servers;
    cfg.disconnect(behind);
    for (int k = 0; k < 25; k++) cfg.one(cfg.rand_int(), servers - 1, true);
    for (int i = 0; i < servers; i++) {
      if (i != behind) cfg.crash1(i);
    }
    for (int i = 0; i < servers; i++) {
      if (i == behind) continue;
      cfg.start1(i);
      cfg.connect(i);
    }
    cfg.checkOneLeader();
    cfg.connect(behind);
    lab::sleep(1s);  // the follower catches up before any new command
    cfg.one(cfg.rand_int(), servers, true);
  }

  cfg.end();
}

}  // TEST_SUITE("2D-extra")
