#!/usr/bin/env bash
# Tests of the student and instructor tools: prettylog (golden output and filters), the
# stress runner and the grader (against fake test binaries, so they run in seconds and
# can be made to fail on purpose), the handout generator (generation only; the build and
# run of a handout is scripts/check-handout.sh), the test runner's totals, make's part
# targets, porcupine_bench's and lincheck's command lines (typos fail loudly; lincheck's
# exit codes), check-docs and mutants/apply (the catalogue of student bugs: lint, apply to
# a copy and back), deps.sh's systems and make's TOOLCHAIN. The last line is
# "tools: N passed, N failed".
# usage: scripts/test-tools.sh [prettylog|stress|grade|handout|run_tests|make_targets|porcupine_bench|lincheck|check_docs|raft_mode|mutants|mutants_runner|monitors|deps ...]
#        (default: all)
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
  check "prettylog: a width under 20 (0, -5) is an error" bash -c "
    ! $p -w 0 $log 2>$tmp/err.txt && grep -q 'width must be at least 20 characters; got 0' $tmp/err.txt &&
    ! $p -w -5 $log 2>/dev/null && ! $p -w abc $log 2>/dev/null"
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
  $s -s -n 100 -j 1 -b $fake -o "$tmp/chunks" TestPass2A >"$tmp/chunks.txt" 2>&1
  check "stress: a seed sweep runs chunks of seeds per job (LAB_SEEDS), at least 4 jobs per slot" bash -c "
    grep -q '(simulated, seeds 1..100, 4 jobs of up to 25 seed(s))' $tmp/chunks.txt &&
    grep -qE '^TestPass2A +100 +0 ' $tmp/chunks.txt"

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
    grep -qF \"bad.cpp:5: bad points declaration '// points: many': expected '// points: N'\" $tmp/bad.txt"
  check "grade: an unknown part is a usage error" bash -c "
    $g --sources $src 9Z >/dev/null 2>$tmp/err.txt; [ \$? -eq 2 ] && grep -q 'no graded test in part 9Z' $tmp/err.txt"
  check "grade: the lab's tests declare their points" bash -c "
    $g --list 2A | grep -qE '^2A +TestInitialElection2A +5 ' &&
    $g --list 2 | grep -qx 'total 93 points in 25 tests, and 3 extra (0 points)'"
  check "grade: the tests of later labs are extras of Lab 2" bash -c "
    for t in 2B:TestFollowerFailure2B 2B:TestLeaderFailure2B 2D:TestSnapshotInit2D; do
      $g --list \${t%:*} | grep -qE \"^\${t%:*} +\${t#*:} +extra \" || { echo \$t; exit 1; }
    done"
  test_grade_seeds
  test_grade_rules
}

# --seeds: simulated seeds beside the real runs; one failing seed costs the test its points.
test_grade_seeds() {
  local g=scripts/grade fake=scripts/testdata/fake-build src=scripts/testdata/grade-sample.cpp
  $g --sources $src -b $fake --seeds 4 -o "$tmp/seeds/results.json" TestPass2A TestFlaky2A >"$tmp/seeds.txt" 2>&1
  echo "exit $?" >>"$tmp/seeds.txt"
  check "grade: --seeds adds a Seeds column; a failing seed scores 0 and is listed with its replay line" bash -c "
    grep -qE '^TestPass2A \(2A\) +5 +1/1 +5 +4/4$' $tmp/seeds.txt &&
    grep -qE '^TestFlaky2A \(2A\) +3 +[01]/1 +0 +3/4 ' $tmp/seeds.txt && grep -qx 'exit 1' $tmp/seeds.txt &&
    grep -q 'simulated seeds 1..4 that must all pass' $tmp/seeds.txt"
  check "grade: results.json lists each failing seed, its log and its replay line" python3 -c "
import json
tests = {t['name']: t for t in json.load(open('$tmp/seeds/results.json'))['tests']}
flaky = tests['TestFlaky2A (2A)']['output']
assert 'failed 1 of 4 simulated seeds' in flaky, flaky
assert 'LAB_SIM=1 LAB_SEED=3 scripts/testdata/fake-build/raft_test -tc=TestFlaky2A' in flaky, flaky
assert 'passed all 4 simulated seeds' in tests['TestPass2A (2A)']['output']
"
  check "grade: only failing seeds keep their logs" bash -c "
    [ -e $tmp/seeds/TestFlaky2A_seed3.log ] && [ ! -e $tmp/seeds/TestFlaky2A_seed1.log ]"
  check "grade: --seeds takes a whole number; with --sim=1 it is a usage error" bash -c "
    $g --sources $src -b $fake --seeds x TestPass2A 2>&1 | grep -q 'expected a whole number of simulated seeds' &&
    { $g --sources $src -b $fake --seeds 2 --sim=1 TestPass2A >/dev/null 2>&1; [ \$? -eq 2 ]; }"
  check "grade: make passes SEEDS on as --seeds" bash -c "
    make -n grade PART=2A SEEDS=5 | grep -qE '^scripts/grade --make 2A .*--seeds 5\$' &&
    ! make -n grade PART=2A | grep -q -- --seeds"
}

