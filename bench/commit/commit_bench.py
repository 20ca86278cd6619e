#!/usr/bin/env python3
"""Commit-matching benchmark (docs/benchmarks.md, "Commit matching").

Builds, over HTTP against a running `nucleus serve`, a dataset of 5,000 items with ~36,000
ground-truth boxes and a model run with 500,000 box predictions (100 per item, scores with 3
decimals, most overlapping some GT), then commits the run and reports the commit job's wall time
(POST commit -> job Completed, polled every 5 ms) and the matching figures the job reports.

  nucleus keys create --data D | tail -1           # -> KEY
  nucleus serve --data D --listen 127.0.0.1:PORT &
  /usr/bin/python3 bench/commit/commit_bench.py --url http://127.0.0.1:PORT/v1/nucleus --key KEY

Deterministic (seeded). --items / --preds-per-item shrink it for a quick check.

--shape polygon makes every ground-truth object and prediction a hexagon inscribed in the box it
would have been (6 vertices, same labels and scores): the run whose commit used to parse every
payload. --shape mask adds one ground-truth mask and one predicted mask (--mask-segments
segments each) per item to the boxes (masks are read, not matched; --preds-per-item 0
--gt-per-item 0 leaves only the masks).
"""
import argparse
import base64
import json
import os
import random
import time

import requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--preds-per-item", type=int, default=100)
    ap.add_argument("--gt-per-item", type=float, default=7.2)
    ap.add_argument("--commits", type=int, default=3, help="commit this many times, report each")
    ap.add_argument("--shape", choices=["box", "polygon", "mask"], default="box")
    ap.add_argument("--mask-segments", type=int, default=20)
    ap.add_argument("--server-pid", type=int,
                    help="also report the server's CPU time (user+sys) per commit")
    ap.add_argument("--run", help="commit this existing run (e.g. after a rebuild) instead of "
                    "building the dataset again")
    args = ap.parse_args()
    token = base64.b64encode(f"{args.key}:".encode()).decode()
    s = requests.Session()
    s.headers.update({"Authorization": f"Basic {token}", "Content-Type": "application/json"})

    def post(route, body):
        r = s.post(f"{args.url}/{route}", data=json.dumps(body))
        assert r.status_code == 200, r.text[:500]
        return r.json()

    if args.run:
        commit(s, args, post, args.run)
        return
    rng = random.Random(4)
    ds = post("dataset/create", {"name": "commit bench"})["dataset_id"]
    refs = [f"img{i:05d}" for i in range(args.items)]
    for start in range(0, len(refs), 5000):
        post(f"dataset/{ds}/append", {"items": [
            {"reference_id": r, "image_url": f"https://example.com/{r}.jpg", "metadata": {}}
            for r in refs[start:start + 5000]]})
    labels = ["person", "car", "chair", "book", "bottle", "cup", "dog", "cat"]
    gts, preds = [], []
    for r in refs:
        n_gt = int(args.gt_per_item) + (1 if rng.random() < args.gt_per_item % 1 else 0)
        boxes = []
        for g in range(n_gt):
            w, h = rng.uniform(10, 200), rng.uniform(10, 200)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            label = rng.choice(labels)
            boxes.append((x, y, w, h, label))
            gts.append(shaped(args.shape, {"label": label, "type": "box", "reference_id": r,
                                           "annotation_id": f"g{g}",
                                           "geometry": {"x": round(x, 2), "y": round(y, 2),
                                                        "width": round(w, 2),
                                                        "height": round(h, 2)}}))
        for p in range(args.preds_per_item):
            if boxes and rng.random() < 0.7:
                x, y, w, h, label = rng.choice(boxes)
                x, y = x + rng.gauss(0, 8), y + rng.gauss(0, 8)
                w, h = max(1, w * rng.uniform(0.7, 1.3)), max(1, h * rng.uniform(0.7, 1.3))
                if rng.random() < 0.2:
                    label = rng.choice(labels)
            else:
                w, h = rng.uniform(5, 150), rng.uniform(5, 150)
                x, y, label = rng.uniform(0, 600), rng.uniform(0, 450), rng.choice(labels)
            preds.append(shaped(args.shape, {
                "label": label, "type": "box", "reference_id": r, "annotation_id": f"p{p}",
                "confidence": round(rng.random(), 3),
                "geometry": {"x": round(x, 2), "y": round(y, 2), "width": round(w, 2),
                             "height": round(h, 2)}}))
        if args.shape == "mask":
            for out in (gts, preds):
                out.append({"type": "mask", "reference_id": r,
                            "mask_url": f"https://example.com/masks/{r}.png",
                            "annotations": [{"label": labels[k % len(labels)] + str(k),
                                             "index": k} for k in range(args.mask_segments)]})
    t = time.time()
    for start in range(0, len(gts), 5000):
        post(f"dataset/{ds}/annotate", {"update": False, "annotations": gts[start:start + 5000]})
    run = post(f"dataset/{ds}/modelRun/create", {"name": "bench", "reference_id": None})
    run = run["model_run_id"]
    for start in range(0, len(preds), 5000):
        post(f"modelRun/{run}/predict", {"update": False, "annotations": preds[start:start + 5000]})
    print(f"dataset {ds}: {len(refs)} items, {len(gts)} GT objects; run {run}: {len(preds)} "
          f"predictions ({args.shape}; upload {time.time() - t:.1f} s)")
    commit(s, args, post, run)


def shaped(shape, obj):
    """`obj` (a box) as a hexagon inscribed in its box for --shape polygon, else unchanged."""
    if shape != "polygon":
        return obj
    g = obj["geometry"]
    x, y, w, h = g["x"], g["y"], g["width"], g["height"]
    corners = [(x + w / 4, y), (x + 3 * w / 4, y), (x + w, y + h / 2), (x + 3 * w / 4, y + h),
               (x + w / 4, y + h), (x, y + h / 2)]
    return dict(obj, type="polygon",
                geometry={"vertices": [{"x": round(a, 2), "y": round(b, 2)} for a, b in corners]})


def server_cpu(pid):
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def commit(s, args, post, run):
    for i in range(args.commits):
        cpu0 = server_cpu(args.server_pid)
        t0 = time.perf_counter()
        job = post(f"modelRun/{run}/commit", {})["job_id"]
        while True:
            status = s.get(f"{args.url}/job/{job}").json()
            if status["status"] != "Running":
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        cpu = server_cpu(args.server_pid) - cpu0
        print(f"commit {i + 1}: {wall:.3f} s wall (POST -> Completed), "
              + (f"server CPU {cpu:.2f} s, " if args.server_pid else "")
              + f"status {status['status']},"
              f" message {json.dumps(status.get('message'))}")


if __name__ == "__main__":
    main()
