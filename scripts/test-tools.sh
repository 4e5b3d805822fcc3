#!/usr/bin/env bash
# Tests of the student and instructor tools: prettylog (golden output and filters), the
# stress runner and the grader (against fake test binaries, so they run in seconds and
# can be made to fail on purpose), the handout generator (generation only; the build and
# run of a handout is scripts/check-handout.sh). The last line is "tools: N passed, N failed".
# usage: scripts/test-tools.sh [prettylog|stress|grade|handout|run_tests ...]   (default: all)
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
    contains \$f 'lab: seed 7, simulated world (replay with LAB_SIM=1 LAB_SEED=7)' &&
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

# --- stress -----------------------------------------------------------------------
test_stress() {
  local s=scripts/stress fake=scripts/testdata/fake-build
  $s -s -n 6 -b $fake -o "$tmp/sweep" 2A >"$tmp/sweep.txt" 2>&1
  echo "exit $?" >>"$tmp/sweep.txt"
  check "stress: a seed sweep with failures exits 1" grep -qx 'exit 1' "$tmp/sweep.txt"
  check "stress: the table counts runs and failures per test" bash -c "
    grep -qE '^TestPass2A +6 +0 ' $tmp/sweep.txt && grep -qE '^TestFlaky2A +6 +2 ' $tmp/sweep.txt &&
    grep -qE '^TestCrash2A +6 +6 ' $tmp/sweep.txt && grep -qE '^total +24 +8' $tmp/sweep.txt"
  check "stress: each failing seed's output is kept with its replay line" bash -c "
    $(declare -f contains)
    contains $tmp/sweep/TestFlaky2A_3.log '# replay: LAB_SIM=1 LAB_SEED=3 make test-2A RUN=TestFlaky2A' &&
    contains $tmp/sweep/TestFlaky2A_6.log 'expected one leader, got none' &&
    contains $tmp/sweep/TestCrash2A_1.log 'killed by signal 11' &&
    [ ! -e $tmp/sweep/TestFlaky2A_1.log ] && [ ! -e $tmp/sweep/TestPass2A_1.log ]"
  check "stress: progress lines show done, failed, rate and ETA" \
    grep -qE '^\[24/24\] 8 failed, [0-9.]+ runs/min, .* ETA ' "$tmp/sweep.txt"
  check "stress: summary.txt and runs.tsv are written" bash -c "
    grep -q 'TestFlaky2A' $tmp/sweep/summary.txt && [ \$(wc -l <$tmp/sweep/runs.tsv) -eq 25 ]"

  $s -n 3 -b $fake -o "$tmp/pass" TestPass2A >"$tmp/pass.txt" 2>&1
  local pass_status=$?
  check "stress: all passing exits 0 and keeps no run" bash -c "
    [ $pass_status -eq 0 ] && grep -qE '^total +3 +0' $tmp/pass.txt && ! ls $tmp/pass/*.log 2>/dev/null"
  $s -n 2 -a -l vote,leader -b $fake -o "$tmp/archive" TestPass2A >/dev/null 2>&1
  check "stress: -a keeps passing runs, -l runs with LAB_LOG" bash -c "
    grep -q 'LAB_LOG=vote,leader' $tmp/archive/TestPass2A_1.log && [ -e $tmp/archive/TestPass2A_2.log ]"
  FAKE_HANG=1 $s -n 1 -t 1 -b $fake -o "$tmp/hang" TestHang2A >"$tmp/hang.txt" 2>&1
  check "stress: a run past -t is killed and counted as a timeout" bash -c "
    grep -q 'TestHang2A_1.log  \[timeout\]' $tmp/hang.txt && grep -q 'timed out after 1 s' $tmp/hang/TestHang2A_1.log"
  check "stress: an unknown test is a usage error" bash -c "
    $s -b $fake TestNoSuch2A >$tmp/err.txt 2>&1; [ \$? -eq 2 ] && grep -q 'no test matches TestNoSuch2A' $tmp/err.txt"
  check "stress: a part that is not built is named" bash -c "
    $s -b $fake 3A >$tmp/err.txt 2>&1; [ \$? -eq 2 ] && grep -q 'kv_test is not built' $tmp/err.txt"

  printf '2/%s machine-a\n1/%s machine-b\n' "$PWD/scripts/testdata/fake-ssh" "$PWD/scripts/testdata/fake-ssh" >"$tmp/hosts"
  # Without SHELL in the environment (as under CI or cron), as GNU parallel's remote path needs one.
  env -u SHELL FAKE_SSH_LOG="$tmp/ssh.log" $s -s -n 6 --sshloginfile "$tmp/hosts" -b $fake -o "$tmp/ssh" TestFlaky2A >"$tmp/ssh.txt" 2>&1
  check "stress: --sshloginfile spreads runs over the machines through ssh" bash -c "
    cat $tmp/ssh.txt; cut -c1-80 $tmp/ssh.log
    grep -qE '^TestFlaky2A +6 +2 ' $tmp/ssh.txt && grep -q 'machine-a' $tmp/ssh.log && grep -q 'machine-b' $tmp/ssh.log &&
    [ -e $tmp/ssh/TestFlaky2A_3.log ]"

  FAKE_HANG=1 setsid $s -n 4 -j 2 -t 60 -b $fake -o "$tmp/int" TestHang2A TestPass2A >"$tmp/int.txt" 2>&1 &
  local pid=$!
  sleep 2
  kill -INT -- -"$pid"
  local status=0
  wait "$pid" || status=$?
  sleep 1
  check "stress: Ctrl-C stops the runs and still prints the table" bash -c "
    cat $tmp/int.txt; echo status $status
    [ $status -eq 130 ] && grep -qE '^TestPass2A +[0-9]+ +0 ' $tmp/int.txt && grep -q 'interrupted after' $tmp/int.txt &&
    ! pgrep -f '[f]ake-build/raft_test -tc=TestHang2A' && ! pgrep -f '[s]tress-one .*TestHang2A'"
}

# --- grade ------------------------------------------------------------------------
test_grade() {
  local g=scripts/grade fake=scripts/testdata/fake-build src=scripts/testdata/grade-sample.cpp
  FAKE_HANG=1 $g --sources $src -b $fake --sim -n 3 -t 2 -o "$tmp/grade/results.json" >"$tmp/grade.txt" 2>&1
  echo "exit $?" >>"$tmp/grade.txt"
  check "grade: the table scores points x passed runs / N" bash -c "
    grep -qE '^TestPass2A \(2A\) +5 +3/3 +5$' $tmp/grade.txt &&
    grep -qE '^TestFlaky2A \(2A\) +3 +2/3 +2 ' $tmp/grade.txt &&
    grep -qE '^total +15 +7$' $tmp/grade.txt && grep -qx 'exit 1' $tmp/grade.txt"
  check "grade: timeouts, crashes and missing tests score 0 and grading goes on" bash -c "
    grep -qE '^TestHang2A \(2A\) +2 +0/3 +0 +run 1: timed out after 2 s' $tmp/grade.txt &&
    grep -qE '^TestCrash2A \(2A\) +4 +0/3 +0 +run 1: crashed \(SIGSEGV\)' $tmp/grade.txt &&
    grep -qE '^TestNotBuilt2A \(2A\) +1 +0/3 +0 +TestNotBuilt2A .* is not in any test binary' $tmp/grade.txt"
  check "grade: ungraded tests are not run" bash -c "! grep -q TestUngraded2A $tmp/grade.txt"
  check "grade: results.json has Gradescope's fields" python3 -c "
import json
r = json.load(open('$tmp/grade/results.json'))
assert r['score'] == 7, r['score']
tests = {t['name']: t for t in r['tests']}
assert set(tests) == {'TestPass2A (2A)', 'TestFlaky2A (2A)', 'TestHang2A (2A)', 'TestCrash2A (2A)', 'TestNotBuilt2A (2A)'}, tests
for t in r['tests']:
    assert set(t) >= {'name', 'score', 'max_score', 'output'}, t
assert tests['TestFlaky2A (2A)']['score'] == 2 and tests['TestFlaky2A (2A)']['max_score'] == 3
assert 'expected one leader, got none' in tests['TestFlaky2A (2A)']['output']
assert 'timed out' in tests['TestHang2A (2A)']['output']
"
  check "grade: each run's output is kept beside results.json" bash -c "
    grep -q 'expected one leader, got none' $tmp/grade/TestFlaky2A_3.log && [ -e $tmp/grade/TestPass2A_1.log ]"
  $g --sources $src -b $fake --sim -n 3 --strict -o "$tmp/strict/results.json" TestPass2A TestFlaky2A >"$tmp/strict.txt" 2>&1
  check "grade: --strict gives a flaky test nothing" \
    bash -c "grep -qE '^TestFlaky2A \(2A\) +3 +2/3 +0 ' $tmp/strict.txt && grep -qE '^total +8 +5$' $tmp/strict.txt"
  check "grade: --list shows the graded tests and the total" bash -c "
    $g --sources $src --list | grep -qE '^2A +TestFlaky2A +3 +scripts/testdata/grade-sample.cpp:9$' &&
    $g --sources $src --list | grep -qx 'total 15 points in 5 tests'"
  printf 'TEST_SUITE("2A") {\n// points: 5\n\nTEST_CASE("TestX2A") {}\n// points: many\nTEST_CASE("TestY2A") {}\n}\n' >"$tmp/bad.cpp"
  check "grade: a misplaced or bad points line is an error naming file and line" bash -c "
    ! $g --sources $tmp/bad.cpp --list >$tmp/bad.txt 2>&1 &&
    grep -q 'bad.cpp:2: .// points:. must be the line right above a TEST_CASE' $tmp/bad.txt &&
    grep -q 'bad.cpp:5: points must be a positive number, not many' $tmp/bad.txt"
  check "grade: an unknown part is a usage error" bash -c "
    $g --sources $src 9Z >/dev/null 2>$tmp/err.txt; [ \$? -eq 2 ] && grep -q 'no graded test in part 9Z' $tmp/err.txt"
  check "grade: the lab's tests declare their points" bash -c "
    $g --list 2A | grep -qE '^2A +TestInitialElection2A +5 ' && $g --list | grep -qE '^total [0-9]+ points in [0-9]+ tests$'"
}

# --- handout (generation only; scripts/check-handout.sh builds and runs one) --------
test_handout() {
  local h=scripts/handout
  $h "$tmp/ho" >"$tmp/ho.txt" 2>&1
  check "handout: generated from this checkout" grep -qE '^handout: [0-9]+ files in .*; [0-9]+ student regions replaced' "$tmp/ho.txt"
  check "handout: no student marker is left in raft/ and kvraft/" bash -c "
    ! grep -rn -E '^\s*// STUDENT (BEGIN|END)' $tmp/ho/raft $tmp/ho/kvraft"
  check "handout: one TODO per region, tagged with its part" bash -c "
    regions=\$(cat raft/*.?pp kvraft/*.?pp | grep -cE '^ *// STUDENT BEGIN ')
    todos=\$(cat $tmp/ho/raft/*.?pp $tmp/ho/kvraft/*.?pp | grep -cE '^ *// TODO \(2[A-D]|3[AB]\): your code here\.$')
    echo regions \$regions todos \$todos; [ \$regions -eq \$todos ] && [ \$regions -gt 0 ]"
  check "handout: files outside raft/ and kvraft/ are copied unchanged" bash -c "
    for f in \$(git ls-files | grep -v -E '^(raft|kvraft)/'); do cmp -s \$f $tmp/ho/\$f || { echo differs: \$f; exit 1; }; done"
  check "handout: the API and the region-free code stay" bash -c "
    grep -q 'StartResult Start(Bytes command);' $tmp/ho/raft/raft.hpp &&
    grep -q 'std::shared_ptr<lab::Service> MakeService' $tmp/ho/raft/raft.cpp &&
    grep -q 'return result;' $tmp/ho/raft/raft.cpp"
  check "handout: scripts stay executable" test -x "$tmp/ho/scripts/stress"
  check "handout: a non-empty folder is refused" bash -c "! $h $tmp/ho 2>$tmp/err.txt && grep -q 'not empty' $tmp/err.txt"
  $h "$tmp/ho3" --parts 3A,3B >/dev/null 2>&1
  check "handout: --parts strips only those parts" bash -c "
    grep -q '// STUDENT BEGIN 2A' $tmp/ho3/raft/election.cpp && ! grep -q '// STUDENT BEGIN 3A' $tmp/ho3/kvraft/server.cpp"

  # A small checkout of its own, for HANDOUT lines and bad markers.
  local src=$tmp/src
  mkdir -p "$src/raft" && git -C "$src" init -q
  printf 'int f() {\n  int x = 0;\n  // STUDENT BEGIN 3A\n  // HANDOUT: lab::sleep(1ms);\n  x = 42;\n  // STUDENT END 3A\n  return x;\n}\n' >"$src/raft/ok.cpp"
  git -C "$src" add -A
  $h --source "$src" "$tmp/small" >/dev/null 2>&1
  check "handout: HANDOUT lines become the skeleton under the TODO" bash -c "
    diff -u <(printf 'int f() {\n  int x = 0;\n  // TODO (3A): your code here.\n  lab::sleep(1ms);\n  return x;\n}\n') $tmp/small/raft/ok.cpp"
  local bad
  for bad in '// STUDENT BEGIN 2A|never closed' '// STUDENT BEGIN 2A\n// STUDENT BEGIN 2A|do not nest' \
             '// STUDENT END 2A|with no BEGIN' '// STUDENT BEGIN 2A\n// STUDENT END 2B|closes the region' \
             '  // STUDENT BEGIN|malformed marker'; do
    printf "${bad%|*}\n" >"$src/raft/bad.cpp"
    git -C "$src" add -A
    rm -rf "$tmp/bad"
    check "handout: a bad marker is reported: ${bad#*|}" bash -c "
      ! $h --source $src $tmp/bad 2>$tmp/err.txt && grep -q 'raft/bad.cpp:[12]: .*${bad#*|}' $tmp/err.txt"
  done
}

# --- run-tests (the totals line CI reads) ----------------------------------------------
test_run_tests() {
  local bin=$tmp/run-bin
  mkdir -p "$bin"
  printf '#!/bin/bash\necho "TEST CASE:  TestRegression1"\necho "[doctest] test cases: 3 | 2 passed | 1 failed | 0 skipped"\nexit 1\n' >"$bin/doctest_fail"
  printf '#!/bin/bash\necho "--- FAIL: TestBackup2B (3.00s)"\necho "[doctest] test cases: 3 | 2 passed | 1 failed | 0 skipped"\nexit 1\n' >"$bin/go_fail"
  printf '#!/bin/bash\necho "[doctest] test cases: 5 | 5 passed | 0 failed | 0 skipped"\n' >"$bin/pass"
  printf '#!/bin/bash\nkill -SEGV $$\n' >"$bin/crash"
  printf '#!/bin/bash\necho "lab: LAB_SIM=yes: expected 0 (real world) or 1 (simulated world)" >&2\nexit 2\n' >"$bin/usage"
  printf '#!/bin/bash\necho "[doctest] test cases: 1 | 1 passed | 0 failed | 0 skipped"\nexit 66\n' >"$bin/sanitizer"
  printf '#!/bin/bash\nsleep 30\n' >"$bin/hang"
  chmod +x "$bin"/*
  scripts/run-tests.sh "$bin" pass "" doctest_fail "" sim:go_fail "" crash "" >"$tmp/run.txt" 2>&1
  echo "exit $?" >>"$tmp/run.txt"
  check "run-tests: the last line sums the binaries, a crash counting as one failure" bash -c "
    tail -n 2 $tmp/run.txt | head -n 1 | grep -qx '9 passed, 3 failed' && grep -qx 'exit 1' $tmp/run.txt"
  check "run-tests: the failed tests are listed by binary just above the totals" bash -c "
    cat $tmp/run.txt
    grep -qx '  doctest_fail: TestRegression1' $tmp/run.txt &&
    grep -qx '  go_fail (simulated): TestBackup2B' $tmp/run.txt &&
    grep -qx '  crash: crashed with signal SIGSEGV' $tmp/run.txt"
  LAB_TEST_TIMEOUT=1 scripts/run-tests.sh "$bin" usage "-ts=2A" sanitizer "" hang "" >"$tmp/why.txt" 2>&1
  check "run-tests: says why a binary without a failed test counts as failed" bash -c "
    cat $tmp/why.txt
    grep -qx 'run-tests: usage -ts=2A: exited 2 before running any test (see the error above)' $tmp/why.txt &&
    grep -qx 'run-tests: sanitizer : exited with status 66 after its report (see the output above, e.g. a sanitizer'\\''s)' $tmp/why.txt &&
    grep -qx 'run-tests: hang : killed after 1 s (the runner'\\''s limit, LAB_TEST_TIMEOUT)' $tmp/why.txt &&
    ! grep -q 'crash or timeout' $tmp/why.txt && tail -n 1 $tmp/why.txt | grep -qx '1 passed, 3 failed'"
  scripts/run-tests.sh "$bin" pass "" >"$tmp/run-ok.txt" 2>&1
  echo "exit $?" >>"$tmp/run-ok.txt"
  check "run-tests: all passing exits 0 and lists nothing" bash -c "
    tail -n 2 $tmp/run-ok.txt | head -n 1 | grep -qx '5 passed, 0 failed' && grep -qx 'exit 0' $tmp/run-ok.txt &&
    ! grep -q '^failed:' $tmp/run-ok.txt"
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(prettylog stress grade handout run_tests)
for tool in "${want[@]}"; do
  if declare -f "test_$tool" >/dev/null; then "test_$tool"; else echo "test-tools: no tests for $tool" >&2; exit 2; fi
done
echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
