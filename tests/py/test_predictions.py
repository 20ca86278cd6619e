"""predictions.md: prediction objects of every type, update/ignore rules, bad input, the
model-level routes, calculateEvaluationMetrics, and the end-to-end seed story."""
import json

import pytest

from test_scenes import lidar_scene, new_scene_dataset, sync_upload
from prediction_helpers import (add_items, box, create_model, create_run, predict,
                                upload_ndjson, wait_job)

LINE = {"label": "lane", "type": "line",
        "geometry": {"vertices": [{"x": 10, "y": 20}, {"x": 11.5, "y": 21}]},
        "reference_id": "img_1", "annotation_id": "lane-1", "metadata": {},
        "track_reference_id": None, "task_id": None, "confidence": 0.1,
        "class_pdf": {"lane": 0.5, "curb": 0.5}}
POLYGON = {"label": "bus", "type": "polygon",
           "geometry": {"vertices": [{"x": 50, "y": 60}, {"x": 51, "y": 61}, {"x": 52, "y": 62}]},
           "reference_id": "img_2", "annotation_id": "bus-1", "metadata": {"color": "yellow"},
           "embedding_vector": [0.5, 1.25], "track_reference_id": "t1", "task_id": None,
           "confidence": 0.75}
KEYPOINTS = {"label": "face", "type": "keypoints",
             "geometry": {"keypoints": [{"x": 0, "y": 0, "visible": True},
                                        {"x": None, "y": None, "visible": False}],
                          "names": ["nose", "chin"], "skeleton": [[0, 1]]},
             "reference_id": "img_2", "annotation_id": "face-img_2-keypoints", "metadata": {},
             "track_reference_id": None, "task_id": None, "confidence": 0.6,
             "class_pdf": {"face": 1.0}}
CATEGORY = {"label": "dress", "type": "category", "geometry": {}, "reference_id": "img_1",
            "metadata": {}, "track_reference_id": None, "task_id": None,
            "taxonomy_name": "clothing_type", "confidence": 0.9,
            "class_pdf": {"dress": 0.9, "shirt": 0.1}}
DEFAULT_CATEGORY = {"label": "dress", "type": "category", "geometry": {}, "reference_id": "img_1",
                    "metadata": {}, "track_reference_id": None, "task_id": None,
                    "confidence": 0.4}
CUBOID = {"label": "car", "type": "cuboid",
          "geometry": {"position": {"x": 5, "y": 5, "z": 5},
                       "dimensions": {"x": 10, "y": 10, "z": 10}, "yaw": 0.3},
          "reference_id": "img_3", "annotation_id": "car-3d-1", "confidence": 0.8}
MASK = {"type": "mask", "mask_url": "https://example.com/pred-masks/img_2.png",
        "annotations": [{"label": "grass", "index": 1}, {"label": "bus", "index": 3}],
        "annotation_id": "img_2-pred-mask", "reference_id": "img_2"}


@pytest.fixture
def run(api, dataset):
    add_items(api, dataset, ["img_1", "img_2", "img_3"])
    return create_run(api, dataset)


def refloc(api, run, ref):
    r = api.get(f"modelRun/{run}/refloc/{ref}", data="{}")
    assert r.status_code == 200, r.text
    return r.json()["annotations"]


@pytest.mark.parametrize("obj,group", [(LINE, "line"), (POLYGON, "polygon"),
                                       (KEYPOINTS, "keypoints"), (CATEGORY, "category"),
                                       (DEFAULT_CATEGORY, "category")])
def test_every_type_round_trips_exactly(api, run, obj, group):
    assert predict(api, run, [obj])["predictions_processed"] == 1
    assert refloc(api, run, obj["reference_id"]) == {group: [obj]}


