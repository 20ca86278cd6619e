#!/usr/bin/env python3
"""The poison commit (issue #10, point 3; docs/benchmarks.md, "Poison commit").

Starts `nucleus serve` on a free loopback port with a temporary data directory, uploads one item
with N ground-truth boxes and a run with N box predictions on it, commits the run and polls the
job, while two threads sample the server's VmRSS/VmHWM (/proc/PID/status, every 50 ms) and the
latency of GET /healthz (every 100 ms, 2 s timeout). Prints the figures and removes the data.

  /usr/bin/python3 bench/commit/poison_commit.py [--bin build/nucleus] [--n 20000]
      [--layout overlap|grid] [--prefix "prlimit --as=8589934592"]

--layout overlap (the default): every box covers the same spot, so all N x N pairs overlap
(the pathological case). --layout grid: boxes on a grid, each prediction overlapping a few ground
truth (a large but ordinary item). --prefix runs the server under a wrapper (e.g. an
address-space limit for an old build). Every loop is bounded (--timeout); nothing leaves
127.0.0.1.
"""
import argparse
import base64
import json
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """(VmRSS, VmHWM) in KiB, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def server_pid(proc):
    """The nucleus process itself (a --prefix wrapper such as prlimit execs it, same pid)."""
    return proc.pid


def boxes(n, layout, seed_shift):
    for i in range(n):
        if layout == "overlap":
            yield (i % 7 + seed_shift, i % 5, 100.0, 100.0)
        else:  # grid of 20 x 20 px cells, 200 per row; shifted 5 px so each overlaps <= 4
            x, y = (i % 200) * 20 + seed_shift * 5, (i // 200) * 20 + seed_shift * 5
            yield (float(x), float(y), 20.0, 20.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                  "nucleus"))
    ap.add_argument("--n", type=int, default=20000, help="ground truth and predictions")
    ap.add_argument("--layout", choices=["overlap", "grid"], default="overlap")
    ap.add_argument("--prefix", default="", help="command the server runs under")
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for the job")
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="nucleus-poison-")
    proc = None
    try:
        key = subprocess.run([args.bin, "keys", "create", "--data", data, "--name", "bench"],
                             check=True, capture_output=True, text=True).stdout.split()[-1]
        port = free_port()
        log = open(os.path.join(data, "server.log"), "ab")
        proc = subprocess.Popen(shlex.split(args.prefix) + [
            args.bin, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"],
            stdout=log, stderr=log)
        root = f"http://127.0.0.1:{port}"
        for _ in range(400):
            try:
                if requests.get(f"{root}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            sys.exit("server did not start")
        base = f"{root}/v1/nucleus"
        s = requests.Session()
        token = base64.b64encode(f"{key}:".encode()).decode()
        s.headers.update({"Authorization": f"Basic {token}", "Content-Type": "application/json"})

        def post(route, body):
            r = s.post(f"{base}/{route}", data=json.dumps(body), timeout=600)
            assert r.status_code == 200, r.text[:500]
            return r.json()

        ds = post("dataset/create", {"name": "poison"})["dataset_id"]
        post(f"dataset/{ds}/append", {"items": [
            {"reference_id": "crowd", "image_url": "https://example.com/crowd.jpg",
             "metadata": {}}]})
        gts = [{"label": "car", "type": "box", "reference_id": "crowd", "annotation_id": f"g{i}",
                "geometry": {"x": x, "y": y, "width": w, "height": h}}
               for i, (x, y, w, h) in enumerate(boxes(args.n, args.layout, 0))]
        preds = [{"label": "car", "type": "box", "reference_id": "crowd",
                  "annotation_id": f"p{i}", "confidence": (i % 1000) / 1000,
                  "geometry": {"x": x, "y": y, "width": w, "height": h}}
                 for i, (x, y, w, h) in enumerate(boxes(args.n, args.layout, 1))]
        for start in range(0, len(gts), 5000):
            post(f"dataset/{ds}/annotate", {"update": False,
                                            "annotations": gts[start:start + 5000]})
        run = post(f"dataset/{ds}/modelRun/create", {"name": "poison",
                                                      "reference_id": None})["model_run_id"]
        for start in range(0, len(preds), 5000):
            post(f"modelRun/{run}/predict", {"update": False,
                                             "annotations": preds[start:start + 5000]})

        pid = server_pid(proc)
        base_rss = proc_status(pid)[0]
        rss, health = [], []  # (t, rss, hwm); (t, latency or None)
        stop = threading.Event()

        def sample_rss():
            while not stop.is_set():
                st = proc_status(pid)
                if st is None:
                    return
                rss.append((time.perf_counter(), *st))
                stop.wait(0.05)

        def sample_health():
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    ok = requests.get(f"{root}/healthz", timeout=2).ok
                    health.append((t, time.perf_counter() - t if ok else None))
                except requests.RequestException:
                    health.append((t, None))
                stop.wait(0.1)

        threads = [threading.Thread(target=sample_rss), threading.Thread(target=sample_health)]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        job = post(f"modelRun/{run}/commit", {})["job_id"]
        status, deadline = {"status": "Running"}, t0 + args.timeout
        while time.perf_counter() < deadline and proc.poll() is None:
            try:
                status = s.get(f"{base}/job/{job}", timeout=5).json()
            except requests.RequestException as e:
                status = {"status": f"unreachable ({type(e).__name__})"}
            if status["status"] != "Running":
                break
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        stop.set()
        for t in threads:
            t.join()

        alive = proc.poll() is None
        peak = max((r[1] for r in rss), default=base_rss)
        hwm = max((r[2] for r in rss), default=0)
        lat = sorted(h[1] for h in health if h[1] is not None)
        failed = sum(1 for h in health if h[1] is None)
        print(f"layout {args.layout}, {args.n} ground truth x {args.n} predictions on one item"
              + (f", server under: {args.prefix}" if args.prefix else ""))
        print(f"job: {status.get('status')} after {wall:.1f} s; message "
              f"{json.dumps(status.get('message'))[:300]}")
        print(f"server alive after the job: {alive}"
              + ("" if alive else f" (exit status {proc.returncode})"))
        print(f"server RSS: {base_rss / 1024:.0f} MiB before commit, peak {peak / 1024:.0f} MiB "
              f"(growth {(peak - base_rss) / 1024:.0f} MiB), VmHWM {hwm / 1024:.0f} MiB")
        if lat:
            print(f"/healthz during the commit: {len(lat)} answered, {failed} failed; latency "
                  f"median {statistics.median(lat) * 1000:.1f} ms, "
                  f"max {lat[-1] * 1000:.1f} ms")
        else:
            print(f"/healthz during the commit: none answered, {failed} failed")
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
