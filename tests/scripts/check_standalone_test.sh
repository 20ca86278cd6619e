#!/usr/bin/env bash
# Shows scripts/check_standalone.sh failing on tracked files that reach outside the repository
# and passing on clean ones, in throwaway git repositories. The offending strings are built at
# run time so that this file itself passes the check.
set -euo pipefail
check="$(cd "$(dirname "$0")/../.." && pwd)/scripts/check_standalone.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# new_repo NAME CONTENT: a git repository holding one tracked file, src.txt, with CONTENT.
new_repo() {
  local dir="$tmp/$1"
  mkdir -p "$dir"
  git -C "$dir" init -q
  printf '%s\n' "$2" > "$dir/src.txt"
  git -C "$dir" add src.txt
  echo "$dir"
}
# expect_fail NAME CONTENT: the check must exit 1 and name src.txt.
expect_fail() {
  local dir out
  dir=$(new_repo "$1" "$2")
  if out=$("$check" "$dir" 2>&1); then fail "$1: passed on: $2"; fi
  grep -q '^src.txt:1:' <<<"$out" || fail "$1: output does not name src.txt:1: $out"
}
expect_pass() {
  local dir
  dir=$(new_repo "$1" "$2")
  "$check" "$dir" >/dev/null 2>&1 || fail "$1: failed on: $2"
}

dots=..
sh=shared
w=work
h=home
expect_fail sibling_fixtures "set(DIR \${PROJECT_SOURCE_DIR}/$dots/$sh/fixtures/coco)"
expect_fail sibling_api "// Contract: $sh/api/items.md"
expect_fail machine_path "// specified in /$w/$sh/api/annotations.md"
expect_fail home_path "see /$h/someone/nucleus/README.md"
expect_pass repo_relative "// Contract: docs/api/items.md, tests/fixtures/coco/README.md"
expect_pass temp_and_system "mkdtemp(/tmp/nucleus-XXXXXX) with /usr/bin/python3"
# An untracked bad file is not the repository's concern.
dir=$(new_repo untracked "clean")
echo "$dots/$sh/x" > "$dir/stray.txt"
"$check" "$dir" >/dev/null 2>&1 || fail "untracked file flagged"
echo "check_standalone_test: ok"
