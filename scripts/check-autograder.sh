#!/usr/bin/env bash
# CI's autograder check: the zip of make autograder, unpacked into a fake Gradescope layout
# (source/, submission/, results/ under a temporary AUTOGRADER_ROOT), grades these
# submissions in turn with its run_autograder, in the same layout (one build, which
# recompiles only what each submission changes; setup.sh is not run: the packages are here):
#   correct         the reference raft/: full points
#   non-compiling   the same with a syntax error: every test 0, the compiler's message;
#                   graded right after "correct", whose full-points results are still there
#   failing         GetState never reports a leader: a real test failure, 0
#   hanging         GetState locks its mutex twice: killed at the limit, 0, "timed out"
#   no raft/        a submission without raft/: 0, and what was expected
#   grader fails    the grader cannot write its results (exit 3): 0, and that it failed
# Each results.json is checked against Gradescope's format (valid JSON, no NaN or
# Infinity, the fields, 0 <= score <= max_score). Grades TestInitialElection2A only,
# real world, 20 s limit per run.
# usage: scripts/check-autograder.sh [--keep]    (--keep: leave the layout for a look)
# Last line: "check-autograder: ok" or "check-autograder: FAILED (<what>)"; exit 0 or 1.
set -uo pipefail
cd "$(dirname "$0")/.."
keep=0
case ${1:-} in
  --keep) keep=1 ;;
  "") ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/autograder-check.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$dir"' EXIT
fail() { echo "check-autograder: FAILED ($1)"; [ $keep = 1 ] && echo "check-autograder: left in $dir"; exit 1; }
start=$SECONDS

make -s autograder PART=TestInitialElection2A TIMEOUT=20 OUT="$dir/autograder.zip" || fail "make autograder"
root=$dir/autograder
mkdir -p "$root/source" "$root/submission" "$root/results"
unzip -q "$dir/autograder.zip" -d "$root/source" || fail "unzip"
cp "$root/source/run_autograder" "$root/run_autograder"  # where Gradescope puts it

# check_results NAME SCORE TEXT...: results.json is Gradescope's format, scores SCORE, and
# its output fields hold each TEXT.
check_results() {
  local name=$1
  shift
  python3 - "$root/results/results.json" "$@" <<'EOF' || fail "$name: results.json"
import json, math, sys
path, want, *texts = sys.argv[1:]
def constant(c):
    raise ValueError(f"{c} is not JSON")
r = json.loads(open(path).read(), parse_constant=constant)
def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
assert isinstance(r, dict) and number(r["score"]) and isinstance(r["tests"], list), r
assert number(r.get("execution_time", 0)) and isinstance(r.get("output", ""), str), r
for t in r["tests"]:
    assert isinstance(t["name"], str) and isinstance(t["output"], str), t
    assert number(t["score"]) and number(t["max_score"]) and 0 <= t["score"] <= t["max_score"], t
    assert t.get("status", "passed") in ("passed", "failed"), t
if r["tests"]:
    assert abs(r["score"] - sum(t["score"] for t in r["tests"])) < 1e-6, r
assert r["score"] == float(want), f"score {r['score']}, expected {want}"
shown = "\n".join([r.get("output", "")] + [t["output"] for t in r["tests"]])
for text in texts:
    assert text in shown, f"no {text!r} in:\n{shown}"
print(f"  score {r['score']:g} of {sum(t['max_score'] for t in r['tests']):g}")
EOF
}

# submit NAME: the reference raft/ as the submission, to be edited by the caller.
submit() {
  rm -rf "$root/submission" && mkdir -p "$root/submission/raft"
  cp raft/*.cpp raft/*.hpp "$root/submission/raft/"
}
grade() {  # grade NAME: runs run_autograder, its output in $dir/NAME.out
  echo "check-autograder: $1"
  AUTOGRADER_ROOT=$root "$root/run_autograder" >"$dir/$1.out" 2>&1
  local status=$?
  [ $status -eq 0 ] || { tail -n 20 "$dir/$1.out"; fail "$1: run_autograder exited $status"; }
}

submit
grade correct
check_results correct 5 "passed 1/1" "Graded your raft/api.hpp, raft/election.cpp"

[ -f "$root/source/grade-out/results.json" ] && [ -f "$root/results/results.json" ] ||
  fail "the correct submission's results are not there for the next one to replace"
submit
echo 'int broken = ;' >>"$root/submission/raft/election.cpp"
grade non-compiling
check_results non-compiling 0 "The build failed" "raft/election.cpp:" \
  "error: expected primary-expression before" "not run: raft_test did not build"

submit
sed -i 's/state.isLeader = role_ == Role::Leader && !Killed();/state.isLeader = false;/' "$root/submission/raft/raft.cpp"
grep -q 'state.isLeader = false;' "$root/submission/raft/raft.cpp" || fail "failing: the edit did not apply"
grade failing
check_results failing 0 "expected one leader, got none" "run 1: failed"

submit
sed -i 's/^  state.term = currentTerm_;/  lab::Lock again(mu_);  \/\/ deadlock\n&/' "$root/submission/raft/raft.cpp"
grep -q 'lab::Lock again(mu_);' "$root/submission/raft/raft.cpp" || fail "hanging: the edit did not apply"
grade hanging
check_results hanging 0 "timed out after 20 s (killed)"
pgrep -f "$root/source/build/raft_test" && fail "hanging: the test still runs"

rm -rf "$root/submission" && mkdir -p "$root/submission/6.5840/raft"
grade "no raft"
check_results "no raft" 0 "has no raft/*.cpp or raft/*.hpp" "Found at the top: 6.5840"

rm -rf "$root/source/grade-out" && touch "$root/source/grade-out"  # the grader cannot write
submit
grade "grader fails"
check_results "grader fails" 0 "could not grade this submission (scripts/grade exited with status 3)" \
  "grade: cannot remove the old grade-out/results.json: Not a directory"

echo "check-autograder: 6 submissions graded in $((SECONDS - start)) s"
echo "check-autograder: ok"