# The rules that keep a score honest: old results go first, a failed build scores 0 and
# says why, SIM means what it says, points are declared strictly, the exit codes.
test_grade_rules() {
  local g=scripts/grade fake=scripts/testdata/fake-build src=scripts/testdata/grade-sample.cpp
  local out=$tmp/rules
  stale() {  # an earlier grading's files in $out
    mkdir -p $out && echo '{"score": 99}' >$out/results.json &&
      touch $out/build.log $out/TestPass2A_7.log $out/notes_1.log
  }
  stale
  $g --sources $src -b $tmp/no-such-build TestPass2A -o $out/results.json >$tmp/nobuild.txt 2>&1
  echo "exit $?" >>$tmp/nobuild.txt
  check "grade: a missing build directory: exit 3, one line; old results and logs removed" bash -c "
    cat $tmp/nobuild.txt; [ \$(wc -l <$tmp/nobuild.txt) -eq 2 ] && grep -qx 'exit 3' $tmp/nobuild.txt &&
    grep -qx 'grade: no build directory .*no-such-build/ (make build first, or grade with --make)' $tmp/nobuild.txt &&
    [ ! -e $out/results.json ] && [ ! -e $out/build.log ] && [ ! -e $out/TestPass2A_7.log ] && [ -e $out/notes_1.log ]"
  stale
  $g --sources $src -b $fake --sim=yes -o $out/results.json >$tmp/badsim.txt 2>&1
  echo "exit $?" >>$tmp/badsim.txt
  check "grade: SIM other than 0 or 1 is a usage error naming the value; old results removed" bash -c "
    grep -qx 'grade: --sim=yes (make: SIM=yes): expected 0 (real world) or 1 (simulated world)' $tmp/badsim.txt &&
    grep -qx 'exit 2' $tmp/badsim.txt && [ ! -e $out/results.json ]"
  check "grade: make passes SIM=0 and SIM=1 on as --sim=0 and --sim=1" bash -c "
    make -n grade SIM=0 | grep -qE '^scripts/grade --make .*--sim=0\$' &&
    make -n grade SIM=1 PART=2A | grep -qE '^scripts/grade --make 2A .*--sim=1\$'"
  check "grade: make clean clears grade-out/ too" bash -c "make -n clean | grep -qE '^rm -rf .* grade-out( |\$)'"
  LAB_SIM=1 $g --sources $src -b $fake --sim=0 -o $tmp/real/results.json TestPass2A >$tmp/real.txt 2>&1
  $g --sources $src -b $fake --sim=1 -o $tmp/simulated/results.json TestPass2A >$tmp/simulated.txt 2>&1
  check "grade: --sim=0 is the real world (even with LAB_SIM=1 exported), --sim=1 the simulated" bash -c "
    $(declare -f contains lacks)
    grep -q ' real world, ' $tmp/real.txt && lacks $tmp/real/TestPass2A_1.log ', simulated world' &&
    grep -q ' simulated world, seeds 1..1, ' $tmp/simulated.txt &&
    contains $tmp/simulated/TestPass2A_1.log ', simulated world'"

  # Each form above a test case of its own, all in one file: every one is reported.
  local forms=('// points: 3 (hard)' '// Points: 3' '// points:' '//points:inf' '// points: nan'
               '// points: 0' '// points: -1' '// point: 3' '// points 3' '// points: 1e3'
               '// points: 1_0' '// points: extra!' "// points: 1$(printf '0%.0s' {1..400})")
  local i
  { echo 'TEST_SUITE("2A") {'
    for i in "${!forms[@]}"; do printf '%s\nTEST_CASE("TestPass%d2A") {}\n' "${forms[$i]}" "$i"; done
    echo '}'; } >$tmp/form.cpp
  $g --sources $tmp/form.cpp --list >$tmp/form.txt 2>&1
  check "grade: a bad points declaration is a usage error (exit 2)" test $? -eq 2
  for i in "${!forms[@]}"; do
    check "grade: '${forms[$i]:0:24}' is an error naming file, line and the expected form" \
      grep -qF -- "form.cpp:$((2 * i + 2)): bad points declaration '${forms[$i]}': expected '// points: N' with N a positive number (5, 2.5), or '// points: extra' (run, worth 0 points)" $tmp/form.txt
  done
  printf 'TEST_SUITE("2A") {\n// points are given per test\n// points: 2.5\nTEST_CASE("TestPass2A") {}\n}\n' >$tmp/form.cpp
  check "grade: '// points: 2.5' is a declaration, prose about points is not" bash -c "
    $g --sources $tmp/form.cpp --list | grep -qE '^2A +TestPass2A +2.5 '"

  printf 'TEST_SUITE("2A") {\n// points: 5\nTEST_CASE("TestPass2A") {}\n// points: extra\nTEST_CASE("TestFlaky2A") {}\n}\n' >$tmp/extra.cpp
  $g --sources $tmp/extra.cpp -b $fake --sim -n 3 -o $tmp/extra/results.json >$tmp/extra.txt 2>&1
  echo "exit $?" >>$tmp/extra.txt
  check "grade: '// points: extra' runs the test, worth 0 points, and points lost nowhere" bash -c "
    cat $tmp/extra.txt
    grep -qE '^TestFlaky2A \(2A, extra\) +extra +2/3 +- ' $tmp/extra.txt && grep -qE '^total +5 +5$' $tmp/extra.txt &&
    grep -qx 'exit 0' $tmp/extra.txt && python3 -c \"
import json
t = {t['name']: t for t in json.load(open('$tmp/extra/results.json'))['tests']}['TestFlaky2A (2A, extra)']
assert t['max_score'] == 0 and t['score'] == 0 and t['status'] == 'failed', t
assert t['output'].startswith('extra test, worth 0 points: passed 2/3 run(s)'), t\""
  sed -i 's|// points: extra|// points: 2|' $tmp/extra.cpp
  check "grade: an extra given '// points: 2' counts" bash -c "
    $g --sources $tmp/extra.cpp -b $fake --sim -n 3 -o $tmp/extra/results.json | grep -qE '^total +7 +6.33$'"

  # --make on a fake cmake (scripts/testdata/fake-cmake): the build's output, and a failed
  # build that must not run the binary an earlier build left.
  local build=$tmp/make-build
  PATH=$PWD/scripts/testdata/fake-cmake:$PATH $g --make --sources $src -b $build -o $out/results.json \
    TestPass2A >$tmp/make.txt 2>&1
  echo "exit $?" >>$tmp/make.txt
  check "grade: --make configures, builds raft_test and grades it" bash -c "
    cat $tmp/make.txt; grep -qx 'exit 0' $tmp/make.txt && grep -q 'Linking CXX executable raft_test' $out/build.log &&
    grep -qE '^TestPass2A \(2A\) +5 +1/1 +5$' $tmp/make.txt"
  stale
  FAKE_BUILD_ERROR=1 PATH=$PWD/scripts/testdata/fake-cmake:$PATH $g --make --sources $src -b $build \
    -o $out/results.json TestPass2A TestFlaky2A >$tmp/broken.txt 2>&1
  echo "exit $?" >>$tmp/broken.txt
  check "grade: a failed build scores every test 0 without running the old binary; exit 1" bash -c "
    cat $tmp/broken.txt; grep -qx 'exit 1' $tmp/broken.txt &&
    grep -qx 'grade: raft_test did not build; its tests score 0 (.*build.log)' $tmp/broken.txt &&
    grep -qE '^TestPass2A \(2A\) +5 +0/1 +0 +not run: raft_test did not build: raft/election.cpp:42:3: error: expected' $tmp/broken.txt &&
    [ ! -e $out/TestPass2A_1.log ] && [ ! -e $out/TestPass2A_7.log ]"
  check "grade: results.json shows the compiler's first errors, trimmed, for every test" python3 -c "
import json
r = json.load(open('$out/results.json'))
assert r['score'] == 0 and [t['score'] for t in r['tests']] == [0, 0], r
out = r['output']
assert out.startswith('The build failed, so the tests of raft_test did not run and score 0.'), out
assert 'raft/election.cpp:42:3: error: expected' in out and '$PWD' not in out, out
assert 'FAILED:' not in out and '/usr/bin/c++' not in out and '[1/2]' not in out and 'ninja:' not in out, out
assert 'more context 38' in out and 'more context 39' not in out and '(trimmed; 58 lines in all)' in out, out
for t in r['tests']:
    assert \"raft/election.cpp:42:3: error: expected ';' before\" in t['output'], t
"

  mkdir -p $tmp/codes && touch $tmp/codes/file && mkdir -p $tmp/codes/results.json
  $g --sources $src -b $fake -o $tmp/codes/file/results.json >$tmp/notdir.txt 2>&1
  local notdir=$?
  $g --sources $src -b $fake -o $tmp/codes/results.json >$tmp/isdir.txt 2>&1
  local isdir=$?
  check "grade: an output folder it cannot write: exit 3, one line, no traceback" bash -c "
    cat $tmp/notdir.txt $tmp/isdir.txt; [ $notdir -eq 3 ] && [ $isdir -eq 3 ] &&
    [ \$(cat $tmp/notdir.txt $tmp/isdir.txt | wc -l) -eq 2 ] &&
    grep -qx 'grade: cannot remove the old .*codes/file/results.json: Not a directory' $tmp/notdir.txt &&
    grep -qx 'grade: cannot remove the old .*codes/results.json: Is a directory' $tmp/isdir.txt"
  mkdir -p $tmp/full && ln -s /dev/full $tmp/full/results.json.tmp
  $g --sources $src -b $fake -o $tmp/full/results.json TestPass2A >$tmp/full.txt 2>&1
  local full=$?
  check "grade: a full disk: exit 3, one line, no results.json" bash -c "
    cat $tmp/full.txt; [ $full -eq 3 ] && tail -n 1 $tmp/full.txt | grep -qx 'grade: cannot write .*full/results.json: No space left on device' &&
    ! grep -q Traceback $tmp/full.txt && [ ! -e $tmp/full/results.json ] && [ -e /dev/full ]"
  if [ "$(id -u)" -ne 0 ]; then  # root writes anywhere
    mkdir -p $tmp/ro && chmod a-w $tmp/ro
    $g --sources $src -b $fake -o $tmp/ro/out/results.json >$tmp/ro.txt 2>&1
    local ro=$?
    check "grade: a read-only output folder: exit 3, one line" bash -c "
      cat $tmp/ro.txt; [ $ro -eq 3 ] && [ \$(wc -l <$tmp/ro.txt) -eq 1 ] && grep -q '^grade: cannot create' $tmp/ro.txt"
  fi
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
    for f in \$(git ls-files | grep -v -E '^(raft|kvraft|mutants)/'); do cmp -s \$f $tmp/ho/\$f || { echo differs: \$f; exit 1; }; done"
  check "handout: the catalogue of student bugs (mutants/) is left out" bash -c "
    git ls-files mutants | grep -q . && ! test -e $tmp/ho/mutants"
  check "handout: the API and the region-free code stay" bash -c "
    grep -q 'StartResult Start(Bytes command);' $tmp/ho/raft/raft.hpp &&
    grep -q 'std::shared_ptr<lab::Service> MakeService' $tmp/ho/raft/raft.cpp &&
    grep -q 'return result;' $tmp/ho/raft/raft.cpp"
  check "handout: scripts stay executable" test -x "$tmp/ho/scripts/stress"
  check "handout: a non-empty folder is refused" bash -c "! $h $tmp/ho 2>$tmp/err.txt && grep -q 'not empty' $tmp/err.txt"
  $h "$tmp/ho3" --parts 3A,3B >/dev/null 2>&1
  check "handout: --parts strips only those parts" bash -c "
    grep -q '// STUDENT BEGIN 2A' $tmp/ho3/raft/election.cpp && ! grep -q '// STUDENT BEGIN 3A' $tmp/ho3/kvraft/server.cpp"

  # make check-rules in a handout, which is no git repository: its own file list.
  check "handout: check-rules passes in a clean handout (not a git repository)" bash -c "
    cd $tmp/ho && ! git rev-parse --git-dir 2>/dev/null && make -s check-rules >$tmp/rules.txt 2>&1 &&
    grep -qE '^runtime rule: ok \([0-9]+ files\)' $tmp/rules.txt && ! grep -q fatal $tmp/rules.txt"
  check "handout: check-rules checks citations too, without git" \
    grep -qE '^citations: ok \([0-9]+ files\)' "$tmp/rules.txt"
  cp -r "$tmp/ho" "$tmp/ho-rule"
  printf '#include <mutex>\nstd::mutex leaked;\n' >>"$tmp/ho-rule/raft/raft.cpp"
  check "handout: check-rules fails in a handout with a std::mutex, naming it" bash -c "
    ! make -s -C $tmp/ho-rule check-rules >$tmp/rules.txt 2>&1 &&
    grep -q 'raft/raft.cpp:[0-9]*: std::mutex leaked;' $tmp/rules.txt && ! grep -q 'rule: ok' $tmp/rules.txt"
  cp -r "$tmp/ho" "$tmp/ho-cite"
  printf '# As the spec says (LAB''-SPEC §2.4).\n' >>"$tmp/ho-cite/scripts/deps.sh"
  check "handout: check-rules fails on a citation of a document outside the repository" bash -c "
    ! make -s -C $tmp/ho-cite check-rules >$tmp/cite.txt 2>&1 &&
    grep -q 'scripts/deps.sh:[0-9]*:# As the spec says' $tmp/cite.txt && grep -q '^runtime rule: ok' $tmp/cite.txt"
  mkdir -p "$tmp/ho-rule/build-x" && printf 'std::mutex m;\n' >"$tmp/ho-rule/build-x/gen.cpp"
  check "handout: check-rules without git skips build folders" bash -c "
    make -s -C $tmp/ho-rule check-rules >$tmp/rules.txt 2>&1; ! grep -q build-x $tmp/rules.txt"
  # A git that fails (say, on a repository of another owner) fails the check.
  mkdir -p "$tmp/fake-git"
  printf '#!/bin/sh\necho "fatal: detected dubious ownership in repository" >&2\nexit 128\n' >"$tmp/fake-git/git"
  chmod +x "$tmp/fake-git/git"
  check "handout: a failing git fails check-rules, never 'ok'" bash -c "
    ! PATH=$tmp/fake-git:\$PATH scripts/check-runtime-rule.sh >$tmp/rules.txt 2>&1 &&
    grep -q 'dubious ownership' $tmp/rules.txt && ! grep -q 'rule: ok' $tmp/rules.txt"
  printf '#!/bin/sh\n[ "$1" = rev-parse ] && { echo true; exit 0; }\necho "fatal: index file corrupt" >&2\nexit 128\n' >"$tmp/fake-git/git"
  check "handout: a failing git ls-files fails check-rules, never 'ok'" bash -c "
    ! PATH=$tmp/fake-git:\$PATH scripts/check-runtime-rule.sh >$tmp/rules.txt 2>&1 &&
    grep -q 'index file corrupt' $tmp/rules.txt && ! grep -q 'rule: ok' $tmp/rules.txt"

  # A small checkout of its own, for HANDOUT lines and bad markers.
  local src=$tmp/src
  mkdir -p "$src/raft" && git -C "$src" init -q
  printf 'int f() {\n  int x = 0;\n  // STUDENT BEGIN 3A\n  // HANDOUT: lab::sleep(1ms);\n  x = 42;\n  // STUDENT END 3A\n  return x;\n}\n' >"$src/raft/ok.cpp"
  git -C "$src" add -A
  $h --source "$src" "$tmp/small" >/dev/null 2>&1
  check "handout: HANDOUT lines become the skeleton under the TODO" bash -c "
    diff -u <(printf 'int f() {\n  int x = 0;\n  // TODO (3A): your code here.\n  lab::sleep(1ms);\n  return x;\n}\n') $tmp/small/raft/ok.cpp"

  # Solution notes, and comments that name what the handout removes.
  cat >"$src/raft/note.cpp" <<'EOF'
// What this module is for.
// SOLUTION NOTE BEGIN 2A
// The reference waits kSecretDelay between tries, in a Backoff.
// SOLUTION NOTE END 2A
// STUDENT BEGIN 2A
struct Backoff {};
// STUDENT END 2A
int g() {
  // STUDENT BEGIN 2A
  constexpr int kSecretDelay = 3;
  return kSecretDelay;
  // STUDENT END 2A
  return 0;
}
EOF
  git -C "$src" add -A
  $h --source "$src" "$tmp/note" >"$tmp/note.txt" 2>&1
  check "handout: a SOLUTION NOTE is dropped whole, with no TODO" bash -c "
    grep -q ', 1 solution notes dropped, ' $tmp/note.txt &&
    diff -u <(printf '// What this module is for.\n// TODO (2A): your code here.\nint g() {\n  // TODO (2A): your code here.\n  return 0;\n}\n') $tmp/note/raft/note.cpp"
  $h --source "$src" --parts 3A "$tmp/note3" >/dev/null 2>&1
  check "handout: a SOLUTION NOTE of a part not stripped stays" \
    grep -q '^// The reference waits kSecretDelay' "$tmp/note3/raft/note.cpp"
  local leak
  for leak in '// Waits kSecretDelay between tries.|kSecretDelay' '// Makes a `Backoff` first.|Backoff'; do
    printf '%s\nint h();\n' "${leak%|*}" >"$src/raft/leak.cpp"
    git -C "$src" add -A
    rm -rf "$tmp/leak"
    check "handout: a comment naming removed code (${leak#*|}) stops it, naming file and line" bash -c "
      ! $h --source $src $tmp/leak 2>$tmp/err.txt && grep -qx '  raft/leak.cpp:1: ${leak#*|}' $tmp/err.txt &&
      grep -q 'nothing was written' $tmp/err.txt && [ ! -e $tmp/leak/raft ]"
  done
  printf '// Waits a while between tries, then makes a backoff (currentTerm is the paper'"'"'s).\nint h();\n' >"$src/raft/leak.cpp"
  git -C "$src" add -A
  rm -rf "$tmp/leak"
  check "handout: a neutral comment (plain words, the paper's names) passes" $h --source "$src" "$tmp/leak"
  git -C "$src" rm -q -f raft/leak.cpp raft/note.cpp

  local bad
  for bad in '// STUDENT BEGIN 2A|never closed' '// STUDENT BEGIN 2A\n// STUDENT BEGIN 2A|do not nest' \
             '// STUDENT END 2A|with no BEGIN' '// STUDENT BEGIN 2A\n// STUDENT END 2B|closes the region' \
             '  // STUDENT BEGIN|malformed marker' '// SOLUTION NOTE BEGIN 2A\nint x;|holds only comments' \
             '// SOLUTION NOTE BEGIN 2A\n// HANDOUT: x();|holds only comments' \
             '// SOLUTION NOTE BEGIN 2A\n// STUDENT END 2A|closes the region'; do
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
  printf '#!/bin/bash\nif [ "$1" = -ltc ]; then echo TestOne2A; echo TestTwo2A; exit 0; fi\necho "[doctest] test cases: 0 | 0 passed | 0 failed | 2 skipped"\n' >"$bin/none"
  chmod +x "$bin/none"
  scripts/run-tests.sh "$bin" none "-ts=2A -tc=TestTypo2A" >"$tmp/run-none.txt" 2>&1
  echo "exit $?" >>"$tmp/run-none.txt"
  check "run-tests: arguments that select no test case fail and list the test cases" bash -c "
    cat $tmp/run-none.txt
    grep -qx 'run-tests: no test case of none matches: -ts=2A -tc=TestTypo2A' $tmp/run-none.txt &&
    grep -qx '  TestTwo2A' $tmp/run-none.txt && grep -qx '0 passed, 1 failed' $tmp/run-none.txt &&
    grep -qx 'exit 1' $tmp/run-none.txt"
  scripts/run-tests.sh "$bin" pass "" >"$tmp/run-ok.txt" 2>&1
  echo "exit $?" >>"$tmp/run-ok.txt"
  check "run-tests: all passing exits 0 and lists nothing" bash -c "
    tail -n 2 $tmp/run-ok.txt | head -n 1 | grep -qx '5 passed, 0 failed' && grep -qx 'exit 0' $tmp/run-ok.txt &&
    ! grep -q '^failed:' $tmp/run-ok.txt"
}

