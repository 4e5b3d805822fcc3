#!/usr/bin/env bash
# Installs the Debian packages the project needs, and only those that are missing.
# Quick and silent when everything is present; says what it installs otherwise.
set -euo pipefail

packages=(g++ cmake ninja-build libuv1-dev libcereal-dev doctest-dev parallel python3-rich time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them when an install cannot find a package.
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/lab-deps.log 2>&1; then
  "${sudo_cmd[@]}" apt-get update -q >>/tmp/lab-deps.log 2>&1
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/lab-deps.log 2>&1 \
    || { echo "deps: apt-get failed; see /tmp/lab-deps.log" >&2; tail -n 20 /tmp/lab-deps.log >&2; exit 1; }
fi
echo "deps: done"
