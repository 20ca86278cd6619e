#!/usr/bin/env python3
"""The official client's prediction upload, and the server's share of its wall time.

Starts the server (--bin) on a free loopback port with a fresh data directory, creates a dataset
with N/4 items (raw HTTP), then, with the official `scale-nucleus` client (import path given by
PYTHONPATH), a model and N BoxPredictions (4 per item, with confidence; built before the clock
starts), and times `Dataset.upload_predictions(model, predictions)` (the client's defaults:
synchronous, batches of 5,000, one connection), first new, then again with update=True.

The server's share is the sum over the client's requests of the time spent in requests'
HTTPAdapter.send (from sending the request's first byte to parsing the answer's headers, as
`response.elapsed`: the time the client waits for the server, the upload of the body on loopback
included) divided by the upload's wall time; the rest is the
client's own work (building and serialising payloads, parsing answers). Also printed: the
server's CPU time over the same wall time (from /proc).

  PYTHONPATH=/path/to/scale-nucleus official_client_share.py --bin build/nucleus [--predictions N]
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import requests

import nucleus
from nucleus import BoxPrediction


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_call(port, key, method, route, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    auth = base64.b64encode(f"{key}:".encode()).decode()
    c.request(method, "/v1/nucleus/" + route, body=json.dumps(body).encode(),
              headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"{method} {route}: {r.status} {text[:300]}")
    return json.loads(text)


# Every request the client makes goes through HTTPAdapter.send: record how long each waited.
WAITS = []
_send = requests.adapters.HTTPAdapter.send


def timed_send(self, request, **kwargs):
    start = time.perf_counter()
    response = _send(self, request, **kwargs)  # returns once the answer's headers are parsed
    WAITS.append(time.perf_counter() - start)
    return response


requests.adapters.HTTPAdapter.send = timed_send


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--predictions", type=int, default=200000)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()

    data = tempfile.mkdtemp(prefix="nucleus-client-share-")
    key = subprocess.run([a.bin, "keys", "create", "--data", data], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    proc = subprocess.Popen([a.bin, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                             "--quiet"], stdout=log, stderr=log)
    ticks = os.sysconf("SC_CLK_TCK")

    def server_cpu():
        fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        ds = raw_call(port, key, "POST", "dataset/create", {"name": "share"})["dataset_id"]
        n_items = (a.predictions + 3) // 4
        refs = [f"item_{i}.jpg" for i in range(n_items)]
        for s in range(0, n_items, 5000):
            raw_call(port, key, "POST", f"dataset/{ds}/append",
                     {"items": [{"metadata": {}, "reference_id": r,
                                 "image_url": f"https://example.com/{r}"}
                                for r in refs[s:s + 5000]], "update": False})

        client = nucleus.NucleusClient(api_key=key,
                                       endpoint=f"http://127.0.0.1:{port}/v1/nucleus")
        dataset = client.get_dataset(ds)
        model = client.create_model(name="m", reference_id="share")
        preds = [BoxPrediction(label="bus" if i % 2 else "car", x=i % 640, y=i % 480,
                               width=10 + i % 50, height=10 + i % 40,
                               reference_id=refs[i // 4], annotation_id=f"p{i}",
                               confidence=(i % 100) / 100)
                 for i in range(a.predictions)]
        print(f"{a.predictions} box predictions through the official client "
              f"({nucleus.__file__})")

        for name, update in (("new", False), ("update=true", True)):
            WAITS.clear()
            cpu0 = server_cpu()
            start = time.perf_counter()
            result = dataset.upload_predictions(model, preds, update=update)
            wall = time.perf_counter() - start
            cpu = server_cpu() - cpu0
            assert result["predictions_processed"] == a.predictions, result
            wait = sum(WAITS)
            print(f"{name:<12} wall {wall:7.3f} s  {a.predictions / wall:9.0f} predictions/s  "
                  f"waiting for the server {wait:6.3f} s = {100 * wait / wall:5.1f} %  "
                  f"({len(WAITS)} requests; server CPU {cpu:6.3f} s = "
                  f"{100 * cpu / wall:5.1f} % of the wall)")
    finally:
        proc.terminate()
        proc.wait()
        if not a.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
