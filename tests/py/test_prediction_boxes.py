"""Box predictions keep their geometry beside the payload (store migration v6) so commit matching
need not parse payloads; the column must always equal the payload's geometry, be backfilled when
an older database is opened, follow update=true, and leave the matches exactly as they were.
"""
import json
import shutil
import sqlite3
import struct
import tempfile

from conftest import Api, Server, create_key
from prediction_helpers import add_items, box, create_run, predict, wait_job

# Doubles that do not survive a lossy text round trip.
COORDS = [(0.1 + 0.2, 1e-7, 123.456789012345, 7.000000000000001),
          (1 / 3, 2 / 3, 10.05, 0.30000000000000004),
          (5e-324, 0.0, 1e15 + 0.3, 33.3)]


def gt_box(ref, ann_id, label, x, y, w, h):
    return {"label": label, "type": "box", "geometry": {"x": x, "y": y, "width": w, "height": h},
            "reference_id": ref, "annotation_id": ann_id, "metadata": {}}


def stored_boxes(db_path):
    """{annotation_id: (type, box tuple or None, payload geometry)} of every stored prediction."""
    con = sqlite3.connect(db_path)
    try:
        out = {}
        for ann_id, typ, blob, payload in con.execute(
                "SELECT annotation_id, type, box, payload FROM predictions"):
            unpacked = struct.unpack("=4d", blob) if blob is not None else None
            out[ann_id] = (typ, unpacked, json.loads(payload)["geometry"])
        return out
    finally:
        con.close()


def assert_boxes_equal_payloads(boxes):
    for ann_id, (typ, unpacked, geometry) in boxes.items():
        if typ == "box":
            assert unpacked == (geometry["x"], geometry["y"], geometry["width"],
                                geometry["height"]), ann_id
        else:
            assert unpacked is None, ann_id


def commit_and_read(api, ds, run):
    r = api.post(f"modelRun/{run}/commit", {})
    assert r.status_code == 200, r.text
    assert wait_job(api, r.json()["job_id"])["status"] == "Completed"
    rows = []
    for mode in ("iou", "false_positive", "false_negative"):
        r = api.post(f"dataset/{ds}/queryObjectsPage",
                     {"pageToken": None, "pageSize": 1000, "query": "", "patch_mode": mode,
                      "model_run_id": run})
        assert r.status_code == 200, r.text
        rows += [(mode, json.dumps(m, sort_keys=True)) for m in r.json()["items"]]
    return sorted(rows)


def test_box_column_equals_payload_is_backfilled_and_commit_is_unchanged():
    data_dir = tempfile.mkdtemp(prefix="nucleus-boxes-")
    db_path = data_dir + "/nucleus.db"
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "boxes"}).json()["dataset_id"]
        add_items(api, ds, ["a", "b"])
        r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": [
            gt_box("a", "g1", "car", 0.1, 0.2, 10.3, 5.7),
            gt_box("b", "g2", "bus", 1 / 3, 0, 4.4, 4.4)]})
        assert r.status_code == 200, r.text
        run = create_run(api, ds)
        preds = [box("a" if i % 2 else "b", f"p{i}", "car", x, y, w, h, confidence=0.5)
                 for i, (x, y, w, h) in enumerate(COORDS)]
        preds.append(box("a", "p9", "car", 0.1, 0.2, 10.3, 5.7))
        poly = {"label": "car", "type": "polygon", "reference_id": "a", "annotation_id": "q",
                "geometry": {"vertices": [{"x": 0, "y": 0}, {"x": 4, "y": 0}, {"x": 0, "y": 3}]},
                "metadata": {}}
        predict(api, run, preds + [poly])
        # update=true turns p9 into a polygon: its box must go with it.
        p9_poly = dict(poly, annotation_id="p9")
        assert predict(api, run, [p9_poly], update=True)["predictions_processed"] == 1
        boxes = stored_boxes(db_path)
        assert boxes["p9"][0] == "polygon" and boxes["p9"][1] is None
        assert sum(1 for t, b, _ in boxes.values() if b is not None) == len(COORDS)
        assert_boxes_equal_payloads(boxes)
        before = commit_and_read(api, ds, run)
        assert any(mode == "iou" for mode, _ in before)
        srv.stop()

        # A database from before migration v6: no box column (nor what later migrations add).
        con = sqlite3.connect(db_path)
        con.execute("ALTER TABLE predictions DROP COLUMN box")
        con.execute("ALTER TABLE jobs DROP COLUMN attempts")  # v7
        con.execute("ALTER TABLE datasets DROP COLUMN item_seq_hwm")  # v8
        con.execute("ALTER TABLE datasets DROP COLUMN scene_seq_hwm")
        con.execute("PRAGMA user_version = 5")
        con.commit()
        con.close()
        srv = Server(data_dir, ["--quiet"]).start()
        api = Api(srv.base, key)
        backfilled = stored_boxes(db_path)
        assert backfilled == boxes
        assert commit_and_read(api, ds, run) == before
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
