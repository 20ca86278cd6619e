"""Two keys, two owners: the other owner's dataset answers 404 on every dataset, item and
annotation route (issue 2 acceptance), and listings show only the caller's objects."""
import pytest

BOX = {"label": "car", "type": "box", "geometry": {"x": 1, "y": 2, "width": 3, "height": 4},
       "reference_id": "img-1", "annotation_id": "box-1", "metadata": {},
       "embedding_vector": None, "track_reference_id": None, "task_id": None}


@pytest.fixture(scope="module")
def owned(api):
    ds = api.post("dataset/create", {"name": "private"}).json()["dataset_id"]
    r = api.post(f"dataset/{ds}/append", {"items": [
        {"metadata": {}, "reference_id": "img-1", "image_url": "s3://b/1.jpg"},
        {"metadata": {}, "reference_id": "img-2", "image_url": "s3://b/2.jpg"}],
        "update": False})
    assert r.status_code == 200, r.text
    r = api.post(f"dataset/{ds}/annotate", {"annotations": [BOX], "update": False})
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text
    r = api.post(f"dataset/{ds}/add_taxonomy", {"taxonomy_name": "t", "type": "category",
                                                "labels": ["a"], "update": False})
    assert r.status_code == 200, r.text
    item_id = api.get(f"dataset/{ds}/iloc/0").json()["item"]["id"]
    return ds, item_id


ROUTES = [
    ("GET", "dataset/{ds}/name", None),
    ("GET", "dataset/{ds}/is_scene", None),
    ("GET", "dataset/{ds}/use_privacy_mode", None),
    ("GET", "dataset/{ds}/info", None),
    ("GET", "dataset/{ds}/size", None),
    ("GET", "dataset/{ds}/datasetItems", None),
    ("POST", "dataset/{ds}/itemsPage", {"pageToken": None, "pageSize": 10}),
    ("GET", "dataset/{ds}/iloc/0", None),
    ("GET", "dataset/{ds}/refloc/img-1", None),
    ("GET", "dataset/{ds}/loc/{di}", None),
    ("GET", "dataset/{ds}/model_runs", None),
    ("GET", "dataset/{ds}/slices", None),
    ("POST", "dataset/{ds}/create_slice", {"name": "s", "reference_ids": ["img-1"]}),
    ("GET", "dataset/{ds}/tags", None),
    ("POST", "dataset/{ds}/tags", {"tags": ["x"]}),
    ("DELETE", "dataset/{ds}/tags", {"tags": ["x"]}),
    ("POST", "dataset/{ds}/append", {"items": [{"metadata": {}, "reference_id": "evil",
                                                "image_url": "s3://b/e.jpg"}],
                                     "update": True}),
    ("GET", "dataset/{ds}/signedUrl/0123456789abcdef0123456789abcdef", None),
    ("POST", "dataset/{ds}/append?async=1", {"requestId": "0123456789abcdef0123456789abcdef",
                                             "update": False}),
    ("POST", "dataset/{ds}/metadata?async=0", {"metadata": [{"reference_id": "img-1",
                                                             "metadata": {"x": 1}}],
                                               "level": "item"}),
    ("POST", "dataset/{ds}/annotate", {"annotations": [BOX], "update": True}),
    ("POST", "dataset/{ds}/annotate?async=1", {"requestId": "0123456789abcdef0123456789abcdef",
                                               "update": False}),
    ("GET", "dataset/{ds}/groundTruth/loc/img-1/box-1", None),
    ("DELETE", "annotation/{ds}", {"reference_ids": ["img-1"]}),
    ("POST", "dataset/{ds}/add_taxonomy", {"taxonomy_name": "t2", "type": "category",
                                           "labels": ["b"], "update": False}),
    ("DELETE", "dataset/{ds}/taxonomy/t", {}),
    ("GET", "dataset/{ds}/class_labels", None),
    ("GET", "dataset/{ds}/exportForTraining", None),
    ("POST", "dataset/{ds}/exportForTrainingPage", {"pageToken": None, "pageSize": 10}),
    ("GET", "dataset/{ds}/scenes_list", None),
    ("DELETE", "dataset/{ds}/refloc/img-2", {}),
    ("DELETE", "dataset/{ds}", {}),
]


