#!/usr/bin/env bash
# `make bench`: the HTTP benchmarks against the release build. Figures go to docs/benchmarks.md
# by hand, with the machine and the load (`uptime`) at the time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq wrk; }
echo "== machine: $(nproc) cores, $(uptime)"
echo "== sync ingest over HTTP (items and ground truth, 5,000 per request)"
/usr/bin/python3 bench/http/ingest_bench.py --bin build/nucleus
echo "== prediction ingest over HTTP and the raw SQLite ceiling"
/usr/bin/python3 bench/ingest/ingest_http.py --bin build/nucleus --predictions 200000
echo "== read latency, 32 connections (wrk)"
/usr/bin/python3 bench/http/read_latency.py --bin build/nucleus
echo "== COCO eval micro-benchmarks"
build/bench/eval/eval_bench --benchmark_min_time=0.2
