// Seed sweeps: `LAB_SIM=1 LAB_SEEDS=1..500 build/raft_test -ts=2A` runs the chosen test
// cases once per seed in one command, at the simulated world's own speed (no process, shell
// and job runner per run), and lists each failing run with the line that replays it.
//
// Each seed runs in a child process forked for it (the parent never starts a World or a
// thread, so fork is safe), with LAB_SEED set: a fresh process, so each test's World is
// seeded exactly as in `LAB_SIM=1 LAB_SEED=s build/raft_test -tc=TestX`, and a failure
// replays with that line. The child's output goes to a file; a doctest listener
// (tester/sweep_child.hpp) reports over a pipe where each test case's output starts and
// how it ended. A child that dies in a test case (a signal, an exit) or is killed for
// taking more than LAB_SWEEP_TIMEOUT seconds of real time on one costs that test case
// only, reported as crash or timeout: a new child runs the seed's remaining ones.
//
// Environment:
//   LAB_SEEDS          the seeds: 7, 1..500, 1..50,90 (tester/seed_list.hpp); needs LAB_SIM=1
//   LAB_SWEEP_TIMEOUT  real seconds a test case may take before it is killed (default 120;
//                      a simulated test takes well under a second, and the simulation's
//                      own guards end a stuck one sooner)
//   LAB_SWEEP_STOP_AFTER  K: no further seed starts once K seeds have a failing run (the
//                      seed under way finishes); for a question that one failure answers,
//                      such as whether a planted bug is caught (scripts/mutants --kill-after)
//   LAB_SWEEP_OUT      a folder for results.tsv (seed, test, status, seconds, message; one
//                      row per run) and <test>-seed<N>.log, each failing run's full output
//
// Prints one line per failing run and its replay line, then
//   sweep: N runs, P passed, F failed (C crashed, T timed out) in S s
// Exit status: 0 when every run passed, 1 when one did not, 2 for bad settings, 130 when
// interrupted.
#pragma once

#include <string>
#include <vector>

namespace tester::sweep {

// True when the environment asks for a sweep (LAB_SEEDS is set, even to nothing: an
// empty list is an error, not a run without a sweep).
bool requested();

// Runs the test binary's doctest once, excluding the test cases named (a seed's cases
// already run by a child that died); returns doctest's status.
using RunTests = int (*)(int argc, char** argv, const std::vector<std::string>& excluded);

// The sweep; returns the process's exit status.
int run(int argc, char** argv, RunTests run_tests);

}  // namespace tester::sweep