@pytest.mark.parametrize("method,route,body", ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_other_owner_gets_404(other_api, owned, method, route, body):
    ds, di = owned
    path = route.format(ds=ds, di=di)
    if method == "GET":
        r = other_api.get(path)
    elif method == "POST":
        r = other_api.post(path, body)
    else:
        r = other_api.delete(path, body)
    assert r.status_code == 404, (path, r.status_code, r.text)
    assert "error" in r.json()


def test_owner_still_sees_everything_unchanged(api, other_api, owned):
    ds, _ = owned
    assert api.get(f"dataset/{ds}/size").json() == {"count": 2}
    item = api.get(f"dataset/{ds}/refloc/img-1").json()
    assert item["item"]["metadata"] == {}
    assert item["annotations"]["box"][0]["annotation_id"] == "box-1"
    assert api.get(f"dataset/{ds}/info").json()["tags"] == []
    assert ds not in [d["id"] for d in other_api.get("dataset/details").json()]
    assert ds not in other_api.get("dataset/").json()["dataset_ids"]


# --- every other route family (issue 10, point 7) ----------------------------------------------
# The owner builds one of everything: a model, a run with predictions (box + local mask), a
# committed run, an evaluation, a scene dataset with a scene, jobs, a signed upload, served
# blobs. The other key then tries every read and write on them.

import json as _json
import time as _time
import urllib.parse as _parse
import uuid as _uuid

import requests as _requests

from prediction_helpers import box as _box, new_ref as _new_ref

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
       b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x02\x00\x00\x05\x00\x02\xa0\xcd\xd6\xe7\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")
RID = "fedcba9876543210fedcba9876543210"
SCENE = {"reference_id": "scene-1",
         "frames": [{"lidar": {"metadata": {}, "reference_id": "lidar-1", "type": "pointcloud",
                               "url": "https://example.com/pc/1.json"}}]}


def _wait_job(api, job_id, timeout=60):
    deadline = _time.time() + timeout
    while _time.time() < deadline:
        status = api.get(f"job/{job_id}").json()
        if status["status"] != "Running":
            return status
        _time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")


def _ok(r):
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def world(api):
    w = {}
    ds = _ok(api.post("dataset/create", {"name": "owner world"}))["dataset_id"]
    _ok(api.post(f"dataset/{ds}/append", {"items": [
        {"metadata": {}, "reference_id": "img-1", "image_url": "s3://b/1.jpg"},
        {"metadata": {}, "reference_id": "img-2", "image_url": "s3://b/2.jpg"}],
        "update": False}))
    _ok(api.post(f"dataset/{ds}/annotate", {"annotations": [
        _box("img-1", "gt-1", "car", 0, 0, 10, 10)], "update": False}))
    w["ds"], w["di"] = ds, _ok(api.get(f"dataset/{ds}/iloc/0"))["item"]["id"]
    w["slice"] = _ok(api.post(f"dataset/{ds}/create_slice",
                              {"name": "s", "reference_ids": ["img-1"]}))["slice_id"]
    ref = _new_ref()
    w["model"] = _ok(api.post("models/add", {"name": "secret model", "reference_id": ref,
                                             "metadata": {"secret": 1}}))["model_id"]
    w["model_ref"] = ref
    _ok(api.post(f"model/{w['model']}/tag", {"tags": ["owner-tag"]}))
    run = _ok(api.post(f"dataset/{ds}/modelRun/create",
                       {"name": "run", "reference_id": ref, "metadata": {}}))["model_run_id"]
    w["run"] = run
    _ok(api.post(f"modelRun/{run}/predict", {"update": False, "annotations": [
        _box("img-1", "pred-1", "car", 0, 0, 10, 10, confidence=0.9)]}))
    # A local mask prediction, so the run holds a served blob.
    seg = {"type": "mask", "mask_url": "m.png", "annotation_id": "pred-mask",
           "annotations": [{"label": "grass", "index": 1}], "reference_id": "img-2"}
    parts = [("serialized_request",
              (None, _json.dumps({"segmentations": [seg], "update": False}), "application/json")),
             ("mask", ("m.png", PNG, "image/png"))]
    r = _requests.post(api.url(f"modelRun/{run}/predict"), files=parts,
                       headers={"Authorization": api.headers["Authorization"]})
    assert r.status_code == 200, r.text
    w["job"] = _ok(api.post(f"modelRun/{run}/commit", {}))["job_id"]
    assert _wait_job(api, w["job"])["status"] == "Completed"
    w["ev"] = _ok(api.post(f"modelRun/{run}/evaluationsV2", {"name": "owner eval"}))[
        "evaluation_id"]
    deadline = _time.time() + 60
    while _ok(api.get(f"evaluationsV2/{w['ev']}"))["status"] not in ("succeeded", "failed"):
        assert _time.time() < deadline, "evaluation did not finish"
        _time.sleep(0.1)
    w["scene_ds"] = _ok(api.post("dataset/create", {"name": "owner scenes",
                                                    "is_scene": True}))["dataset_id"]
    _ok(api.post(f"{w['scene_ds']}/upload_scenes", {"scenes": [SCENE], "update": False}))
    # A payload uploaded but not yet claimed.
    url = _ok(api.get(f"dataset/{ds}/signedUrl/{RID}"))["signed_url"]
    w["signed_url"] = url
    line = {"metadata": {}, "reference_id": "img-3", "image_url": "s3://b/3.jpg"}
    assert _requests.put(url, data=_json.dumps(line).encode()).status_code == 200
    w["mask_url"] = _ok(api.get(f"modelRun/{run}/refloc/img-2"))["annotations"][
        "segmentation"][0]["stored_mask_url"]
    return w


FAMILY_ROUTES = [
    # jobs
    ("GET", "job/{job}", None),
    ("GET", "job/{job}/info", None),
    ("GET", "job/{job}/errors", None),
    # scenes
    ("GET", "dataset/{scene_ds}/scene/scene-1", None),
    ("GET", "dataset/{scene_ds}/scenes_list", None),
    ("POST", "{scene_ds}/upload_scenes", {"scenes": [SCENE], "update": True}),
    ("POST", "{scene_ds}/upload_scenes?async=1", {"requestId": RID, "update": False}),
    ("POST", "{scene_ds}/upload_video_scenes",
     {"scenes": [{"reference_id": "v", "video_url": "https://unreachable.invalid/v.mp4",
                  "metadata": {}, "upload_to_scale": True}], "update": True}),
    ("DELETE", "dataset/{scene_ds}/scene/scene-1", {}),
    # model runs
    ("GET", "modelRun/{run}/info", None),
    ("GET", "modelRun/{run}/iloc/0", None),
    ("GET", "modelRun/{run}/loc/{di}", None),
    ("GET", "modelRun/{run}/refloc/img-1", None),
    ("GET", "modelRun/{run}/prediction/loc/img-1/pred-1", None),
    ("GET", "modelRun/{run}/ungrouped", None),
    ("POST", "modelRun/{run}/predict",
     {"update": True, "annotations": [_box("img-1", "pred-1", "evil", 1, 1, 2, 2, 0.1)]}),
    ("POST", "modelRun/{run}/predict?async=1", {"requestId": RID, "update": False}),
    ("POST", "modelRun/{run}/commit", {}),
    ("DELETE", "modelRun/{run}", {}),
    ("GET", "dataset/{ds}/model_runs", None),
    ("POST", "dataset/{ds}/modelRun/create", {"name": "evil", "reference_id": "x",
                                              "metadata": {}}),
    # dataset/:ds/model/:prj/*
    ("GET", "dataset/{ds}/model/{model}/export", None),
    ("GET", "dataset/{ds}/model/{model}/iloc/0", None),
    ("GET", "dataset/{ds}/model/{model}/loc/img-1/pred-1", None),
    ("GET", "dataset/{ds}/model/{model}/referenceId/img-1", None),
    ("POST", "dataset/{ds}/model/{model}/uploadPredictions",
     {"update": True, "annotations": [_box("img-1", "pred-1", "evil", 1, 1, 2, 2, 0.1)]}),
    ("POST", "dataset/{ds}/model/{model}/uploadPredictions?async=1",
     {"requestId": RID, "update": False}),
    ("POST", "dataset/{ds}/model/{model}/calculateEvaluationMetrics", {}),
    ("POST", "dataset/{ds}/queryObjectsPage",
     {"pageToken": None, "pageSize": 10, "query": "", "patch_mode": "predictions_only",
      "model_run_id": "{run}"}),
    # evaluations
    ("GET", "modelRun/{run}/evaluationsV2", None),
    ("POST", "modelRun/{run}/evaluationsV2", {}),
    ("GET", "evaluationsV2/{ev}", None),
    ("GET", "evaluationsV2/{ev}/charts?iouThreshold=0.5", None),
    ("POST", "evaluationsV2/{ev}/examples", {"match_type": "TP"}),
    ("DELETE", "evaluationsV2/{ev}", {}),
    # models
    ("GET", "model/{model}", None),
    ("GET", "model/{run}", None),
    ("POST", "model/{model}/tag", {"tags": ["evil"]}),
    ("DELETE", "model/{model}/tag", {"tags": ["owner-tag"]}),
    ("POST", "model/{model}/trainedSliceId", {"trained_slice_ids": ["{slice}"]}),
    ("DELETE", "model/{model}/trainedSliceId", {"trained_slice_ids": ["{slice}"]}),
    ("DELETE", "model/{model}", {}),
    # uploads
    ("GET", "dataset/{ds}/signedUrl/0123456789abcdef0123456789abcdef", None),
    ("POST", "dataset/{ds}/append?async=1", {"requestId": RID, "update": False}),
    ("POST", "dataset/{ds}/annotate?async=1", {"requestId": RID, "update": False}),
]


def _fill(value, w):
    if isinstance(value, str):
        return value.format(**w)
    if isinstance(value, list):
        return [_fill(v, w) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, w) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method,route,body", FAMILY_ROUTES,
                         ids=[f"{m} {r}" for m, r, _ in FAMILY_ROUTES])
