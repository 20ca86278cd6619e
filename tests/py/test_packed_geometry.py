"""Every stored prediction and ground-truth annotation keeps the packed geometry of its object
beside the payload (store migration v10, core/packed_geometry.h), written at upload, and commit
matches from it without parsing payloads. The packed bytes must equal what the payload's own
geometry packs to; rows of an older database get them from the start-up backfill (which parses
the payloads) with the very same bytes, and commit to exactly the same matches.
"""
import json
import shutil
import sqlite3
import struct
import tempfile

from conftest import Api, Server, create_key
from prediction_helpers import add_items, box, create_run, predict, wait_job

# Doubles that do not survive a lossy text round trip, and a negative zero (the payload prints
# it as -0, which reads back as the integer 0: packed as 0.0 both ways).
COORDS = [(0.1 + 0.2, 1e-7, 123.456789012345, 7.000000000000001),
          (1 / 3, 2 / 3, 10.05, 0.30000000000000004),
          (5e-324, 0.0, 1e15 + 0.3, 33.3),
          (-0.0, 0.5, 4.0, 4.0)]
TAGS = {1: "box", 2: "line", 3: "polygon", 4: "keypoints", 5: "cuboid", 6: "category",
        7: "multicategory", 8: "scene_category", 9: "segmentation"}


def gt_box(ref, ann_id, label, x, y, w, h):
    return {"label": label, "type": "box", "geometry": {"x": x, "y": y, "width": w, "height": h},
            "reference_id": ref, "annotation_id": ann_id, "metadata": {}}


def polygon(ref, ann_id, label, vertices):
    return {"label": label, "type": "polygon", "reference_id": ref, "annotation_id": ann_id,
            "geometry": {"vertices": [{"x": x, "y": y} for x, y in vertices]}, "metadata": {}}


def unpack(blob):
    """(type, numbers) of a packed box, line, polygon or cuboid; (type, bytes) otherwise."""
    typ = TAGS[blob[0]]
    if typ == "box":
        assert len(blob) == 33
        return typ, struct.unpack("<4d", blob[1:])
    if typ in ("line", "polygon"):
        (n,) = struct.unpack("<I", blob[1:5])
        assert len(blob) == 5 + 16 * n
        return typ, struct.unpack(f"<{2 * n}d", blob[5:])
    if typ == "cuboid":
        assert len(blob) == 57
        return typ, struct.unpack("<7d", blob[1:])
    return typ, bytes(blob[1:])


def payload_numbers(payload):
    """The numbers of a payload's box, line, polygon or cuboid geometry, as unpack() lists them."""
    g = payload["geometry"]
    if payload["type"] == "box":
        return tuple(float(g[k]) for k in ("x", "y", "width", "height"))
    if payload["type"] in ("line", "polygon"):
        return tuple(float(v[k]) for v in g["vertices"] for k in ("x", "y"))
    return tuple(float(n) for n in (g["position"]["x"], g["position"]["y"], g["position"]["z"],
                                    g["dimensions"]["x"], g["dimensions"]["y"],
                                    g["dimensions"]["z"], g["yaw"]))


def stored(db_path):
    """{(table, annotation_id or identity): (type, packed geometry bytes, payload)}."""
    con = sqlite3.connect(db_path)
    try:
        out = {}
        for table in ("annotations", "predictions"):
            for ident, typ, blob, payload in con.execute(
                    f"SELECT identity, type, geometry, payload FROM {table}"):
                out[(table, ident)] = (typ, None if blob is None else bytes(blob),
                                       json.loads(payload))
        return out
    finally:
        con.close()


def assert_geometry_equals_payloads(rows):
    for key, (typ, blob, payload) in rows.items():
        assert blob is not None, key
        packed_type, numbers = unpack(blob)
        assert packed_type == typ, key
        if typ in ("box", "line", "polygon", "cuboid"):
            assert numbers == payload_numbers(payload), key
            # -0.0 never packed: the payload reads it back as 0.
            assert all(struct.pack("<d", n) != struct.pack("<d", -0.0) for n in numbers), key


def downgrade(db_path, version):
    """Turns the database into one written by the binary of schema `version` (8 or 5): no
    packed geometry, item deletion counts (v11) nor job leases (v12); at 8, box predictions keep
    migration v6's box column (4 host-order doubles); at 5, no box column either (nor what v7 and
    v8 add)."""
    con = sqlite3.connect(db_path)
    boxes = [(rowid, struct.pack("=4d", *unpack(blob)[1]))
             for rowid, blob in con.execute(
                 "SELECT rowid, geometry FROM predictions WHERE type = 'box'")]
    con.execute("DROP INDEX predictions_without_geometry")
    con.execute("DROP INDEX annotations_without_geometry")
    con.execute("ALTER TABLE predictions DROP COLUMN geometry")
    con.execute("ALTER TABLE annotations DROP COLUMN geometry")
    con.execute("ALTER TABLE datasets DROP COLUMN item_deletions")  # v11
    for column in ("lease_owner", "lease_expires_at_ms", "checkpoint_position",
                   "checkpoint_counters"):  # v12
        con.execute(f"ALTER TABLE jobs DROP COLUMN {column}")
    if version == 8:
        con.executemany("UPDATE predictions SET box = ? WHERE rowid = ?",
                        [(b, r) for r, b in boxes])
    else:
        con.execute("ALTER TABLE predictions DROP COLUMN box")
        con.execute("ALTER TABLE jobs DROP COLUMN attempts")  # v7
        con.execute("ALTER TABLE datasets DROP COLUMN item_seq_hwm")  # v8
        con.execute("ALTER TABLE datasets DROP COLUMN scene_seq_hwm")
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()


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