# --- porcupine_bench's command line (the real binary, built if missing) -----------------
test_porcupine_bench() {
  local b=build/porcupine_bench
  [ -x $b ] || cmake --build build --target porcupine_bench >/dev/null || { check "porcupine_bench builds" false; return; }
  check "porcupine_bench: --help prints the usage and runs nothing" bash -c "
    $b --help >$tmp/pb.txt && grep -q '^usage: porcupine_bench' $tmp/pb.txt && ! grep -q 'runs per row' $tmp/pb.txt"
  local bad
  for bad in 'abc|RUNS must be a whole number' '0|RUNS must be a whole number' '3 x|SEED must be a whole number' \
             '--bogus|unknown option' '--log|takes one or more log files' '--log /|/: a folder, not a history file' \
             '--log /no/such/file|/no/such/file: cannot be read' '--generate x|CLIENTS must be' \
             '--log x --runs 0|--runs must be' '--generate 5 --model set|unknown --model'; do
    check "porcupine_bench ${bad%|*}: exit 3 and one line: ${bad#*|}" bash -c "
      $b ${bad%|*} >$tmp/pb.out 2>$tmp/pb.err; [ \$? -eq 3 ] && grep -q -- '${bad#*|}' $tmp/pb.err &&
      [ \$(wc -l <$tmp/pb.err) -eq 1 ] && [ ! -s $tmp/pb.out ]"
  done
  $b --generate 5 1 >"$tmp/c5-ok.txt" && $b --generate 5 1 --illegal >"$tmp/c5-bad.txt"
  check "porcupine_bench --log: linearizable histories exit 0, an illegal one 1" bash -c "
    $b --log $tmp/c5-ok.txt --runs 1 >/dev/null && { $b --log $tmp/c5-ok.txt $tmp/c5-bad.txt --runs 1 >$tmp/pb.txt; [ \$? -eq 1 ]; } &&
    grep -q 'not linearizable' $tmp/pb.txt"
}