def test_other_owner_cannot_reach_any_route_family(other_api, world, method, route, body):
    path = _fill(route, world)
    body = _fill(body, world)
    if method == "GET":
        r = other_api.get(path)
    elif method == "POST":
        r = other_api.post(path, body)
    else:
        r = other_api.delete(path, body)
    assert r.status_code in (403, 404), (path, r.status_code, r.text)
    assert set(r.json()) == {"error"}, r.text
    sent = path + _json.dumps(body)
    for secret in (world["run"], world["job"], world["ev"], "secret model", "owner eval",
                   "pred-1", "gt-1", "scene-1", "lidar-1", "owner-tag"):
        if secret not in sent:
            assert secret not in r.text, (path, r.text)


def test_other_owner_listings_show_nothing_of_the_owner(other_api, world):
    models = _ok(other_api.get("models"))
    assert world["model"] not in _json.dumps(models)
    jobs = _ok(other_api.post("jobs", {"show_completed": True}))
    assert world["job"] not in _json.dumps(jobs)
    listed = _json.dumps(_ok(other_api.get("dataset/details")))
    assert world["ds"] not in listed and world["scene_ds"] not in listed


def test_other_owner_cannot_attach_to_the_owners_model_by_reference(api, other_api, world):
    # The same model reference id under another owner is that owner's own, new model.
    mine = _ok(other_api.post("dataset/create", {"name": "mine"}))["dataset_id"]
    run = _ok(other_api.post(f"dataset/{mine}/modelRun/create",
                             {"name": "r", "reference_id": world["model_ref"], "metadata": {}}))
    model = _ok(other_api.get(f"model/{run['model_run_id']}"))
    assert model["id"] != world["model"] and model["name"] != "secret model"
    # Nor upload predictions into its own dataset under the owner's model id.
    r = other_api.post(f"dataset/{mine}/model/{world['model']}/uploadPredictions",
                       {"update": False, "annotations": []})
    assert r.status_code in (403, 404), r.text
    assert set(r.json()) == {"error"} and "secret model" not in r.text


