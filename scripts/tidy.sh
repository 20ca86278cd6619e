#!/usr/bin/env bash
# clang-tidy with the root's .clang-tidy over the sources of src/ (and the headers they include),
# using the compile commands of a configured build directory, so each file is checked with its
# layer's own include root. Every finding is an error; exits 1 if there is any.
#
#   scripts/tidy.sh [BUILD_DIR] [JOBS] [FILE_REGEX]
#     BUILD_DIR: default build (configured by `cmake --preset release`);
#     FILE_REGEX: which sources to check, default all of src/ (e.g. '/src/(core|eval)/').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
jobs=${2:-$(nproc)}
regex=${3:-$root/src/}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: no $build/compile_commands.json: configure first (cmake --preset release)" >&2
  exit 1
fi
tidy=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
if [ -z "$tidy" ]; then
  echo "tidy: run-clang-tidy not found: apt-get install clang-tidy" >&2
  exit 1
fi
# -Wno-unknown-warning-option: the commands are g++'s (-Wshadow=local), and clang-tidy is clang.
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$tidy" -p "$build" -j "$jobs" -quiet -extra-arg=-Wno-unknown-warning-option "$regex" >"$log" 2>&1
rc=$?
set -e
# The findings only: no colours, invocations or per-file counts of suppressed warnings.
sed 's/\x1b\[[0-9;]*m//g' "$log" |
  grep -v -e '^[0-9]* warnings\? generated\.$' -e '^Suppressed [0-9]* warnings' \
          -e '^Use -header-filter=' -e '^Running clang-tidy for' -e '^[^ ]*clang-tidy[^ ]* ' || true
echo "tidy: $([ "$rc" -eq 0 ] && echo ok || echo FAILED) ($((SECONDS - start)) s)"
exit "$rc"
