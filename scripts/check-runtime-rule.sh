#!/usr/bin/env bash
# The runtime rule (DESIGN.md): outside the runtime's real backend, no code touches
# threads, locks, condition variables, sleeps, clocks or rand() directly; everything goes
# through labrpc/runtime.hpp so the simulated world stays deterministic. Comments are
# not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
# The backends, and the simulation's guard test, whose fixtures break the rule on purpose.
allowed='^labrpc/(backend_(real|sim)|sim_guard_test)\.cpp$'
pattern='std::(thread|jthread|mutex|recursive_mutex|shared_mutex|timed_mutex|condition_variable)|this_thread|sleep_for|sleep_until|usleep|nanosleep|steady_clock|system_clock|high_resolution_clock|[^_a-zA-Z.>]rand\(|srand\(|std::random_device|time\(NULL\)|time\(nullptr\)|gettimeofday|clock_gettime'
hits=$(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' '*.cc' \
  | grep -v -E "$allowed" \
  | xargs -r perl -ne 'BEGIN { $p = shift } my $code = $_; $code =~ s{//.*}{};
      print "$ARGV:$.: $_" if $code =~ /$p/; close ARGV if eof' "$pattern" || true)
if [ -n "$hits" ]; then
  echo "runtime rule broken (use lab::go, lab::Mutex, lab::CondVar, lab::sleep, lab::now, lab::Rng):"
  echo "$hits"
  exit 1
fi
echo "runtime rule: ok"
