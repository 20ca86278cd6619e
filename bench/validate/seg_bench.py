#!/usr/bin/env python3
"""Model CI seg_* evaluation time: the five seg_* functions of one scenario test over N items
whose ground-truth and predicted masks were uploaded as PNG files.

Starts the server (--bin) on a free loopback port with a fresh data directory; N items, each with
a W x H ground-truth mask of K classes (8-bit greyscale PNG, rectangles over background 0) and a
predicted mask shifting those rectangles (and relabelling some), uploaded the way the official
client uploads local masks (multipart: "serialized_request" + one "mask" part per mask); one
slice holding every item and one scenario test with seg_iou, seg_precision, seg_recall, seg_map
and seg_fwavacc. Then times POST validate/{prj}/evaluate until the job completes (the server
reads every mask from the blob store, decodes it and runs the pixel pipeline, once per function).
Prints the wall time per run and the median.

  seg_bench.py --bin build/nucleus [--items 1000] [--width 512] [--height 384] [--classes 8]
               [--runs 3] [--seg-to-poly]

--seg-to-poly: the ground truth is uploaded as shapes instead (each class's rectangle as a box
for odd classes, as a polygon — a triangle inside it — for even ones) and the test holds the
five segmentation_to_poly_* functions (the server rasterises the shapes into each predicted
mask's shape).
"""
import argparse
import json
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ingest"))
from ingest_http import Conn, free_port  # noqa: E402


def png_gray8(width, height, rects):
    img = [bytearray(width) for _ in range(height)]
    for x0, y0, x1, y1, v in rects:
        for y in range(y0, y1):
            img[y][x0:x1] = bytes([v]) * (x1 - x0)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(row) for row in img)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def upload(port, key, route, masks):
    import base64
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    body = json.dumps({"segmentations": [m for m, _ in masks], "update": False})
    parts = [("serialized_request", (None, body, "application/json"))]
    parts += [("mask", (urllib.parse.quote(m["mask_url"], safe=""), png, "image/png"))
              for m, png in masks]
    r = requests.post(f"http://127.0.0.1:{port}/v1/nucleus/{route}", files=parts,
                      headers={"Authorization": auth})
    if r.status_code != 200 or r.json().get("errors"):
        raise RuntimeError(f"{route}: {r.status_code} {r.text[:300]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=384)
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seg-to-poly", action="store_true")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="nucleus-segbench-")
    key = subprocess.run([a.bin, "keys", "create", "--data", data], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    proc = subprocess.Popen([a.bin, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                             "--quiet", "--dashboard", "off"], stdout=log, stderr=log)
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        c = Conn(port, key)
        ds = c.call("POST", "dataset/create", {"name": "segbench"})["dataset_id"]
        refs = [f"item_{i}" for i in range(a.items)]
        c.call("POST", f"dataset/{ds}/append", {"update": False, "items": [
            {"reference_id": r, "image_url": f"https://example.com/{r}", "metadata": {}}
            for r in refs]})
        c.call("POST", "models/add", {"name": "m", "reference_id": "segbench", "metadata": {}})
        model = c.call("GET", "models/")["models"][0]["id"]
        run = c.call("POST", f"dataset/{ds}/modelRun/create",
                     {"name": "r", "reference_id": "segbench", "metadata": {}})["model_run_id"]
        rng = random.Random(7)
        labels = [f"class_{k}" for k in range(1, a.classes + 1)]
        w, h = a.width, a.height
        for s in range(0, a.items, 100):
            gt, pred, gt_rects = [], [], []
            for ref in refs[s:s + 100]:
                rects, moved = [], []
                for k in range(1, a.classes + 1):
                    x0, y0 = rng.randrange(w - 20), rng.randrange(h - 20)
                    x1, y1 = rng.randint(x0 + 10, min(w, x0 + w // 3)), rng.randint(y0 + 10, min(h, y0 + h // 3))
                    rects.append([x0, y0, x1, y1, k])
                    dx, dy = rng.randint(-8, 8), rng.randint(-8, 8)
                    v = k if rng.random() < 0.8 else rng.randint(1, a.classes)
                    moved.append([max(0, x0 + dx), max(0, y0 + dy), min(w, x1 + dx), min(h, y1 + dy), v])
                gt_rects.append(rects)
                segments = [{"label": l, "index": k} for k, l in enumerate(labels, 1)]
                gt.append(({"type": "segmentation", "reference_id": ref, "mask_url": f"gt/{ref}.png",
                            "annotations": segments}, png_gray8(w, h, rects)))
                pred.append(({"type": "segmentation", "reference_id": ref, "mask_url": f"pr/{ref}.png",
                              "annotations": segments}, png_gray8(w, h, moved)))
            if a.seg_to_poly:
                shapes = []
                for ref, rects in zip(refs[s:s + 100], gt_rects):
                    for x0, y0, x1, y1, k in rects:
                        obj = {"label": labels[k - 1], "reference_id": ref,
                               "annotation_id": f"{ref}_{k}", "metadata": {}}
                        if k % 2:
                            obj.update(type="box", geometry={"x": x0, "y": y0, "width": x1 - x0,
                                                             "height": y1 - y0})
                        else:
                            obj.update(type="polygon", geometry={"vertices": [
                                {"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x0, "y": y1}]})
                        shapes.append(obj)
                c.call("POST", f"dataset/{ds}/annotate", {"update": False, "annotations": shapes})
            else:
                upload(port, key, f"dataset/{ds}/annotate", gt)
            upload(port, key, f"modelRun/{run}/predict", pred)
        slc = c.call("POST", f"dataset/{ds}/create_slice",
                     {"name": "all", "reference_ids": refs})["slice_id"]
        functions = ("seg_iou", "seg_precision", "seg_recall", "seg_map", "seg_fwavacc")
        if a.seg_to_poly:
            functions = tuple(f"segmentation_to_poly_{f}" for f in ("iou", "precision", "recall",
                                                                    "map", "ap"))
        c.call("POST", "validate/scenario_test", {"name": "seg", "slice_id": slc,
               "evaluation_functions": [{"id": f"ef_{f}", "eval_func_arguments": {}}
                                        for f in functions]})
        print(f"{a.items} items, {w} x {h} masks of {a.classes} classes, 5 "
              f"{'segmentation_to_poly_*' if a.seg_to_poly else 'seg_*'} functions")
        times = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            job = c.call("POST", f"validate/{model}/evaluate", {"test_names": ["seg"]})["job_id"]
            while c.call("GET", f"job/{job}")["status"] == "Running":
                time.sleep(0.02)
            times.append(time.perf_counter() - t0)
            errors = c.call("GET", f"job/{job}/errors")
            if errors:
                raise RuntimeError(f"evaluation errors: {errors[:3]}")
            print(f"  evaluate {times[-1]:.2f} s", flush=True)
        print(f"median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
