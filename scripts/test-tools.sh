#!/usr/bin/env bash
# Tests of the student and instructor tools: prettylog (golden output and filters), the
# stress runner and the grader (against fake test binaries, so they run in seconds and
# can be made to fail on purpose). The last line is "tools: N passed, N failed".
# usage: scripts/test-tools.sh [prettylog|stress|grade ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
data=scripts/testdata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@" >"$tmp/check.out" 2>&1; then
    passed=$((passed + 1)); echo "ok    $name"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$tmp/check.out" | tail -n 30
  fi
}
contains() { grep -qF -- "$2" "$1" || { echo "missing: $2"; echo "--- in $1:"; cat "$1"; return 1; }; }
lacks() { ! grep -qF -- "$2" "$1" || { echo "unexpected: $2"; echo "--- in $1:"; cat "$1"; return 1; }; }

# --- prettylog --------------------------------------------------------------------
test_prettylog() {
  local p=scripts/prettylog log=$data/prettylog-sample.log
  check "prettylog: layout matches the golden file" \
    diff -u "$data/prettylog-expected.txt" <($p --no-color -w 90 "$log")
  check "prettylog: reads standard input" \
    diff -u "$data/prettylog-expected.txt" <($p --no-color -w 90 <"$log")
  $p --no-color -w 90 -j vote,leader "$log" >"$tmp/just.txt"
  check "prettylog: -j keeps only the chosen topics" bash -c "
    $(declare -f contains lacks); f=$tmp/just.txt
    contains \$f 'VOTE campaigns in term 1' && contains \$f 'LEAD leader steps down' &&
    lacks \$f 'TIMR' && lacks \$f 'CMIT' && lacks \$f 'TEST begin'"
  check "prettylog: unparsable lines pass through whatever the filter" bash -c "
    $(declare -f contains); f=$tmp/just.txt
    contains \$f 'lab: seed 7 (replay with LAB_SEED=7)' &&
    contains \$f '  ... Passed --   4.5  3  126    3797    0'"
  $p --no-color -w 90 -i vote,timer "$log" >"$tmp/ignore.txt"
  check "prettylog: -i drops the named topics" bash -c "
    $(declare -f contains lacks); f=$tmp/ignore.txt
    lacks \$f VOTE && lacks \$f TIMR && contains \$f 'CMIT through 3' && contains \$f 'DROP request'"
  $p --no-color -w 90 --from 400 --to 800 "$log" >"$tmp/range.txt"
  check "prettylog: --from/--to keep a time range" bash -c "
    $(declare -f contains lacks); f=$tmp/range.txt
    contains \$f '469.9' && contains \$f '710.5' && lacks \$f '100.4' && lacks \$f '1204.0'"
  $p --no-color -w 90 -c 2 "$log" >"$tmp/columns.txt"
  check "prettylog: -c 2 gives two columns; a peer beyond them spans the width" bash -c "
    $(declare -f contains lacks); f=$tmp/columns.txt
    lacks \$f '  S2  ' && grep -qE '^ +0\.2 S2 VOTE for 0 in term 1$' \$f"
  check "prettylog: a peer column holds only its peer's lines" \
    grep -qE '^ +0\.8 {28}VOTE for 0 in term 1$' "$data/prettylog-expected.txt"
  check "prettylog: --no-time leaves the time out" bash -c \
    "$p --no-color -w 90 --no-time $log | grep -qE '^VOTE campaigns in term 1$'"
  check "prettylog: colours on a terminal (FORCE_COLOR)" bash -c \
    "FORCE_COLOR=1 $p -w 90 $log | grep -q \$'\\e\\[' "
  check "prettylog: --no-color wins over FORCE_COLOR" bash -c \
    "! FORCE_COLOR=1 $p --no-color -w 90 $log | grep -q \$'\\e\\[' "
  check "prettylog: an unknown topic is an error naming the valid ones" bash -c "
    ! $p -j vote,bogus $log 2>$tmp/err.txt && grep -q 'unknown topic bogus; valid topics: vote, leader' $tmp/err.txt"
  check "prettylog: a missing file is an error" bash -c "! $p /no/such/file 2>/dev/null"
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(prettylog stress grade)
for tool in "${want[@]}"; do
  if declare -f "test_$tool" >/dev/null; then "test_$tool"; else echo "test-tools: no tests for $tool" >&2; exit 2; fi
done
echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
