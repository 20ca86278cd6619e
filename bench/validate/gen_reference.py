#!/usr/bin/python3
"""Builds the Model CI metric fixture: generated items (boxes, polygons, predictions) and the
values the official client's own nucleus/metrics code computes on them.

usage: gen_reference.py CLIENT_SOURCE_DIR OUT_JSON [--seed N] [--items N] [--segmentation | --seg-to-poly]

CLIENT_SOURCE_DIR is a checkout of scale-nucleus (0.18.8) holding nucleus/metrics/; it is put on
sys.path and never copied. Needs numpy, scipy, shapely and scikit-learn (Debian: python3-numpy, python3-scipy,
python3-shapely, python3-sklearn). Only the generator needs them; the tests read the JSON this writes.

Where the client's code disagrees with its documented API (docs/api/validate.md §9) the reference
is made to follow the documented behaviour, each time by feeding it transformed input or by
swapping one helper, never by re-implementing a metric:
  D1  boxes are sent to the client with x + width/2, y + height/2 (it reads x/y as the centre);
  D2  compute_average_precision is called as (recall, precision);
  D3  PolygonMAP's per-label AP gets the map's iou_threshold;
  D6  call_metric is called directly (no "everything filtered" check); an item with neither
      ground truth nor predictions of the metric's types gets weight 0 without calling it;
  AP of a label with predictions but no ground truth is 0 (the client's numpy gives NaN).
Categories (cat_f1): one category per item in its ground truth (taxonomy "animal" or none) and
at most one prediction of that taxonomy, plus sometimes one of "weather", a taxonomy with no
ground truth (so the client's label sets always pair one to one, D9); items without a pair are
left out of the client's results (it skips nothing itself: it would raise on them).
Filters: every object carries metadata ("occluded" a boolean, "size" an integer, "note" only on
some); configurations with annotation_filters / prediction_filters are computed by the client's
filter_annotation_list / filter_prediction_list before call_metric (what Metric.__call__ does).
Categories, metadata and the filtered configurations come from a second random stream, so the
first seventeen configurations' data and values are the same as before they were added.
Cuboids have square footprints, where the client's precision/recall footprint (rotated by 90
degrees, D7) equals the documented one. Generated data keeps the other divergences out:
distinct non-zero confidences (D5), valid convex
polygons (D8; convex, so the server clips them in floating point as GEOS does), coordinates
with three decimals and no assignment ties.
"""
import argparse
import json
import math
import random
import sys


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("client_source")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--segmentation", action="store_true",
                    help="write the seg_* fixture instead (see segmentation_main)")
    ap.add_argument("--seg-to-poly", action="store_true",
                    help="write the segmentation_to_poly_* fixture instead (see seg_to_poly_main)")
    return ap.parse_args()


LABELS = ["car", "bus", "person", "bike"]


def r3(v):
    return round(v, 3)


def gen_box(rng, label):
    w, h = r3(rng.uniform(5, 80)), r3(rng.uniform(5, 80))
    return {"type": "box", "label": label, "x": r3(rng.uniform(0, 400)),
            "y": r3(rng.uniform(0, 300)), "width": w, "height": h}


def strictly_convex(pts):
    n = len(pts)
    for i in range(n):
        (ox, oy), (ax, ay), (bx, by) = pts[i], pts[(i + 1) % n], pts[(i + 2) % n]
        if (ax - ox) * (by - oy) - (ay - oy) * (bx - ox) < 1.0:
            return False
    return True


def gen_polygon(rng, label):
    """A convex polygon (counter-clockwise, every turn clearly convex after rounding)."""
    import math
    while True:
        cx, cy, rad = rng.uniform(40, 400), rng.uniform(40, 300), rng.uniform(8, 40)
        n = rng.randint(3, 7)
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
        pts = [[r3(cx + rad * math.cos(a)), r3(cy + rad * math.sin(a))] for a in angles]
        if strictly_convex(pts):
            return {"type": "polygon", "label": label, "vertices": pts}


def jitter(rng, shape, label):
    s = json.loads(json.dumps(shape))
    s["label"] = label
    if s["type"] == "box":
        s["x"] = r3(s["x"] + rng.uniform(-6, 6))
        s["y"] = r3(s["y"] + rng.uniform(-6, 6))
        s["width"] = r3(max(1.0, s["width"] + rng.uniform(-5, 5)))
        s["height"] = r3(max(1.0, s["height"] + rng.uniform(-5, 5)))
    else:
        dx, dy = rng.uniform(-5, 5), rng.uniform(-5, 5)
        s["vertices"] = [[r3(x + dx), r3(y + dy)] for x, y in s["vertices"]]
    return s


def gen_cuboid(rng, label):
    """Square footprints (dimensions x == y), where the client's cuboid precision/recall footprint,
    rotated by 90 degrees (D7), is the documented one."""
    side = r3(rng.uniform(1, 6))
    return {"type": "cuboid", "label": label,
            "position": [r3(rng.uniform(0, 60)), r3(rng.uniform(0, 60)), r3(rng.uniform(0, 2))],
            "dimensions": [side, side, r3(rng.uniform(1, 3))], "yaw": r3(rng.uniform(-3.1, 3.1))}


def jitter_cuboid(rng, c, label):
    out = json.loads(json.dumps(c))
    out["label"] = label
    out["position"] = [r3(v + rng.uniform(-1, 1)) for v in c["position"]]
    side = r3(max(0.5, c["dimensions"][0] + rng.uniform(-0.5, 0.5)))
    out["dimensions"] = [side, side, r3(max(0.5, c["dimensions"][2] + rng.uniform(-0.5, 0.5)))]
    out["yaw"] = r3(c["yaw"] + rng.uniform(-0.3, 0.3))
    return out


