#!/usr/bin/env bash
# Checks that the linearizability picture (tester/porcupine/visualize.hpp) displays: writes
# the picture of a generated illegal history, opens it in headless Chromium, and checks
# the page the browser built (its script ran, one box per operation, the invalid
# linearization point drawn); then takes a screenshot.
# usage: scripts/check-picture.sh [BUILD_DIR] [SCREENSHOT.png]
#   BUILD_DIR defaults to build; the screenshot defaults to a temporary file (docs use
#   docs/linearizability-picture.png).
# Installs Debian's chromium when no chromium is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shot=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
  echo "check-picture: installing chromium (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$build/porcupine_bench" ]; then
  cmake --build "$build" --target porcupine_bench >/dev/null
fi

page="$work/history.html"
"$build/porcupine_bench" --picture "$page" 5
ops=$(grep -o '"description":' "$page" | wc -l)

browser=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
  --user-data-dir="$work/profile" --virtual-time-budget=5000)
dom="$work/dom.html"
timeout 120 "${browser[@]}" --dump-dom "file://$page" >"$dom" 2>"$work/chromium.log" || {
  echo "check-picture: chromium failed:"; tail -n 20 "$work/chromium.log"; exit 1; }

fail() { echo "check-picture: FAIL: $*"; exit 1; }
grep -q 'data-rendered="ok"' "$dom" || fail "the page's script did not finish (no data-rendered=ok)"
boxes=$(grep -oE '<g class="op[^"]*" id="op-[0-9]+-[0-9]+"' "$dom" | wc -l)
[ "$boxes" -eq "$ops" ] || fail "$boxes operation boxes drawn for $ops operations"
grep -q 'class="lp-valid"' "$dom" || fail "no valid linearization point drawn"
grep -q '<line class="lp-invalid"' "$dom" || fail "no invalid linearization point drawn"
grep -q 'invalid-op' "$dom" || fail "the operation that cannot be linearized is not marked"
grep -q 'history: <span class="Illegal">Illegal' "$dom" || fail "summary does not say Illegal"

[ -n "$shot" ] || shot="$work/picture.png"
timeout 120 "${browser[@]}" --hide-scrollbars --window-size=1200,520 --screenshot="$shot" \
  "file://$page" >/dev/null 2>>"$work/chromium.log" || fail "screenshot failed"
size=$(stat -c %s "$shot")
[ "$size" -gt 10000 ] || fail "screenshot $shot is only $size bytes"
echo "check-picture: ok ($ops operations drawn, invalid LP marked; screenshot $shot, $size bytes)"
