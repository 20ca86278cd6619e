#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD_DIR (tests/fuzz, built by `make fuzz`) for SECONDS each,
# one after the other, starting from the seed corpus in tests/fuzz/corpus/<name> (read only: new
# inputs go to BUILD_DIR/fuzz-corpus/<name>). Prints one line per target with its executions;
# exits 1 at the first target that finds a crash, leak, timeout or UB report, leaving the
# reproducer in BUILD_DIR/findings/<name>/.
#
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS]      # defaults: build-fuzz 60
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build=$(cd "${1:-$root/build-fuzz}" && pwd)
seconds=${2:-60}
status=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  work="$build/fuzz-corpus/$name"
  findings="$build/findings/$name"
  mkdir -p "$work" "$findings"
  log="$build/findings/$name.log"
  # -rss_limit_mb / -malloc_limit_mb: a single input may not take more than 2 GiB; the machine
  # is shared. -max_len 64 KiB keeps inputs the size of a request's objects.
  if (cd "$findings" && "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=65536 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$work" "$root/tests/fuzz/corpus/$name") >"$log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz $name: ok, $runs executions in ${seconds}s"
  else
    echo "fuzz $name: FAILED, see $log and $findings/" >&2
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log" >&2 || tail -20 "$log" >&2
    status=1
    break
  fi
done
exit $status
