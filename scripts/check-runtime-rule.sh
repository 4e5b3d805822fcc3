#!/usr/bin/env bash
# The runtime rule (docs/design.md, "The runtime and its one rule"): outside the runtime's
# backends, no code touches threads, locks, condition variables, sleeps, clocks or rand()
# directly; everything goes through labrpc/runtime.hpp so the simulated world stays
# deterministic. Comments are not checked. The files come from scripts/list-files, so the
# check works in a git checkout and in a handout copied without git alike; a file list
# that cannot be made, or is empty, fails the check instead of passing it.
set -euo pipefail
cd "$(dirname "$0")/.."
# The backends, and the simulation's guard test, whose fixtures break the rule on purpose.
allowed='^labrpc/(backend_(real|sim)|sim_guard_test)\.cpp$'
pattern='std::(thread|jthread|mutex|recursive_mutex|shared_mutex|timed_mutex|condition_variable)|this_thread|sleep_for|sleep_until|usleep|nanosleep|steady_clock|system_clock|high_resolution_clock|[^_a-zA-Z.>]rand\(|srand\(|std::random_device|time\(NULL\)|time\(nullptr\)|gettimeofday|clock_gettime'
files=$(scripts/list-files '*.cpp' '*.hpp' '*.h' '*.cc') || {
  echo "runtime rule: cannot list the sources (above)"; exit 1; }
status=0
sources=$(grep -v -E "$allowed" <<<"$files") || status=$?
if [ $status -gt 1 ] || [ -z "$sources" ]; then
  echo "runtime rule: no C++ sources found in $PWD"
  exit 1
fi
hits=$(tr '\n' '\0' <<<"$sources" | xargs -0 perl -ne 'BEGIN { $p = shift }
    my $code = $_; $code =~ s{//.*}{};
    print "$ARGV:$.: $_" if $code =~ /$p/; close ARGV if eof' "$pattern") || {
  echo "runtime rule: the check itself failed (above)"; exit 1; }
if [ -n "$hits" ]; then
  echo "runtime rule broken (use lab::go, lab::Mutex, lab::CondVar, lab::sleep, lab::now, lab::Rng):"
  echo "$hits"
  exit 1
fi
echo "runtime rule: ok ($(wc -l <<<"$sources") files)"
