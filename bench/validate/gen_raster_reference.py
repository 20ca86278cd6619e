#!/usr/bin/python3
"""Builds the rasterisation fixture: generated boxes and polygons and the index images the
official client's own rasterize_polygons_to_segmentation_mask (rasterio, GDAL) makes of them.

usage: gen_raster_reference.py CLIENT_SOURCE_DIR OUT_JSON [--seed N] [--cases N]

CLIENT_SOURCE_DIR is a checkout of scale-nucleus (0.18.8) holding nucleus/metrics/; it is put on
sys.path and never copied. Needs numpy, shapely and rasterio (Debian: python3-numpy,
python3-shapely, python3-rasterio; GDAL 3.6 there). Only the generator needs them; the test
(tests/geometry/rasterize_test.cc) reads the JSON this writes.

Each case is an image size and a list of shapes, rasterised in order with segment index
position + 1 (later shapes paint over earlier ones), exactly as the client does. A box is
generated as the client's BoxAnnotation (x/y its centre) and stored as the corners the client
computes (x - width / 2 ...), which is what geometry::Rasterizer::FillBox takes. A polygon is
stored with its vertices as given to the client (sometimes explicitly closed). The image is stored row-major as
run lengths: [value, count, value, count, ...].
Shapes that shapely or rasterio refuse (fewer than 3 vertices) are never generated.
"""
import argparse
import json
import random
import sys
import warnings

KINDS = ["box", "convex", "concave", "selfcross", "tiny", "grid", "outside", "huge",
         "degenerate", "repeated", "rect_poly", "eight"]


def snap(rng, v):
    """Sometimes puts a coordinate on an exact .5, integer or quarter, where ties live."""
    p = rng.random()
    if p < 0.2:
        return float(round(v)) + 0.5
    if p < 0.35:
        return float(round(v))
    if p < 0.45:
        return round(v * 4) / 4
    return v


def star(rng, cx, cy, rmin, rmax, n, jitter_angles=True):
    import math
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n)) if jitter_angles else \
        [2 * math.pi * i / n for i in range(n)]
    return [[cx + rng.uniform(rmin, rmax) * math.cos(a), cy + rng.uniform(rmin, rmax) * math.sin(a)]
            for a in angles]


