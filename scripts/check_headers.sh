#!/usr/bin/env bash
# Every header compiles on its own (STYLE.md): each of include/nucleus/*.h and src/**/*.h is
# compiled alone as a translation unit (-fsyntax-only), so a header that leans on what its
# includer happened to include first fails here. Prints the failing headers; exits 1 if any.
#
#   scripts/check_headers.sh [ROOT] [JOBS]
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
jobs=${2:-$(nproc)}
cxx=${CXX:-g++}
flags="-std=c++20 -fsyntax-only -Wall -Wextra -Werror -I$root/include -I$root/src"
flags+=" $(pkg-config --cflags polyclipping libbrotlidec 2>/dev/null || true)"
cd "$root"
failed=$( (find include src -name '*.h' | sort) | xargs -P "$jobs" -I{} sh -c \
  "echo '#include \"{}\"' | $cxx $flags -x c++ - -o /dev/null 2>/dev/null || echo {}" )
if [ -n "$failed" ]; then
  echo "check_headers: these headers do not compile on their own:" >&2
  echo "$failed" >&2
  exit 1
fi
echo "check_headers: ok ($(find include src -name '*.h' | wc -l) headers)"
