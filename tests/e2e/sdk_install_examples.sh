#!/usr/bin/env bash
# Installs the SDK from a build tree into a temporary prefix, builds examples/ against it as a
# standalone CMake project, starts a live `nucleus serve` and runs the examples against it.
#   sdk_install_examples.sh <build dir> <source dir> <nucleus binary>
set -euo pipefail
build=$1
source=$2
nucleus=$3

work=$(mktemp -d /tmp/nucleus-sdk-e2e-XXXXXX)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== install into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
echo "== build examples against the installed package"
cmake -S "$source/examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/examples" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }

echo "== start nucleus serve"
key=$("$nucleus" keys create --data "$work/data" --name e2e | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$nucleus" serve --data "$work/data" --listen "127.0.0.1:$port" --dashboard off --quiet > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
  if curl -sf "http://127.0.0.1:$port/healthz" > /dev/null; then break; fi
  sleep 0.05
done

echo "== run examples"
NUCLEUS_ENDPOINT="http://127.0.0.1:$port/v1/nucleus" NUCLEUS_API_KEY="$key" "$work/examples/model_run"
