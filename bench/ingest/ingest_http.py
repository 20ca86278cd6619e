#!/usr/bin/env python3
"""Prediction ingest over HTTP: box predictions in requests of 5,000 into `nucleus serve`.

Starts the server (--bin) on a free loopback port with a fresh data directory, creates a dataset
with N/4 items, a model and a run, then sends N box predictions (4 per item, consecutive, as a
detector's output per image; shaped exactly as the official client sends them, with confidence) in requests of 5,000 to modelRun/{run}/predict:
first as new predictions, then again with update=false (all ignored) and update=true (all
replaced). Request bodies are serialised before the clock starts, so the figure is the server's.

  ingest_http.py --bin build/nucleus [--predictions 200000] [--connections 1] [--class-pdf]
                 [--compact] [--store postgresql://...] [--servers 1]

--servers N starts N servers on the same store (the data directory, or the --store database)
and spreads the connections over them (connection k talks to server k mod N); the server CPU
printed is theirs together.
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    def __init__(self, port, key):
        self.port = port
        self.headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
                        "Content-Type": "application/json"}
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method, route, body=None):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        self.c.request(method, "/v1/nucleus/" + route, body=data, headers=self.headers)
        r = self.c.getresponse()
        text = r.read()
        if r.status != 200:
            raise RuntimeError(f"{method} {route}: {r.status} {text[:300]}")
        return json.loads(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--predictions", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--class-pdf", action="store_true")
    # Compact bodies (no spaces): the objects are then in the server's canonical form (but for
    # confidence 0.0, which Python writes as 0.0), whose bytes it stores without re-serialising.
    ap.add_argument("--compact", action="store_true")
    ap.add_argument("--keep", action="store_true")
    # Rows in PostgreSQL instead of SQLite: a libpq URI of an empty database (serve --store).
    ap.add_argument("--store", default="")
    ap.add_argument("--servers", type=int, default=1)
    a = ap.parse_args()

    data = tempfile.mkdtemp(prefix="nucleus-ingest-")
    store = ["--store", a.store] if a.store else []
    key = subprocess.run([a.bin, "keys", "create", "--data", data, *store], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    ports = [free_port() for _ in range(a.servers)]
    port = ports[0]
    log = open(os.path.join(data, "server.log"), "w")
    procs = [subprocess.Popen([a.bin, "serve", "--data", data, *store, "--listen",
                               f"127.0.0.1:{p}", "--quiet"], stdout=log, stderr=log)
             for p in ports]
    try:
        for p in ports:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", p), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
        c = Conn(port, key)
        ds = c.call("POST", "dataset/create", {"name": "ingest"})["dataset_id"]
        n_items = (a.predictions + 3) // 4
        refs = [f"item_{i}.jpg" for i in range(n_items)]
        for s in range(0, n_items, 5000):
            c.call("POST", f"dataset/{ds}/append",
                   {"items": [{"metadata": {}, "reference_id": r,
                               "image_url": f"https://example.com/{r}"} for r in refs[s:s + 5000]],
                    "update": False})
        c.call("POST", "models/add", {"name": "m", "reference_id": "ingest", "metadata": {}})
        run = c.call("POST", f"dataset/{ds}/modelRun/create",
                     {"name": "ingest", "reference_id": "ingest", "metadata": {}})["model_run_id"]

        preds = []
        for i in range(a.predictions):
            p = {"label": "bus" if i % 2 else "car", "type": "box",
                 "geometry": {"x": i % 640, "y": i % 480, "width": 10 + i % 50,
                              "height": 10 + i % 40},
                 "reference_id": refs[i // 4], "annotation_id": f"p{i}", "metadata": {},
                 "embedding_vector": None, "track_reference_id": None, "task_id": None,
                 "confidence": (i % 100) / 100}
            if a.class_pdf:
                p["class_pdf"] = {"car": 0.25, "bus": 0.75}
            preds.append(p)
        separators = (",", ":") if a.compact else None
        bodies = {u: [json.dumps({"update": u, "annotations": preds[s:s + a.batch]},
                                 separators=separators).encode()
                      for s in range(0, a.predictions, a.batch)] for u in (False, True)}
        mb = sum(len(b) for b in bodies[False]) / 1e6
        print(f"{a.predictions} box predictions, {len(bodies[False])} requests of {a.batch}, "
              f"{mb:.1f} MB per pass, {a.connections} connection(s) to {a.servers} server(s)"
              + (", with class_pdf" if a.class_pdf else "") + (", compact" if a.compact else ""))

        conns = [Conn(ports[k % a.servers], key) for k in range(a.connections)]
        ticks = os.sysconf("SC_CLK_TCK")

        def server_cpu():
            total = 0
            for proc in procs:
                fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            return total / ticks

        def run_pass(name, update, expect_processed, expect_ignored):
            todo = list(bodies[update])
            results = []

            def worker(conn, chunk):
                return [conn.call("POST", f"modelRun/{run}/predict", b) for b in chunk]

            cpu0 = server_cpu()
            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(a.connections) as pool:
                futs = [pool.submit(worker, conns[k], todo[k::a.connections])
                        for k in range(a.connections)]
                for f in futs:
                    results.extend(f.result())
            secs = time.perf_counter() - start
            cpu = server_cpu() - cpu0
            processed = sum(r["predictions_processed"] for r in results)
            ignored = sum(r["predictions_ignored"] for r in results)
            assert (processed, ignored) == (expect_processed, expect_ignored), (processed, ignored)
            print(f"{name:<24} {secs:7.3f} s  {a.predictions / secs:10.0f} predictions/s   "
                  f"server CPU {cpu:6.3f} s = {a.predictions / cpu:10.0f} predictions per CPU-s")

        run_pass("new", False, a.predictions, 0)
        run_pass("re-upload update=false", False, 0, a.predictions)
        run_pass("re-upload update=true", True, a.predictions, 0)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
        if not a.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