@pytest.fixture(scope="module")
def others_dataset(other_api):
    """The other owner's own dataset, with items named like the owner's."""
    mine = _ok(other_api.post("dataset/create", {"name": "theirs"}))["dataset_id"]
    _ok(other_api.post(f"dataset/{mine}/append", {"items": [
        {"metadata": {}, "reference_id": "img-1", "image_url": "s3://o/1.jpg"}],
        "update": False}))
    return mine


CROSS_ROUTES = [
    ("GET", "dataset/{mine}/model/{model}/export", None),
    ("GET", "dataset/{mine}/model/{model}/iloc/0", None),
    ("GET", "dataset/{mine}/model/{model}/loc/img-1/pred-1", None),
    ("GET", "dataset/{mine}/model/{model}/referenceId/img-1", None),
    ("POST", "dataset/{mine}/model/{model}/uploadPredictions",
     {"update": True, "annotations": [_box("img-1", "pred-x", "car", 1, 1, 2, 2, 0.1)]}),
    ("POST", "dataset/{mine}/model/{model}/calculateEvaluationMetrics", {}),
    ("POST", "dataset/{mine}/queryObjectsPage",
     {"pageToken": None, "pageSize": 10, "query": "", "patch_mode": "predictions_only",
      "model_run_id": "{run}"}),
    ("POST", "dataset/{mine}/queryObjectsPage",
     {"pageToken": None, "pageSize": 10, "query": "", "patch_mode": "iou",
      "model_run_id": "{run}"}),
]


