#!/usr/bin/env python3
"""Async prediction upload: N box predictions as NDJSON through the signed-URL flow, then the
uploadPredictions job; samples the server's RSS while the job runs to show memory stays flat.

  async_rss.py --bin build/nucleus [--predictions 1000000]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_http import Conn, free_port  # noqa: E402


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--predictions", type=int, default=1000000)
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="nucleus-async-")
    key = subprocess.run([a.bin, "keys", "create", "--data", data], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    # One signed-URL PUT carries the whole payload (2.6 GB at 10M): raise the body limit.
    proc = subprocess.Popen([a.bin, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                             "--quiet", "--max-body-mb", "16384"], stdout=log, stderr=log)
    stop = threading.Event()
    try:
        time.sleep(0.5)
        c = Conn(port, key)
        ds = c.call("POST", "dataset/create", {"name": "async"})["dataset_id"]
        n_items = (a.predictions + 3) // 4
        for s in range(0, n_items, 5000):
            c.call("POST", f"dataset/{ds}/append",
                   {"items": [{"metadata": {}, "reference_id": f"item_{i}.jpg",
                               "image_url": f"https://example.com/{i}.jpg"}
                              for i in range(s, min(n_items, s + 5000))], "update": False})
        c.call("POST", "models/add", {"name": "m", "reference_id": "async", "metadata": {}})
        run = c.call("POST", f"dataset/{ds}/modelRun/create",
                     {"name": "async", "reference_id": "async"})["model_run_id"]
        path = os.path.join(data, "payload.ndjson")
        with open(path, "w") as f:
            for i in range(a.predictions):
                f.write(json.dumps({
                    "label": "car", "type": "box",
                    "geometry": {"x": i % 640, "y": i % 480, "width": 10, "height": 20},
                    "reference_id": f"item_{i // 4}.jpg", "annotation_id": f"p{i}",
                    "metadata": {}, "embedding_vector": None, "track_reference_id": None,
                    "task_id": None, "confidence": (i % 100) / 100}) + "\n")
        size_mb = os.path.getsize(path) / 1e6
        # Writing the file can outlast the server's 3 s keep-alive timeout: a fresh connection.
        c = Conn(port, key)
        request_id = uuid.uuid4().hex
        url = c.call("GET", f"dataset/{ds}/signedUrl/{request_id}")["signed_url"]
        samples = []

        def sample():
            while not stop.is_set():
                samples.append(rss_mib(proc.pid))
                time.sleep(0.2)

        t = threading.Thread(target=sample)
        rss_before_put = rss_mib(proc.pid)
        t.start()
        put_start = time.perf_counter()
        with open(path, "rb") as f:  # streamed by requests; the server streams it to disk
            r = requests.put(url, data=f)
        assert r.status_code < 300, r.text
        put_secs = time.perf_counter() - put_start
        put_max = max(samples) if samples else rss_mib(proc.pid)
        rss_after_put = rss_mib(proc.pid)
        c = Conn(port, key)  # the long PUT outlasted the idle connection's keep-alive timeout
        job = c.call("POST", f"modelRun/{run}/predict?async=1",
                     {"requestId": request_id, "update": False})
        job_first_sample = len(samples)
        start = time.perf_counter()
        while True:
            st = c.call("GET", f"job/{job['job_id']}")
            if st["status"] != "Running":
                break
            time.sleep(0.5)
        secs = time.perf_counter() - start
        stop.set()
        t.join()
        print(f"{a.predictions} predictions, NDJSON {size_mb:.0f} MB; job {st['status']} in "
              f"{secs:.1f} s = {a.predictions / secs:.0f} predictions/s; "
              f"message {json.dumps(st['message'])}")
        job_samples = samples[job_first_sample:] or [rss_mib(proc.pid)]
        print(f"PUT of {size_mb:.0f} MB in {put_secs:.1f} s; server RSS MiB: before PUT "
              f"{rss_before_put:.0f}, max during PUT {put_max:.0f}, after PUT {rss_after_put:.0f}, "
              f"during job min {min(job_samples):.0f} / max {max(job_samples):.0f} "
              f"({len(samples)} samples)")
    finally:
        stop.set()
        if proc.poll() is not None:  # the server died: say how, with the end of its log
            log.flush()
            print(f"server exited with {proc.returncode}; last lines of its log:", file=sys.stderr)
            print("".join(open(os.path.join(data, "server.log")).readlines()[-20:]),
                  file=sys.stderr)
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