def gen_cuboids(rng, confidences):
    """Ground-truth and predicted cuboids of one item (either side may be empty)."""
    gt = [gen_cuboid(rng, rng.choice(LABELS[:3])) for _ in range(rng.randint(0, 5))]
    preds = []
    if rng.random() > 0.1:
        for c in gt:
            if rng.random() < 0.8:
                preds.append(jitter_cuboid(rng, c, c["label"] if rng.random() < 0.85
                                           else rng.choice(LABELS[:3])))
        preds += [gen_cuboid(rng, rng.choice(LABELS[:3])) for _ in range(rng.randint(0, 2))]
        rng.shuffle(preds)
        for p in preds:
            p["confidence"] = confidences.pop()
    return gt, preds


def gen_items(rng, count, confidences):
    items = []
    for i in range(count):
        kind = rng.random()
        gt = []
        if kind > 0.08:  # some items have no ground truth
            for _ in range(rng.randint(0, 6)):
                gt.append(gen_box(rng, rng.choice(LABELS)))
            for _ in range(rng.randint(0, 3)):
                gt.append(gen_polygon(rng, rng.choice(LABELS)))
        preds = []
        if kind < 0.08 or kind > 0.16:  # some items have no predictions
            for g in gt:
                if rng.random() < 0.8:
                    label = g["label"] if rng.random() < 0.85 else rng.choice(LABELS)
                    preds.append(jitter(rng, g, label))
            for _ in range(rng.randint(0, 2)):
                maker = gen_box if rng.random() < 0.6 else gen_polygon
                preds.append(maker(rng, rng.choice(LABELS)))
            rng.shuffle(preds)
            for p in preds:
                p["confidence"] = confidences.pop()
        cuboid_gt, cuboid_preds = gen_cuboids(rng, confidences)
        items.append({"reference_id": f"item_{i:04d}", "ground_truth": gt + cuboid_gt,
                      "predictions": preds + cuboid_preds})
    return items


CONFIGS = [
    ("bbox_iou", "iou", "box", dict(enforce_label_match=False, iou_threshold=0.0, confidence_threshold=0.0)),
    ("bbox_iou", "iou", "box", dict(enforce_label_match=True, iou_threshold=0.3, confidence_threshold=0.2)),
    ("bbox_precision", "precision", "box", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.0)),
    ("bbox_precision", "precision", "box", dict(enforce_label_match=True, iou_threshold=0.5, confidence_threshold=0.0)),
    ("bbox_recall", "recall", "box", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.0)),
    ("bbox_recall", "recall", "box", dict(enforce_label_match=True, iou_threshold=0.1, confidence_threshold=0.5)),
    ("bbox_map", "map", "box", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.0)),
    ("bbox_map", "map", "box", dict(enforce_label_match=False, iou_threshold=0.75, confidence_threshold=0.0)),
    ("poly_iou", "iou", "poly", dict(enforce_label_match=False, iou_threshold=0.0, confidence_threshold=0.0)),
    ("poly_precision", "precision", "poly", dict(enforce_label_match=True, iou_threshold=0.5, confidence_threshold=0.0)),
    ("poly_recall", "recall", "poly", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.3)),
    ("poly_map", "map", "poly", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.0)),
    ("cuboid_iou_3d", "iou_3d", "cuboid", dict(enforce_label_match=True, iou_threshold=0.0, confidence_threshold=0.0)),
    ("cuboid_iou_2d", "iou_2d", "cuboid", dict(enforce_label_match=False, iou_threshold=0.1, confidence_threshold=0.0)),
    ("cuboid_precision", "precision", "cuboid", dict(enforce_label_match=True, iou_threshold=0.0, confidence_threshold=0.0)),
    ("cuboid_precision", "precision", "cuboid", dict(enforce_label_match=False, iou_threshold=0.3, confidence_threshold=0.4)),
    ("cuboid_recall", "recall", "cuboid", dict(enforce_label_match=True, iou_threshold=0.2, confidence_threshold=0.0)),
]


ANIMALS = ["cat", "dog", "horse", "cow"]
WEATHER = ["sun", "rain"]

# Every filter form of §8.2: field and metadata conditions, AND-lists and DNF, in / not in, a
# missing key with allow_missing, numbers against booleans.
LABEL_CAR_BUS = [["label", "in", ["car", "bus"], False, "field"]]
CONF_OR_OCCLUDED = [[["confidence", ">", 0.3, False, "field"]],
                    [["occluded", "==", True, False, "metadata"], ["size", "<=", 3, False, "metadata"]]]
NOT_SMALL = [["size", ">=", 2, False, "metadata"], ["label", "not in", ["bike"], False, "field"]]
NOTE_OR_WIDE = [[["note", "==", "hard", True, "metadata"]], [["width", ">", 30, True, "field"]]]
NOT_OCCLUDED = [["occluded", "!=", 1, False, "metadata"]]
CATEGORY_CONFIGS = [
    ("cat_f1", "f1", "category", dict(confidence_threshold=0.0, f1_method="macro")),
    ("cat_f1", "f1", "category", dict(confidence_threshold=0.4, f1_method="micro")),
    ("cat_f1", "f1", "category", dict(confidence_threshold=0.0, f1_method="weighted")),
]
FILTERED_CONFIGS = [
    ("bbox_iou", "iou", "box", dict(enforce_label_match=False, iou_threshold=0.0, confidence_threshold=0.0,
                                    annotation_filters=LABEL_CAR_BUS, prediction_filters=CONF_OR_OCCLUDED)),
    ("bbox_precision", "precision", "box", dict(enforce_label_match=True, iou_threshold=0.5, confidence_threshold=0.0,
                                                annotation_filters=NOT_SMALL, prediction_filters=NOT_SMALL)),
    ("poly_recall", "recall", "poly", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.2,
                                           annotation_filters=NOTE_OR_WIDE, prediction_filters=None)),
    ("poly_map", "map", "poly", dict(enforce_label_match=False, iou_threshold=0.5, confidence_threshold=0.0,
                                     annotation_filters=None, prediction_filters=CONF_OR_OCCLUDED)),
    ("cuboid_recall", "recall", "cuboid", dict(enforce_label_match=True, iou_threshold=0.2, confidence_threshold=0.0,
                                               annotation_filters=NOT_OCCLUDED, prediction_filters=NOT_OCCLUDED)),
    ("cat_f1", "f1", "category", dict(confidence_threshold=0.0, f1_method="macro",
                                      annotation_filters=None,
                                      prediction_filters=[["label", "!=", "cow", False, "field"]])),
]


