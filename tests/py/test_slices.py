"""slices.md: create, info, members (whole and paged), append, delete, exports, listings, and
slices staying consistent when items or the dataset are deleted."""
import os
import shutil
import sqlite3
import tempfile

import pytest
import requests

from conftest import STORE_URI_FILE, Api, Server, create_key

from test_commit import scene  # noqa: F401  (fixture)
from test_evaluation import charts, evaluation  # noqa: F401  (fixture)
from test_items import append
from test_scenes import video_frames_scene


def items(n, prefix="img"):
    return [{"reference_id": f"{prefix}_{i}", "image_url": f"s3://bucket/{prefix}_{i}.jpg",
             "metadata": {"i": i}} for i in range(n)]


def create(api, ds, name="s", **body):
    r = api.post(f"dataset/{ds}/create_slice", {"name": name, **body})
    assert r.status_code == 200, r.text
    return r.json()["slice_id"]


def refs(api, slc):
    r = requests.get(api.url(f"slice/{slc}"), headers=api.headers)
    assert r.status_code == 200, r.text
    return [i["reference_id"] for i in r.json()["items"]]


def test_info_members_and_listing(api, dataset):
    append(api, dataset, items(4))
    slc = create(api, dataset, "hard", reference_ids=["img_2", "img_0", "img_2"])
    info = api.get(f"slice/{slc}/info").json()
    assert info["id"] == slc and info["slice_id"] == slc and info["name"] == "hard"
    assert info["dataset_id"] == dataset and info["type"] == "dataset_item"
    assert info["description"] is None and info["tags"] == [] and info["pending_job_count"] == 0
    assert info["created_at"].endswith("Z")
    body = api.get(f"slice/{slc}").json()
    assert body["id"] == slc and body["dataset_id"] == dataset
    assert [i["id"][:3] for i in body["items"]] == ["di_", "di_"]
    assert refs(api, slc) == ["img_2", "img_0"]  # request order, repeat kept once
    assert body["items"][0]["metadata"] == {"i": 2}
    assert slc in [s["id"] for s in api.get("slice/").json()]
    assert slc in [s["id"] for s in api.get("slice").json()]


def test_append_is_idempotent_and_atomic(api, dataset):
    append(api, dataset, items(4))
    slc = create(api, dataset, reference_ids=["img_1"])
    r = api.post(f"slice/{slc}/append", {"reference_ids": ["img_1", "img_3", "img_0"],
                                         "dataset_id": dataset})
    assert r.status_code == 200, r.text
    assert r.json() == {"slice_id": slc, "appended": 2}
    assert refs(api, slc) == ["img_1", "img_3", "img_0"]
    r = api.post(f"slice/{slc}/append", {"reference_ids": ["img_2", "nope"]})
    assert r.status_code == 400 and "nope" in r.json()["error"]
    assert refs(api, slc) == ["img_1", "img_3", "img_0"]  # nothing appended
    r = api.post(f"slice/{slc}/append", {"reference_ids": None, "dataset_id": dataset})
    assert r.status_code == 400
    assert r.json() == {"error": "field \"reference_ids\" of request body: is required"}
    r = api.post(f"slice/{slc}/append", {"reference_ids": ["img_2"], "dataset_id": "ds_other"})
    assert r.status_code == 400 and "dataset_id" in r.json()["error"]


def test_items_page_walks_every_member_once(api, dataset):
    append(api, dataset, items(5))
    slc = create(api, dataset, reference_ids=["img_4", "img_1", "img_3"])
    seen, token = [], None
    while True:
        r = api.post(f"slice/{slc}/itemsPage", {"pageToken": token, "pageSize": 2})
        assert r.status_code == 200, r.text
        seen += [i["reference_id"] for i in r.json()["items"]]
        token = r.json()["nextPageToken"]
        if not token:
            break
    assert seen == ["img_4", "img_1", "img_3"]
    r = api.post(f"slice/{slc}/itemsPage", {"pageToken": None, "pageSize": 0})
    assert r.status_code == 400 and "pageSize" in r.json()["error"]


