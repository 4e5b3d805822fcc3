#!/usr/bin/env bash
# Runs the labrpc benchmark RUNS times per scenario (default 5) and prints the medians
# beside the Go labrpc anchor (2 cores, Go 1.19, 2022 labrpc; issue 3).
# usage: scripts/bench.sh [BUILD_DIR] [RUNS] [SECONDS_PER_RUN]
set -euo pipefail
build=${1:-build}
runs=${2:-5}
secs=${3:-2}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
field() { sed -E "s/.* $1=([0-9.]+).*/\1/"; }

printf '%-34s %12s %10s %8s %10s %9s\n' scenario "calls/s" "Go calls/s" ratio "CPU s/run" "peak RSS"
for scenario in one ten kib; do
  case $scenario in
    one) label="one client, int argument"; go=39700 ;;
    ten) label="ten concurrent clients"; go=62800 ;;
    kib) label="one client, 1 KiB string argument"; go=29600 ;;
  esac
  out=$(for _ in $(seq "$runs"); do "$build/labrpc_bench" "$scenario" "$secs" | grep calls=; done)
  rate=$(field calls_per_s <<<"$out" | median)
  cpu=$(field cpu_s <<<"$out" | median)
  rss=$(field peak_rss_kib <<<"$out" | median)
  printf '%-34s %12.0f %10d %7.1fx %10.2f %6.1f MiB\n' "$label" "$rate" "$go" \
    "$(awk -v a="$rate" -v b="$go" 'BEGIN{print a/b}')" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
done
