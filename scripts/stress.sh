#!/usr/bin/env bash
# Runs one lab part (or one test) many times, J at a time, with GNU parallel; counts
# failures and keeps each failing run's full output (with its seed) for replay.
# usage: scripts/stress.sh [-s] [-n RUNS] [-j JOBS] [-r TEST] [-b BUILD_DIR] [-o OUT_DIR] PART
#   PART: labrpc | 2A | 2B | 2C | 2D | 3A | 3B | porcupine
#   -s: the simulated world, run k with LAB_SEED=k (a seed sweep); each failing seed is
#       listed with the command that replays it exactly.
set -euo pipefail
runs=20 jobs=2 test="" build=build out="" sim=0
while getopts "sn:j:r:b:o:" opt; do
  case $opt in
    s) sim=1 ;;
    n) runs=$OPTARG ;; j) jobs=$OPTARG ;; r) test=$OPTARG ;; b) build=$OPTARG ;; o) out=$OPTARG ;;
    *) sed -n '2,6p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
part=${1:?$(sed -n '4,5p' "$0")}
case $part in
  labrpc) cmd=("$build/labrpc_test") ;;
  2[A-D]) cmd=("$build/raft_test" "-ts=$part") ;;
  3[AB]) cmd=("$build/kv_test" "-ts=$part") ;;
  porcupine) cmd=("$build/porcupine_test") ;;
  *) echo "stress: unknown part $part" >&2; exit 2 ;;
esac
[ -n "$test" ] && cmd+=("-tc=$test")
[ -x "${cmd[0]}" ] || { echo "stress: ${cmd[0]} not built (run make build)" >&2; exit 2; }
out=${out:-stress-out/$(date +%Y%m%d_%H%M%S)-$part${test:+-$test}}
mkdir -p "$out"

run_one() {  # $1 = run number; the rest = command
  local k=$1; shift
  local log="$OUT/run_$k.log"
  local env=()
  [ "$SIM" = 1 ] && env=(env LAB_SIM=1 LAB_SEED="$k")
  if timeout -k 10 "${LAB_TEST_TIMEOUT:-1800}" "${env[@]}" "$@" >"$log" 2>&1 \
      && grep -q 'Status: SUCCESS' "$log"; then
    rm -f "$log"; echo "pass $k"
  else
    echo "fail $k $log"
  fi
}
export -f run_one
export OUT=$out SIM=$sim

mode=""
[ "$sim" = 1 ] && mode=" (simulated, seeds 1..$runs)"
echo "stress: ${cmd[*]} x $runs$mode, $jobs at a time; failing runs kept in $out/"
start=$SECONDS
results=$(seq "$runs" | parallel --will-cite --line-buffer -j "$jobs" run_one {} "${cmd[@]}" \
  | tee /dev/stderr)
failed=$(grep -c '^fail' <<<"$results" || true)
echo "stress: $part${test:+ $test}: $((runs - failed))/$runs passed, $failed failed in $((SECONDS - start)) s"
if [ "$failed" -gt 0 ]; then
  grep '^fail' <<<"$results" | while read -r _ k log; do
    if [ "$sim" = 1 ]; then
      echo "  seed $k: $log"
      echo "    reproduce: LAB_SIM=1 LAB_SEED=$k make test-$part${test:+ RUN=$test}"
    else
      echo "  run $k: $log ($(grep -m1 -o 'LAB_SEED=[0-9]*' "$log" || echo 'no seed'))"
    fi
  done
  exit 1
fi
rmdir "$out" 2>/dev/null || true
