#!/usr/bin/env bash
# Installs the packages the project needs, and only those that are missing: apt on
# Debian and Ubuntu (WSL included), dnf on Fedora, Homebrew on macOS. On any other system
# it names what to install and stops. Quick and silent when everything is present; says
# what it installs otherwise.
#   TOOLCHAIN=clang   also Clang 16 and libc++ (make build TOOLCHAIN=clang builds with them)
#   DEPS_OS=debian|fedora|macos|unknown   overrides the system detection (for the tests)
#   DEPS_OS=skip      checks nothing (a system this script does not know, set up by hand)
set -euo pipefail

toolchain=${TOOLCHAIN:-}
case "$toolchain" in
  "" | clang) ;;
  *) echo "deps: TOOLCHAIN=$toolchain: expected clang (or nothing, for the default compiler)" >&2; exit 2 ;;
esac

detect_os() {
  if [ "$(uname -s)" = Darwin ]; then echo macos; return; fi
  local ids=""
  [ -r /etc/os-release ] && ids=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
  case " $ids " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" fedora "*) echo fedora ;;
    *) echo unknown ;;
  esac
}
os=${DEPS_OS:-$(detect_os)}

# Runs an installer as root: directly, or through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "deps: not root and no sudo; install: ${missing[*]}" >&2
    exit 1
  fi
}

missing=()
case "$os" in
  skip)
    exit 0
    ;;
  debian)
    packages=(g++ cmake ninja-build libuv1-dev libcereal-dev doctest-dev parallel python3-rich time)
    [ "$toolchain" = clang ] && packages+=(clang-16 libc++-16-dev libc++abi-16-dev)
    for p in "${packages[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && exit 0
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists yet; refresh them when an install cannot find a package.
    if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/lab-deps.log 2>&1; then
      as_root apt-get update -q >>/tmp/lab-deps.log 2>&1
      as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/lab-deps.log 2>&1 \
        || { echo "deps: apt-get failed; see /tmp/lab-deps.log" >&2; tail -n 20 /tmp/lab-deps.log >&2; exit 1; }
    fi
    ;;
  fedora)
    # Fedora ships one current Clang, as clang; libc++ is libcxx.
    packages=(gcc-c++ cmake ninja-build libuv-devel cereal-devel doctest-devel parallel python3-rich time)
    [ "$toolchain" = clang ] && packages+=(clang libcxx-devel libcxxabi-devel)
    for p in "${packages[@]}"; do
      rpm -q "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && exit 0
    echo "deps: installing ${missing[*]}"
    as_root dnf install -y "${missing[@]}" >/tmp/lab-deps.log 2>&1 \
      || { echo "deps: dnf failed; see /tmp/lab-deps.log" >&2; tail -n 20 /tmp/lab-deps.log >&2; exit 1; }
    ;;
  macos)
    # Apple's Clang and libc++ come with the Xcode command line tools, for either
    # TOOLCHAIN. The scripts need a newer bash than macOS's 3.2, and GNU timeout
    # (coreutils' gtimeout). Homebrew has no formula for rich: pip installs it for the user.
    command -v brew >/dev/null || { echo "deps: macOS needs Homebrew (brew.sh), then make deps again" >&2; exit 1; }
    xcode-select -p >/dev/null 2>&1 || { echo "deps: install Apple's compiler first: xcode-select --install" >&2; exit 1; }
    installed=" $(brew list --formula -1 2>/dev/null | tr '\n' ' ') "
    for p in libuv cereal doctest cmake ninja parallel bash coreutils; do
      case "$installed" in *" $p "*) ;; *) missing+=("$p") ;; esac
    done
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
      echo "deps: installing ${missing[*]}"
      brew install "${missing[@]}" >/tmp/lab-deps.log 2>&1 \
        || { echo "deps: brew failed; see /tmp/lab-deps.log" >&2; tail -n 20 /tmp/lab-deps.log >&2; exit 1; }
    fi
    if ! python3 -c 'import rich' 2>/dev/null; then
      echo "deps: installing rich (python3 -m pip install --user)"
      # A Homebrew Python refuses --user installs unless told it may (PEP 668).
      python3 -m pip install --user --quiet rich 2>/dev/null \
        || python3 -m pip install --user --quiet --break-system-packages rich \
        || { echo "deps: pip failed; install Python's rich package by hand" >&2; exit 1; }
    elif [ ${#missing[@]} -eq 0 ]; then
      exit 0
    fi
    ;;
  unknown)
    {
      echo "deps: this system is not one deps.sh knows (Debian/Ubuntu, Fedora, macOS)."
      echo "deps: install these with its package manager:"
      echo "  a C++20 compiler (GCC 11+ or Clang 14+)$([ "$toolchain" = clang ] && echo ', Clang 16 with libc++')"
      echo "  CMake 3.22+, Ninja, pkg-config, libuv (with its headers), cereal, doctest,"
      echo "  GNU parallel, GNU time, Python 3 with the rich package"
      echo "deps: then run make with DEPS_OS=skip (e.g. make build DEPS_OS=skip)"
    } >&2
    exit 1
    ;;
  *)
    echo "deps: DEPS_OS=$os: expected debian, fedora, macos, unknown or skip" >&2
    exit 2
    ;;
esac
echo "deps: done"
