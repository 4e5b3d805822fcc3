#!/usr/bin/env bash
# Runs doctest binaries and sums their results into one last line: "N passed, N failed".
# usage: run-tests.sh BUILD_DIR BINARY "ARGS" [BINARY "ARGS" ...]
# A BINARY written sim:NAME runs NAME in the simulated world (LAB_SIM=1).
# A binary that crashes, exits non-zero without a failed test, or hangs past
# LAB_TEST_TIMEOUT seconds (default 2400; the test binaries end a hung test themselves
# within seconds of its 120-second limit, so this is only a backstop) counts as one failed
# test case besides what it reported, with the reason.
# ARGS that select no test case (a typo in RUN=...) are an error that lists the test cases
# there are.
set -uo pipefail
limit=${LAB_TEST_TIMEOUT:-2400}
# GNU timeout; Homebrew's coreutils names it gtimeout on macOS.
timeout_cmd=timeout
command -v timeout >/dev/null || timeout_cmd=gtimeout

# Why a binary's run counts as a failure: exit_reason STATUS SECONDS SUMMARY_LINE.
exit_reason() {
  local rc=$1 seconds=$2 summary=$3
  # 124: timeout's TERM ended it; 137: its KILL did, 10 s later (or another SIGKILL).
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$seconds" -ge "$limit" ]; }; then
    echo "killed after $limit s (the runner's limit, LAB_TEST_TIMEOUT)"
  elif [ "$rc" -gt 128 ]; then
    echo "crashed with signal SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
  elif [ -n "$summary" ]; then
    echo "exited with status $rc after its report (see the output above, e.g. a sanitizer's)"
  elif [ "$rc" -eq 2 ]; then
    echo "exited 2 before running any test (see the error above)"
  else
    echo "exited with status $rc without a report (see the output above)"
  fi
}

build_dir=$1
shift
passed=0
failed=0
status=0
failures=()  # "binary: test case" of each failure, repeated at the end where CI shows it
while [ $# -ge 2 ]; do
  binary=$1 args=$2
  shift 2
  sim=()
  if [[ $binary == sim:* ]]; then
    binary=${binary#sim:}
    sim=(env LAB_SIM=1)
    echo "=== $binary $args (simulated world) ==="
  fi
  log=$(mktemp)
  started=$SECONDS
  # shellcheck disable=SC2086
  "$timeout_cmd" -k 10 "$limit" "${sim[@]}" "$build_dir/$binary" $args 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n 1)
  f=0
  if [ -n "$summary" ]; then
    p=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$summary")
    f=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$summary")
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -gt 0 ] && status=1
    if grep -qE '^\[doctest\] test cases: +0 \|' <<<"$summary"; then
      suite=$(grep -oE -- '-ts=[^ ]+' <<<"$args")
      echo "run-tests: no test case of $binary matches: $args"
      echo "run-tests: the test cases of $binary ${suite:+($suite)} are:"
      "$build_dir/$binary" -ltc $suite 2>/dev/null | grep -E '^Test|^[a-z_]+$' | sed 's/^/  /'
      failures+=("$binary${sim:+ (simulated)}: no test case matches $args")
      failed=$((failed + 1))
      status=1
    fi
  fi
  while IFS= read -r name; do
    failures+=("$binary${sim:+ (simulated)}: $name")
  done < <(grep -oE '^--- FAIL: [^ ]+' "$log" | cut -d' ' -f3)
  if [ -n "$summary" ] && [ "$f" -gt 0 ] && ! grep -qE '^--- FAIL: ' "$log"; then
    while IFS= read -r name; do
      failures+=("$binary${sim:+ (simulated)}: $name")
    done < <(grep -E '^TEST CASE: ' "$log" | sed -E 's/^TEST CASE: +//' | sort -u)
  fi
  if [ -z "$summary" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
    why=$(exit_reason "$rc" $((SECONDS - started)) "$summary")
    echo "run-tests: $binary $args: $why"
    failures+=("$binary${sim:+ (simulated)}: $why")
    failed=$((failed + 1))
    status=1
  fi
  rm -f "$log"
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
exit $status