def add_categories_and_metadata(rng, items, confidences):
    for item in items:
        for key in ("ground_truth", "predictions"):
            for s in item[key]:
                s["metadata"] = {"occluded": rng.random() < 0.3, "size": rng.randint(0, 5)}
                if rng.random() < 0.2:
                    s["metadata"]["note"] = rng.choice(["hard", "easy"])
        taxonomy = rng.choice(["animal", None])
        kind = rng.random()
        if kind > 0.1:
            label = rng.choice(ANIMALS)
            item["ground_truth"].append({"type": "category", "label": label, "taxonomy_name": taxonomy,
                                         "metadata": {"occluded": False, "size": 1}})
        if kind < 0.1 or kind > 0.2:
            label = label if kind > 0.1 and rng.random() < 0.6 else rng.choice(ANIMALS)
            item["predictions"].append({"type": "category", "label": label, "taxonomy_name": taxonomy,
                                        "confidence": confidences.pop(), "metadata": {}})
        if rng.random() < 0.3:
            item["predictions"].append({"type": "category", "label": rng.choice(WEATHER),
                                        "taxonomy_name": "weather", "confidence": confidences.pop(),
                                        "metadata": {}})


def category_reference(items, params):
    """cat_f1 through the client's CategorizationF1: per item call_metric (items whose filtered
    label sets do not pair are left out: the client's f1_score would raise on them), then
    aggregate_score over the others."""
    from nucleus.annotation import AnnotationList, CategoryAnnotation
    from nucleus.prediction import CategoryPrediction, PredictionList
    from nucleus.metrics.categorization_metrics import CategorizationF1
    from nucleus.metrics.filtering import filter_annotation_list, filter_prediction_list
    m = CategorizationF1(confidence_threshold=params["confidence_threshold"],
                         f1_method=params["f1_method"])
    per_item, results = [], []
    for item in items:
        ref = item["reference_id"]
        anns = AnnotationList(category_annotations=[
            CategoryAnnotation(label=s["label"], reference_id=ref, taxonomy_name=s["taxonomy_name"],
                               metadata=s["metadata"])
            for s in item["ground_truth"] if s["type"] == "category"])
        preds = PredictionList(category_predictions=[
            CategoryPrediction(label=s["label"], reference_id=ref, taxonomy_name=s["taxonomy_name"],
                               confidence=s["confidence"], metadata=s["metadata"])
            for s in item["predictions"] if s["type"] == "category"])
        anns = filter_annotation_list(anns, params.get("annotation_filters"))
        preds = filter_prediction_list(preds, params.get("prediction_filters"))
        r = m.call_metric(anns, preds)
        if not r.annotations or not r.predictions:
            per_item.append([0.0, 0.0])
            continue
        per_item.append([float(r.value), 1.0])
        results.append(r)
    return per_item, [float(m.aggregate_score(results).value), 1.0]