# --- lincheck's command line and exit codes (the real binary, built if missing) ------------
test_lincheck() {
  local l=build/lincheck b=build/porcupine_bench
  for t in lincheck porcupine_bench; do
    [ -x build/$t ] || cmake --build build --target $t >/dev/null || { check "$t builds" false; return; }
  done
  check "lincheck: --help prints the usage and exits 0" bash -c "
    $l --help >$tmp/lc.txt && grep -q '^usage: lincheck' $tmp/lc.txt && grep -q 'Exit status' $tmp/lc.txt"
  $b --generate 5 1 >"$tmp/kv-ok.txt" && $b --generate 5 1 --illegal >"$tmp/kv-bad.txt"
  $b --generate 10 1 --model cas >"$tmp/cas-ok.json" && $b --generate 10 1 --model cas --illegal >"$tmp/cas-bad.json"
  printf '%s\n' 'INFO  jepsen.util - 0	:invoke	:write	3' 'INFO  jepsen.util - 0	:ok	:write	3' \
    'INFO  jepsen.util - 1	:invoke	:cas	[3 4]' 'INFO  jepsen.util - 1	:info	:cas	:timed-out' \
    'INFO  jepsen.util - 2	:invoke	:read	nil' 'INFO  jepsen.util - 2	:ok	:read	4' >"$tmp/etcd.log"
  check "lincheck: linearizable kv, cas and Jepsen histories exit 0, with a verdict per partition" bash -c "
    $l $tmp/kv-ok.txt $tmp/cas-ok.json $tmp/etcd.log >$tmp/lc.txt && grep -q '^  Ok  *key .0.' $tmp/lc.txt &&
    grep -q 'cas-ok.json: cas model' $tmp/lc.txt && grep -q 'etcd.log: Ok: linearizable' $tmp/lc.txt &&
    grep -q '^overall: Ok: linearizable' $tmp/lc.txt"
  check "lincheck: an illegal history exits 1 and says so per partition and overall" bash -c "
    $l $tmp/kv-ok.txt $tmp/kv-bad.txt >$tmp/lc.txt; [ \$? -eq 1 ] && grep -q '^  Illegal  key' $tmp/lc.txt &&
    grep -q '^overall: Illegal: not linearizable' $tmp/lc.txt && { $l $tmp/cas-bad.json >/dev/null; [ \$? -eq 1 ]; }"
  check "lincheck --html writes the picture of an illegal history" bash -c "
    $l --html $tmp/lc.html $tmp/cas-bad.json >/dev/null; [ \$? -eq 1 ] && grep -q 'Illegal' $tmp/lc.html"
  # 24 concurrent writes of distinct values and a read of none of them: hopeless.
  { printf '['; for i in $(seq 0 23); do printf '{"client": %d, "f": "write", "input": %d, "call": 0, "return": 9},' $i $i; done
    printf '{"client": 99, "f": "read", "output": -1, "call": 10, "return": 11}]\n'; } >"$tmp/hopeless.json"
  check "lincheck --budget: a check that runs out exits 2 (unknown), within the budget" bash -c "
    $l -v --budget 0.3 $tmp/hopeless.json >$tmp/lc.txt; [ \$? -eq 2 ] && grep -q 'Unknown: the budget ran out' $tmp/lc.txt &&
    grep -qE ': 0\.(2|3)[0-9]* s, ' $tmp/lc.txt"
  printf '%s\n' '{"operations": [' '{"client": 0, "f": "read", "call": 5, "return": 2}]}' >"$tmp/bad.json"
  printf '%s\n' '{:process 0, :type :invoke, :f :get, :key "k", :value nil}' '{:process 0, :type :bad}' >"$tmp/bad.edn"
  local bad
  for bad in "$tmp/bad.json|bad.json:2: \"return\" (2) is before \"call\" (5)" "$tmp/bad.edn|bad.edn:2: not an event" \
             "--model register $tmp/cas-ok.json|the register model has no :f :cas" \
             "/no/such/file|/no/such/file: cannot be read" "/|/: a folder"; do
    check "lincheck ${bad%%|*}: exit 3 and one line naming file and line: ${bad#*|}" bash -c "
      $l ${bad%%|*} >$tmp/lc.out 2>$tmp/lc.err; [ \$? -eq 3 ] && grep -qF -- '${bad#*|}' $tmp/lc.err &&
      [ \$(wc -l <$tmp/lc.err) -eq 1 ] && [ ! -s $tmp/lc.out ]"
  done
  for bad in "--bogus $tmp/etcd.log|unknown option '--bogus'" "--model set $tmp/etcd.log|unknown --model 'set'" \
             "--format yaml $tmp/etcd.log|unknown --format 'yaml'" "--workers 0 $tmp/etcd.log|--workers takes" \
             "--budget soon $tmp/etcd.log|--budget takes" "--html|--html takes a value" "|no history FILE given" \
             "--html $tmp/x.html $tmp/etcd.log $tmp/etcd.log|--html draws one history"; do
    check "lincheck ${bad%%|*}: usage error, exit 4: ${bad#*|}" bash -c "
      $l ${bad%%|*} >$tmp/lc.out 2>$tmp/lc.err; [ \$? -eq 4 ] && grep -qF -- \"${bad#*|}\" $tmp/lc.err &&
      [ \$(wc -l <$tmp/lc.err) -eq 1 ] && [ ! -s $tmp/lc.out ]"
  done
}

