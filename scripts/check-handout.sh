#!/usr/bin/env bash
# CI's handout check: generates the handout (scripts/handout) into a temporary folder (the
# generator itself stops on a comment that names code it removed, file:line and name; the
# instructors' mutants/ must not be in it), builds its Raft tests there, and checks that
# they fail the way the Go skeleton's do:
#   1. TestInitialElection2A, real world: "expected one leader, got none", within its limit;
#   2. all of Lab 2, simulated world: every test fails with a test report (none passes,
#      none crashes, none hangs).
# With --kv it also builds the kvraft tests and checks 3A's first test the same way.
# usage: scripts/check-handout.sh [--kv] [--keep]      (--keep: leave the folder for a look)
# Last line: "check-handout: ok" or "check-handout: FAILED (<what>)"; exit status 0 or 1.
set -uo pipefail
cd "$(dirname "$0")/.."
kv=0 keep=0
for arg in "$@"; do
  case $arg in
    --kv) kv=1 ;;
    --keep) keep=1 ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/handout-check.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$dir"' EXIT
fail() { echo "check-handout: FAILED ($1)"; [ $keep = 1 ] && echo "check-handout: left in $dir"; exit 1; }
start=$SECONDS

scripts/handout "$dir/handout" || fail "the generator stopped"
[ ! -e "$dir/handout/mutants" ] || fail "the catalogue of student bugs (mutants/) is in the handout"
if grep -rn -E '^\s*// STUDENT (BEGIN|END)' "$dir/handout/raft" "$dir/handout/kvraft"; then
  fail "student markers left in the handout"
fi
generator=$(command -v ninja >/dev/null && echo "-G Ninja")
# shellcheck disable=SC2086
cmake -S "$dir/handout" -B "$dir/build" $generator -DLAB_WERROR=ON >"$dir/cmake.log" 2>&1 \
  || { tail -n 20 "$dir/cmake.log"; fail "cmake failed on the handout"; }
targets=(raft_test)
[ $kv = 1 ] && targets+=(kv_test)
if ! cmake --build "$dir/build" -j 2 --target "${targets[@]}" >"$dir/build.log" 2>&1; then
  grep -E 'error|Error' "$dir/build.log" | head -n 20
  fail "the handout does not build"
fi
echo "check-handout: built ${targets[*]} in $((SECONDS - start)) s"

expect_failure() {  # expect_failure NAME MESSAGE CMD...: fails, with MESSAGE, and a report
  local name=$1 message=$2; shift 2
  local out="$dir/$name.out"
  (cd "$dir/handout" && timeout -k 5 300 "$@") >"$out" 2>&1
  local rc=$?
  grep -q "$message" "$out" || { tail -n 20 "$out"; fail "$name: no \"$message\" (exit $rc)"; }
  [ $rc -eq 1 ] || { tail -n 20 "$out"; fail "$name: exit status $rc, not a test failure (crash or hang)"; }
  grep -qE '^\[doctest\] Status: FAILURE!' "$out" || fail "$name: no test report"
  echo "check-handout: $name fails as expected: $(grep -m1 -o "$message" "$out")"
}
expect_failure TestInitialElection2A "expected one leader, got none" \
  "$dir/build/raft_test" -tc=TestInitialElection2A
expect_failure "Lab 2, simulated" "expected one leader, got none" \
  env LAB_SIM=1 LAB_SEED=1 "$dir/build/raft_test"
summary=$(grep -E '^\[doctest\] test cases:' "$dir/Lab 2, simulated.out")
grep -qE '\| +0 passed \|' <<<"$summary" || fail "a Lab 2 test passes on the handout: $summary"
echo "check-handout: Lab 2, simulated: ${summary#\[doctest\] }"
if [ $kv = 1 ]; then
  expect_failure TestBasic3A "get wrong value\|missing element\|Get(" "$dir/build/kv_test" -tc=TestBasic3A
fi
echo "check-handout: ok ($((SECONDS - start)) s)"
