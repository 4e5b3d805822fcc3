#!/usr/bin/env bash
# CI's check of the mutation runner (scripts/mutants) on the real tree, kept small: one
# catalogue entry the tests must catch and one known to be unobservable, over a few seeds
# of part 2C, a cell stopping at its first failing seed. The runner must kill the first,
# leave the second alive (every seed run), exit 0, and write
# the matrix in both formats. Its slots live in a fresh temporary folder, so this builds
# one copy of the tree from scratch.
# usage: scripts/check-mutants.sh
set -uo pipefail
cd "$(dirname "$0")/.."
CAUGHT=2a-election-timeout-fixed       # no random timeout: split votes repeat (2C catches it)
EQUIVALENT=2c-persist-on-every-rpc     # saving more often than needed is allowed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check NAME COMMAND...
  if "${@:2}"; then echo "ok    mutants: $1"; else echo "FAIL  mutants: $1"; failures=$((failures + 1)); fi
}

TMPDIR=$work scripts/mutants $CAUGHT $EQUIVALENT -n 3 -k 1 -j 1 --parts 2C -o "$work/out" \
  >"$work/run.txt" 2>&1
status=$?
cat "$work/run.txt"
check "exit 0 when the caught entry is killed and the equivalent one lives" test $status -eq 0
check "the summary line counts the caught entry" \
  grep -q '^mutants: the tests caught 1 of 1 entries (100%)' "$work/run.txt"
check "matrix.md: a row per entry and part, a column per mode" bash -c "
  grep -qx '| entry | expect | part | plain | default | first failure (plain mode first) | first kill |' $work/out/matrix.md &&
  grep -qE '^\| $CAUGHT \| caught \| 2C \| 1/[1-3] \| [01]/[1-3] \| Test[A-Za-z0-9]+2C seed [0-9]+: .+ \| [0-9.]+ s \|$' $work/out/matrix.md &&
  grep -qE '^\| $EQUIVALENT \| equivalent \| 2C \| 0/3 \| 0/3 \|  \|  \|$' $work/out/matrix.md"
check "matrix.json: the summary and each cell's seeds, first kill and replay line" python3 -c "
import json
m = json.load(open('$work/out/matrix.json'))
s = m['summary']['sets']['all']
assert (s['caught'], s['expected_caught'], s['survivors']) == (1, 1, []), s
assert m['summary']['errors'] == []
caught = next(e for e in m['entries'] if e['name'] == '$CAUGHT')
cell = next(c for c in caught['cells'] if c['part'] == '2C' and c['mode'] == 'plain')
# -k 1: the cell stopped at its first failing seed
assert cell['seeds_asked'] == 3 and cell['failing_seeds'] == [cell['seeds']], cell
assert cell['first_kill']['replay'].startswith('LAB_SIM=1 LAB_RAFT_MODE=plain LAB_SEED='), cell
"
echo "mutants: $failures failed"
[ $failures -eq 0 ]
