#!/usr/bin/env python3
"""Writes docs/screenshots/*.png: each dashboard page in headless Chromium, on generated data.

    NUCLEUS_BIN=build/nucleus python3 tests/dashboard/screenshots.py [OUT_DIR]

Starts its own server (temporary data directory, free ports) like the tests do."""
import json
import os
import random
import shutil
import struct
import sys
import tempfile
import time
import urllib.parse
import zlib

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import Api, Browser, Server, create_key  # noqa: E402


def scene_png(width, height, rects, background=(70, 80, 90)):
    """An RGB PNG of `background` with filled rectangles (x, y, w, h, (r, g, b))."""
    rows = []
    for y in range(height):
        row = bytearray(bytes(background) * width)
        for x0, y0, w, h, color in rects:
            if y0 <= y < y0 + h:
                row[3 * x0:3 * (x0 + w)] = bytes(color) * w
        rows.append(b"\x00" + bytes(row))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def populate(api, n_items=60):
    rnd = random.Random(7)
    ds = api.post("dataset/create", {"name": "street scenes", "is_scene": False})["dataset_id"]
    gt, preds = [], []
    for i in range(n_items):
        ref = f"street_{i:03d}.png"
        objects = []
        for k in range(rnd.randint(1, 3)):
            label = rnd.choice(["car", "person", "bicycle"])
            w, h = (70, 40) if label == "car" else (24, 60) if label == "person" else (50, 35)
            x, y = rnd.randint(0, 320 - w), rnd.randint(0, 240 - h)
            objects.append((label, x, y, w, h))
        colors = {"car": (200, 170, 60), "person": (90, 160, 220), "bicycle": (160, 100, 180)}
        png = scene_png(320, 240, [(x, y, w, h, colors[l]) for l, x, y, w, h in objects])
        items = [{"metadata": {"index": i}, "reference_id": ref, "image_url": ref, "update": False}]
        parts = [("items", (None, json.dumps(items), "application/json")),
                 ("image", (urllib.parse.quote(ref, safe=""), png, "image/png"))]
        requests.post(f"{api.base}/dataset/{ds}/append", files=parts,
                      headers=api.auth).raise_for_status()
        for k, (label, x, y, w, h) in enumerate(objects):
            geo = {"x": x, "y": y, "width": w, "height": h}
            gt.append({"type": "box", "label": label, "reference_id": ref,
                       "annotation_id": f"gt{i}_{k}", "geometry": geo, "metadata": {}})
            if rnd.random() < 0.85:
                jit = {"x": x + rnd.randint(-6, 6), "y": y + rnd.randint(-6, 6), "width": w,
                       "height": h}
                plabel = label if rnd.random() < 0.9 else rnd.choice(["car", "person", "bicycle"])
                preds.append({"type": "box", "label": plabel, "reference_id": ref,
                              "annotation_id": f"p{i}_{k}", "confidence": round(rnd.random(), 3),
                              "geometry": jit, "metadata": {}})
        if rnd.random() < 0.4:
            preds.append({"type": "box", "label": "car", "reference_id": ref,
                          "annotation_id": f"fp{i}", "confidence": round(rnd.random() * 0.6, 3),
                          "geometry": {"x": 5, "y": 5, "width": 40, "height": 30}, "metadata": {}})
    api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": gt})
    api.post("models/add", {"name": "detector v2", "reference_id": "det-v2", "metadata": {}})
    run = api.post(f"dataset/{ds}/modelRun/create", {"name": "detector v2 on street scenes",
                                                      "reference_id": "det-v2",
                                                      "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run}/predict", {"update": False, "annotations": preds})
    # An older model: the same predictions, every third one dropped and the rest less sure.
    older = [dict(p, confidence=round(p["confidence"] * 0.8, 3))
             for k, p in enumerate(preds) if k % 3]
    api.post("models/add", {"name": "detector v1", "reference_id": "det-v1", "metadata": {}})
    run1 = api.post(f"dataset/{ds}/modelRun/create", {"name": "detector v1 on street scenes",
                                                       "reference_id": "det-v1",
                                                       "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run1}/predict", {"update": False, "annotations": older})
    for r in (run, run1):
        ev = api.post(f"modelRun/{r}/evaluationsV2", {})["evaluation_id"]
        while api.get(f"evaluationsV2/{ev}")["status"] != "succeeded":
            time.sleep(0.1)
    # A slice of the first 20 scenes and a scenario test on it, evaluated for both models.
    slc = api.post(f"dataset/{ds}/create_slice", {
        "name": "first twenty", "reference_ids": [f"street_{i:03d}.png" for i in range(20)]})["slice_id"]
    fns = {f["name"]: f["id"] for f in api.get("validate/eval_fn")["eval_functions"]}
    api.post("validate/scenario_test", {"name": "street recall", "slice_id": slc,
                                        "evaluation_functions": [
                                            {"id": fns["bbox_recall"], "eval_func_arguments": {}},
                                            {"id": fns["bbox_precision"], "eval_func_arguments": {}}]})
    ut = api.get("validate/scenario_test/details")[0]["id"]
    api.post(f"validate/metric/set_threshold/{ut}/{fns['bbox_recall']}", {"threshold": 0.8})
    for model in api.get("models")["models"]:
        job = api.post(f"validate/{model['id']}/evaluate", {"test_names": ["street recall"]})["job_id"]
        while api.get(f"job/{job}")["status"] != "Completed":
            time.sleep(0.1)
    return ds, run, run1, slc


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="nucleus-shots-")
    key = create_key(data_dir, "screenshots")
    server = Server(data_dir)
    browser = None
    try:
        api = Api(server.url, key)
        ds, run, run1, slc = populate(api)
        browser = Browser(server.url)
        browser.driver.set_window_size(1280, 860)
        browser.open("#/signin")
        browser.wait_for("#api-key")
        browser.driver.save_screenshot(os.path.join(out, "signin.png"))
        browser.sign_in(key)
        pages = [("datasets", "#/datasets", "#datasets"),
                 ("item_grid", f"#/dataset/{ds}", "#grid[data-ready]"),
                 ("item_view", f"#/dataset/{ds}/item/3", "#item-canvas[data-drawn]"),
                 ("models", "#/models", "#runs"),
                 ("run", f"#/run/{run}", "#main[data-ready]"),
                 ("compare", f"#/compare/{run1}/{run}", "#main[data-ready]"),
                 ("jobs", "#/jobs", "#jobs"),
                 ("slices", f"#/dataset/{ds}/slices", "#main[data-ready] #slices"),
                 ("slice", f"#/slice/{slc}", "#main[data-ready] #slice-items"),
                 ("model_ci", "#/ci", "#main[data-ready] section.ci-test")]
        for name, page, ready in pages:
            browser.go(page)
            browser.wait_for(ready, timeout=30)
            if name == "item_view":
                browser.driver.execute_script(
                    "const s = document.getElementById('run'); s.value = arguments[0];"
                    "s.dispatchEvent(new Event('change'));", run)
                time.sleep(0.5)
            if name in ("run", "compare", "model_ci"):
                height = browser.driver.execute_script(
                    "return document.getElementById('main').getBoundingClientRect().bottom")
                browser.driver.set_window_size(1280, min(2400, int(height) + 180))
            browser.driver.save_screenshot(os.path.join(out, f"{name}.png"))
            browser.driver.set_window_size(1280, 860)
            browser.check()
            print("wrote", os.path.join(out, f"{name}.png"))
    finally:
        if browser:
            browser.quit()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
