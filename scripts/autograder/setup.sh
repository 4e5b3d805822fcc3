#!/usr/bin/env bash
# Gradescope runs this once, as root on its Ubuntu image, when it builds the autograder:
# it installs the packages the tree needs (scripts/deps.sh, through apt-get) and builds the
# test binaries the grader runs, as scripts/grade --make does, so that grading a
# submission recompiles only the student's files.
# (make autograder puts it at the top of the zip, beside run_autograder and the tree.)
set -euo pipefail
cd "${AUTOGRADER_ROOT:-/autograder}/source"
scripts/deps.sh
cmake -S . -B build -G Ninja
cmake --build build --target raft_test kv_test
