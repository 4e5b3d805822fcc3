#!/usr/bin/env bash
# Runs doctest binaries and sums their results into one last line: "N passed, N failed".
# usage: run-tests.sh BUILD_DIR BINARY "ARGS" [BINARY "ARGS" ...]
# A BINARY written sim:NAME runs NAME in the simulated world (LAB_SIM=1).
# A binary that crashes or hangs past LAB_TEST_TIMEOUT seconds (default 2400) counts as
# one failed test case besides what it reported. ARGS that select no test case (a typo in
# RUN=...) are an error that lists the test cases there are.
set -uo pipefail
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
  # shellcheck disable=SC2086
  timeout -k 10 "${LAB_TEST_TIMEOUT:-2400}" "${sim[@]}" "$build_dir/$binary" $args 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n 1)
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
  if [ -n "$summary" ] && [ "${f:-0}" -gt 0 ] && ! grep -qE '^--- FAIL: ' "$log"; then
    while IFS= read -r name; do
      failures+=("$binary${sim:+ (simulated)}: $name")
    done < <(grep -E '^TEST CASE: ' "$log" | sed -E 's/^TEST CASE: +//' | sort -u)
  fi
  if [ -z "$summary" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
    echo "run-tests: $binary $args ended with status $rc before reporting (crash or timeout)"
    failures+=("$binary${sim:+ (simulated)}: ended with status $rc before reporting")
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
