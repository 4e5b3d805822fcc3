#!/usr/bin/env bash
# The simulated world against the real one (issue 6): wall seconds of each part and of
# the whole suite in simulation (median of RUNS) beside one real-time run; a sweep of
# SEEDS seeds over all of Lab 2; and leader failover over FAILOVER trials in simulation.
# The Go labs' full real-time run on this machine class: 709 s (Lab 2 288 s, Lab 3 421 s).
# usage: scripts/bench-sim.sh [BUILD_DIR] [RUNS=3] [SEEDS=1000] [FAILOVER=1000] [REAL=1]
set -euo pipefail
build=${1:-build} runs=${2:-3} seeds=${3:-1000} failover=${4:-1000} real=${5:-1}

wall() {  # wall seconds of one command, which must pass
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "bench-sim: failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "| part | simulated wall s (median of $runs) | real wall s | speed-up |"
echo "| --- | --- | --- | --- |"
sim_total=0 real_total=0
for part in 2A 2B 2C 2D 3A 3B; do
  case $part in 2*) bin=raft_test ;; 3*) bin=kv_test ;; esac
  sim=$(for _ in $(seq "$runs"); do wall env LAB_SIM=1 "$build/$bin" -ts=$part; echo; done | median)
  if [ "$real" = 1 ]; then r=$(wall "$build/$bin" -ts=$part); else r=nan; fi
  sim_total=$(awk -v a="$sim_total" -v b="$sim" 'BEGIN{print a+b}')
  real_total=$(awk -v a="$real_total" -v b="$r" 'BEGIN{print a+b}')
  echo "| $part | $sim | $r | $(awk -v a="$r" -v b="$sim" 'BEGIN{printf "%.0fx", a/b}') |"
done
echo "| all | $sim_total | $real_total | $(awk -v a="$real_total" -v b="$sim_total" 'BEGIN{printf "%.0fx", a/b}') (Go real: 709 s, $(awk -v b="$sim_total" 'BEGIN{printf "%.0fx", 709/b}')) |"
echo

start=$(date +%s)
seq "$seeds" | parallel --will-cite -j 2 \
  "LAB_SIM=1 LAB_SEED={} $build/raft_test >/dev/null 2>&1 || echo 'failing seed {}'" | tee /tmp/bench-sim-seeds.txt
echo "$seeds seeds of Lab 2 (2A-2D) in simulation, 2 jobs: $(( $(date +%s) - start )) s, $(grep -c failing /tmp/bench-sim-seeds.txt || true) failing"
echo

LAB_SIM=1 LAB_SEED=1 FAILOVER_TRIALS=$failover "$build/raft_bench" | grep '^leader failover'
