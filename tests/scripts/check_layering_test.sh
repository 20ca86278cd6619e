#!/usr/bin/env bash
# Shows scripts/check_layering.py failing on includes that go against the layering (an upward
# include, a third-party header outside its home, an unknown layer) and passing on the real tree
# and on allowed includes, in throwaway source trees.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$root/scripts/check_layering.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# tree NAME FILE CONTENT: a source tree holding one file.
tree() {
  mkdir -p "$tmp/$1/$(dirname "$2")"
  printf '%s\n' "$3" > "$tmp/$1/$2"
  echo "$tmp/$1"
}
expect_fail() {  # NAME FILE CONTENT WHAT: the check exits 1 and names FILE:1 and WHAT.
  local out
  if out=$(/usr/bin/python3 "$check" "$(tree "$1" "$2" "$3")" 2>&1); then
    fail "$1: passed on $2: $3"
  fi
  grep -q "^$2:1: .*$4" <<<"$out" || fail "$1: output does not name $2:1 and '$4': $out"
}
expect_pass() {
  /usr/bin/python3 "$check" "$(tree "$1" "$2" "$3")" >/dev/null 2>&1 || fail "$1: failed on $2: $3"
}

/usr/bin/python3 "$check" "$root" >/dev/null || fail "the repository itself does not pass"
expect_fail eval_up src/eval/matching.cc '#include "store/store.h"' 'eval may not include'
expect_fail geometry_up src/geometry/iou.cc '#include "eval/matching.h"' 'geometry may not include'
expect_fail store_to_backend src/store/items.h '#include "store/sqlite/db.h"' 'store may not include'
expect_fail api_to_server src/api/items.cc '#include "server/http.h"' 'api may not include'
expect_fail sqlite_outside src/api/items.cc '#include <sqlite3.h>' 'belongs to store/sqlite'
expect_fail curl_outside src/server/x.cc '#include <curl/curl.h>' 'belongs to client'
expect_fail unknown_layer src/gui/main.cc '#include "core/log.h"' 'not a known layer'
expect_pass api_down src/api/items.cc '#include "store/items.h"'
expect_pass public src/geometry/iou.cc '#include "nucleus/status.h"'
expect_pass backend_up src/store/sqlite/db.cc '#include "store/store.h"'
echo "check_layering_test: ok"