def test_exports_read_current_annotations_of_members_only(api, dataset):
    append(api, dataset, items(3))
    slc = create(api, dataset, reference_ids=["img_1"])
    box = {"type": "box", "label": "car",
           "geometry": {"x": 1, "y": 2, "width": 3, "height": 4},
           "reference_id": "img_1", "annotation_id": "a1", "metadata": {}}
    other = dict(box, reference_id="img_0", label="bus", annotation_id="a0")
    r = api.post(f"dataset/{dataset}/annotate", {"annotations": [box, other]})
    assert r.status_code == 200 and r.json()["annotations_processed"] == 2, r.text
    rows = api.get(f"slice/{slc}/exportForTraining").json()["exportedRows"]
    assert [r["item"]["reference_id"] for r in rows] == ["img_1"]
    assert [b["label"] for b in rows[0]["box"]] == ["car"]
    for key in ["polygon", "line", "keypoints", "cuboid", "category", "multicategory"]:
        assert rows[0][key] == []
    page = api.post(f"slice/{slc}/exportForTrainingPage",
                    {"pageToken": None, "pageSize": 10, "chip": False}).json()
    assert page["data"] == rows and page["nextPageToken"] is None
    raw = api.get(f"slice/{slc}/export_raw_json").json()
    assert raw[0]["item"]["reference_id"] == "img_1" and raw[0]["annotations"][0]["label"] == "car"
    assert api.get(f"slice/{slc}/exportRawItems").json() == {
        "raw_dataset_items": [{"reference_id": "img_1", "scale_url": "s3://bucket/img_1.jpg"}]}
    assert api.get(f"slice/{slc}/class_labels").json() == {"data": ["car"]}


def test_prediction_export_of_a_model(api, dataset):
    append(api, dataset, items(2))
    slc = create(api, dataset, reference_ids=["img_1"])
    model = api.post("models/add", {"name": "m", "reference_id": f"m_{dataset}",
                                  "metadata": {}}).json()
    prj = model["model_id"]
    missing = api.get(f"slice/{slc}/{prj}/exportForTraining")
    assert missing.status_code == 404
    preds = [{"type": "box", "label": "car",
              "geometry": {"x": 0, "y": 0, "width": 5, "height": 5},
              "reference_id": ref, "confidence": 0.5} for ref in ["img_0", "img_1"]]
    r = api.post(f"dataset/{dataset}/model/{prj}/uploadPredictions", {"annotations": preds, "update": False})
    assert r.status_code == 200 and r.json()["predictions_processed"] == 2, r.text
    rows = api.get(f"slice/{slc}/{prj}/exportForTraining").json()["exportedRows"]
    assert [r["item"]["reference_id"] for r in rows] == ["img_1"]
    assert len(rows[0]["box"]) == 1 and rows[0]["box"][0]["confidence"] == 0.5
    page = api.post(f"slice/{slc}/{prj}/exportForTrainingPage",
                    {"pageToken": None, "pageSize": 100000}).json()
    assert page["data"] == rows and page["nextPageToken"] is None


def test_deleting_items_slices_and_datasets_keeps_slices_consistent(api, dataset):
    append(api, dataset, items(3))
    slc = create(api, dataset, reference_ids=["img_0", "img_1", "img_2"])
    keep = create(api, dataset, "kept", reference_ids=["img_2"])
    assert api.delete(f"dataset/{dataset}/refloc/img_1").status_code == 200
    assert refs(api, slc) == ["img_0", "img_2"]
    append(api, dataset, items(2))  # img_1 does not come back with a new item of the same id
    assert refs(api, slc) == ["img_0", "img_2"]
    assert api.delete(f"slice/{slc}").json() == {}
    assert api.get(f"slice/{slc}/info").status_code == 404
    assert api.delete(f"slice/{slc}").status_code == 404
    assert api.get(f"dataset/{dataset}/info").json()["slice_ids"] == [keep]
    assert api.get(f"dataset/{dataset}/size").json() == {"count": 3}  # items untouched
    assert api.delete(f"dataset/{dataset}").status_code == 200
    assert api.get(f"slice/{keep}").status_code == 404
    assert keep not in [s["id"] for s in api.get("slice/").json()]


def test_other_owner_sees_nothing(api, other_api, dataset):
    append(api, dataset, items(1))
    slc = create(api, dataset, reference_ids=["img_0"])
    for route in ["", "/info", "/exportForTraining", "/class_labels"]:
        r = other_api.get(f"slice/{slc}{route}")
        assert r.status_code == 404 and r.json() == {"error": f"slice {slc} not found"}
    assert other_api.delete(f"slice/{slc}").status_code == 404
    assert slc not in [s["id"] for s in other_api.get("slice/").json()]
    assert api.get(f"slice/{slc}/info").status_code == 200


def test_create_by_item_ids_with_null_lists(api, dataset):
    append(api, dataset, items(2))
    listing = api.get(f"dataset/{dataset}/datasetItems").json()["dataset_items"]
    ids = {i["ref_id"] if "ref_id" in i else i["reference_id"]: i["id"] for i in listing}
    slc = create(api, dataset, "by ids", dataset_item_ids=[ids["img_1"]], scene_ids=None,
                 object_ids=None)
    assert refs(api, slc) == ["img_1"]
    r = api.post(f"dataset/{dataset}/create_slice", {"name": "x", "reference_ids": ["img_0"],
                                                     "dataset_item_ids": [ids["img_1"]]})
    assert r.status_code == 400


