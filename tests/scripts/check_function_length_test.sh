#!/usr/bin/env bash
# Shows scripts/check_function_length.py failing on functions over their layer's limit (60 body
# lines in server/, 120 in api/ and eval/) and passing on the real tree (with its allow-list), on
# functions at the limit, in other layers, and on braces it must not count (comments, strings,
# raw strings, character literals, initializer lists, brace tables), in throwaway source trees.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$root/scripts/check_function_length.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

body() {  # body N: N lines of statements
  for ((i = 0; i < $1; i++)); do echo "  x += $i;"; done
}
# tree NAME FILE: a source tree holding FILE, its content read from stdin.
tree() {
  mkdir -p "$tmp/$1/$(dirname "$2")" "$tmp/$1/scripts"
  cat > "$tmp/$1/$2"
  : > "$tmp/$1/scripts/function_length_allow.txt"
  echo "$tmp/$1"
}
expect_fail() {  # NAME FILE WHAT: the check exits 1 and names FILE:<line> and WHAT
  local dir=$1 file=$2 what=$3 out
  if out=$(/usr/bin/python3 "$check" "$tmp/$dir" 2>&1); then
    fail "$dir: passed on $file"
  fi
  grep -q "^$file:[0-9]*: $what" <<<"$out" || fail "$dir: output does not name $file and '$what': $out"
}
expect_pass() {
  local out
  out=$(/usr/bin/python3 "$check" "$tmp/$1" 2>&1) || fail "$1: failed: $out"
}

/usr/bin/python3 "$check" "$root" >/dev/null || fail "the repository itself does not pass"

{ echo "void Handle(int x) {"; body 61; echo "}"; } | tree server_61 src/server/routes_x.cc >/dev/null
expect_fail server_61 src/server/routes_x.cc 'Handle has 61 body lines (limit 60 in src/server)'
{ echo "void Handle(int x) {"; body 60; echo "}"; } | tree server_60 src/server/routes_x.cc >/dev/null
expect_pass server_60
{ echo "namespace n {"; echo "Result<int> Use(Context& c) {"; body 121; echo "}"; echo "}"; } |
  tree api_121 src/api/items.cc >/dev/null
expect_fail api_121 src/api/items.cc 'Use has 121 body lines (limit 120 in src/api)'
{ echo "Result<int> Use(Context& c) {"; body 120; echo "}"; } | tree api_120 src/api/items.cc >/dev/null
expect_pass api_120
{ echo "class M {"; echo " public:"; echo "  double Score() const override {"; body 121; echo "  }"; echo "};"; } |
  tree eval_member src/eval/metrics.h >/dev/null
expect_fail eval_member src/eval/metrics.h 'Score has 121 body lines'
{ echo "Matcher::Matcher(int a) : a_(a), b_{a} {"; body 121; echo "}"; } | tree eval_ctor src/eval/m.cc >/dev/null
expect_fail eval_ctor src/eval/m.cc 'Matcher::Matcher has 121 body lines'
{ echo "auto Pairs(int n) -> std::vector<std::pair<int, int>> {"; body 121; echo "}"; } |
  tree eval_trailing src/eval/m.cc >/dev/null
expect_fail eval_trailing src/eval/m.cc 'Pairs has 121 body lines'
# A lambda counts towards the function that holds it.
{ echo "void Register(Router& r) {"; echo "  r.Add([](int x) {"; body 59; echo "  });"; echo "}"; } |
  tree server_lambda src/server/routes_x.cc >/dev/null
expect_fail server_lambda src/server/routes_x.cc 'Register has 61 body lines'
# Layers without a limit are not checked.
{ echo "int Long(int x) {"; body 500; echo "}"; } | tree core_long src/core/strings.cc >/dev/null
expect_pass core_long
# Braces in comments, literals and a route table are not function bodies: two short functions.
{ cat <<'CC'
#define BLOCK(x) { x }
constexpr RouteRow kRoutes[] = {{"GET", "a/:b", GetA}, {"POST", "}{", PostA}};
void GetA(int x) {
  // }
  /* { */
  const char* s = "}}";
  char c = '{';
  int n = 1'000;
  auto r = R"js({"a": {)js";
CC
  body 54
  echo "}"
  echo "void PostA(int x) {"
  body 60
  echo "}"
} | tree server_literals src/server/routes_x.cc >/dev/null
expect_pass server_literals
# The same tree with one more line in GetA fails, and names GetA: the scanner saw its real end.
sed -i 's/^  x += 0;$/  x += 0;\n  x += 0;/' "$tmp/server_literals/src/server/routes_x.cc"
expect_fail server_literals src/server/routes_x.cc 'GetA has 61 body lines'
# The allow-list excuses a named function, and only it.
{ echo "void Handle(int x) {"; body 61; echo "}"; echo "void Other(int x) {"; body 61; echo "}"; } |
  tree allowed src/server/routes_x.cc >/dev/null
echo "src/server/routes_x.cc:Handle" > "$tmp/allowed/scripts/function_length_allow.txt"
expect_fail allowed src/server/routes_x.cc 'Other has 61 body lines'
echo "src/server/routes_x.cc:Other  # being split" >> "$tmp/allowed/scripts/function_length_allow.txt"
expect_pass allowed
echo "check_function_length_test: ok"
