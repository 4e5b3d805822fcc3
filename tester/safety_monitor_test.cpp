// Tests of the safety monitors: observations fed by hand, each rule fires with a message
// naming the rule, the peers and the term, and legal histories (a stale leader, racing
// calls, a restart) pass. Also LAB_MONITORS's parsing.
#include <doctest/doctest.h>

#include <stdexcept>

#include "tester/safety_monitor.hpp"

namespace tester {

namespace {

// One GetState answer of `life`, opened and closed at once.
std::optional<std::string> state(SafetyMonitor& m, int peer, uint64_t life, int term,
                                 bool leader) {
  return m.state(m.begin(peer, life), term, leader);
}

std::optional<std::string> start(SafetyMonitor& m, int peer, uint64_t life, int index, int term,
                                 bool leader = true) {
  return m.start(m.begin(peer, life), index, term, leader);
}

}  // namespace

TEST_SUITE("monitors") {

TEST_CASE("LAB_MONITORS is 0 or 1") {
  CHECK(parse_monitors(""));
  CHECK(parse_monitors("1"));
  CHECK_FALSE(parse_monitors("0"));
  CHECK_THROWS_WITH_AS(parse_monitors("yes"),
                       "LAB_MONITORS=yes: expected 1 (safety monitors on, the default) or 0 (off)",
                       std::invalid_argument);
}

TEST_CASE("a legal history passes: elections, a stale leader, a restart, racing calls") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0), b = m.started(1), c = m.started(2);
  CHECK_FALSE(state(m, 0, a, 1, true));
  CHECK_FALSE(state(m, 1, b, 1, false));
  CHECK_FALSE(start(m, 0, a, 1, 1));
  m.applied(a, 1);
  m.applied(b, 1);
  CHECK_FALSE(start(m, 0, a, 2, 1));
  // Peer 0 is cut off and still believes it leads term 1; peer 1 wins term 2.
  CHECK_FALSE(state(m, 1, b, 2, true));
  CHECK_FALSE(state(m, 0, a, 1, true));
  CHECK_FALSE(start(m, 0, a, 3, 1));  // the stale leader appends past what it applied
  CHECK_FALSE(start(m, 1, b, 2, 2));  // index 1 was committed by term 1 < 2: 2 is past it
  // A GetState that began before term 2 was seen, answered after: term 1 is no decrease.
  const SafetyMonitor::Ticket early = m.begin(2, c);
  CHECK_FALSE(state(m, 2, c, 2, false));
  CHECK_FALSE(m.state(early, 1, false));
  // Peer 2 restarts; its new life starts at the term it had before.
  m.crashing(2);
  const uint64_t c2 = m.started(2);
  CHECK_FALSE(state(m, 2, c2, 2, false));
  CHECK_FALSE(state(m, 2, c2, 3, true));
  // The old life, cut off, answers late with a term it adopted after its crash began: it
  // binds neither the next life nor election safety of another term.
  CHECK_FALSE(state(m, 2, c, 5, false));
  m.crashing(2);
  const uint64_t c3 = m.started(2);
  CHECK_FALSE(state(m, 2, c3, 3, false));
}

TEST_CASE("election safety: two peers leading one term") {
  SafetyMonitor m(5);
  const uint64_t a = m.started(1), b = m.started(3);
  CHECK_FALSE(state(m, 3, b, 4, true));
  CHECK(state(m, 1, a, 4, true) == "election safety: peers 1 and 3 both leader in term 4");
}

TEST_CASE("election safety: a Start's answer counts as a claim to lead") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0), b = m.started(2);
  CHECK_FALSE(start(m, 2, b, 1, 7));
  CHECK(start(m, 0, a, 1, 7) == "election safety: peers 0 and 2 both leader in term 7");
}

TEST_CASE("election safety: one peer leading one term in two lives") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(1);
  CHECK_FALSE(state(m, 1, a, 2, true));
  m.crashing(1);
  const uint64_t a2 = m.started(1);
  CHECK(state(m, 1, a2, 2, true) ==
        "election safety: peer 1 leader in term 2 both before and after a restart (a new life "
        "must campaign in a new term)");
}