# --- check-docs (examples in markdown rerun and compared) -----------------------------
test_check_docs() {
  local c=scripts/check-docs md=$tmp/doc.md
  printf '%s\n' 'Text.' '<!-- check-docs -->' '```' '$ printf "a\nb\nc\nd\n"' 'a' '...' 'd' '```' \
    '<!-- check-docs: before: echo gone >'"$tmp"'/before.txt; env: WHO=me -->' '```' '$ cat '"$tmp"'/before.txt; echo $WHO >&2' 'gone' 'me' '```' \
    '```' '$ echo not checked' 'anything' '```' >"$md"
  check "check-docs: examples that hold pass; ... stands for any lines; stderr counts; before and env clauses" bash -c "
    $c $md >$tmp/cd.txt; s=\$?; cat $tmp/cd.txt; [ \$s -eq 0 ] && grep -q '2 of 2 examples hold' $tmp/cd.txt"
  sed -i 's/^d$/e/' "$md"
  check "check-docs: a drifted example fails, naming the line and what is printed today" bash -c "
    $c $md >$tmp/cd.txt; s=\$?; cat $tmp/cd.txt; [ \$s -eq 1 ] && grep -q 'DRIFT  .*doc.md:4' $tmp/cd.txt &&
    grep -q 'shown line 7: e' $tmp/cd.txt && grep -q '1 drifted' $tmp/cd.txt"
  printf '%s\n' '<!-- check-docs: envy: X=1 -->' '```' '$ true' '```' >"$tmp/clause.md"
  check "check-docs: an unknown clause is an error" bash -c "
    $c $tmp/clause.md 2>$tmp/cd.err; [ \$? -eq 2 ] && grep -q \"unknown clause 'envy: X=1'\" $tmp/cd.err"
  printf '%s\n' '<!-- check-docs -->' 'no block' >"$tmp/bad.md"
  check "check-docs: a marker without its example is an error" bash -c "
    $c $tmp/bad.md 2>$tmp/cd.err; [ \$? -eq 2 ] && grep -q 'bad.md:1: a check-docs marker must be followed' $tmp/cd.err"
}