def every_shape(api, ds):
    """Ground truth and a run with predictions of every shape; returns the run id."""
    r = api.post(f"dataset/{ds}/append", {"items": [
        {"reference_id": "pc", "pointcloud_url": "https://example.com/pc.json", "metadata": {}}]})
    assert r.status_code == 200, r.text
    cuboid = {"label": "car", "type": "cuboid", "reference_id": "pc", "annotation_id": "c",
              "geometry": {"position": {"x": 1, "y": 2, "z": 3},
                           "dimensions": {"x": 4, "y": 2, "z": 1.5}, "yaw": 0.25}}
    line = {"label": "lane", "type": "line", "reference_id": "a", "annotation_id": "l",
            "geometry": {"vertices": [{"x": 0, "y": 0}, {"x": 5, "y": 5.5}]}}
    keypoints = {"label": "face", "type": "keypoints", "reference_id": "a", "annotation_id": "k",
                 "geometry": {"keypoints": [{"x": 1, "y": 2, "visible": True},
                                            {"x": None, "y": None, "visible": False}],
                              "names": ["eye", "nose"], "skeleton": [[0, 1]]}}
    category = {"label": "day", "type": "category", "reference_id": "a", "geometry": {}}
    mask = {"type": "mask", "mask_url": "https://example.com/m.png", "reference_id": "b",
            "annotations": [{"label": "road", "index": 1}, {"label": "sky", "index": 7}]}
    gt = [gt_box("a", "g1", "car", 0.1, 0.2, 10.3, 5.7),
          polygon("b", "g2", "person", [(0, 0), (4, 0), (4, 3), (0, 3)]),
          polygon("b", "g3", "person", [(10, 10), (12.5, 10), (11, 1 / 3)]),
          dict(cuboid, annotation_id="gc"), line, keypoints, mask,
          {"labels": ["red", "big"], "type": "multicategory", "reference_id": "a",
           "geometry": {}}]
    r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": gt})
    assert r.status_code == 200 and r.json()["annotations_processed"] == len(gt), r.text
    r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": [category]})
    assert r.status_code == 200, r.text
    run = create_run(api, ds)
    preds = [box("a", "p1", "car", 0.5, 0.5, 10, 5, confidence=0.9),
             box("b", "p2", "car", 1, 1, 3, 2, confidence=0.4),
             dict(polygon("b", "p3", "person", [(0.5, 0), (4, 0.25), (3, 3)]), confidence=0.8),
             dict(polygon("b", "p4", "person", [(10, 10), (12, 10), (11, 2)]), confidence=0.7),
             dict(cuboid, confidence=0.6), dict(line, confidence=0.5),
             dict(keypoints, confidence=0.5), dict(category, confidence=0.5), mask]
    out = predict(api, run, preds)
    assert out["predictions_processed"] == len(preds), out
    return run


def test_packed_geometry_equals_payload_follows_update_and_is_backfilled_from_v5():
    data_dir = tempfile.mkdtemp(prefix="nucleus-packed-")
    db_path = data_dir + "/nucleus.db"
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "boxes"}).json()["dataset_id"]
        add_items(api, ds, ["a", "b"])
        r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": [
            gt_box("a", "g1", "car", 0.1, 0.2, 10.3, 5.7),
            gt_box("b", "g2", "bus", 1 / 3, -0.0, 4.4, 4.4)]})
        assert r.status_code == 200, r.text
        run = create_run(api, ds)
        preds = [box("a" if i % 2 else "b", f"p{i}", "car", x, y, w, h, confidence=0.5)
                 for i, (x, y, w, h) in enumerate(COORDS)]
        preds.append(box("a", "p9", "car", 0.1, 0.2, 10.3, 5.7))
        poly = polygon("a", "q", "car", [(0, 0), (4, 0), (0, 3)])
        predict(api, run, preds + [poly])
        # update=true turns p9 into a polygon: its packed geometry follows.
        assert predict(api, run, [dict(poly, annotation_id="p9")],
                       update=True)["predictions_processed"] == 1
        rows = stored(db_path)
        assert rows[("predictions", "id:p9")][0] == "polygon"
        assert unpack(rows[("predictions", "id:p9")][1])[0] == "polygon"
        assert_geometry_equals_payloads(rows)
        before = commit_and_read(api, ds, run)
        assert any(mode == "iou" for mode, _ in before)
        srv.stop()

        downgrade(db_path, 5)
        srv = Server(data_dir, ["--quiet"]).start()
        api = Api(srv.base, key)
        assert stored(db_path) == rows  # the same bytes, from the payloads
        assert commit_and_read(api, ds, run) == before
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_every_shape_commits_the_same_from_upload_packed_and_payload_backfilled_geometry():
    data_dir = tempfile.mkdtemp(prefix="nucleus-packed-")
    db_path = data_dir + "/nucleus.db"
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "shapes"}).json()["dataset_id"]
        add_items(api, ds, ["a", "b"])
        run = every_shape(api, ds)
        rows = stored(db_path)
        assert {typ for typ, _, _ in rows.values()} == {
            "box", "line", "polygon", "keypoints", "cuboid", "category", "multicategory",
            "segmentation"}
        assert_geometry_equals_payloads(rows)
        before = commit_and_read(api, ds, run)
        matched = [json.loads(m) for mode, m in before if mode == "iou"]
        assert len(matched) >= 4  # box, two polygons, cuboid
        srv.stop()

        # An older database: no packed geometry; box predictions have v6's box column.
        downgrade(db_path, 8)
        srv = Server(data_dir, ["--quiet"]).start()
        api = Api(srv.base, key)
        assert stored(db_path) == rows
        assert commit_and_read(api, ds, run) == before
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