def main():
    args = parse_args()
    sys.path.insert(0, args.client_source)
    if args.segmentation:
        segmentation_main(args)
        return
    if args.seg_to_poly:
        seg_to_poly_main(args)
        return
    import numpy as np
    from nucleus import BoxAnnotation, BoxPrediction, Point, PolygonAnnotation, PolygonPrediction
    from nucleus.annotation import CuboidAnnotation, Point3D
    from nucleus.prediction import CuboidPrediction
    from nucleus.metrics import cuboid_metrics as cm
    from nucleus.annotation import AnnotationList
    from nucleus.prediction import PredictionList
    from nucleus.metrics import polygon_metrics as pm
    from nucleus.metrics.base import ScalarResult
    from nucleus.metrics.metric_utils import compute_average_precision

    # D2: the documented argument order.
    pm.compute_average_precision = lambda precisions, recalls: compute_average_precision(
        recalls, precisions)
    original_ap_eval = pm.PolygonAveragePrecision.eval

    def ap_eval(self, annotations, predictions):
        # A label with no ground truth: AP 0 (numpy would give NaN).
        if not pm.polygon_label_filter(annotations, self.label):
            return ScalarResult(0.0, 1)
        return original_ap_eval(self, annotations, predictions)

    def map_eval(self, annotations, predictions):
        # D3: every per-label AP at the map's own threshold.
        grouped = pm.group_boxes_or_polygons_by_label(annotations, predictions)
        results = []
        for label, (anns, preds) in grouped.items():
            metric = pm.PolygonAveragePrecision(label, iou_threshold=self.iou_threshold)
            results.append(metric.eval(anns, preds))
        return ScalarResult.aggregate(results)

    pm.PolygonAveragePrecision.eval = ap_eval
    pm.PolygonMAP.eval = map_eval

    rng = random.Random(args.seed)
    confidences = rng.sample(range(1, 10**6), 20000)
    confidences = [c / 10**6 for c in confidences]
    items = gen_items(rng, args.items, confidences)
    add_categories_and_metadata(random.Random(args.seed + 1000), items, confidences)

    def to_client(shape, ref, i, prediction):
        kw = dict(label=shape["label"], reference_id=ref, metadata=shape.get("metadata"))
        if prediction:
            kw["confidence"] = shape["confidence"]
        if shape["type"] == "cuboid":
            cls = CuboidPrediction if prediction else CuboidAnnotation
            return cls(position=Point3D(*shape["position"]), dimensions=Point3D(*shape["dimensions"]),
                       yaw=shape["yaw"], annotation_id=f"{ref}_{i}", **kw)
        if shape["type"] == "box":
            w, h = shape["width"], shape["height"]
            cls = BoxPrediction if prediction else BoxAnnotation
            # D1: the client reads x/y as the centre.
            return cls(x=shape["x"] + w / 2, y=shape["y"] + h / 2, width=w, height=h,
                       annotation_id=f"{ref}_{i}", **kw)
        cls = PolygonPrediction if prediction else PolygonAnnotation
        return cls(vertices=[Point(x, y) for x, y in shape["vertices"]],
                   annotation_id=f"{ref}_{i}", **kw)

    classes = {"iou": pm.PolygonIOU, "precision": pm.PolygonPrecision,
               "recall": pm.PolygonRecall, "map": pm.PolygonMAP}
    out_configs = []
    from nucleus.metrics.filtering import filter_annotation_list, filter_prediction_list
    for name, metric, shapes, params in CONFIGS + CATEGORY_CONFIGS + FILTERED_CONFIGS:
        if shapes == "category":
            per_item, agg = category_reference(items, params)
            out_configs.append({"function": name, "metric": metric, "shapes": shapes, **params,
                                "item_results": per_item, "aggregate": agg})
            continue
        cls = classes.get(metric)
        if shapes == "cuboid":
            cuboid_classes = {"iou_3d": cm.CuboidIOU, "iou_2d": cm.CuboidIOU,
                              "precision": cm.CuboidPrecision, "recall": cm.CuboidRecall}
            kwargs = dict(params)
            if metric.startswith("iou"):
                kwargs["iou_2d"] = metric == "iou_2d"
            kwargs.pop("annotation_filters", None)
            kwargs.pop("prediction_filters", None)
            m = cuboid_classes[metric](**kwargs)
        elif metric == "map":
            m = cls(iou_threshold=params["iou_threshold"])
        else:
            m = cls(**{k: v for k, v in params.items() if not k.endswith("_filters")})
        per_item = []
        for item in items:
            ref = item["reference_id"]
            keep = {"box": lambda s: s["type"] == "box",
                    "poly": lambda s: s["type"] in ("box", "polygon"),
                    "cuboid": lambda s: s["type"] == "cuboid"}[shapes]
            gt = [to_client(s, ref, i, False) for i, s in enumerate(item["ground_truth"]) if keep(s)]
            pr = [to_client(s, ref, i, True) for i, s in enumerate(item["predictions"]) if keep(s)]
            t = params["confidence_threshold"]
            gt = filter_annotation_list(AnnotationList(box_annotations=gt),
                                        params.get("annotation_filters")).box_annotations
            pr = filter_prediction_list(PredictionList(box_predictions=pr),
                                        params.get("prediction_filters")).box_predictions
            if not gt and not [p for p in pr if not t > 0 or p.confidence >= t]:
                per_item.append([0.0, 0.0])
                continue
            anns = AnnotationList(box_annotations=[a for a in gt if isinstance(a, BoxAnnotation)],
                                  polygon_annotations=[a for a in gt if isinstance(a, PolygonAnnotation)],
                                  cuboid_annotations=[a for a in gt if isinstance(a, CuboidAnnotation)])
            preds = PredictionList(box_predictions=[p for p in pr if isinstance(p, BoxPrediction)],
                                   polygon_predictions=[p for p in pr if isinstance(p, PolygonPrediction)],
                                   cuboid_predictions=[p for p in pr if isinstance(p, CuboidPrediction)])
            r = m.call_metric(anns, preds)
            per_item.append([float(r.value), float(r.weight)])
        agg = ScalarResult.aggregate([ScalarResult(v, w) for v, w in per_item])
        assert all(np.isfinite(v) for v, _ in per_item), name
        out_configs.append({"function": name, "metric": metric, "shapes": shapes, **params,
                            "item_results": per_item,
                            "aggregate": [float(agg.value), float(agg.weight)]})
    doc = {"generated_by": "bench/validate/gen_reference.py --seed %d --items %d"
                           % (args.seed, args.items),
           "items": items, "configs": out_configs}
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


# ---- seg_* (docs/api/validate.md §8.5) ------------------------------------------------------

SEG_LABELS = ["road", "car", "person", "sky", "tree", "sign"]

SEG_CONFIGS = [
    ("seg_iou", "iou", {"iou_threshold": 0.5}),
    ("seg_iou", "iou", {"iou_threshold": 0.0}),
    ("seg_precision", "precision", {"iou_threshold": 0.5}),
    ("seg_precision", "precision", {"iou_threshold": 0.3}),
    ("seg_recall", "recall", {"iou_threshold": 0.5}),
    ("seg_recall", "recall", {"iou_threshold": 0.75}),
    ("seg_fwavacc", "fwavacc", {"iou_threshold": 0.5}),
    ("seg_map", "map", {"iou_thresholds": "coco"}),
    ("seg_map", "map", {"iou_thresholds": [0.2, 0.5, 0.6]}),
]


# Filtered configurations (client JSON form [key, op, value, allow_missing, type]), under
# "filtered_configs": segments carry metadata {"occluded": bool} from a second random stream.
SEG_FILTER_CONFIGS = [
    ("seg_iou", "iou", {"iou_threshold": 0.5},
     [[["label", "in", ["road", "car", "person"], False, "segment_field"]]], None),
    ("seg_precision", "precision", {"iou_threshold": 0.5},
     None, [[["occluded", "==", False, False, "segment_metadata"]]]),
    ("seg_recall", "recall", {"iou_threshold": 0.5},
     [[["occluded", "==", False, False, "segment_metadata"]]],
     [[["label", "!=", "sky", False, "segment_field"]]]),
    ("seg_map", "map", {"iou_thresholds": "coco"},
     [[["label", "==", "road", False, "segment_field"]],
      [["occluded", "==", True, False, "segment_metadata"]]], None),
    ("seg_fwavacc", "fwavacc", {"iou_threshold": 0.5},
     [[["reference_id", "!=", "seg_0003", False, "field"]]], None),
]