def test_cuboid_round_trips_on_a_point_cloud_and_is_refused_on_an_image(api):
    ds = new_scene_dataset(api)
    sync_upload(api, ds, "upload_scenes", [lidar_scene()])
    run_id = create_run(api, ds)
    on_cloud = dict(CUBOID, reference_id="lidar_frame_1")
    on_image = dict(CUBOID, reference_id="camera_frame_1", annotation_id="car-3d-2")
    body = predict(api, run_id, [on_image, on_cloud])
    assert (body["predictions_processed"], body["predictions_ignored"]) == (1, 0)
    assert len(body["errors"]) == 1
    assert "car-3d-2" in body["errors"][0] and "camera_frame_1" in body["errors"][0]
    assert "point cloud" in body["errors"][0]
    assert refloc(api, run_id, "lidar_frame_1") == {"cuboid": [on_cloud]}
    assert refloc(api, run_id, "camera_frame_1") == {}


def test_mask_round_trips_without_invented_segment_metadata(api, run):
    assert predict(api, run, [MASK], key="segmentations")["predictions_processed"] == 1
    assert refloc(api, run, "img_2") == {"segmentation": [MASK]}


def test_mixed_upload_counts_six(api, run):
    body = predict(api, run, [MASK], key="segmentations")
    body2 = predict(api, run, [LINE, POLYGON, KEYPOINTS, CATEGORY,
                               box("img_1", "b", confidence=0.0)])
    assert body["predictions_processed"] + body2["predictions_processed"] == 6


@pytest.mark.parametrize("obj", [box("img_1", "b1", confidence=0.5), LINE, POLYGON, KEYPOINTS,
                                 CATEGORY, DEFAULT_CATEGORY, MASK])
def test_second_upload_ignored_or_replaced(api, run, obj):
    key = "segmentations" if obj["type"] == "mask" else "annotations"
    predict(api, run, [obj], key=key)
    changed = dict(obj)
    if "label" in obj:
        changed["label"] = obj["label"] + "_v2"
    else:
        changed["mask_url"] = obj["mask_url"] + "?v2"
    if obj["type"] == "mask":
        changed["annotation_id"] = "another-mask-id"  # one mask per item, whatever its id
    ignored = predict(api, run, [changed], key=key)
    assert (ignored["predictions_processed"], ignored["predictions_ignored"]) == (0, 1)
    group = refloc(api, run, obj["reference_id"])
    assert sum(len(v) for v in group.values()) == 1 and obj in group[next(iter(group))]
    updated = predict(api, run, [changed], key=key, update=True)
    assert (updated["predictions_processed"], updated["predictions_ignored"]) == (1, 0)
    group = refloc(api, run, obj["reference_id"])
    assert list(group.values()) == [[changed]]


def test_category_identity_is_the_taxonomy(api, run):
    predict(api, run, [CATEGORY, DEFAULT_CATEGORY])
    other_taxonomy = dict(CATEGORY, taxonomy_name="other")
    assert predict(api, run, [other_taxonomy])["predictions_processed"] == 1
    assert len(refloc(api, run, "img_1")["category"]) == 3


def test_unknown_reference_id_is_an_error_and_the_rest_is_kept(api, run):
    body = predict(api, run, [box("img_1", "ok"), box("cat.jpeg", "lost")])
    assert body["predictions_processed"] == 1 and body["predictions_ignored"] == 0
    assert len(body["errors"]) == 1 and "cat.jpeg" in body["errors"][0]
    assert len(refloc(api, run, "img_1")["box"]) == 1


@pytest.mark.parametrize("bad,field", [
    (box("img_1", "neg", w=-5), "geometry.width"),
    (dict(box("img_1", "t"), type="hexagon"), "type"),
    ({k: v for k, v in box("img_1", "nolabel").items() if k != "label"}, "label"),
    (dict(box("img_1", "conf"), confidence="high"), "confidence"),
    (dict(box("img_1", "pdf"), class_pdf={"car": "most"}), "class_pdf"),
    (dict(box("img_1", "multi"), type="multicategory"), "type"),
])
def test_malformed_object_is_an_error_naming_the_field(api, run, bad, field):
    body = predict(api, run, [bad, box("img_2", "good")])
    assert body["predictions_processed"] == 1
    assert len(body["errors"]) == 1
    assert f'"{field}' in body["errors"][0] and "prediction 0" in body["errors"][0]
    assert "img_1" not in str(api.get(f"modelRun/{run}/ungrouped").json())


