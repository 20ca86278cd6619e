#!/usr/bin/env python3
"""Model CI evaluation time: a model evaluated on scenario tests over one dataset.

Starts the server (--bin) on a free loopback port with a fresh data directory; N items with 2
ground-truth boxes each, P box predictions spread over them, one slice holding every item and T
scenario tests on it (each with bbox_iou, bbox_precision, bbox_recall, bbox_map). Then times
POST validate/{prj}/evaluate on all T tests until the job completes (the server's own work:
bodies are built before the clock starts). Prints the wall time per run and the median, and
the server's CPU time (user + system, from /proc) over the same interval: on a shared machine
the wall time follows the load, the CPU time much less. The server's peak resident set is
printed too (with --against, each evaluation runs in a freshly started server except the
first, whose server also built the data).

  eval_bench.py --bin build/nucleus [--items 50000] [--predictions 2000000] [--tests 10]
                [--runs 3] [--against OTHER_BIN] [--check]

With --check, every evaluation's stored results (each metric's aggregate and pass, every item's
id, value and pass) are read back after each run and hashed; the script fails unless every run of
every binary stored exactly the same bytes.

With --against, the data is built once (by --bin) and the two binaries are then timed in turn on
the same data directory, one evaluation each per round (--bin, OTHER, --bin, OTHER, ...; the
server is restarted on every switch): interleaved, so the machine's load falls on both alike.
(issue 13's figure is --items 50000 --predictions 2000000 --tests 10; the slice holds at most
10,000 members today, so larger --items use several slices of one test each: with the defaults,
5 slices of 10,000, each under 2 tests. --disjoint gives the 10 tests 5,000 items each instead,
none shared, so a job cannot reuse one test's item results for another.)
"""
import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ingest"))
from ingest_http import Conn, free_port  # noqa: E402


def box(ref, i, label, conf=None):
    o = {"label": label, "type": "box", "reference_id": ref, "annotation_id": f"o{i}",
         "geometry": {"x": i % 600, "y": i % 400, "width": 20 + i % 30, "height": 20 + i % 25},
         "metadata": {}}
    if conf is not None:
        o["confidence"] = conf
    return o


