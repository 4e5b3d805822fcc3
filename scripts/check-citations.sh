#!/usr/bin/env bash
# Every citation points inside the repository: the project's design is docs/design.md, and
# the Go harness is cited by its own file and function ("Go: raft/config.go, one()").
# Fails on any file (code, scripts, docs) naming the private notes this port was first
# written from, which users do not have: the lab specification, the design and style
# notes, or their folder. Run by `make check-rules`; the files come from scripts/list-files.
set -euo pipefail
cd "$(dirname "$0")/.."
# Spelt in pieces so that this file does not match itself.
pattern='LAB''-SPEC|DESIGN''\.md|STYLE''\.md|(^|[^[:alnum:]_.-])shared''/'
files=$(scripts/list-files) || { echo "citations: cannot list the files (above)"; exit 1; }
[ -n "$files" ] || { echo "citations: no files found in $PWD"; exit 1; }
mapfile -t paths <<<"$files"
status=0
hits=$(grep -n -I -E "$pattern" -- "${paths[@]}") || status=$?
if [ $status -gt 1 ]; then
  echo "citations: the check itself failed (above)"
  exit 1
fi
if [ -n "$hits" ]; then
  echo "citations of documents outside the repository (cite docs/design.md, or the Go"
  echo "harness's file and function, e.g. \"Go: raft/config.go, one()\"):"
  echo "$hits"
  exit 1
fi
echo "citations: ok ($(wc -l <<<"$files") files)"
