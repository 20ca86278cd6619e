#!/usr/bin/env python3
"""The dashboard's budgets (issue 14), measured in headless Chromium against a live server:

- grid first paint: from navigating to a dataset of --items items to its first cells in the DOM
  and one animation frame later (the cells painted), in ms;
- item view server time: the item view's GET iloc request, responseStart - requestStart of its
  Resource Timing entry (the server's time plus loopback), in ms;
- grid jump: from scrolling the grid to its end to the last item's cell in the DOM and one
  animation frame later, in ms, and the items the grid read for it (Resource Timing entries);
- run page: from navigating to a run of --preds predictions x --gt ground-truth boxes to the page
  interactive (summary, per-class AP, PR curves, confusion matrix drawn, the slider answering)
  and to the page complete (histograms and examples too), in ms; first visit and later ones.

    NUCLEUS_BIN=build/nucleus python3 bench/dashboard/dashboard_bench.py [--items N] [--gt N]
        [--preds N] [--repeat R]

Prints one line per measurement and the medians. Starts its own server (temporary data
directory, free ports, 127.0.0.1 only)."""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "dashboard"))
from conftest import Api, Browser, Server, create_key, png  # noqa: E402

TIMED_JUMP = """
const [css, done] = [arguments[0], arguments[arguments.length - 1]];
const grid = document.getElementById('grid');
performance.clearResourceTimings();
const t0 = performance.now();
grid.scrollTop = grid.scrollHeight;
(function poll() {
  if (document.querySelector(css)) {
    requestAnimationFrame(() => done([performance.now() - t0,
      performance.getEntriesByType('resource').map((e) => [e.name, e.transferSize])]));
  } else {
    setTimeout(poll, 2);
  }
})();
"""

TIMED_NAV = """
const [hash, css, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
location.hash = hash;
(function poll() {
  if (document.querySelector(css)) {
    requestAnimationFrame(() => done(performance.now() - t0));
  } else {
    setTimeout(poll, 2);
  }
})();
"""


def make_items(api, n):
    """A dataset of n items sharing one uploaded 64x48 image (thumbnails load from the server)."""
    ds = api.post("dataset/create", {"name": f"{n} items", "is_scene": False})["dataset_id"]
    items = [{"metadata": {}, "reference_id": "img_0", "image_url": "img_0.png", "update": False}]
    parts = [("items", (None, json.dumps(items), "application/json")),
             ("image", ("img_0.png", png(64, 48, (120, 140, 160)), "image/png"))]
    requests.post(f"{api.base}/dataset/{ds}/append", files=parts,
                  headers=api.auth).raise_for_status()
    url = api.get(f"dataset/{ds}/iloc/0")["item"]["image_url"]
    url = url[url.index("/v1/nucleus"):]  # location-free: the server answers with its own host
    for start in range(1, n, 50000):
        batch = [{"reference_id": f"img_{i}", "image_url": url, "metadata": {}}
                 for i in range(start, min(n, start + 50000))]
        api.post(f"dataset/{ds}/append", {"items": batch})
    return ds