@pytest.mark.parametrize("method,route,body", CROSS_ROUTES,
                         ids=[f"{m} {r}" for m, r, _ in CROSS_ROUTES])
def test_own_dataset_with_the_owners_model_or_run_is_404(other_api, world, others_dataset,
                                                         method, route, body):
    w = dict(world, mine=others_dataset)
    path, body = _fill(route, w), _fill(body, w)
    r = other_api.get(path) if method == "GET" else other_api.post(path, body)
    assert r.status_code in (403, 404), (path, r.status_code, r.text)
    assert "pred-1" not in r.text and "secret model" not in r.text


def test_other_owner_cannot_use_the_owners_signed_url_elsewhere(other_api, world):
    # The owner's URL names the owner's dataset and request id; re-aimed at another request id
    # or dataset, the signature no longer holds.
    mine = _ok(other_api.post("dataset/create", {"name": "mine2"}))["dataset_id"]
    parsed = _parse.urlparse(world["signed_url"])
    for path in (parsed.path.replace(world["ds"], mine),
                 parsed.path.replace(RID, "0" * 32)):
        r = _requests.put(f"{parsed.scheme}://{parsed.netloc}{path}?{parsed.query}", data=b"{}")
        assert r.status_code == 403, r.text
    # Nor claim the owner's payload from its own dataset.
    r = other_api.post(f"dataset/{mine}/append?async=1", {"requestId": RID, "update": False})
    assert r.status_code == 400, r.text


def test_blobs_are_served_only_under_their_content_address(server, world):
    mask = world["mask_url"]
    assert _requests.get(mask).content == PNG
    name = mask.rsplit("/", 1)[-1]
    # (blob/img/<same name> may exist: names are content addresses, shared by whoever has the
    # bytes, so only names nobody uploaded are probed.)
    for probe in (f"blob/mask/{name[:-4]}", f"blob/mask/{'0' * 64}.png",
                  "blob/mask/..%2F..%2Fsigning.key", "blob/img/..%2F..%2Fnucleus.db",
                  f"blob/uploads/{world['ds']}", f"blob/uploads/{world['ds']}/{RID}"):
        r = _requests.get(f"{server.base}/{probe}")
        assert r.status_code == 404, (probe, r.text)
        assert PNG not in r.content


def test_owner_world_unchanged_after_the_other_owners_attempts(api, world):
    run = world["run"]
    assert _ok(api.get(f"modelRun/{run}/info"))["name"]
    pred = _ok(api.get(f"modelRun/{run}/prediction/loc/img-1/pred-1"))
    assert pred["label"] == "car" and pred["geometry"]["width"] == 10
    model = _ok(api.get(f"model/{world['model']}"))
    assert model["tags"] == ["owner-tag"] and model["trained_slice_ids"] == []
    assert _ok(api.get(f"evaluationsV2/{world['ev']}"))["status"] == "succeeded"
    assert _ok(api.get(f"job/{world['job']}"))["status"] == "Completed"
    scenes = _ok(api.get(f"dataset/{world['scene_ds']}/scenes_list"))["scenes"]
    assert [s["reference_id"] for s in scenes] == ["scene-1"]
    refs = _ok(api.get(f"dataset/{world['ds']}/size"))
    assert refs == {"count": 2}  # the unclaimed payload was not appended by anyone
