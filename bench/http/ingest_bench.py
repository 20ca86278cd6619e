#!/usr/bin/env python3
"""Sync ingest throughput over HTTP: item appends and ground-truth annotate, 5,000 per request.

Starts `nucleus serve` (release build) on a free loopback port with a temporary data directory,
pre-builds every request body (so the client's JSON encoding is not timed), then times the
requests sent back to back on one keep-alive connection. Prints objects/s per phase.

  /usr/bin/python3 bench/http/ingest_bench.py [--bin build/nucleus] [--requests 20]

Every phase can be sent over several keep-alive connections at once (`--connections 4`: the
bodies are dealt round-robin, one thread per connection) and sized by its total (`--items N` or
`--annotations N`: that many items are appended, one box each, instead of `--requests` bodies);
`--phases append` stops after the item append. Each phase also prints the server's CPU per object,
which a busy shared machine moves far less than wall time:

  /usr/bin/python3 bench/http/ingest_bench.py --connections 4 --annotations 1000000
"""
import argparse
import json
import math
import threading
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, data_dir, store=""):
    """`store`: a PostgreSQL URI (serve --store) instead of the data directory's SQLite."""
    extra = ["--store", store] if store else []
    key = subprocess.run([binary, "keys", "create", "--data", data_dir, *extra], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--data", data_dir, *extra, "--listen",
                             f"127.0.0.1:{port}", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/v1/nucleus", key


def timed(session, url, bodies, count_key):
    start = time.perf_counter()
    total = 0
    for body in bodies:
        r = session.post(url, data=body, headers={"Content-Type": "application/json"})
        r.raise_for_status()
        total += r.json()[count_key]
    return total, time.perf_counter() - start


def server_cpu_seconds(proc):
    """user + system CPU time of the server so far (Linux /proc), to compare builds on a busy machine."""
    with open(f"/proc/{proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SENDER_CPU = [0.0]  # the sender's own CPU seconds in the last timed_parallel


def timed_parallel(key, url, bodies, count_key, connections):
    """As timed(), the bodies dealt round-robin over `connections` keep-alive connections."""
    if connections <= 1:
        session = requests.Session()
        session.auth = (key, "")
        return timed(session, url, bodies, count_key)
    totals = [0] * connections
    failures = []

    def send(c):
        session = requests.Session()
        session.auth = (key, "")
        try:
            totals[c] = timed(session, url, bodies[c::connections], count_key)[0]
        except Exception as e:  # noqa: BLE001 - reported after the join
            failures.append(e)

    threads = [threading.Thread(target=send, args=(c,)) for c in range(connections)]
    start = time.perf_counter()
    sender = os.times()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - start
    sender_end = os.times()
    SENDER_CPU[0] = (sender_end.user - sender.user) + (sender_end.system - sender.system)
    if failures:
        raise failures[0]
    return sum(totals), secs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "nucleus"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--per-request", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=1,
                        help="keep-alive connections every phase uses at once")
    parser.add_argument("--annotations", "--items", type=int, default=None,
                        help="items appended and boxes per annotate phase (overrides --requests)")
    parser.add_argument("--phases", choices=["all", "append"], default="all")
    args = parser.parse_args()
    if args.annotations is not None:
        args.requests = math.ceil(args.annotations / args.per_request)

    data_dir = tempfile.mkdtemp(prefix="nucleus-bench-")
    proc, base, key = start_server(args.bin, data_dir)
    session = requests.Session()
    session.auth = (key, "")
    try:
        ds = session.post(f"{base}/dataset/create", json={"name": "bench"}).json()["dataset_id"]
        n, per = args.requests, args.per_request
        refs = [f"img_{r}_{i}.jpg" for r in range(n) for i in range(per)]
        item_bodies = [json.dumps({"items": [
            {"metadata": {"camera": "front", "i": i}, "reference_id": refs[r * per + i],
             "image_url": f"s3://bucket/{refs[r * per + i]}", "width": 1920, "height": 1080}
            for i in range(per)], "update": False}) for r in range(n)]
        cpu = server_cpu_seconds(proc)
        created, secs = timed_parallel(key, f"{base}/dataset/{ds}/append", item_bodies,
                                       "new_items", args.connections)
        cpu = server_cpu_seconds(proc) - cpu
        print(f"append      : {created} items in {secs:.2f} s = {created / secs:,.0f} items/s"
              f" (server CPU {cpu:.2f} s, {cpu * 1e6 / max(created, 1):.1f} us/item; sender CPU {SENDER_CPU[0]:.2f} s)")
        if args.phases == "append":
            return 0

        box_bodies = [json.dumps({"annotations": [
            {"label": "car", "type": "box",
             "geometry": {"x": 10.5 + i % 50, "y": 20.25, "width": 30.0, "height": 40.125},
             "reference_id": refs[r * per + i], "annotation_id": f"box-{i}",
             "metadata": {"occluded": False}, "embedding_vector": None,
             "track_reference_id": None, "task_id": None}
            for i in range(per)], "update": False}) for r in range(n)]
        del item_bodies
        annotate = f"{base}/dataset/{ds}/annotate"
        cpu = server_cpu_seconds(proc)
        done, secs = timed_parallel(key, annotate, box_bodies, "annotations_processed",
                                    args.connections)
        cpu = server_cpu_seconds(proc) - cpu
        print(f"annotate    : {done} boxes in {secs:.2f} s = {done / secs:,.0f} boxes/s"
              f" (server CPU {cpu:.2f} s, {cpu / done * 1e6:.1f} us/box; sender CPU {SENDER_CPU[0]:.2f} s)")
        box_update = [b.replace('"update": false', '"update": true') for b in box_bodies]
        del box_bodies
        cpu = server_cpu_seconds(proc)
        done, secs = timed_parallel(key, annotate, box_update, "annotations_processed",
                                    args.connections)
        cpu = server_cpu_seconds(proc) - cpu
        print(f"re-annotate : {done} boxes (update=true) in {secs:.2f} s = "
              f"{done / secs:,.0f} boxes/s (server CPU {cpu:.2f} s, {cpu / done * 1e6:.1f} us/box; sender CPU {SENDER_CPU[0]:.2f} s)")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