def client_filters(filters):
    """The client's filter objects for the JSON form."""
    if filters is None:
        return None
    from nucleus.metrics.filtering import (FieldFilter, MetadataFilter, SegmentFieldFilter,
                                           SegmentMetadataFilter)
    kinds = {"field": FieldFilter, "metadata": MetadataFilter,
             "segment_field": SegmentFieldFilter, "segment_metadata": SegmentMetadataFilter}
    return [[kinds[t](k, op, v, allow_missing=m) for k, op, v, m, t in branch]
            for branch in filters]


def paint(width, height, rects):
    """The index image: zeros, then each [x0, y0, x1, y1, value] rectangle (x1, y1 excluded)
    painted in order. tests/eval and tests/py paint the same way."""
    img = [[0] * width for _ in range(height)]
    for x0, y0, x1, y1, v in rects:
        for y in range(y0, y1):
            row = img[y]
            for x in range(x0, x1):
                row[x] = v
    return img


def gen_rect(rng, width, height, value):
    x0, y0 = rng.randrange(0, width - 2), rng.randrange(0, height - 2)
    x1, y1 = rng.randint(x0 + 1, min(width, x0 + width // 2 + 2)), rng.randint(y0 + 1, min(height, y0 + height // 2 + 2))
    return [x0, y0, x1, y1, value]


def jitter_rect(rng, r, width, height, value):
    x0 = min(max(0, r[0] + rng.randint(-3, 3)), width - 1)
    y0 = min(max(0, r[1] + rng.randint(-3, 3)), height - 1)
    x1 = min(max(x0 + 1, r[2] + rng.randint(-3, 3)), width)
    y1 = min(max(y0 + 1, r[3] + rng.randint(-3, 3)), height)
    return [x0, y0, x1, y1, value]


def gen_seg_item(rng, i):
    """One item: a ground-truth and a predicted mask ([index, label] segments and the
    rectangles painting them), either possibly absent. Semantic items have one index per label
    (predictions sometimes renumber, drop or add labels; index 0 is sometimes a segment);
    instance items repeat labels."""
    width, height = rng.randint(12, 40), rng.randint(10, 32)
    kind = rng.random()
    instance = kind < 0.3
    if instance:
        labels = [rng.choice(SEG_LABELS[:3]) for _ in range(rng.randint(2, 5))]
    else:
        labels = rng.sample(SEG_LABELS, rng.randint(1, 5))
    first = 0 if rng.random() < 0.2 else 1
    gt_segments = [[first + k, l] for k, l in enumerate(labels)]
    gt_rects = [gen_rect(rng, width, height, idx) for idx, _ in gt_segments for _ in range(rng.randint(1, 2))]
    pred_segments, pred_rects = [], []
    for idx, label in gt_segments:
        roll = rng.random()
        if roll < 0.1:
            continue  # this segment is not predicted
        pidx = idx
        if not instance and roll < 0.2:
            pidx = idx + 10  # the same label under another index
        elif roll < 0.3:
            label = rng.choice(SEG_LABELS)  # another label (instance: maybe a repeat)
        pred_segments.append([pidx, label])
        for r in gt_rects:
            if r[4] == idx:
                pred_rects.append(jitter_rect(rng, r, width, height, pidx))
    for _ in range(rng.randint(0, 2)):  # extra predicted classes or instances
        pidx = max([s[0] for s in pred_segments] + [s[0] for s in gt_segments]) + 1
        label = rng.choice(SEG_LABELS)
        if not instance and label in {s[1] for s in pred_segments}:
            continue
        pred_segments.append([pidx, label])
        pred_rects.append(gen_rect(rng, width, height, pidx))
    item = {"reference_id": "seg_%04d" % i, "width": width, "height": height,
            "ground_truth": {"segments": gt_segments, "rects": gt_rects},
            "prediction": {"segments": pred_segments, "rects": pred_rects}}
    roll = rng.random()
    if roll < 0.05:
        item["ground_truth"] = None
    elif roll < 0.10:
        item["prediction"] = None
    elif roll < 0.12:
        item["ground_truth"] = item["prediction"] = None
    elif roll < 0.14:
        item["prediction"]["segments"] = []  # a mask without segments
    return item


def lsa_cases(rng, np, linear_sum_assignment):
    """Tie-heavy cost matrices (few distinct values, zero rows and columns, rectangular both
    ways) and scipy's assignment of each."""
    cases = []
    for k in range(300):
        rows, cols = rng.randint(1, 7), rng.randint(1, 7)
        values = rng.choice([[0.0, -1.0], [0.0, -0.5, -1.0], [0.0, -0.25, -0.5, -1.0, -2.0]])
        cost = [[rng.choice(values) for _ in range(cols)] for _ in range(rows)]
        if rng.random() < 0.3:
            for r in range(rows):
                cost[r][rng.randrange(cols)] = 0.0
        r, c = linear_sum_assignment(np.array(cost, dtype=np.float64))
        cases.append({"rows": rows, "cols": cols, "cost": [v for row in cost for v in row],
                      "row_ind": [int(v) for v in r], "col_ind": [int(v) for v in c]})
    return cases


def segmentation_main(args):
    """The seg_* fixture: generated masks (painted rectangles), the client's
    nucleus/metrics/segmentation_metrics.py classes fed through its InMemoryLoader, and scipy's
    linear_sum_assignment on tie-heavy matrices. Needs numpy and scipy only.

    Each metric call gets fresh SegmentationAnnotation / SegmentationPrediction objects (the
    client's classes append a false-positive segment to the objects they are given; SegmentationMAP
    reuses its objects across thresholds, which is kept). call_metric is called directly (D6).
    Where the client's SegmentationIOU gives NaN (no class with a defined IoU), the item's weight
    is set to 0 (D17); its other divergences (D16) are kept out of the data: every predicted
    pixel value is one of the item's segment indexes or 0. The client's instance regrouping
    asserts that it keeps every pixel, which fails whenever a ground-truth pixel value is no
    segment's (background 0); the server computes the value anyway (D18), so the reference is
    the client's code without its assert statements: this mode re-runs itself under python3 -O."""
    if __debug__:
        import os
        os.execv(sys.executable, [sys.executable, "-O"] + sys.argv)
    import logging
    import numpy as np
    from scipy.optimize import linear_sum_assignment
    from nucleus.annotation import AnnotationList, Segment, SegmentationAnnotation
    from nucleus.prediction import PredictionList, SegmentationPrediction
    from nucleus.metrics import segmentation_metrics as sm
    from nucleus.metrics.base import ScalarResult
    from nucleus.metrics.segmentation_loader import InMemoryLoader

    logging.disable(logging.WARNING)  # "No annotations with label ..." for every instance item
    import warnings
    warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "Mean of empty slice" (NaN)
    rng = random.Random(args.seed)
    items = [gen_seg_item(rng, i) for i in range(args.items)]
    arrays = {}
    for item in items:
        for side in ("ground_truth", "prediction"):
            if item[side] is not None:
                url = "mem://%s/%s.png" % (item["reference_id"], side)
                arrays[url] = np.array(paint(item["width"], item["height"], item[side]["rects"]),
                                       dtype=np.uint8)
    loader = InMemoryLoader(arrays)
    mrng = random.Random(args.seed + 2)
    for item in items:
        for side in ("ground_truth", "prediction"):
            if item[side] is not None:
                item[side]["segment_metadata"] = [{"occluded": mrng.random() < 0.3}
                                                  for _ in item[side]["segments"]]
    classes = {"iou": sm.SegmentationIOU, "precision": sm.SegmentationPrecision,
               "recall": sm.SegmentationRecall, "fwavacc": sm.SegmentationFWAVACC,
               "map": sm.SegmentationMAP}
    out_configs = []
    for name, metric, params in SEG_CONFIGS:
        per_item = []
        for item in items:
            m = classes[metric](**params)
            m.loader = loader
            ref = item["reference_id"]
            gt, pr = item["ground_truth"], item["prediction"]
            anns = AnnotationList(segmentation_annotations=[] if gt is None else [
                SegmentationAnnotation(mask_url="mem://%s/ground_truth.png" % ref, reference_id=ref,
                                       annotations=[Segment(l, index=i) for i, l in gt["segments"]])])
            preds = PredictionList(segmentation_predictions=[] if pr is None else [
                SegmentationPrediction(mask_url="mem://%s/prediction.png" % ref, reference_id=ref,
                                       annotations=[Segment(l, index=i) for i, l in pr["segments"]])])
            r = m.call_metric(anns, preds)
            value, weight = float(r.value), float(r.weight)
            if np.isnan(value):
                value, weight = 0.0, 0.0  # D17
            per_item.append([value, weight])
        agg = ScalarResult.aggregate([ScalarResult(v, w) for v, w in per_item])
        out_configs.append({"function": name, "metric": metric, **params,
                            "item_results": per_item,
                            "aggregate": [float(agg.value), float(agg.weight)]})
    from nucleus.metrics.filtering import filter_annotation_list, filter_prediction_list

    def fast_confusion_matrix_d16(label_true, label_pred, n_class):
        """fast_confusion_matrix counting a pixel only when both values are below n_class (D16):
        filtered-out predicted segments leave pixel values over the class count."""
        mask = (label_true >= 0) & (label_true < n_class) & (label_pred >= 0) & (label_pred < n_class)
        return np.bincount(n_class * label_true[mask].astype(int) + label_pred[mask],
                           minlength=n_class**2).reshape(n_class, n_class)
    sm.fast_confusion_matrix = fast_confusion_matrix_d16  # the filtered configurations only
    filtered_configs = []
    for name, metric, params, ann_f, pred_f in SEG_FILTER_CONFIGS:
        per_item = []
        for item in items:
            m = classes[metric](annotation_filters=client_filters(ann_f),
                                prediction_filters=client_filters(pred_f), **params)
            m.loader = loader
            ref = item["reference_id"]
            gt, pr = item["ground_truth"], item["prediction"]

            def segs(side):
                return [Segment(l, index=i, metadata=md)
                        for (i, l), md in zip(side["segments"], side["segment_metadata"])]
            anns = AnnotationList(segmentation_annotations=[] if gt is None else [
                SegmentationAnnotation(mask_url="mem://%s/ground_truth.png" % ref,
                                       reference_id=ref, annotations=segs(gt))])
            preds = PredictionList(segmentation_predictions=[] if pr is None else [
                SegmentationPrediction(mask_url="mem://%s/prediction.png" % ref,
                                       reference_id=ref, annotations=segs(pr))])
            # Metric.__call__ without its "everything filtered" check (D6)
            r = m.call_metric(filter_annotation_list(anns, m.annotation_filters),
                              filter_prediction_list(preds, m.prediction_filters))
            value, weight = float(r.value), float(r.weight)
            if np.isnan(value):
                value, weight = 0.0, 0.0  # D17
            per_item.append([value, weight])
        agg = ScalarResult.aggregate([ScalarResult(v, w) for v, w in per_item])
        filtered_configs.append({"function": name, "metric": metric, **params,
                                 "annotation_filters": ann_f, "prediction_filters": pred_f,
                                 "item_results": per_item,
                                 "aggregate": [float(agg.value), float(agg.weight)]})
    doc = {"generated_by": "bench/validate/gen_reference.py --segmentation --seed %d --items %d"
                           % (args.seed, args.items),
           "items": items, "configs": out_configs, "filtered_configs": filtered_configs,
           "assignments": lsa_cases(random.Random(args.seed + 1), np, linear_sum_assignment)}
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


# ---- segmentation_to_poly_* (docs/api/validate.md §8.5) -------------------------------------

SEG_TO_POLY_CONFIGS = [
    ("segmentation_to_poly_iou", "SegmentationToPolyIOU", {"iou_threshold": 0.0}),
    ("segmentation_to_poly_iou", "SegmentationToPolyIOU", {"iou_threshold": 0.5}),
    ("segmentation_to_poly_precision", "SegmentationToPolyPrecision", {"iou_threshold": 0.5}),
    ("segmentation_to_poly_precision", "SegmentationToPolyPrecision", {"iou_threshold": 0.25}),
    ("segmentation_to_poly_recall", "SegmentationToPolyRecall", {"iou_threshold": 0.5}),
    ("segmentation_to_poly_ap", "SegmentationToPolyAveragePrecision",
     {"label": "car", "iou_threshold": 0.5}),
    ("segmentation_to_poly_map", "SegmentationToPolyMAP", {"iou_thresholds": "coco"}),
    ("segmentation_to_poly_map", "SegmentationToPolyMAP", {"iou_thresholds": [0.2, 0.5, 0.6]}),
]


# Filtered configurations, under "filtered_configs": shapes and predicted segments carry
# metadata {"occluded": bool} from a second random stream; every item's first polygon passes the
# annotation filters (D20).
SEG_TO_POLY_FILTER_CONFIGS = [
    ("segmentation_to_poly_iou", "SegmentationToPolyIOU", {"iou_threshold": 0.5},
     [[["occluded", "==", False, False, "metadata"]], [["label", "==", "road", False, "field"]]],
     None),
    ("segmentation_to_poly_precision", "SegmentationToPolyPrecision", {"iou_threshold": 0.5},
     None, [[["label", "!=", "sky", False, "segment_field"]]]),
    ("segmentation_to_poly_map", "SegmentationToPolyMAP", {"iou_thresholds": "coco"},
     [[["occluded", "==", False, False, "metadata"]]],
     [[["occluded", "==", False, False, "segment_metadata"]]]),
]


def q4(v):
    """A multiple of 1/4: x + w/2 - w/2 is x again in floating point (D1 stays exact)."""
    return round(v * 4) / 4


def gen_stp_item(rng, i):
    """One item: ground-truth polygons and boxes (top-left x/y, documented API) over an image of
    width x height, and a predicted mask painting rectangles near them (or no mask)."""
    width, height = rng.randint(12, 40), rng.randint(10, 32)
    polygons, boxes = [], []
    for _ in range(rng.randint(1, 4)):
        cx, cy = rng.uniform(-2, width + 2), rng.uniform(-2, height + 2)
        n = rng.randint(3, 7)
        angles = sorted(rng.uniform(0, 6.283185307179586) for _ in range(n))
        rad = rng.uniform(1.5, max(width, height) / 2)
        pts = [[r3(cx + rad * rng.uniform(0.5, 1) * math.cos(a)),
                r3(cy + rad * rng.uniform(0.5, 1) * math.sin(a))] for a in angles]
        polygons.append({"label": rng.choice(SEG_LABELS[:4]), "vertices": pts})
    for _ in range(rng.randint(0, 3)):
        x, y = q4(rng.uniform(-3, width - 2)), q4(rng.uniform(-3, height - 2))
        boxes.append({"label": rng.choice(SEG_LABELS[:4]), "x": x, "y": y,
                      "width": q4(rng.uniform(1, width / 2 + 1)),
                      "height": q4(rng.uniform(1, height / 2 + 1))})
    segments, rects = [], []
    shapes = len(polygons) + len(boxes)
    for k in range(shapes):
        if rng.random() < 0.15:
            continue
        idx = len(segments) + 1
        label = (polygons + boxes)[k]["label"] if rng.random() < 0.8 else rng.choice(SEG_LABELS)
        segments.append([idx, label])
        if k < len(polygons):
            xs = [v[0] for v in polygons[k]["vertices"]]
            ys = [v[1] for v in polygons[k]["vertices"]]
            r = [int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1]
        else:
            b = boxes[k - len(polygons)]
            r = [int(b["x"]), int(b["y"]), int(b["x"] + b["width"]), int(b["y"] + b["height"])]
        r = [min(max(0, r[0] + rng.randint(-2, 2)), width - 1),
             min(max(0, r[1] + rng.randint(-2, 2)), height - 1),
             r[2] + rng.randint(-2, 2), r[3] + rng.randint(-2, 2), idx]
        r[2], r[3] = min(max(r[0] + 1, r[2]), width), min(max(r[1] + 1, r[3]), height)
        rects.append(r)
    if rng.random() < 0.3:
        idx = len(segments) + 1
        segments.append([idx, rng.choice(SEG_LABELS)])
        rects.append(gen_rect(rng, width, height, idx))
    item = {"reference_id": "stp_%04d" % i, "width": width, "height": height,
            "polygons": polygons, "boxes": boxes,
            "prediction": {"segments": segments, "rects": rects}}
    roll = rng.random()
    if roll < 0.08:
        item["prediction"] = None
    elif roll < 0.11:
        item["prediction"]["segments"] = []  # a mask without segments
    return item


def seg_to_poly_main(args):
    """The segmentation_to_poly_* fixture: generated ground-truth polygons and boxes and predicted
    masks (painted rectangles), the client's nucleus/metrics/segmentation_to_poly_metrics.py
    classes (which rasterise the shapes with rasterio into the mask's shape, index = position + 1,
    polygons first) with their loader swapped for an InMemoryLoader. Needs numpy, scipy,
    rasterio and shapely. Boxes are fed with x + width/2, y + height/2 (D1; quarter-pixel
    coordinates keep that exact). Every item has a polygon: the client takes the reference id of
    the first one and raises without (D20). Runs under python3 -O as segmentation_main does
    (D18: the rasterised ground truth has background pixels)."""
    if __debug__:
        import os
        os.execv(sys.executable, [sys.executable, "-O"] + sys.argv)
    import logging
    import warnings
    import numpy as np
    from nucleus import BoxAnnotation, Point, PolygonAnnotation
    from nucleus.annotation import AnnotationList, Segment
    from nucleus.prediction import PredictionList, SegmentationPrediction
    from nucleus.metrics import segmentation_to_poly_metrics as stp
    from nucleus.metrics.base import ScalarResult
    from nucleus.metrics.segmentation_loader import InMemoryLoader

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore", RuntimeWarning)
    rng = random.Random(args.seed)
    items = [gen_stp_item(rng, i) for i in range(args.items)]
    arrays = {}
    for item in items:
        if item["prediction"] is not None:
            arrays["mem://%s.png" % item["reference_id"]] = np.array(
                paint(item["width"], item["height"], item["prediction"]["rects"]), dtype=np.uint8)
    loader = InMemoryLoader(arrays)
    mrng = random.Random(args.seed + 2)
    for item in items:
        for k, shape in enumerate(item["polygons"] + item["boxes"]):
            shape["metadata"] = {"occluded": k > 0 and mrng.random() < 0.3}
        if item["prediction"] is not None:
            item["prediction"]["segment_metadata"] = [{"occluded": mrng.random() < 0.3}
                                                      for _ in item["prediction"]["segments"]]
    out_configs = []
    for name, cls, params in SEG_TO_POLY_CONFIGS:
        per_item = []
        for item in items:
            m = getattr(stp, cls)(**params)
            m.loader = loader
            ref = item["reference_id"]
            anns = AnnotationList(
                polygon_annotations=[PolygonAnnotation(
                    p["label"], [Point(x, y) for x, y in p["vertices"]], reference_id=ref)
                    for p in item["polygons"]],
                box_annotations=[BoxAnnotation(
                    b["label"], b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, b["width"],
                    b["height"], reference_id=ref) for b in item["boxes"]])
            pr = item["prediction"]
            preds = PredictionList(segmentation_predictions=[] if pr is None else [
                SegmentationPrediction(mask_url="mem://%s.png" % ref, reference_id=ref,
                                       annotations=[Segment(l, index=i) for i, l in pr["segments"]])])
            r = m.call_metric(anns, preds)
            value, weight = float(r.value), float(r.weight)
            if np.isnan(value):
                value, weight = 0.0, 0.0  # D17
            per_item.append([value, weight])
        agg = m.aggregate_score([ScalarResult(v, w) for v, w in per_item])
        out_configs.append({"function": name, **params, "item_results": per_item,
                            "aggregate": [float(agg.value), float(agg.weight)]})
    from nucleus.metrics import segmentation_metrics as sm

    def fast_confusion_matrix_d16(label_true, label_pred, n_class):
        """fast_confusion_matrix counting a pixel only when both values are below n_class (D16):
        filtered-out predicted segments leave pixel values over the class count."""
        mask = (label_true >= 0) & (label_true < n_class) & (label_pred >= 0) & (label_pred < n_class)
        return np.bincount(n_class * label_true[mask].astype(int) + label_pred[mask],
                           minlength=n_class**2).reshape(n_class, n_class)
    sm.fast_confusion_matrix = fast_confusion_matrix_d16  # the filtered configurations only
    filtered_configs = []
    for name, cls, params, ann_f, pred_f in SEG_TO_POLY_FILTER_CONFIGS:
        per_item = []
        for item in items:
            m = getattr(stp, cls)(annotation_filters=client_filters(ann_f),
                                  prediction_filters=client_filters(pred_f), **params)
            m.loader = loader
            ref = item["reference_id"]
            anns = AnnotationList(
                polygon_annotations=[PolygonAnnotation(
                    p["label"], [Point(x, y) for x, y in p["vertices"]], reference_id=ref,
                    metadata=p["metadata"]) for p in item["polygons"]],
                box_annotations=[BoxAnnotation(
                    b["label"], b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, b["width"],
                    b["height"], reference_id=ref, metadata=b["metadata"]) for b in item["boxes"]])
            pr = item["prediction"]
            preds = PredictionList(segmentation_predictions=[] if pr is None else [
                SegmentationPrediction(mask_url="mem://%s.png" % ref, reference_id=ref,
                                       annotations=[Segment(l, index=i, metadata=md) for (i, l), md
                                                    in zip(pr["segments"], pr["segment_metadata"])])])
            r = m.call_metric(anns, preds)  # its own filters are None: __call__ adds nothing
            value, weight = float(r.value), float(r.weight)
            if np.isnan(value):
                value, weight = 0.0, 0.0  # D17
            per_item.append([value, weight])
        agg = m.aggregate_score([ScalarResult(v, w) for v, w in per_item])
        filtered_configs.append({"function": name, **params, "annotation_filters": ann_f,
                                 "prediction_filters": pred_f, "item_results": per_item,
                                 "aggregate": [float(agg.value), float(agg.weight)]})
    doc = {"generated_by": "bench/validate/gen_reference.py --seg-to-poly --seed %d --items %d"
                           % (args.seed, args.items),
           "items": items, "configs": out_configs, "filtered_configs": filtered_configs}
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
