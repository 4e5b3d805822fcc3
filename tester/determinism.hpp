// The determinism check (LAB_CHECK_DETERMINISM=1): runs this test binary twice in the
// simulated world with one seed, each run tracing its events (LAB_SIM_TRACE), and
// compares the traces. A difference names the first event where the runs parted —
// the trace of a run that read the real clock, iterated an address-ordered container or
// drew from an unseeded source.
#pragma once

namespace tester {

// True when the environment asks for the check (and this is not one of its runs).
bool determinism_check_requested();

// Runs argv twice and compares; returns the process exit status (0: identical, and both
// runs passed).
int run_determinism_check(int argc, char** argv);

}  // namespace tester