def cpu_seconds(pid):
    """User + system CPU time of process `pid` (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    """The process's peak resident set (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def results_digest(c, test_ids):
    """SHA-256 of the latest evaluation of each metric of each test, as stored and served."""
    h = hashlib.sha256()
    for test_id in test_ids:
        history = c.call("GET", f"validate/scenario_test/{test_id}/eval_history/details")
        latest = {}
        for e in history:  # newest first
            latest.setdefault(e["eval_function_id"], e)
        for fn in sorted(latest):
            e = latest[fn]
            info = c.call("GET", f"validate/eval/{e['id']}/info")
            items = [(i["dataset_item_id"], i["result"], i["pass"])
                     for i in info["scenario_test_item_evaluations"]]
            h.update(json.dumps([test_id, fn, e["status"], e["result"], e["pass"], items]).encode())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--items", type=int, default=50000)
    ap.add_argument("--predictions", type=int, default=2000000)
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", help="a second binary, timed interleaved with --bin")
    ap.add_argument("--disjoint", action="store_true",
                    help="give each test its own items (items / tests of them, at most 10,000), "
                         "so no item is evaluated by two tests: a job can share no item's results")
    ap.add_argument("--check", action="store_true",
                    help="compare the stored results of every run (see the docstring)")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="nucleus-evalbench-")
    key = subprocess.run([a.bin, "keys", "create", "--data", data], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")

    def start(binary):
        p = subprocess.Popen([binary, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                              "--quiet"], stdout=log, stderr=log)
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        return p

    proc = start(a.bin)
    try:
        c = Conn(port, key)
        ds = c.call("POST", "dataset/create", {"name": "evalbench"})["dataset_id"]
        refs = [f"item_{i}" for i in range(a.items)]
        for s in range(0, a.items, 5000):
            c.call("POST", f"dataset/{ds}/append", {"update": False, "items": [
                {"reference_id": r, "image_url": f"https://example.com/{r}", "metadata": {}}
                for r in refs[s:s + 5000]]})
        gt = [box(refs[i // 2], i, "car" if i % 3 else "bus") for i in range(2 * a.items)]
        for s in range(0, len(gt), 5000):
            c.call("POST", f"dataset/{ds}/annotate", {"update": False, "annotations": gt[s:s + 5000]})
        c.call("POST", "models/add", {"name": "m", "reference_id": "evalbench", "metadata": {}})
        model = c.call("GET", "models/")["models"][0]["id"]
        run = c.call("POST", f"dataset/{ds}/modelRun/create",
                     {"name": "r", "reference_id": "evalbench", "metadata": {}})["model_run_id"]
        for s in range(0, a.predictions, 5000):
            preds = [box(refs[i % a.items], i + 7, "car" if i % 4 else "bus", (i % 997) / 997)
                     for i in range(s, min(s + 5000, a.predictions))]
            c.call("POST", f"modelRun/{run}/predict", {"update": False, "annotations": preds})
        names, test_ids = [], []
        for t in range(a.tests):
            if a.disjoint:
                per = min(10000, a.items // a.tests)
                members = refs[t * per:(t + 1) * per]
            else:
                members = refs[(t * 10000) % a.items:][:10000] if a.items > 10000 else refs
            slc = c.call("POST", f"dataset/{ds}/create_slice",
                         {"name": f"s{t}", "reference_ids": members})["slice_id"]
            name = f"bench_test_{t}"
            functions = [{"id": f"ef_{f}", "eval_func_arguments": {}}
                         for f in ("bbox_iou", "bbox_precision", "bbox_recall", "bbox_map")]
            test = c.call("POST", "validate/scenario_test",
                          {"name": name, "slice_id": slc, "evaluation_functions": functions})
            names.append(name)
            test_ids.append(test["scenario_test_id"])
        print(f"{a.items} items, {2 * a.items} ground-truth boxes, {a.predictions} predictions, "
              f"{a.tests} scenario tests x 4 metrics")
        bins = [a.bin] + ([a.against] if a.against else [])
        times = {b: [] for b in bins}
        cpus = {b: [] for b in bins}
        digests = {b: [] for b in bins}
        for _ in range(a.runs):
            for b in bins:
                if len(bins) > 1:
                    proc.terminate()
                    proc.wait()
                    proc = start(b)
                    c = Conn(port, key)
                cpu0 = cpu_seconds(proc.pid)
                t0 = time.perf_counter()
                job = c.call("POST", f"validate/{model}/evaluate", {"test_names": names})["job_id"]
                while c.call("GET", f"job/{job}")["status"] == "Running":
                    time.sleep(0.02)
                times[b].append(time.perf_counter() - t0)
                cpus[b].append(cpu_seconds(proc.pid) - cpu0)
                print(f"  {b}: evaluate {times[b][-1]:.2f} s, server CPU {cpus[b][-1]:.2f} s, "
                      f"server peak RSS {peak_rss_mb(proc.pid):.0f} MB", flush=True)
                if a.check:
                    digests[b].append(results_digest(c, test_ids))
        for b in bins:
            print(f"{b}: median {statistics.median(times[b]):.2f} s "
                  f"({', '.join(f'{t:.2f}' for t in times[b])}); server CPU median "
                  f"{statistics.median(cpus[b]):.2f} s ({', '.join(f'{t:.2f}' for t in cpus[b])})")
        if a.check:
            every = {d for b in bins for d in digests[b]}
            for b in bins:
                print(f"{b}: stored results {', '.join(d[:12] for d in digests[b])}")
            if len(every) != 1:
                sys.exit("stored results differ between runs")
            print("stored results identical in every run")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
