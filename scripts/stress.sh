#!/usr/bin/env bash
# The old name of the stress runner, kept for scripts and notes that call it: same options
# (-s, -n, -j, -r, -b, -o, PART); see scripts/stress -h for the rest.
exec "$(dirname "$0")/stress" "$@"