def test_scene_slice_from_scene_reference_ids(api):
    ds = api.post("dataset/create", {"name": "videos", "is_scene": True}).json()["dataset_id"]
    r = api.post(f"{ds}/upload_video_scenes", {"scenes": [video_frames_scene()], "update": False})
    assert r.status_code == 200, r.text
    slc = create(api, ds, "scenes", reference_ids=["scene_1"])
    assert api.get(f"slice/{slc}/info").json()["type"] == "scene"
    body = api.get(f"slice/{slc}").json()
    assert [s["id"][:4] for s in body["items"]] == ["scn_"]
    assert body["items"][0]["reference_id"] == "scene_1"
    r = api.post(f"slice/{slc}/append", {"reference_ids": ["scene_1"], "dataset_id": ds})
    assert r.json()["appended"] == 0
    r = api.post(f"dataset/{ds}/create_slice", {"name": "bad", "reference_ids": ["scene_1", "x"]})
    assert r.status_code == 400 and "\"x\"" in r.json()["error"]


def test_evaluation_restricted_to_a_slice(api, evaluation):
    """evaluation.md §2.6 `sliceId`: test_evaluation.py's hand-checked scene on img1 alone. "car"
    keeps its 2 ground truths and p1-p3 (p1 the only true positive, first in score order): AP
    51/101; "bus" has no ground truth in the slice, so it leaves the mean."""
    ds, run, ev = evaluation
    slc = create(api, ds, "img1 only", reference_ids=["img1"])
    c = charts(api, ev, filters={"sliceId": slc})
    assert c["mapSummary"]["mapAt50"] == pytest.approx(51 / 101, abs=1e-12)
    assert c["totalCounts"] == {"tp": 1, "fp": 2, "fn": 1, "predsWithConfidence": 3}
    full = charts(api, ev)
    assert full["totalCounts"] == {"tp": 1, "fp": 4, "fn": 2, "predsWithConfidence": 5}
    r = api.post(f"evaluationsV2/{ev}/examples",
                 {"match_type": "FP", "limit": 50, "offset": 0, "filters": {"sliceId": slc}})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 2
    # Deleting a member from the dataset takes it out of the slice, and so out of the results.
    assert api.delete(f"dataset/{ds}/refloc/img1").status_code == 200
    c = charts(api, ev, filters={"sliceId": slc})
    assert c["totalCounts"] == {"tp": 0, "fp": 0, "fn": 0, "predsWithConfidence": 0}


def test_evaluation_slice_must_be_of_its_dataset(api, evaluation):
    ds, run, ev = evaluation
    other = api.post("dataset/create", {"name": "other"}).json()["dataset_id"]
    append(api, other, items(1))
    elsewhere = create(api, other, "other dataset", reference_ids=["img_0"])
    err = charts(api, ev, filters={"sliceId": elsewhere}, expect=400)["error"]
    assert "sliceId" in err and "is not of the evaluation's dataset" in err
    err = charts(api, ev, filters={"sliceId": "slc_nope"}, expect=400)["error"]
    assert err == "field \"sliceId\" of filters: slice slc_nope not found"


@pytest.mark.skipif(STORE_URI_FILE is not None, reason="rewrites SQLite's file to replay v14")
def test_sqlite_v14_moves_stored_reference_ids_into_members():
    """A slice stored before v14 kept its members as a JSON list of reference ids; the migration
    keeps those that still name an item, in list order, and drops the rest."""
    data_dir = tempfile.mkdtemp(prefix="nucleus-slices-")
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "old"}).json()["dataset_id"]
        append(api, ds, items(3))
        slc = create(api, ds, reference_ids=["img_0"])
        srv.stop()
        con = sqlite3.connect(os.path.join(data_dir, "nucleus.db"))
        con.execute("DROP TRIGGER items_drop_slice_members")
        con.execute("DROP TABLE slice_items")
        con.execute("UPDATE slices SET reference_ids = ? WHERE id = ?",
                    ('["img_2","gone","img_0"]', slc))
        con.execute("PRAGMA user_version = 13")
        con.commit()
        con.close()
        srv = Server(data_dir, ["--quiet"]).start()
        api = Api(srv.base, key)
        assert refs(api, slc) == ["img_2", "img_0"]
        assert api.delete(f"dataset/{ds}/refloc/img_2").status_code == 200  # the trigger is back
        assert refs(api, slc) == ["img_0"]
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
