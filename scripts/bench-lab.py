#!/usr/bin/env python3
"""Lab benchmark: per part, wall seconds, CPU seconds (user+sys), peak RSS, total RPCs
and (Lab 3) client operations, the sums of the Passed lines, median of RUNS runs, beside
the Go figures of issues 4 and 5 (2 cores, Go 1.19, 2022 harness, a strong 2021 student
solution; reference tests only). Each part runs as its test binary alone, started by GNU
time, which reports its peak RSS: started from this Python process instead, the binary's
ru_maxrss would be Python's own ~14 MiB whenever that is more (Linux keeps in a process's
peak the memory it had before exec, and a child starts as a copy of its parent).

With --equal-work (Lab 3 only), each test runs alone with its clients paced
(LAB_KV_OPS_PER_SEC, tester/op_pacer.hpp) to the operations the staff solution did in it on
the 2022 lab page, so CPU, memory and RPCs compare at the same work: run flat out, these
tests' clients do ~100x the staff's operations in the same fixed seconds. Times and RPCs
are summed over the tests, the peak RSS is the largest.

usage: scripts/bench-lab.py [--build build] [--runs 3] [--parts 2A,2B,2C,2D | 3A,3B]
                            [--equal-work]
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

GO = {  # wall s, CPU s, peak RSS MiB, RPCs, staff-solution RPCs
    "2A": (12.9, 0.5, 12, 1211, 800),
    "2B": (26.2, 1.1, 20, 3355, 2630),
    "2C": (120.8, 9.3, 94, 30064, 26480),
    "2D": (127.8, 4.2, 13, 7561, 3669),
    "3A": (273.1, 124.0, 117, 172993, 58332),
    "3B": (147.6, 26.0, 40, 168028, 85786),
}
# Operations per test of the staff solution on the 2022 lab page (its example output, run
# with -race; the RPC column there sums to the staff figures above). TestOnePartition3A's
# three Passed lines are summed.
STAFF_OPS = {
    "3A": {"TestBasic3A": 903, "TestSpeed3A": 0, "TestConcurrent3A": 1160,
           "TestUnreliable3A": 441, "TestUnreliableOneKey3A": 52, "TestOnePartition3A": 8,
           "TestManyPartitionsOneClient3A": 765, "TestManyPartitionsManyClients3A": 974,
           "TestPersistOneClient3A": 908, "TestPersistConcurrent3A": 1033,
           "TestPersistConcurrentUnreliable3A": 474, "TestPersistPartition3A": 1060,
           "TestPersistPartitionUnreliable3A": 317,
           "TestPersistPartitionUnreliableLinearizable3A": 746},
    "3B": {"TestSnapshotRPC3B": 63, "TestSnapshotSize3B": 800, "TestSpeed3B": 0,
           "TestSnapshotRecover3B": 5820, "TestSnapshotRecoverManyClients3B": 6420,
           "TestSnapshotUnreliable3B": 482, "TestSnapshotUnreliableRecover3B": 471,
           "TestSnapshotUnreliableRecoverConcurrentPartition3B": 274,
           "TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B": 681},
}
# The paced tests (GenericTest) run their clients for 3 x 5 s; the others do fixed work,
# which the pace does not touch.
CLIENT_SECONDS = 15
# Go's totals cover the 2022 reference set; the later tests this port adds are excluded.
EXTRAS = "TestFollowerFailure2B,TestLeaderFailure2B,TestSnapshotInit2D"
# Raft: "... Passed --  time peers rpcs bytes cmds"; kvraft: "... Passed --  time peers rpcs ops".
PASSED = re.compile(r"^  \.\.\. Passed -- +[\d.]+ +\d+ +(\d+) +(\d+)")


def run(cmd, part, env=None):
    """One run of cmd: wall s, CPU s, peak RSS MiB, and the sums of RPCs and ops."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + cmd,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # time's usage includes the binary's
        wall = time.monotonic() - start
        if status != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{out[-3000:]}")
        peak_kib = int(rss_file.read().split()[-1])
    passed = [m for m in map(PASSED.match, out.splitlines()) if m]
    rpcs = sum(int(m.group(1)) for m in passed)
    ops = sum(int(m.group(2)) for m in passed) if part.startswith("3") else 0
    return wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024, rpcs, ops


def run_part(build, part):
    if part.startswith("2"):
        return run([f"{build}/raft_test", f"-ts={part}", f"-tce={EXTRAS}"], part)
    return run([f"{build}/kv_test", f"-ts={part}"], part)


def run_part_equal_work(build, part):
    """Each test alone, paced to the staff's operations: summed, the peak the largest."""
    results = []
    for test, ops in STAFF_OPS[part].items():
        env = dict(os.environ, LAB_KV_OPS_PER_SEC=f"{ops / CLIENT_SECONDS:.3f}")
        results.append(run([f"{build}/kv_test", f"-tc={test}"], part, env))
    wall, cpu, _, rpcs, ops = (sum(col) for col in zip(*results))
    return wall, cpu, max(r[2] for r in results), rpcs, ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--parts", default="2A,2B,2C,2D")
    ap.add_argument("--equal-work", action="store_true",
                    help="Lab 3: pace each test's clients to the staff's operations")
    args = ap.parse_args()
    parts = args.parts.split(",")
    for part in parts:
        if part not in GO:
            raise SystemExit(f"bench-lab: unknown part {part} (2A..2D, 3A, 3B)")
        if args.equal_work and part not in STAFF_OPS:
            raise SystemExit(f"bench-lab: --equal-work is for Lab 3 (3A, 3B), not {part}")
    measure = run_part_equal_work if args.equal_work else run_part
    print(f"median of {args.runs} runs; Go figures from issues 4 and 5"
          + ("; clients paced to the staff's operations" if args.equal_work else "") + "\n")
    print("| part | wall s (Go) | CPU s (Go) | peak RSS MiB (Go) | RPCs (Go / staff) | ops |")
    print("| --- | --- | --- | --- | --- | --- |")
    for part in parts:
        runs = [measure(args.build, part) for _ in range(args.runs)]
        wall, cpu, rss, rpcs, ops = (statistics.median(col) for col in zip(*runs))
        gw, gc, gr, grpc, staff = GO[part]
        staff_ops = f" (staff {sum(STAFF_OPS[part].values())})" if args.equal_work else ""
        print(f"| {part} | {wall:.1f} ({gw}) | {cpu:.2f} ({gc}) | {rss:.1f} ({gr}) | "
              f"{rpcs:.0f} ({grpc} / {staff}) | {f'{ops:.0f}' if ops else '–'}{staff_ops} |",
              flush=True)


if __name__ == "__main__":
    main()
