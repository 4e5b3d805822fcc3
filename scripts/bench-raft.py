#!/usr/bin/env python3
"""Lab 2 benchmark: per part, wall seconds, CPU seconds (user+sys), peak RSS and total
RPCs (the sum of the Passed lines), median of RUNS runs, beside the Go figures of issue 4
(2 cores, Go 1.19, 2022 harness, a strong 2021 student solution; reference tests only).

usage: scripts/bench-raft.py [--build build] [--runs 3] [--parts 2A,2B,2C,2D]
"""
import argparse
import os
import re
import statistics
import subprocess
import time

GO = {  # wall s, CPU s, peak RSS MiB, RPCs, staff-solution RPCs
    "2A": (12.9, 0.5, 12, 1211, 800),
    "2B": (26.2, 1.1, 20, 3355, 2630),
    "2C": (120.8, 9.3, 94, 30064, 26480),
    "2D": (127.8, 4.2, 13, 7561, 3669),
}
# Go's totals cover the 2022 reference set; the later tests this port adds are excluded.
EXTRAS = "TestFollowerFailure2B,TestLeaderFailure2B,TestSnapshotInit2D"
PASSED = re.compile(r"^  \.\.\. Passed -- +[\d.]+ +\d+ +(\d+) ")


def run_part(build, part):
    cmd = [f"{build}/raft_test", f"-ts={part}", f"-tce={EXTRAS}"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"{part} failed:\n{out[-3000:]}")
    rpcs = sum(int(m.group(1)) for m in map(PASSED.match, out.splitlines()) if m)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, rpcs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--parts", default="2A,2B,2C,2D")
    args = ap.parse_args()
    print(f"median of {args.runs} runs; Go figures from issue 4\n")
    print("| part | wall s (Go) | CPU s (Go) | peak RSS MiB (Go) | RPCs (Go / staff) |")
    print("| --- | --- | --- | --- | --- |")
    for part in args.parts.split(","):
        runs = [run_part(args.build, part) for _ in range(args.runs)]
        wall, cpu, rss, rpcs = (statistics.median(col) for col in zip(*runs))
        gw, gc, gr, grpc, staff = GO[part]
        print(f"| {part} | {wall:.1f} ({gw}) | {cpu:.2f} ({gc}) | {rss:.1f} ({gr}) | "
              f"{rpcs:.0f} ({grpc} / {staff}) |", flush=True)


if __name__ == "__main__":
    main()