def gen_shape(rng, kind, w, h):
    """Returns ("box", [x_min, y_min, x_max, y_max], (x, y, width, height)) or ("polygon", pts)."""
    cx, cy = rng.uniform(-2, w + 2), rng.uniform(-2, h + 2)
    size = max(w, h)
    if kind == "box":
        bw, bh = snap(rng, rng.uniform(0, size * 0.8)), snap(rng, rng.uniform(0, size * 0.8))
        x, y = snap(rng, cx), snap(rng, cy)
        return ("box", None, (x, y, abs(bw), abs(bh)))
    if kind == "convex":
        pts = star(rng, cx, cy, size * 0.2, size * 0.5, rng.randint(3, 9))
        pts = [[snap(rng, x), snap(rng, y)] for x, y in pts]
    elif kind == "concave":
        pts = star(rng, cx, cy, size * 0.05, size * 0.6, rng.randint(5, 16))
        pts = [[snap(rng, x), snap(rng, y)] for x, y in pts]
    elif kind == "selfcross":
        pts = [[snap(rng, rng.uniform(-2, w + 2)), snap(rng, rng.uniform(-2, h + 2))]
               for _ in range(rng.randint(4, 10))]
    elif kind == "tiny":
        pts = star(rng, cx, cy, 0.05, rng.uniform(0.1, 1.2), rng.randint(3, 6))
    elif kind == "grid":  # every vertex on the half-pixel grid: centre lines and pixel corners
        pts = [[round(rng.uniform(-1, w + 1) * 2) / 2, round(rng.uniform(-1, h + 1) * 2) / 2]
               for _ in range(rng.randint(3, 8))]
        if rng.random() < 0.5:
            pts = sorted(pts, key=lambda p: __import__("math").atan2(p[1] - cy, p[0] - cx))
    elif kind == "outside":
        ox = rng.choice([-1, 1]) * rng.uniform(0.3, 1.5) * w
        oy = rng.choice([-1, 1]) * rng.uniform(0.3, 1.5) * h
        pts = star(rng, cx + ox, cy + oy, size * 0.2, size * 1.0, rng.randint(3, 8))
    elif kind == "huge":
        r = rng.choice([1e3, 1e5, 1e7, 3e9, 1e12])
        pts = star(rng, rng.uniform(0, w), rng.uniform(0, h), r * 0.5, r, rng.randint(3, 6))
    elif kind == "degenerate":  # zero area: collinear, often along a centre line or column
        y0 = rng.choice([float(rng.randint(0, h)) + 0.5, float(rng.randint(0, h)),
                         rng.uniform(0, h)])
        xs = [snap(rng, rng.uniform(-1, w + 1)) for _ in range(rng.randint(3, 5))]
        pts = [[x, y0] for x in xs]
        if rng.random() < 0.3:
            pts = [[p[1] * w / max(h, 1), p[0] * h / max(w, 1)] for p in pts]
        if rng.random() < 0.25:  # A, B, A on a centre line: shapely closes it once more
            y0 = float(rng.randint(0, h - 1)) + 0.5
            pts = [[pts[0][0], y0], [pts[1][0], y0], [pts[0][0], y0]]
    elif kind == "repeated":  # repeated vertices, also at the lowest-rightmost one
        pts = star(rng, cx, cy, size * 0.1, size * 0.5, rng.randint(3, 7))
        pts = [[snap(rng, x), snap(rng, y)] for x, y in pts]
        k = rng.randrange(len(pts))
        pts.insert(k, list(pts[k]))
        if rng.random() < 0.5:
            low = max(range(len(pts)), key=lambda i: (-pts[i][1], pts[i][0]))
            pts.insert(low, list(pts[low]))
    elif kind == "eight":
        # A figure-eight with its top and bottom edges on centre lines: its lobes turn opposite
        # ways, so which bottom edge GDAL burns depends on how it judges the ring's orientation
        # (the turn at the lowest-rightmost vertex, or the shoelace sum when that vertex is
        # repeated or has a neighbour within 1e-5).
        y0 = rng.randint(-1, max(h // 3, 0)) + 0.5
        y1 = rng.randint(h // 2, h + 1) + 0.5
        xa, xb = sorted([snap(rng, rng.uniform(-1, w + 1)), snap(rng, rng.uniform(-1, w + 1))])
        xc, xd = sorted([snap(rng, rng.uniform(-1, w + 1)), snap(rng, rng.uniform(-1, w + 1))])
        pts = [[xa, y0], [xb, y0], [xc, y1], [xd, y1]]
        variant = rng.randrange(4)
        if variant == 1:    # a neighbour of the pivot (xb, y0) within 1e-5
            pts.insert(rng.choice([1, 2]), [xb - 3e-6, y0])
        elif variant == 2:  # the pivot visited twice, not in a row
            pts.insert(4, [xb, y0])
        elif variant == 3:  # a neighbour of the pivot within 1e-5 above it
            pts.insert(2, [xb + 2e-6, y0 + 4e-6])
    else:  # rect_poly: axis-aligned rectangle as a polygon, either orientation
        x0, x1 = sorted([snap(rng, rng.uniform(-1, w + 1)), snap(rng, rng.uniform(-1, w + 1))])
        y0, y1 = sorted([snap(rng, rng.uniform(-1, h + 1)), snap(rng, rng.uniform(-1, h + 1))])
        pts = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    if rng.random() < 0.5:
        pts.reverse()
    if rng.random() < 0.15 and pts[-1] != pts[0]:
        pts.append(list(pts[0]))  # explicitly closed
    return ("polygon", pts)


SIZES = [(1, 1), (1, 7), (9, 1), (2, 3), (8, 8), (16, 9), (33, 17), (20, 40), (64, 48)]


def rle(image):
    flat = image.reshape(-1).tolist()
    out = []
    for v in flat:
        if out and out[-2] == v:
            out[-1] += 1
        else:
            out += [int(v), 1]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("client_source")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--cases", type=int, default=404)
    args = ap.parse_args()
    sys.path.insert(0, args.client_source)
    warnings.filterwarnings("ignore")  # rasterio: NotGeoreferencedWarning (identity transform)
    from nucleus import BoxAnnotation, Point, PolygonAnnotation
    from nucleus.metrics.segmentation_utils import rasterize_polygons_to_segmentation_mask

    rng = random.Random(args.seed)
    cases = []
    for c in range(args.cases):
        w, h = SIZES[c % len(SIZES)] if c < 3 * len(SIZES) else (rng.randint(1, 48), rng.randint(1, 48))
        if c % 50 == 49:
            w, h = 160, 90
        kinds = [KINDS[c % len(KINDS)]] + [rng.choice(KINDS) for _ in range(rng.randint(0, 5))]
        shapes, annotations = [], []
        for i, kind in enumerate(kinds):
            s = gen_shape(rng, kind, w, h)
            if s[0] == "box":
                x, y, bw, bh = s[2]
                annotations.append(BoxAnnotation(label="a", x=x, y=y, width=bw, height=bh,
                                                 reference_id="r"))
                # The client's own corner arithmetic (polygon_utils.polygon_annotation_to_shape).
                shapes.append({"box": [x - bw / 2, y - bh / 2, x + bw / 2, y + bh / 2]})
            else:
                annotations.append(PolygonAnnotation(
                    label="a", vertices=[Point(x=p[0], y=p[1]) for p in s[1]], reference_id="r"))
                shapes.append({"polygon": s[1]})
        image, segments = rasterize_polygons_to_segmentation_mask(annotations, (h, w))
        assert [s.index for s in segments] == list(range(1, len(annotations) + 1))
        cases.append({"name": f"{c}:" + ",".join(kinds), "width": w, "height": h,
                      "shapes": shapes, "image": rle(image)})
    with open(args.out, "w") as f:
        json.dump({"generator": "bench/validate/gen_raster_reference.py", "seed": args.seed,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
