#!/usr/bin/env python3
"""Interleaved commit timing of two `nucleus` binaries (docs/benchmarks.md, "Commit matching:
packed geometry"): each serves its own fresh data directory on 127.0.0.1, commit_bench.py builds
the same seeded data set in both, then the run is committed alternately (A B, B A, A B, ...) and
the medians of the commit wall time and the server CPU per commit are printed, with the phase
split of the server's "match set" log lines.

  /usr/bin/python3 bench/commit/interleaved.py --a OLD/nucleus --b NEW/nucleus --dir /tmp/ab \
      --shape polygon --rounds 10 -- --preds-per-item 20

Arguments after `--` go to commit_bench.py (data set size). The directories are kept: with
--reuse the data sets of an earlier call (same --dir and --shape) are committed again.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time

import requests

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "commit_bench.py")
PHASES = re.compile(r"read ([\d.]+) ms \(ground truth ([\d.]+) ms.*match ([\d.]+) ms, "
                    r"store ([\d.]+) ms")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data_dir, reuse, bench_args, shape):
    if not reuse:
        shutil.rmtree(data_dir, ignore_errors=True)
        os.makedirs(data_dir)
        key = subprocess.run([binary, "keys", "create", "--data", data_dir], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        open(os.path.join(data_dir, "key.txt"), "w").write(key)
    key = open(os.path.join(data_dir, "key.txt")).read().strip()
    port = free_port()
    log = open(os.path.join(data_dir, "server.log"), "a")
    proc = subprocess.Popen([binary, "serve", "--data", data_dir, "--listen",
                             f"127.0.0.1:{port}"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/v1/nucleus"
    for _ in range(400):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
    run_file = os.path.join(data_dir, "run.txt")
    if not reuse:
        out = subprocess.run(["/usr/bin/python3", BENCH, "--url", url, "--key", key, "--shape",
                              shape, "--commits", "0"] + bench_args,
                             check=True, capture_output=True, text=True).stdout
        print(out.strip().splitlines()[0], flush=True)
        open(run_file, "w").write(re.search(r"run (run_\w+)", out).group(1))
    return proc, url, key, open(run_file).read().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="the anchor binary")
    ap.add_argument("--b", required=True, help="the binary measured against it")
    ap.add_argument("--dir", required=True, help="where the two data directories go")
    ap.add_argument("--shape", choices=["box", "polygon", "mask"], default="box")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("bench_args", nargs="*")
    args = ap.parse_args()
    servers = {}
    try:
        for name, binary in (("a", args.a), ("b", args.b)):
            d = os.path.join(args.dir, f"{args.shape}-{name}")
            servers[name] = (d,) + start(binary, d, args.reuse, args.bench_args, args.shape)
        walls = {n: [] for n in servers}
        cpus = {n: [] for n in servers}
        phases = {n: [] for n in servers}
        for i in range(args.rounds):
            for name in ("a", "b") if i % 2 == 0 else ("b", "a"):
                d, proc, url, key, run = servers[name]
                out = subprocess.run(["/usr/bin/python3", BENCH, "--url", url, "--key", key,
                                      "--run", run, "--commits", "1", "--server-pid",
                                      str(proc.pid)], check=True, capture_output=True,
                                     text=True).stdout
                m = re.search(r"commit 1: ([\d.]+) s wall .*server CPU ([\d.]+) s", out)
                walls[name].append(float(m.group(1)))
                cpus[name].append(float(m.group(2)))
        for name in servers:
            d = servers[name][0]
            for line in open(os.path.join(d, "server.log")):
                m = PHASES.search(line) if "match set" in line else None
                if m:
                    phases[name].append([float(x) for x in m.groups()])
            med = [round(statistics.median(c)) for c in zip(*phases[name][-args.rounds:])]
            print(f"{args.shape} {name}: wall median {statistics.median(walls[name]):.3f} s "
                  f"(min {min(walls[name]):.3f}), server CPU median "
                  f"{statistics.median(cpus[name]):.2f} s; phase medians read/gt/match/store ms "
                  f"{med}")
    finally:
        for d, proc, *_ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
