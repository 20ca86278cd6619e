#!/usr/bin/env python3
"""Read latency of refloc / iloc / prediction_loc under 32 concurrent connections (wrk).

Builds a run over HTTP (1,000 items, 10 ground-truth boxes and 20 box predictions with
class_pdf per item), then drives each route with `wrk -t2 -c32 -d10s --latency`, every request
on a random item, and prints req/s, p50/p99 and the server's CPU time per request (user+sys
from /proc, which a busy machine disturbs far less than latency) per route, plus `/healthz` under
the same load as the floor.

With --anchor OTHER_BINARY the two servers are measured interleaved (A B A B ..., --rounds
times, a fresh server and data set each time) and the medians of each are printed side by side.

  /usr/bin/python3 bench/http/read_latency.py [--bin build/nucleus] [--anchor OLD] [--rounds 3]
                                              [--seconds 10] [--store postgresql://...]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_bench import ROOT, start_server  # noqa: E402

ITEMS = 1000

LUA = """
math.randomseed(os.time())
wrk.headers["Authorization"] = "Basic %(auth)s"
request = function()
  local i = math.random(0, %(items)d - 1)
  return wrk.format("GET", %(path)s)
end
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value = float(m.group(1))
    return value / 1000 if m.group(2) == "us" else value * 1000 if m.group(2) == "s" else value


def measure(binary, seconds, store=""):
    """One fresh server with the read data set; returns {route: (rps, p50 ms, p99 ms, cpu us)}."""
    data_dir = tempfile.mkdtemp(prefix="nucleus-read-")
    proc, base, key = start_server(binary, data_dir, store)
    s = requests.Session()
    s.auth = (key, "")
    results = {}
    try:
        ds = s.post(f"{base}/dataset/create", json={"name": "reads"}).json()["dataset_id"]
        s.post(f"{base}/dataset/{ds}/append", json={"items": [
            {"metadata": {"i": i}, "reference_id": f"img_{i}.jpg",
             "image_url": f"s3://bucket/img_{i}.jpg"} for i in range(ITEMS)], "update": False})
        s.post(f"{base}/dataset/{ds}/annotate", json={"annotations": [
            {"label": "car", "type": "box",
             "geometry": {"x": 10 * k, "y": 5, "width": 30, "height": 40},
             "reference_id": f"img_{i}.jpg", "annotation_id": f"gt-{k}", "metadata": {}}
            for i in range(ITEMS) for k in range(10)], "update": False}).raise_for_status()
        s.post(f"{base}/models/add", json={"name": "m", "reference_id": "m", "metadata": {}})
        run = s.post(f"{base}/dataset/{ds}/modelRun/create",
                     json={"name": "r", "reference_id": "m"}).json()["model_run_id"]
        for start in range(0, ITEMS, 250):
            s.post(f"{base}/modelRun/{run}/predict", json={"annotations": [
                {"label": "car", "type": "box",
                 "geometry": {"x": 10 * k + 1, "y": 6, "width": 30, "height": 40},
                 "reference_id": f"img_{i}.jpg", "annotation_id": f"p-{k}", "metadata": {},
                 "confidence": 0.5 + k / 100, "class_pdf": {"car": 0.9, "bus": 0.1}}
                for i in range(start, start + 250) for k in range(20)],
                "update": False}).raise_for_status()
        auth = requests.auth._basic_auth_str(key, "").split(" ", 1)[1]
        prefix = "/v1/nucleus"
        # Lua expressions of the random item index i.
        routes = {
            "healthz": '"/healthz"',
            "refloc": f'"{prefix}/modelRun/{run}/refloc/img_" .. i .. ".jpg"',
            "iloc": f'"{prefix}/modelRun/{run}/iloc/" .. i',
            "prediction_loc": (f'"{prefix}/modelRun/{run}/prediction/loc/img_" .. i'
                               ' .. ".jpg/p-" .. (i % 20)'),
            "dataset refloc": f'"{prefix}/dataset/{ds}/refloc/img_" .. i .. ".jpg"',
        }
        host = base.split("/v1/")[0]
        for name, path in routes.items():
            script = os.path.join(data_dir, "reads.lua")
            with open(script, "w") as f:
                f.write(LUA % {"auth": auth, "items": ITEMS, "path": path})
            cpu0 = cpu_seconds(proc.pid)
            out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency",
                                  "-s", script, host], capture_output=True, text=True).stdout
            cpu = cpu_seconds(proc.pid) - cpu0
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            total = int(re.search(r"(\d+) requests in", out).group(1))
            p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
            p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            errors = re.search(r"Socket errors: (.*)", out)
            if non2xx or errors:
                print(f"  {name}: NON-2XX {non2xx.group(1) if non2xx else 0}"
                      f" {errors.group(1) if errors else ''}", file=sys.stderr)
            results[name] = (rps, p50, p99, cpu / max(total, 1) * 1e6)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    return results


def show(label, results):
    for name, (rps, p50, p99, cpu) in results.items():
        print(f"{label:8s} {name:15s}: {rps:9,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
              f"  server CPU {cpu:6.1f} us/req", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "nucleus"))
    parser.add_argument("--anchor", help="a second binary, measured interleaved with --bin")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--store", default="",
                        help="a PostgreSQL URI (serve --store; every round adds its data set to it)")
    args = parser.parse_args()
    binaries = [("bin", args.bin)] + ([("anchor", args.anchor)] if args.anchor else [])
    runs = {label: [] for label, _ in binaries}
    for _ in range(args.rounds):
        for label, binary in binaries:
            r = measure(binary, args.seconds, args.store)
            show(label, r)
            runs[label].append(r)
    if args.rounds > 1 or args.anchor:
        print("medians:")
        for label, results in runs.items():
            med = {name: tuple(statistics.median(r[name][k] for r in results) for k in range(4))
                   for name in results[0]}
            show(label, med)
    return 0


if __name__ == "__main__":
    sys.exit(main())