# --- the reference Raft's options (LAB_RAFT_MODE; the real raft_test, simulated) ---------
test_raft_mode() {
  local b=build/raft_test run="build/raft_test -tc=TestInitialElection2A"
  [ -x $b ] || { check "raft_test is built" false; return; }
  check "LAB_RAFT_MODE: a bad word stops the run with exit 2, naming it" bash -c "
    LAB_RAFT_MODE=prevote,bogus $run >$tmp/rm.txt 2>&1; [ \$? -eq 2 ] &&
    grep -q 'LAB_RAFT_MODE=prevote,bogus: unknown word \"bogus\"' $tmp/rm.txt"
  check "LAB_RAFT_MODE: the default asks for pre-votes; plain campaigns at once" bash -c "
    LAB_SIM=1 LAB_SEED=1 LAB_LOG=vote $run 2>&1 | grep -q 'asks for pre-votes' &&
    LAB_SIM=1 LAB_SEED=1 LAB_LOG=vote LAB_RAFT_MODE=plain $run >$tmp/plain.txt 2>&1 &&
    grep -q 'campaigns in term 1' $tmp/plain.txt && ! grep -q 'pre-vote' $tmp/plain.txt &&
    LAB_SIM=1 LAB_SEED=1 LAB_LOG=vote LAB_RAFT_MODE=checkquorum $run 2>&1 | grep -qv 'pre-vote'"
}