def make_run(api, n_gt, n_preds, per_item=12):
    rnd = random.Random(1)
    n_items = max(1, n_gt // per_item)
    ds = api.post("dataset/create", {"name": "run bench", "is_scene": False})["dataset_id"]
    api.post(f"dataset/{ds}/append", {"items": [
        {"reference_id": f"r{i}", "image_url": f"r{i}.jpg", "metadata": {}}
        for i in range(n_items)]})
    labels = [f"class_{k}" for k in range(20)]
    gt = []
    for g in range(n_gt):
        x, y = rnd.uniform(0, 500), rnd.uniform(0, 400)
        gt.append({"type": "box", "label": rnd.choice(labels), "reference_id": f"r{g % n_items}",
                   "annotation_id": f"g{g}", "metadata": {},
                   "geometry": {"x": x, "y": y, "width": rnd.uniform(10, 120),
                                "height": rnd.uniform(10, 120)}})
    for s in range(0, len(gt), 5000):
        api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": gt[s:s + 5000]})
    run = api.post(f"dataset/{ds}/modelRun/create",
                   {"name": "bench run", "reference_id": None, "metadata": {}})["model_run_id"]
    batch = []
    for p in range(n_preds):
        g = gt[rnd.randrange(len(gt))]
        geo = dict(g["geometry"])
        geo["x"] += rnd.uniform(-8, 8)
        label = g["label"] if rnd.random() < 0.8 else rnd.choice(labels)
        batch.append({"type": "box", "label": label, "reference_id": g["reference_id"],
                      "annotation_id": f"p{p}", "confidence": rnd.random(), "geometry": geo,
                      "metadata": {}})
        if len(batch) == 5000:
            api.post(f"modelRun/{run}/predict", {"update": False, "annotations": batch})
            batch = []
    if batch:
        api.post(f"modelRun/{run}/predict", {"update": False, "annotations": batch})
    t0 = time.time()
    ev = api.post(f"modelRun/{run}/evaluationsV2", {})["evaluation_id"]
    while (e := api.get(f"evaluationsV2/{ev}"))["status"] != "succeeded":
        time.sleep(0.2)
    print(f"evaluation succeeded: {time.time() - t0:.1f} s", flush=True)
    # The job goes on to fill the dashboard's summary cache: the run page's first visit below is
    # the first after the job completed, as a user's would be.
    while api.get(f"job/{e['temporal_workflow_id']}")["status"] != "Completed":
        time.sleep(0.2)
    print(f"evaluation job completed: {time.time() - t0:.1f} s", flush=True)
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--gt", type=int, default=36000)
    ap.add_argument("--preds", type=int, default=500000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="nucleus-dash-bench-")
    key = create_key(data_dir, "bench")
    server = Server(data_dir)
    browser = None
    try:
        api = Api(server.url, key)
        t0 = time.time()
        ds = make_items(api, args.items)
        print(f"{args.items} items: {time.time() - t0:.1f} s", flush=True)
        run = make_run(api, args.gt, args.preds) if args.preds else None
        print(f"data ready: {time.time() - t0:.1f} s", flush=True)
        browser = Browser(server.url)
        browser.sign_in(key)
        browser.wait_for("#datasets")
        d = browser.driver
        d.set_script_timeout(600)
        grid, item = [], []
        for r in range(args.repeat):
            browser.go("#/datasets")
            browser.wait_for("#datasets")
            grid.append(d.execute_async_script(TIMED_NAV, f"#/dataset/{ds}", "#grid[data-ready]"))
            d.execute_script("performance.clearResourceTimings()")
            i = 1 + r * 997 % max(1, args.items - 1)
            d.execute_async_script(TIMED_NAV, f"#/dataset/{ds}/item/{i}", "#item-canvas[data-drawn]")
            entry = d.execute_script(
                "return performance.getEntriesByType('resource').filter("
                "e => e.name.includes('/iloc/')).map(e => e.responseStart - e.requestStart)[0]")
            item.append(entry)
            print(f"grid first paint {grid[-1]:.1f} ms, item view server time {entry:.1f} ms",
                  flush=True)
        print(f"median: grid first paint {statistics.median(grid):.1f} ms, "
              f"item view server time {statistics.median(item):.1f} ms")
        jumps = []
        for r in range(args.repeat):
            browser.go("#/datasets")
            browser.wait_for("#datasets")
            browser.go(f"#/dataset/{ds}")
            browser.wait_for("#main #grid[data-ready]")
            ms, reads = d.execute_async_script(
                TIMED_JUMP, f"#grid .grid-cell[data-index='{args.items - 1}']")
            jumps.append(ms)
            print(f"grid jump to item {args.items - 1}: {ms:.0f} ms, reads "
                  f"{[(n.split('/v1/nucleus/')[-1], size) for n, size in reads]}", flush=True)
        print(f"median: grid jump {statistics.median(jumps):.0f} ms")
        if run:
            for css in ("#main[data-interactive]", "#main[data-ready]"):
                visits = []
                for r in range(max(3, args.repeat)):
                    browser.go("#/datasets")
                    browser.wait_for("#datasets")
                    visits.append(d.execute_async_script(TIMED_NAV, f"#/run/{run}", css))
                    print(f"run page to {css}: {visits[-1]:.0f} ms", flush=True)
                print(f"run page to {css}: median {statistics.median(visits):.0f} ms")
        browser.check()
    finally:
        if browser:
            browser.quit()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
