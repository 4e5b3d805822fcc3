// The tester's safety monitors (see safety_monitor.hpp).
#include "tester/safety_monitor.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "tester/test_guard.hpp"

namespace tester {

bool parse_monitors(const std::string& value) {
  if (value.empty() || value == "1") return true;
  if (value == "0") return false;
  throw std::invalid_argument("LAB_MONITORS=" + value +
                              ": expected 1 (safety monitors on, the default) or 0 (off)");
}

bool monitors_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("LAB_MONITORS");
    try {
      return parse_monitors(v == nullptr ? "" : v);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "lab: %s\n", e.what());
      std::exit(2);
    }
  }();
  return enabled;
}

SafetyMonitor::SafetyMonitor(int n)
    : live_(static_cast<size_t>(n), 0), carried_(static_cast<size_t>(n), 0) {}

uint64_t SafetyMonitor::started(int peer) {
  lab::Lock lock(mu_);
  const uint64_t life = next_life_++;
  lives_[life].carried_floor = carried_[peer];
  live_[peer] = life;
  return life;
}

void SafetyMonitor::crashing(int peer) {
  lab::Lock lock(mu_);
  const uint64_t life = live_[peer];
  if (life == 0) return;  // already crashed, or never started
  carried_[peer] = std::max(carried_[peer], lives_.at(life).term_high);
  live_[peer] = 0;
}

SafetyMonitor::Ticket SafetyMonitor::begin(int peer, uint64_t life) {
  lab::Lock lock(mu_);
  const Life& l = lives_.at(life);
  Ticket t;
  t.peer = peer;
  t.life = life;
  t.term_floor = l.term_high;
  t.carried_floor = l.carried_floor;
  t.applied_floor = l.applied_high;
  t.leader_term = l.leader_term;
  t.leader_index = l.leader_index;
  return t;
}

std::optional<std::string> SafetyMonitor::record_term(const Ticket& t, int term, bool is_leader) {
  std::optional<std::string> violation;
  if (term < t.term_floor) {
    violation = cat("term monotonicity: peer ", t.peer, " reported term ", t.term_floor,
                    ", then term ", term);
  } else if (term < t.carried_floor) {
    violation = cat("term persistence: peer ", t.peer, " reported term ", t.carried_floor,
                    " before its crash, then term ", term, " after its restart");
  }
  Life& l = lives_.at(t.life);
  l.term_high = std::max(l.term_high, term);
  // Everything the life applied before this call was committed by a term <= `term`.
  if (t.applied_floor > 0) {
    auto [it, inserted] = committed_by_.emplace(term, Committed{t.applied_floor, t.peer});
    if (!inserted && it->second.index < t.applied_floor) it->second = {t.applied_floor, t.peer};
  }
  if (is_leader) {
    auto [it, inserted] = leaders_.emplace(term, Leader{t.peer, t.life});
    if (!inserted && !violation) {
      if (it->second.peer != t.peer) {
        violation = cat("election safety: peers ", std::min(it->second.peer, t.peer), " and ",
                        std::max(it->second.peer, t.peer), " both leader in term ", term);
      } else if (it->second.life != t.life) {
        violation = cat("election safety: peer ", t.peer, " leader in term ", term,
                        " both before and after a restart (a new life must campaign in a "
                        "new term)");
      }
    }
  }
  return violation;
}

std::optional<std::string> SafetyMonitor::state(const Ticket& ticket, int term, bool is_leader) {
  lab::Lock lock(mu_);
  return record_term(ticket, term, is_leader);
}

std::optional<std::string> SafetyMonitor::start(const Ticket& t, int index, int term,
                                                bool is_leader) {
  lab::Lock lock(mu_);
  std::optional<std::string> violation = record_term(t, term, is_leader);
  if (!is_leader || violation) return violation;

  if (index <= t.applied_floor) {
    violation = cat("leader log: peer ", t.peer, ", leader in term ", term,
                    ", put a command at index ", index, " but had applied index ", t.applied_floor);
  } else if (term == t.leader_term && index <= t.leader_index) {
    violation = cat("leader append-only: peer ", t.peer, ", leader in term ", term,
                    ", put a command at index ", index, " after one at index ", t.leader_index,
                    " in the same term");
  } else {
    // The highest index committed by a term below this leader's.
    int by_term = 0;
    Committed most;
    for (const auto& [t_committed, committed] : committed_by_) {
      if (t_committed >= term) break;
      if (committed.index > most.index) {
        most = committed;
        by_term = t_committed;
      }
    }
    if (index <= most.index) {
      violation = cat("leader completeness: peer ", t.peer, ", leader in term ", term,
                      ", put a command at index ", index, ", but index ", most.index,
                      " was committed by term ", by_term, " (peer ", most.peer,
                      " applied it, then reported term ", by_term, ")");
    }
  }

  Life& l = lives_.at(t.life);
  if (term > l.leader_term) {
    l.leader_term = term;
    l.leader_index = index;
  } else if (term == l.leader_term) {
    l.leader_index = std::max(l.leader_index, index);
  }
  return violation;
}

void SafetyMonitor::applied(uint64_t life, int index) {
  lab::Lock lock(mu_);
  Life& l = lives_.at(life);
  l.applied_high = std::max(l.applied_high, index);
}

std::optional<std::string> SafetyMonitor::applied_snapshot(uint64_t life, int peer, int index) {
  lab::Lock lock(mu_);
  Life& l = lives_.at(life);
  if (index < l.applied_high) {
    return cat("applied order: peer ", peer, " was given a snapshot through index ", index,
               " after applying index ", l.applied_high,
               " (lastApplied only increases: a snapshot older than the commit index must "
               "be ignored)");
  }
  l.applied_high = index;
  return std::nullopt;
}

}  // namespace tester