TEST_CASE("term monotonicity: a term below one reported before") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(2);
  CHECK_FALSE(state(m, 2, a, 5, false));
  CHECK(state(m, 2, a, 3, false) == "term monotonicity: peer 2 reported term 5, then term 3");
}

TEST_CASE("term persistence: a restarted peer below its term before the crash") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0);
  CHECK_FALSE(state(m, 0, a, 6, false));
  m.crashing(0);
  const uint64_t a2 = m.started(0);
  CHECK(state(m, 0, a2, 0, false) ==
        "term persistence: peer 0 reported term 6 before its crash, then term 0 after its restart");
  // Every later life still carries it.
  m.crashing(0);
  const uint64_t a3 = m.started(0);
  CHECK(state(m, 0, a3, 5, false) ==
        "term persistence: peer 0 reported term 6 before its crash, then term 5 after its restart");
}

TEST_CASE("leader log: a leader's Start at an index it has applied") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0);
  for (int i = 1; i <= 4; i++) m.applied(a, i);
  CHECK(start(m, 0, a, 3, 2) ==
        "leader log: peer 0, leader in term 2, put a command at index 3 but had applied index 4");
}

TEST_CASE("applied order: a snapshot behind what the life applied") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(1);
  for (int i = 1; i <= 12; i++) m.applied(a, i);
  CHECK_FALSE(m.applied_snapshot(a, 1, 12));  // not behind: allowed
  CHECK_FALSE(m.applied_snapshot(a, 1, 20));
  CHECK(m.applied_snapshot(a, 1, 19) ==
        "applied order: peer 1 was given a snapshot through index 19 after applying index 20 "
        "(lastApplied only increases: a snapshot older than the commit index must be ignored)");
  // A new life starts from its own snapshot, whatever the last one applied.
  m.crashing(1);
  const uint64_t a2 = m.started(1);
  CHECK_FALSE(m.applied_snapshot(a2, 1, 9));
}

TEST_CASE("leader append-only: a leader's Start below an earlier one of its term") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0);
  CHECK_FALSE(start(m, 0, a, 5, 2));
  CHECK(start(m, 0, a, 5, 2) ==
        "leader append-only: peer 0, leader in term 2, put a command at index 5 after one at "
        "index 5 in the same term");
  // Starts racing: one that began before index 6 was returned may return a lower index.
  const SafetyMonitor::Ticket early = m.begin(0, a);
  CHECK_FALSE(start(m, 0, a, 7, 2));
  CHECK_FALSE(m.start(early, 6, 2, true));
}

TEST_CASE("leader completeness: a leader of a later term without a committed index") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0), b = m.started(1), c = m.started(2);
  CHECK_FALSE(state(m, 0, a, 2, true));
  for (int i = 1; i <= 3; i++) m.applied(a, i);
  CHECK_FALSE(state(m, 0, a, 2, true));  // peer 0 applied 3, then reported term 2
  // A leader of term 2 itself, or of an earlier term (stale), may be shorter: not checked.
  CHECK_FALSE(start(m, 1, b, 2, 1));
  // Applied before the report, so the index is committed by term 2: a leader of 3 has it.
  CHECK(start(m, 2, c, 3, 3) ==
        "leader completeness: peer 2, leader in term 3, put a command at index 3, but index 3 "
        "was committed by term 2 (peer 0 applied it, then reported term 2)");
  CHECK_FALSE(start(m, 2, c, 4, 3));
}

TEST_CASE("leader completeness: an index applied after the report is not bound by it") {
  SafetyMonitor m(3);
  const uint64_t a = m.started(0), c = m.started(2);
  const SafetyMonitor::Ticket report = m.begin(0, a);  // began before the apply
  m.applied(a, 3);
  CHECK_FALSE(m.state(report, 2, false));
  CHECK_FALSE(start(m, 2, c, 2, 3));
}

}  // TEST_SUITE

}  // namespace tester
