#!/usr/bin/env bash
# `make run`: serve the API with the embedded store in DATA, printing the base URL and a key.
# The key is created once and kept in DATA/dev-api-key (0600) so `make run` prints the same key
# every time; the store itself only keeps its hash.
set -euo pipefail
data="${1:-./nucleus-data}"
listen="${2:-127.0.0.1:8080}"
bin="$(dirname "$0")/../build/nucleus"
mkdir -p "$data"
key_file="$data/dev-api-key"
if [ ! -s "$key_file" ]; then
  (umask 077 && "$bin" keys create --data "$data" --name dev | tail -n 1 > "$key_file")
fi
key="$(cat "$key_file")"
# nucleus serve's dashboard listens on the API's port + 1 (docs/design/dashboard.md).
dashboard="${listen%:*}:$(( ${listen##*:} + 1 ))"
cat <<MSG

  nucleus-cpp is starting.
  Base URL : http://$listen/v1/nucleus
  API key  : $key
  Dashboard: http://$dashboard/  (sign in with the API key)

  Point the official Python client at it:
    export NUCLEUS_ENDPOINT=http://$listen/v1/nucleus
    export NUCLEUS_API_KEY=$key

MSG
exec "$bin" serve --data "$data" --listen "$listen"