# --- mutants/apply (the catalogue of student bugs: lint, apply to a copy, take out) -------
test_mutants() {
  local a=mutants/apply copy=$tmp/mcopy cat=$tmp/mcat entry=2a-vote-twice-in-a-term
  check "mutants: --lint passes on the catalogue" bash -c "
    $a --lint >$tmp/lint.txt 2>&1; cat $tmp/lint.txt; grep -qE '^lint: ok \([0-9]+ entries: ' $tmp/lint.txt"
  check "mutants: --list --tsv has a header and one row per entry" bash -c "
    $a --list --tsv >$tmp/list.tsv && head -n 1 $tmp/list.tsv | grep -qx \$'name\tparts\tmode\texpect\trule' &&
    [ \$((\$(wc -l <$tmp/list.tsv) - 1)) -eq \$(ls mutants/*.patch | wc -l) ] &&
    grep -qE \$'^$entry\t2A,2B,2C\tboth\tcaught\t' $tmp/list.tsv"
  mkdir -p "$copy" && cp -r raft kvraft "$copy/"
  check "mutants: apply, then -R, restores the copy byte for byte" bash -c "
    $a self-checks-off $entry 3a-no-dedup $copy && ! diff -rq raft $copy/raft >/dev/null &&
    ! diff -rq kvraft $copy/kvraft >/dev/null && $a -R self-checks-off $entry 3a-no-dedup $copy &&
    diff -r raft $copy/raft && diff -r kvraft $copy/kvraft"
  check "mutants: --check leaves the copy untouched" bash -c "
    $a --check self-checks-off $entry $copy && diff -r raft $copy/raft"
  check "mutants: an entry that does not apply fails, naming it, and undoes the others" bash -c "
    ! $a self-checks-off $entry $entry $copy 2>$tmp/twice.txt &&
    grep -q '$entry.patch does not apply to $copy: ' $tmp/twice.txt && diff -r raft $copy/raft"
  check "mutants: the reference tree itself is refused" bash -c "
    $a $entry . 2>$tmp/self.txt; [ \$? -eq 2 ] && grep -q 'is the reference tree itself' $tmp/self.txt &&
    git diff --quiet -- raft"
  check "mutants: an unknown entry is an error naming it" bash -c "
    ! $a 2a-no-such-bug $copy 2>$tmp/unknown.txt && grep -q \"no entry named '2a-no-such-bug'\" $tmp/unknown.txt"
  # A catalogue of its own, broken on purpose.
  mkdir -p "$cat" && cp -r raft kvraft mutants "$cat/"
  sed -i 's/^Mode: both$/Mode: sometimes/' "$cat/mutants/$entry.patch"
  sed -i '/^Source: /d' "$cat/mutants/2a-no-up-to-date-check.patch"
  sed 's/^Name: .*/Name: 2b-other-name/' "$cat/mutants/3a-no-dedup.patch" >"$cat/mutants/3a-copied.patch"
  sed -i 's/  const bool fresh = last == lastSeq_.end() || op.SeqNum > last->second;/  const bool fresh = true;/' \
    "$cat/kvraft/server.cpp"
  $cat/mutants/apply --lint >"$tmp/badlint.txt" 2>&1
  echo "exit $?" >>"$tmp/badlint.txt"
  check "mutants: --lint fails on a broken catalogue, naming each file and problem" bash -c "
    $(declare -f contains); f=$tmp/badlint.txt
    contains \$f \"lint: mutants/$entry.patch: Mode 'sometimes' is not one of plain, default, both\" &&
    contains \$f 'lint: mutants/2a-no-up-to-date-check.patch: header lacks Source' &&
    contains \$f \"lint: mutants/3a-copied.patch: Name '2b-other-name' differs from the file name '3a-copied'\" &&
    contains \$f 'lint: mutants/3a-no-dedup.patch: does not apply to the tree: ' &&
    contains \$f 'lint: mutants/3a-dedup-by-not-equal.patch: does not apply to the tree: ' &&
    grep -qx 'exit 1' \$f"
}

# --- scripts/mutants: its command line (the runs themselves: scripts/check-mutants.sh) ---
test_mutants_runner() {
  local m=scripts/mutants arg
  check "mutants --list: the selected entries and their cells, plain mode first" bash -c "
    $m --list '2c-vote-*' --modes plain >$tmp/ml.txt; cat $tmp/ml.txt
    grep -qE '^2c-vote-not-persisted +caught +2C/plain\$' $tmp/ml.txt && grep -qx '2 entries' $tmp/ml.txt"
  check "mutants --parts narrows each entry's cells" bash -c "
    $m --list 2a-vote-twice-in-a-term --parts 2B | grep -qE '^2a-vote-twice-in-a-term +caught +2B/plain 2B/default\$'"
  for arg in "no-such-entry" "-n 0" "-n x" "-m -1" "-k -1" "--kill-after x" "-j 0" "--parts 2E" "--modes fast" "--sets some" "--parts 3A 2a-*"; do
    check "mutants $arg: a usage error (exit 2) that names the problem" bash -c "
      $m $arg --list >$tmp/mu.txt 2>&1; s=\$?; cat $tmp/mu.txt
      [ \$s -eq 2 ] && grep -qE '^mutants: (no entry|-n|-m|--kill-after|-j|--parts|--modes|--sets|no selected entry)' $tmp/mu.txt"
  done
  check "make mutants passes ENTRY, N, M, K, J, HOSTS and SETS on" bash -c "
    make -n mutants ENTRY='2a-* 3b-x' N=5 M=2 K=0 J=1 HOSTS=h SETS=all,go |
      grep -qxF \"scripts/mutants -n 5 -m 2 -k 0 -j 1 --sshloginfile h --sets all,go '2a-*' '3b-x'\""
}

# --- the safety monitors' switch and the extra suites (the real raft_test) ---------------
test_monitors() {
  local b=build/raft_test run="build/raft_test -tc=TestInitialElection2A"
  [ -x $b ] || { check "raft_test is built" false; return; }
  check "LAB_MONITORS: a value but 0 or 1 stops the run with exit 2, naming it" bash -c "
    LAB_MONITORS=yes $run >$tmp/mon.txt 2>&1; [ \$? -eq 2 ] &&
    grep -q 'lab: LAB_MONITORS=yes: expected 1 (safety monitors on, the default) or 0 (off)' $tmp/mon.txt"
  check "LAB_MONITORS=0 and =1 both run the tests" bash -c "
    LAB_SIM=1 LAB_SEED=1 LAB_MONITORS=0 $run >/dev/null 2>&1 && LAB_SIM=1 LAB_SEED=1 LAB_MONITORS=1 $run >/dev/null 2>&1"
  check "the extra suites: -ts=2C leaves them out, -ts=*-extra runs only them" bash -c "
    ! $b -ltc -ts=2A,2B,2C,2D | grep -q '^TestExtra' &&
    [ \$($b -ltc '-ts=*-extra' | grep -c '^TestExtra') -eq \$($b -ltc '-ts=*-extra' | grep -c '^Test') ] &&
    $b -ltc -ts=2C-extra | grep -qx TestExtraFigure8Schedule2C"
  check "the extra suites are graded 'extra', worth 0 points" bash -c "
    scripts/grade --list 2C-extra | grep -qE '^2C-extra TestExtraVoteSurvivesCrash2C +extra ' &&
    scripts/grade --list 2C-extra | grep -qx 'total 0 points in 0 tests, and 3 extra (0 points)'"
}

# --- make's test targets: a mistyped part is an error naming the parts -------------------
test_make_targets() {
  local target
  check "make handout PARTS=3A,3B: the handout's own PARTS reaches the generator" bash -c "
    make -s handout OUT=$tmp/make-handout PARTS=3A,3B >$tmp/mh.txt 2>&1; cat $tmp/mh.txt
    grep -q 'student regions replaced (3A: [0-9]*, 3B: [0-9]*)' $tmp/mh.txt"
  for target in test-2Z test-2a test-4A race-2z asan-3C test-labrpcx; do
    make -s "$target" >"$tmp/make.txt" 2>&1
    echo "exit $?" >>"$tmp/make.txt"
    check "make $target: an unknown part is an error listing the parts" bash -c "
      cat $tmp/make.txt
      grep -q \"no lab part '${target#*-}' in $target; parts: labrpc 2A 2B 2C 2D 2 3A 3B 3 porcupine\" $tmp/make.txt &&
      grep -qx 'exit 2' $tmp/make.txt"
  done
}

# --- deps.sh and TOOLCHAIN ----------------------------------------------------------
# What runs without installing anything: the system it does not know, the overrides, and
# the choice of toolchain (make -n: printed, not run).
test_deps() {
  DEPS_OS=unknown TOOLCHAIN=clang scripts/deps.sh >"$tmp/deps.txt" 2>&1
  echo "exit $?" >>"$tmp/deps.txt"
  check "deps.sh on an unknown system names the packages and exits 1" bash -c "
    $(declare -f contains); f=$tmp/deps.txt
    contains \$f 'not one deps.sh knows' && contains \$f 'libuv' && contains \$f 'cereal' &&
    contains \$f 'doctest' && contains \$f 'Clang 16 with libc++' && contains \$f 'DEPS_OS=skip' &&
    grep -qx 'exit 1' \$f"
  check "deps.sh with DEPS_OS=skip checks nothing and says nothing" bash -c "
    [ -z \"\$(DEPS_OS=skip scripts/deps.sh 2>&1)\" ]"
  check "deps.sh: a bad DEPS_OS or TOOLCHAIN is refused, exit 2" bash -c "
    DEPS_OS=solaris scripts/deps.sh 2>&1 | grep -q 'DEPS_OS=solaris: expected debian, fedora, macos, unknown or skip' &&
    { DEPS_OS=solaris scripts/deps.sh >/dev/null 2>&1; [ \$? = 2 ]; } &&
    TOOLCHAIN=icc scripts/deps.sh 2>&1 | grep -q 'TOOLCHAIN=icc: expected clang' &&
    { TOOLCHAIN=icc scripts/deps.sh >/dev/null 2>&1; [ \$? = 2 ]; }"
  check "make TOOLCHAIN=clang builds and tests with libc++ in build-clang" bash -c "
    make -n test-2A TOOLCHAIN=clang DEPS_OS=skip >$tmp/tc.txt 2>&1; cat $tmp/tc.txt
    grep -q -- '-B build-clang .*-DLAB_LIBCXX=ON' $tmp/tc.txt &&
    grep -q 'cmake --build build-clang .*--target raft_test' $tmp/tc.txt &&
    grep -q 'run-tests.sh build-clang raft_test' $tmp/tc.txt"
  check "make TOOLCHAIN=icc is refused" bash -c "
    make -n build TOOLCHAIN=icc 2>&1 | grep -q 'TOOLCHAIN=icc: expected clang'"
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(prettylog stress grade handout run_tests make_targets porcupine_bench lincheck check_docs raft_mode mutants mutants_runner monitors deps)
for tool in "${want[@]}"; do
  if declare -f "test_$tool" >/dev/null; then "test_$tool"; else echo "test-tools: no tests for $tool" >&2; exit 2; fi
done
echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