def test_duplicate_identity_in_one_request_keeps_the_first(api, run):
    first = box("img_1", "dup", label="first")
    body = predict(api, run, [first, box("img_1", "dup", label="second")], update=True)
    assert body["predictions_processed"] == 1
    assert len(body["errors"]) == 1 and "dup" in body["errors"][0]
    assert refloc(api, run, "img_1") == {"box": [first]}


def test_unknown_run_is_404_and_bad_body_is_400(api, run):
    r = api.post("modelRun/run_nope0000000000000000/predict", {"annotations": [box("img_1", "x")]})
    assert r.status_code == 404
    r = api.post(f"modelRun/{run}/predict", None, data="{oops")
    assert r.status_code == 400
    r = api.post(f"modelRun/{run}/predict", {"annotations": {"not": "a list"}})
    assert r.status_code == 400 and "annotations" in r.json()["error"]


def test_model_level_routes(api, dataset):
    add_items(api, dataset, ["img_1", "img_2"])
    model_id, _ = create_model(api)
    assert api.get(f"dataset/{dataset}/model/{model_id}/export").status_code == 404
    pred = box("img_2", "car-1", confidence=0.0)
    r = api.post(f"dataset/{dataset}/model/{model_id}/uploadPredictions",
                 {"update": False, "annotations": [pred], "trained_slice_id": "slc_x"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dataset_id"] == dataset and body["predictions_processed"] == 1
    run_id = body["model_run_id"]
    assert run_id in api.get(f"dataset/{dataset}/info").json()["model_run_ids"]
    assert api.get(f"model/{model_id}").json()["trained_slice_ids"] == ["slc_x"]
    assert api.get(f"modelRun/{run_id}/info").json()["trained_slice_id"] == "slc_x"
    # The same run is reused.
    again = api.post(f"dataset/{dataset}/model/{model_id}/uploadPredictions",
                     {"update": False, "annotations": [pred]}).json()
    assert again["model_run_id"] == run_id and again["predictions_ignored"] == 1
    base = f"dataset/{dataset}/model/{model_id}"
    assert api.get(f"{base}/iloc/1").json() == {"annotations": {"box": [pred]}}
    assert api.get(f"{base}/referenceId/img_2").json() == {"annotations": {"box": [pred]}}
    assert api.get(f"{base}/loc/img_2/car-1").json() == pred
    assert api.get(f"{base}/export").json() == {"box": [pred]}
    r = api.post(f"{base}/calculateEvaluationMetrics", {"class_agnostic": True})
    assert r.status_code == 200 and r.json()["model_run_id"] == run_id
    assert wait_job(api, r.json()["job_id"])["status"] == "Completed"


def test_model_level_async_upload(api, dataset):
    add_items(api, dataset, ["img_1"])
    model_id, _ = create_model(api)
    request_id = upload_ndjson(api, dataset, [box("img_1", "a", confidence=0.5),
                                              box("nope", "b"), "{not json"])
    r = api.post(f"dataset/{dataset}/model/{model_id}/uploadPredictions?async=1",
                 {"requestId": request_id, "update": False, "trained_slice_id": None})
    assert r.status_code == 200, r.text
    status = wait_job(api, r.json()["job_id"])
    assert status["status"] == "Completed"
    upload = status["message"]["prediction_upload"]
    assert (upload["total"], upload["processed"], upload["errored"]) == (3, 1, 2)
    errors = " ".join(api.get(f"job/{r.json()['job_id']}/errors").json())
    assert "nope" in errors and "line 3" in errors


def test_async_upload_error_entries_and_message_are_exact(api, dataset):
    """The job's error entries: a line that did not parse as {"line", "error"}; an object refused
    after parsing as {"annotation": the object as sent, "error"}; the message's keys in order."""
    add_items(api, dataset, ["img_1"])
    _, model_ref = create_model(api)
    run = create_run(api, dataset, model_ref)
    ghost = box("nope", "b")
    request_id = upload_ndjson(api, dataset, [box("img_1", "a", confidence=0.5), ghost,
                                              "{not json", ""])
    r = api.post(f"modelRun/{run}/predict?async=1", {"requestId": request_id, "update": False})
    assert r.status_code == 200, r.text
    status = wait_job(api, r.json()["job_id"])
    assert status["status"] == "Completed"
    upload = status["message"]["prediction_upload"]
    assert list(upload.items()) == [("total", 3), ("errored", 2), ("ignored", 0),
                                    ("processed", 1), ("model_run_id", run)]
    errors = [json.loads(e) for e in api.get(f"job/{r.json()['job_id']}/errors").json()]
    assert errors[0]["line"] == 3 and errors[0]["error"].startswith("line 3 is not valid JSON")
    assert errors[1] == {"annotation": ghost, "error": "Item with id nope doesn't exist."}
    assert len(errors) == 2


def test_seed_story(api, dataset):
    """dataset, items, ground truth, model, run, 20,000 boxes with class_pdf in 4 batches,
    re-upload ignored / updated, exact reads, async with errors."""
    refs = [f"item_{i}.jpg" for i in range(1000)]
    add_items(api, dataset, refs)
    gt = [{"label": "car", "type": "box", "geometry": {"x": 1, "y": 2, "width": 3, "height": 4},
           "reference_id": r, "annotation_id": "gt", "metadata": {}} for r in refs[:10]]
    api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": gt})
    _, model_ref = create_model(api)
    run = create_run(api, dataset, model_ref)
    preds = [box(refs[i % 1000], f"p{i}", label=("car", "bus")[i % 2], x=i * 0.1, y=0.30000000000000004,
                 w=10 + i, h=5, confidence=(i % 100) / 100,
                 class_pdf={"car": 0.25, "bus": 0.75, "n": i}, metadata={"i": i})
             for i in range(20000)]
    for start in range(0, 20000, 5000):
        body = predict(api, run, preds[start:start + 5000])
        assert body["predictions_processed"] == 5000 and body["errors"] == []
    for start in range(0, 20000, 5000):
        body = predict(api, run, preds[start:start + 5000])
        assert (body["predictions_processed"], body["predictions_ignored"]) == (0, 5000)
    for start in range(0, 20000, 5000):
        body = predict(api, run, preds[start:start + 5000], update=True)
        assert (body["predictions_processed"], body["predictions_ignored"]) == (5000, 0)
    # Every field back exactly, in insertion order.
    expected_7 = [p for p in preds if p["reference_id"] == refs[7]]
    assert api.get(f"modelRun/{run}/refloc/{refs[7]}").json() == {"annotations": {"box": expected_7}}
    assert api.get(f"modelRun/{run}/iloc/7").json() == {"annotations": {"box": expected_7}}
    item_id = api.get(f"dataset/{dataset}/refloc/{refs[7]}").json()["item"]["id"]
    assert api.get(f"modelRun/{run}/loc/{item_id}").json() == {"annotations": {"box": expected_7}}
    assert api.get(f"modelRun/{run}/prediction/loc/{refs[7]}/p1007").json() == preds[1007]
    export = api.get(f"modelRun/{run}/ungrouped").json()
    assert len(export["box"]) == 20000
    assert sorted(export["box"], key=lambda p: int(p["annotation_id"][1:])) == preds
    # Async: 100 new, 1 unknown reference id.
    extra = [box(refs[i], f"async{i}", confidence=0.5) for i in range(100)]
    request_id = upload_ndjson(api, dataset, extra + [box("ghost.jpg", "g")])
    job = api.post(f"modelRun/{run}/predict?async=1",
                   {"requestId": request_id, "update": False}).json()
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["message"]["prediction_upload"]["processed"] == 100
    assert status["message"]["prediction_upload"]["errored"] == 1
    assert "ghost.jpg" in json.dumps(api.get(f"job/{job['job_id']}/errors").json())
    assert len(api.get(f"modelRun/{run}/ungrouped").json()["box"]) == 20100
