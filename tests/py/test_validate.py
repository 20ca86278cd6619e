"""validate.md (Model CI): the evaluation-function catalogue, scenario tests, evaluations."""
import uuid

import pytest
import requests

from prediction_helpers import add_items

BUILTINS = [
    "bbox_iou", "bbox_precision", "bbox_recall", "bbox_map", "cat_f1",
    "cuboid_iou_2d", "cuboid_iou_3d", "cuboid_precision", "cuboid_recall",
    "poly_iou", "poly_precision", "poly_recall", "poly_map",
    "segmentation_to_poly_iou", "segmentation_to_poly_precision",
    "segmentation_to_poly_recall", "segmentation_to_poly_map", "segmentation_to_poly_ap",
    "seg_iou", "seg_recall", "seg_map", "seg_precision", "seg_fwavacc",
]


def test_catalogue_lists_every_builtin_with_the_client_keys(api):
    r = api.get("validate/eval_fn", json={})
    assert r.status_code == 200, r.text
    functions = r.json()["eval_functions"]
    builtins = [f for f in functions if f["is_public"]]
    assert [f["name"] for f in builtins] == BUILTINS
    for f in builtins:
        assert f == {"id": "ef_" + f["name"], "name": f["name"], "is_public": True,
                     "is_external_function": False, "user_id": "public",
                     "serialized_fn": None, "raw_source": None}


def test_catalogue_needs_a_key(server):
    r = requests.get(f"{server.base}/validate/eval_fn")
    assert r.status_code == 401


# --- scenario tests (§3) ---------------------------------------------------------------------

@pytest.fixture
def slice_id(api, dataset):
    add_items(api, dataset, ["a", "b", "c"])
    r = api.post(f"dataset/{dataset}/create_slice", {"name": "s", "reference_ids": ["a", "c"]})
    assert r.status_code == 200, r.text
    return r.json()["slice_id"]


def new_name():
    return "scenario_test_" + uuid.uuid4().hex


def create_test(api, slice_id, functions, name=None):
    name = name or new_name()
    r = api.post("validate/scenario_test", {"name": name, "slice_id": slice_id,
                                            "evaluation_functions": functions})
    assert r.status_code == 200, r.text
    test_id = r.json()["scenario_test_id"]
    assert test_id.startswith("ut_")
    return test_id, name


def test_scenario_test_create_info_get_list_delete(api, slice_id):
    test_id, name = create_test(api, slice_id, [{"id": "ef_bbox_recall", "eval_func_arguments": {}}])
    info = api.get(f"validate/scenario_test/{test_id}/info", json={}).json()
    assert info["id"] == test_id and info["name"] == name and info["slice_id"] == slice_id
    assert info["baseline_model_id"] is None
    assert api.get(f"validate/scenario_test/{test_id}").json() == {"unit_test": info}
    listed = api.get("validate/scenario_test/details").json()
    assert info in listed
    r = api.delete(f"validate/scenario_test/{test_id}")
    assert r.status_code == 200 and r.json() == {"success": True}
    assert api.get(f"validate/scenario_test/{test_id}/info").status_code == 404
    assert info not in api.get("validate/scenario_test/details").json()
    assert api.delete(f"validate/scenario_test/{test_id}").status_code == 404


def test_metrics_have_exactly_the_client_keys_in_creation_order(api, slice_id):
    args = {"enforce_label_match": True, "iou_threshold": 0.25, "confidence_threshold": 0.0,
            "annotation_filters": [["label", "in", ["car", "bus"], False, "field"]],
            "prediction_filters": None}
    test_id, name = create_test(api, slice_id, [
        {"id": "ef_bbox_iou", "eval_func_arguments": args},
        {"id": "ef_bbox_map", "eval_func_arguments": {}}])
    r = api.post("validate/scenario_test_eval_function",
                 {"scenario_test_name": name, "eval_function_id": "ef_cat_f1"})
    assert r.status_code == 200, r.text
    added = r.json()
    metrics = api.get(f"validate/scenario_test/{test_id}/metrics").json()["scenario_test_metrics"]
    assert metrics == [
        {"scenario_test_id": test_id, "eval_function_id": "ef_bbox_iou", "threshold": None,
         "threshold_comparison": "greater_than_equal_to", "eval_func_arguments": args},
        {"scenario_test_id": test_id, "eval_function_id": "ef_bbox_map", "threshold": None,
         "threshold_comparison": "greater_than_equal_to", "eval_func_arguments": {}},
        {"scenario_test_id": test_id, "eval_function_id": "ef_cat_f1", "threshold": None,
         "threshold_comparison": "greater_than_equal_to", "eval_func_arguments": {}},
    ]
    assert added == metrics[2]


def test_threshold_set_and_cleared_on_the_first_metric_of_the_function(api, slice_id):
    test_id, _ = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}},
                                             {"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    r = api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": 0.5})
    assert r.status_code == 200 and r.json() == {"threshold": 0.5}
    metrics = api.get(f"validate/scenario_test/{test_id}/metrics").json()["scenario_test_metrics"]
    assert [m["threshold"] for m in metrics] == [0.5, None]
    r = api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": None})
    assert r.json() == {"threshold": None}
    r = api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_map", {"threshold": 0.5})
    assert r.status_code == 404 and "ef_bbox_map" in r.json()["error"]
    r = api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": "x"})
    assert r.status_code == 400 and "threshold" in r.json()["error"]


def test_baseline_model_must_exist(api, slice_id):
    test_id, _ = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    r = api.post(f"validate/scenario_test/{test_id}/set_baseline_model/nonexistent_model_id")
    assert r.status_code == 404
    assert r.json() == {"error": "model \"nonexistent_model_id\" not found"}
    model_id = api.post("models/add", {"name": "m", "reference_id": new_name(),
                                       "metadata": {}}).json()["model_id"]
    r = api.post(f"validate/scenario_test/{test_id}/set_baseline_model/{model_id}")
    assert r.status_code == 200 and r.json() == {"baseline_model_id": model_id}
    assert api.get(f"validate/scenario_test/{test_id}/info").json()["baseline_model_id"] == model_id


def test_names_are_unique_per_owner(api, other_api, slice_id):
    _, name = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    r = api.post("validate/scenario_test", {"name": name, "slice_id": slice_id,
                                            "evaluation_functions": [{"id": "ef_bbox_iou",
                                                                      "eval_func_arguments": {}}]})
    assert r.status_code == 409 and name in r.json()["error"]


def test_other_owner_sees_nothing(api, other_api, slice_id):
    test_id, name = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    assert other_api.get(f"validate/scenario_test/{test_id}/info").status_code == 404
    assert test_id not in [t["id"] for t in other_api.get("validate/scenario_test/details").json()]
    assert other_api.delete(f"validate/scenario_test/{test_id}").status_code == 404
    r = other_api.post("validate/scenario_test_eval_function",
                       {"scenario_test_name": name, "eval_function_id": "ef_bbox_map"})
    assert r.status_code == 404
    # and another owner's slice is as unknown as a missing one
    r = other_api.post("validate/scenario_test", {"name": new_name(), "slice_id": slice_id,
                                                  "evaluation_functions": [{"id": "ef_bbox_iou"}]})
    assert r.status_code == 404 and slice_id in r.json()["error"]


@pytest.mark.parametrize("functions,status,words", [
    ([], 400, ["evaluation_functions"]),
    ([{"id": "ef_nope", "eval_func_arguments": {}}], 404, ["ef_nope"]),
    ([{"id": "ef_bbox_iou", "eval_func_arguments": {"iou_threshold": 1.5}}], 400,
     ["bbox_iou", "iou_threshold"]),
    ([{"id": "ef_bbox_iou", "eval_func_arguments": {"enforce_label_match": 1}}], 400,
     ["enforce_label_match", "boolean"]),
    ([{"id": "ef_bbox_iou", "eval_func_arguments": {"bogus": 1}}], 400, ["bbox_iou", "bogus"]),
    ([{"id": "ef_bbox_iou", "eval_func_arguments": {"annotation_filters": [["label", "in", "car",
                                                                            False, "field"]]}}],
     400, ["annotation_filters"]),
    ([{"id": "ef_cat_f1", "eval_func_arguments": {"f1_method": "binary"}}], 400, ["f1_method"]),
    ([{"id": "ef_seg_map", "eval_func_arguments": {"iou_thresholds": []}}], 400,
     ["iou_thresholds"]),
    ([{"id": "ef_bbox_iou", "threshold_comparison": "about"}], 400, ["threshold_comparison"]),
])
def test_bad_scenario_tests_are_refused_naming_the_field(api, slice_id, functions, status, words):
    r = api.post("validate/scenario_test", {"name": new_name(), "slice_id": slice_id,
                                            "evaluation_functions": functions})
    assert r.status_code == status, r.text
    for word in words:
        assert word in r.json()["error"]


def test_accepted_arguments_of_the_client_configs(api, slice_id):
    create_test(api, slice_id, [
        {"id": "ef_cuboid_iou_2d", "eval_func_arguments": {
            "enforce_label_match": True, "iou_threshold": 0.0, "confidence_threshold": 0.0,
            "annotation_filters": None, "prediction_filters": None, "iou_2d": True}},
        {"id": "ef_cat_f1", "eval_func_arguments": {
            "confidence_threshold": None, "f1_method": None, "annotation_filters": None,
            "prediction_filters": None}},
        {"id": "ef_seg_iou", "eval_func_arguments": {"anything": 3}},
        {"id": "ef_segmentation_to_poly_map", "eval_func_arguments": {"iou_thresholds": "coco"}},
        {"id": "ef_poly_map", "eval_func_arguments": {
            "prediction_filters": [[["label", "=", "car", False, "field"]],
                                   [["area", ">", 100, True, "metadata"]]]}}])


def test_unknown_slice_is_404(api):
    r = api.post("validate/scenario_test", {"name": new_name(), "slice_id": "slc_missing",
                                            "evaluation_functions": [{"id": "ef_bbox_iou"}]})
    assert r.status_code == 404 and "slc_missing" in r.json()["error"]


def test_external_functions_are_listed_and_not_mixed_with_builtins(api, other_api, slice_id):
    name = "ext_" + uuid.uuid4().hex
    r = api.post("validate/eval_fn", {"name": name, "is_external_function": True,
                                      "serialized_fn": None, "raw_source": None,
                                      "level": "track"})
    assert r.status_code == 200, r.text
    fn = r.json()["eval_fn"]
    assert fn["id"].startswith("ef_") and fn["name"] == name
    assert fn["is_public"] is False and fn["is_external_function"] is True
    functions = api.get("validate/eval_fn").json()["eval_functions"]
    assert functions[-1] == fn
    assert fn["id"] not in [f["id"] for f in other_api.get("validate/eval_fn").json()["eval_functions"]]
    r = api.post("validate/eval_fn", {"name": name, "is_external_function": True})
    assert r.status_code == 409
    r = api.post("validate/eval_fn", {"name": "has space", "is_external_function": True})
    assert r.status_code == 400 and "name" in r.json()["error"]
    r = api.post("validate/scenario_test", {
        "name": new_name(), "slice_id": slice_id,
        "evaluation_functions": [{"id": fn["id"], "eval_func_arguments": {}},
                                 {"id": "ef_bbox_iou", "eval_func_arguments": {}}]})
    assert r.status_code == 400 and "mixed" in r.json()["error"]
    _, test_name = create_test(api, slice_id, [{"id": fn["id"], "eval_func_arguments": {}}])
    r = api.post("validate/scenario_test_eval_function",
                 {"scenario_test_name": test_name, "eval_function_id": "ef_bbox_iou"})
    assert r.status_code == 400 and "mixed" in r.json()["error"]


def test_items_are_the_slice_items_in_slice_order(api, dataset):
    add_items(api, dataset, ["a", "b", "c"])
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "s", "reference_ids": ["c", "a"]}).json()["slice_id"]
    test_id, _ = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    r = api.get(f"validate/scenario_test/{test_id}/items", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["reference_id"] for i in body["dataset_items"]] == ["c", "a"]
    assert body["dataset_items"][0]["image_url"] == "https://example.com/c"
    assert body["scenes"] == [] and body["tracks"] == []
    assert api.get("validate/scenario_test/ut_missing/items").status_code == 404


# --- evaluating a model (§4, §5) -------------------------------------------------------------

import json
import math
import os

from prediction_helpers import box, create_run, predict, wait_job

def test_items_of_a_scene_slice_are_its_scenes_and_tracks(api):
    """§3.10 with a scene slice (the client's get_items(level=SCENE / TRACK)): the slice's
    scenes with their frames, and the distinct track_reference_id of their frames' ground
    truth."""
    from test_scenes import lidar_scene, new_scene_dataset, sync_upload
    ds = new_scene_dataset(api)
    sync_upload(api, ds, "upload_scenes", [lidar_scene("s1", prefix="a_"),
                                           lidar_scene("s2", prefix="b_")])
    anns = [{"type": "box", "label": "car", "reference_id": ref, "annotation_id": f"{ref}_{i}",
             "metadata": {}, "geometry": {"x": 1, "y": 1, "width": 5, "height": 5},
             **({"track_reference_id": track} if track else {})}
            for i, (ref, track) in enumerate([("a_camera_frame_1", "t2"),
                                              ("a_camera_frame_1", "t1"),
                                              ("a_lidar_frame_2", None),
                                              ("b_camera_frame_1", "t3")])]
    r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": anns})
    assert r.status_code == 200, r.text
    slice_id = api.post(f"dataset/{ds}/create_slice",
                        {"name": "scenes", "reference_ids": ["s1"]}).json()["slice_id"]
    test_id, _ = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    body = api.get(f"validate/scenario_test/{test_id}/items").json()
    assert body["dataset_items"] == []
    assert [s["reference_id"] for s in body["scenes"]] == ["s1"]
    assert body["scenes"][0] == api.get(f"dataset/{ds}/scene/s1").json()
    assert body["tracks"] == [{"reference_id": "t2", "dataset_id": ds, "metadata": {}},
                              {"reference_id": "t1", "dataset_id": ds, "metadata": {}}]
    # A video scene's frames are single items, which the client cannot read as {sensor: item}
    # frames: the scene is listed without them.
    from test_scenes import video_frames_scene
    videos = new_scene_dataset(api, "videos")
    sync_upload(api, videos, "upload_video_scenes", [video_frames_scene("v1")])
    slice_id = api.post(f"dataset/{videos}/create_slice",
                        {"name": "videos", "reference_ids": ["v1"]}).json()["slice_id"]
    test_id, _ = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    [scene] = api.get(f"validate/scenario_test/{test_id}/items").json()["scenes"]
    assert scene["reference_id"] == "v1" and scene["type"] == "video" and "frames" not in scene


FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "validate",
                       "polygon_metrics_reference.json")


def evaluate(api, model_id, names):
    r = api.post(f"validate/{model_id}/evaluate", {"test_names": names})
    assert r.status_code == 200, r.text
    job = r.json()
    assert set(job) >= {"job_id", "job_last_known_status", "job_type", "job_creation_time"}
    assert job["job_type"] == "testEvaluation"
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed", status
    return job["job_id"]


def test_evaluation_history_results_and_pass_fail(api, dataset):
    add_items(api, dataset, ["a", "b", "c"])
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        box("a", "a1", x=0, y=0, w=10, h=10), box("b", "b1", x=0, y=0, w=10, h=10)]})
    assert r.status_code == 200, r.text
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "s", "reference_ids": ["a", "b", "c"]}).json()["slice_id"]
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    # a: a perfect match; b: IoU 50/150 (top-left x/y); c: a prediction without ground truth
    predict(api, run_id, [box("a", "p1", x=0, y=0, w=10, h=10, confidence=0.9),
                          box("b", "p2", x=5, y=0, w=10, h=10, confidence=0.8),
                          box("c", "p3", x=0, y=0, w=10, h=10, confidence=0.7)])
    test_id, name = create_test(api, slice_id, [
        {"id": "ef_bbox_iou", "eval_func_arguments": {}},
        {"id": "ef_bbox_recall", "eval_func_arguments": {"iou_threshold": 0.3}},
        {"id": "ef_cat_f1", "eval_func_arguments": {}},
        {"id": "ef_segmentation_to_poly_iou", "eval_func_arguments": {}},
        {"id": "ef_bbox_precision", "eval_func_arguments": {
            "annotation_filters": [["kind", "==", "x", False, "metadata"]]}}])
    api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": 0.5})
    # recall is 2 / (2 + 3ε) (weights n_gt + ε, item c enters with ε): just below 1
    api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_recall", {"threshold": 1.0})
    job_id = evaluate(api, model_id, [name])
    errors = api.get(f"job/{job_id}/errors").json()
    assert not any("segmentation_to_poly_iou" in e for e in errors), errors
    # a filter on a metadata key the objects lack, without allow_missing (validate.md §8.2)
    assert any('filter on "kind"' in e for e in errors), errors
    history = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    assert len(history) == 5
    by_fn = {h["eval_function_id"]: h for h in history}
    for h in history:
        assert h["scenario_test_id"] == test_id and h["model_id"] == model_id
    iou = by_fn["ef_bbox_iou"]
    assert iou["status"] == "completed"
    assert math.isclose(iou["result"], (1.0 + 1 / 3 + 0.0) / 3, rel_tol=1e-12)
    assert iou["pass"] is False and iou["threshold"] == 0.5   # 0.444 < 0.5
    recall = by_fn["ef_bbox_recall"]
    assert recall["status"] == "completed" and recall["pass"] is False
    assert recall["result"] == 2 / (2 + 3 * 2.220446049250313e-16)
    cat = by_fn["ef_cat_f1"]  # no categories: nothing measured
    assert cat["status"] == "completed" and cat["result"] is None and cat["pass"] is True
    seg = by_fn["ef_segmentation_to_poly_iou"]  # no predicted mask: nothing measured (§8.5)
    assert seg["status"] == "completed" and seg["result"] is None and seg["pass"] is True
    filtered = by_fn["ef_bbox_precision"]
    assert filtered["status"] == "errored" and "allow_missing" in filtered["error"]
    info = api.get(f"validate/eval/{iou['id']}/info").json()
    assert info["scenario_test_evaluation"] == iou
    items = info["scenario_test_item_evaluations"]
    assert [i["result"] for i in items] == [1.0, 1 / 3, 0.0]
    assert [i["pass"] for i in items] == [True, False, False]
    assert all(i["dataset_item_id"].startswith("di_") and i["evaluation_id"] == iou["id"]
               for i in items)
    # History keeps the threshold the evaluation ran with.
    api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": 0.1})
    evaluate(api, model_id, [name])
    history = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    assert len(history) == 10
    assert [h["threshold"] for h in history if h["eval_function_id"] == "ef_bbox_iou"] == [0.1, 0.5]
    assert history[0]["created_at"] >= history[-1]["created_at"]


def test_evaluate_refuses_unknown_model_or_test(api, dataset):
    r = api.post("validate/prj_missing/evaluate", {"test_names": ["x"]})
    assert r.status_code == 404 and "prj_missing" in r.json()["error"]
    model_id = api.post("models/add", {"name": "m", "reference_id": new_name(),
                                       "metadata": {}}).json()["model_id"]
    r = api.post(f"validate/{model_id}/evaluate", {"test_names": ["no_such_test"]})
    assert r.status_code == 404 and "no_such_test" in r.json()["error"]
    r = api.post(f"validate/{model_id}/evaluate", {"test_names": []})
    assert r.status_code == 400 and "test_names" in r.json()["error"]
    r = api.post(f"validate/{model_id}/metrics", {})
    assert r.status_code == 200 and isinstance(r.json(), list)


def test_a_model_without_predictions_is_evaluated(api, slice_id):
    model_id = api.post("models/add", {"name": "m", "reference_id": new_name(),
                                       "metadata": {}}).json()["model_id"]
    test_id, name = create_test(api, slice_id, [{"id": "ef_bbox_recall", "eval_func_arguments": {}}])
    evaluate(api, model_id, [name])
    [h] = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    # the slice's items have no ground truth either: nothing measured
    assert h["status"] == "completed" and h["result"] is None and h["pass"] is True


def fixture_objects(item, prediction):
    """The item's objects; cuboids go on the item's point-cloud twin "<ref>/pc" (cuboids live on
    point clouds), the others on the image item."""
    out = []
    key = "predictions" if prediction else "ground_truth"
    for i, s in enumerate(item[key]):
        ref = item["reference_id"] + ("/pc" if s["type"] == "cuboid" else "")
        obj = {"label": s["label"], "type": s["type"], "reference_id": ref,
               "annotation_id": f"{key}_{i}", "metadata": s.get("metadata", {})}
        if s["type"] == "category":
            del obj["annotation_id"]
            if s["taxonomy_name"] is not None:
                obj["taxonomy_name"] = s["taxonomy_name"]
        elif s["type"] == "cuboid":
            obj["geometry"] = {"position": dict(zip("xyz", s["position"])),
                               "dimensions": dict(zip("xyz", s["dimensions"])),
                               "yaw": s["yaw"]}
        elif s["type"] == "box":
            obj["geometry"] = {k: s[k] for k in ("x", "y", "width", "height")}
        else:
            obj["geometry"] = {"vertices": [{"x": x, "y": y} for x, y in s["vertices"]]}
        if prediction:
            obj["confidence"] = s["confidence"]
        out.append(obj)
    return out


def load_fixture_and_evaluate(api, dataset, doc):
    """One scenario test per kind of item: the image items for the box and polygon functions,
    their point-cloud twins for the cuboid functions. Returns the evaluations in the configs'
    order."""
    refs = [i["reference_id"] for i in doc["items"]]
    add_items(api, dataset, refs)
    pc_refs = [r + "/pc" for r in refs]
    r = api.post(f"dataset/{dataset}/append", {"update": False, "items": [
        {"reference_id": r, "pointcloud_url": f"https://example.com/{r}.json", "metadata": {}}
        for r in pc_refs]})
    assert r.status_code == 200, r.text
    taxonomies = {}
    for item in doc["items"]:
        for s in item["ground_truth"] + item["predictions"]:
            if s["type"] == "category" and s["taxonomy_name"] is not None:
                taxonomies.setdefault(s["taxonomy_name"], set()).add(s["label"])
    for name, labels in sorted(taxonomies.items()):
        r = api.post(f"dataset/{dataset}/add_taxonomy", {"taxonomy_name": name, "type": "category",
                                                         "labels": sorted(labels)})
        assert r.status_code == 200, r.text
    gt = [o for item in doc["items"] for o in fixture_objects(item, False)]
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": gt})
    assert r.status_code == 200, r.text
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    predict(api, run_id, [o for item in doc["items"] for o in fixture_objects(item, True)])
    functions = {False: [], True: []}
    for c in doc["configs"]:
        keys = ("enforce_label_match", "iou_threshold", "confidence_threshold")
        if c["metric"] == "map":
            keys = ("iou_threshold",)
        if c["metric"] == "f1":
            keys = ("confidence_threshold", "f1_method")
        args = {k: c[k] for k in keys + ("annotation_filters", "prediction_filters") if k in c}
        if c["metric"] in ("iou_2d", "iou_3d"):
            args["iou_2d"] = c["metric"] == "iou_2d"
        functions[c["shapes"] == "cuboid"].append(
            {"id": "ef_" + c["function"], "eval_func_arguments": args})
    history = []
    for cuboids, members in ((False, refs), (True, pc_refs)):
        slice_id = api.post(f"dataset/{dataset}/create_slice",
                            {"name": f"all {cuboids}", "reference_ids": members}).json()["slice_id"]
        test_id, name = create_test(api, slice_id, functions[cuboids])
        evaluate(api, model_id, [name])
        answer = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
        history += list(reversed(answer))  # creation order
    by_kind = {False: iter(history[:len(functions[False])]), True: iter(history[len(functions[False]):])}
    return [next(by_kind[c["shapes"] == "cuboid"]) for c in doc["configs"]]


def close(got, want):
    # 1e-9 relative (absolute below 1): see tests/fixtures/validate/README.md
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def test_values_equal_the_clients_metrics_on_generated_data(api, dataset):
    """Every item value and every aggregate of the fixture, through a live server."""
    with open(FIXTURE) as f:
        doc = json.load(f)
    history = load_fixture_and_evaluate(api, dataset, doc)
    assert len(history) == len(doc["configs"])
    for config, h in zip(doc["configs"], history):
        where = f'{config["function"]} {config.get("enforce_label_match")} ' \
                f'{config.get("iou_threshold")} {config.get("f1_method")} ' \
                f'{config.get("annotation_filters")} {config.get("prediction_filters")}'
        assert h["status"] == "completed", (where, h)
        assert close(h["result"], config["aggregate"][0]), (where, h["result"], config["aggregate"])
        items = api.get(f"validate/eval/{h['id']}/info").json()["scenario_test_item_evaluations"]
        assert len(items) == len(doc["items"])
        for i, (got, (value, weight)) in enumerate(zip(items, config["item_results"])):
            if weight == 0:
                assert got["result"] is None, (where, i, got)
            else:
                assert got["result"] is not None and close(got["result"], value), \
                    (where, i, got, value)


def test_values_equal_the_live_client_oracle(api, dataset, tmp_path):
    """Optional extra: with NUCLEUS_CLIENT_SOURCE naming a checkout of the official client (and
    numpy, scipy, shapely installed), fresh data from another seed is generated and its reference
    computed by the client's code now, then compared as the fixture is."""
    source = os.environ.get("NUCLEUS_CLIENT_SOURCE")
    if not source:
        pytest.skip("NUCLEUS_CLIENT_SOURCE not set (the fixture test above always runs)")
    import subprocess
    import sys
    out = tmp_path / "reference.json"
    generator = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "validate",
                             "gen_reference.py")
    subprocess.run([sys.executable, generator, source, str(out), "--seed", "29", "--items", "300"],
                   check=True)
    doc = json.loads(out.read_text())
    history = load_fixture_and_evaluate(api, dataset, doc)
    for config, h in zip(doc["configs"], history):
        assert h["status"] == "completed" and close(h["result"], config["aggregate"][0]), config["function"]
        items = api.get(f"validate/eval/{h['id']}/info").json()["scenario_test_item_evaluations"]
        for got, (value, weight) in zip(items, config["item_results"]):
            assert (got["result"] is None) if weight == 0 else close(got["result"], value)


# --- seg_* on uploaded masks (§8.5) ----------------------------------------------------------

SEG_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "validate",
                           "seg_metrics_reference.json")


def png_gray8(width, height, rects):
    """An 8-bit greyscale PNG of the fixture's rectangles painted over zeros."""
    import struct
    import zlib
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
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def upload_masks(api, route, masks):
    """Local mask files as the official client uploads them: part "serialized_request", then one
    "mask" part per segmentation (filename = its mask_url percent-encoded)."""
    import urllib.parse
    body = json.dumps({"segmentations": [m for m, _ in masks], "update": False})
    parts = [("serialized_request", (None, body, "application/json"))]
    parts += [("mask", (urllib.parse.quote(m["mask_url"], safe=""), png, "image/png"))
              for m, png in masks]
    headers = {"Authorization": api.headers["Authorization"]}
    r = requests.post(api.url(route), files=parts, headers=headers)
    assert r.status_code == 200, r.text
    assert not r.json().get("errors"), r.text


def seg_masks(doc, side):
    out = []
    for item in doc["items"]:
        mask = item[side]
        if mask is None:
            continue
        ref = item["reference_id"]
        metadata = mask.get("segment_metadata") or [{}] * len(mask["segments"])
        out.append(({"type": "segmentation", "reference_id": ref,
                     "mask_url": f"masks/{ref}_{side}.png",
                     "annotations": [{"label": l, "index": i, "metadata": md}
                                     for (i, l), md in zip(mask["segments"], metadata)]},
                    png_gray8(item["width"], item["height"], mask["rects"])))
    return out


def test_seg_values_equal_the_clients_metrics_on_uploaded_masks(api, dataset):
    """Every item value and aggregate of the seg_* fixture, with the masks uploaded as PNG files
    through the API and decoded by the server."""
    with open(SEG_FIXTURE) as f:
        doc = json.load(f)
    refs = [i["reference_id"] for i in doc["items"]]
    add_items(api, dataset, refs)
    upload_masks(api, f"dataset/{dataset}/annotate", seg_masks(doc, "ground_truth"))
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(api, f"modelRun/{run_id}/predict", seg_masks(doc, "prediction"))
    functions = []
    for c in doc["configs"]:
        keys = ("iou_thresholds",) if c["metric"] == "map" else ("iou_threshold",)
        args = {k: c[k] for k in keys if c["metric"] != "fwavacc"}  # fwavacc: the default 0.5
        functions.append({"id": "ef_" + c["function"], "eval_func_arguments": args})
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "masks", "reference_ids": refs}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, functions)
    evaluate(api, model_id, [name])
    history = list(reversed(api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()))
    assert len(history) == len(doc["configs"])
    for config, h in zip(doc["configs"], history):
        where = f'{config["function"]} {config.get("iou_threshold", config.get("iou_thresholds"))}'
        assert h["status"] == "completed", (where, h)
        assert close(h["result"], config["aggregate"][0]), (where, h["result"], config["aggregate"])
        items = api.get(f"validate/eval/{h['id']}/info").json()["scenario_test_item_evaluations"]
        assert len(items) == len(doc["items"])
        for i, (got, (value, weight)) in enumerate(zip(items, config["item_results"])):
            if weight == 0:
                assert got["result"] is None, (where, i, got)
            else:
                assert got["result"] is not None and close(got["result"], value), \
                    (where, i, got, value)


def test_seg_on_a_remote_mask_url_is_errored_naming_it(api, dataset):
    """The server never downloads: a mask it holds no bytes for makes the evaluation errored,
    naming the item and the URL; the other functions of the job still complete."""
    add_items(api, dataset, ["r1"])
    remote = "https://example.com/masks/r1.png"
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        {"type": "segmentation", "reference_id": "r1", "mask_url": remote,
         "annotations": [{"label": "car", "index": 1}]}]})
    assert r.status_code == 200, r.text
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(api, f"modelRun/{run_id}/predict", [(
        {"type": "segmentation", "reference_id": "r1", "mask_url": "masks/r1.png",
         "annotations": [{"label": "car", "index": 1}]}, png_gray8(4, 4, [[0, 0, 2, 2, 1]]))])
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "remote", "reference_ids": ["r1"]}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, [
        {"id": "ef_seg_iou", "eval_func_arguments": {}},
        {"id": "ef_bbox_iou", "eval_func_arguments": {}}])
    job_id = evaluate(api, model_id, [name])
    by_fn = {h["eval_function_id"]: h for h in
             api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()}
    seg = by_fn["ef_seg_iou"]
    assert seg["status"] == "errored" and seg["result"] is None
    assert seg["error"] == ('item "r1": mask_url "https://example.com/masks/r1.png" is not a mask '
                            'this server holds (it never downloads masks; upload it as a file)')
    assert any(remote in e for e in api.get(f"job/{job_id}/errors").json())
    assert by_fn["ef_bbox_iou"]["status"] == "completed"


# --- `nucleus tests` (the CLI) ---------------------------------------------------------------

def run_cli(server, key, *args):
    import subprocess
    from conftest import NUCLEUS_BIN
    env = dict(os.environ, NUCLEUS_ENDPOINT=server.base, NUCLEUS_API_KEY=key)
    return subprocess.run([NUCLEUS_BIN, *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_tests_list_and_evaluate(server, api, dataset):
    add_items(api, dataset, ["a", "b"])
    api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        box("a", "g1", x=0, y=0, w=10, h=10), box("b", "g2", x=0, y=0, w=10, h=10)]})
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    predict(api, run_id, [box("a", "p1", x=0, y=0, w=10, h=10, confidence=0.9),
                          box("b", "p2", x=5, y=0, w=10, h=10, confidence=0.8)])
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "s", "reference_ids": ["a", "b"]}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, [{"id": "ef_bbox_iou", "eval_func_arguments": {}},
                                                {"id": "ef_bbox_recall",
                                                 "eval_func_arguments": {"iou_threshold": 0.3}}])
    listed = run_cli(server, api.key, "tests", "list")
    assert listed.returncode == 0, listed.stderr
    assert any(line.split() == [test_id, name, slice_id] for line in listed.stdout.splitlines())
    passed = run_cli(server, api.key, "tests", "evaluate", "--model", model_id, name)
    assert passed.returncode == 0, passed.stderr
    lines = [line.split("\t") for line in passed.stdout.splitlines()]
    assert [(l[0], l[1], l[4]) for l in lines] == [(name, "bbox_iou", "passed"),
                                                    (name, "bbox_recall", "passed")]
    assert abs(float(lines[0][2]) - (1 + 1 / 3) / 2) < 1e-6
    # a threshold the model misses: exit status 2 and the verdict "failed"
    api.post(f"validate/metric/set_threshold/{test_id}/ef_bbox_iou", {"threshold": 0.9})
    failed = run_cli(server, api.key, "tests", "evaluate", "--model", model_id, name)
    assert failed.returncode == 2, failed.stderr
    first = failed.stdout.splitlines()[0].split("\t")
    assert first[1] == "bbox_iou" and first[3].startswith("greater_than_equal_to 0.9")
    assert first[4] == "failed"
    unknown = run_cli(server, api.key, "tests", "evaluate", "--model", model_id, "nope")
    assert unknown.returncode == 1 and unknown.stderr.startswith("error:") and "nope" in unknown.stderr


def test_external_results_are_stored_as_a_completed_evaluation(api, slice_id):
    fn = api.post("validate/eval_fn", {"name": "ext_" + uuid.uuid4().hex,
                                       "is_external_function": True, "level": "track"}).json()["eval_fn"]
    test_id, _ = create_test(api, slice_id, [{"id": fn["id"], "eval_func_arguments": {}}])
    api.post(f"validate/metric/set_threshold/{test_id}/{fn['id']}", {"threshold": 0.5})
    model_id = api.post("models/add", {"name": "m", "reference_id": new_name(),
                                       "metadata": {}}).json()["model_id"]
    body = {"unit_test_id": test_id, "eval_function_id": fn["id"],
            "result_per_ref_id": {"track_a": 1.0, "track_b": 0.25},
            "weight_per_ref_id": {"track_a": 1.0, "track_b": 1.0},
            "overall_metric": 0.625, "model_id": model_id, "slice_id": slice_id, "level": "track"}
    r = api.post("validate/scenario_test/upload_results", body)
    assert r.status_code == 200, r.text
    evaluation_id = r.json()["evaluation_id"]
    [h] = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    assert h["id"] == evaluation_id and h["status"] == "completed" and h["result"] == 0.625
    assert h["pass"] is True and h["model_id"] == model_id
    items = api.get(f"validate/eval/{evaluation_id}/info").json()["scenario_test_item_evaluations"]
    assert [(i["dataset_item_id"], i["result"], i["pass"]) for i in items] == [
        ("track_a", 1.0, True), ("track_b", 0.25, False)]
    # a built-in function is not external
    r = api.post("validate/scenario_test/upload_results", dict(body, eval_function_id="ef_bbox_iou"))
    assert r.status_code == 400 and "ef_bbox_iou" in r.json()["error"]
    r = api.post("validate/scenario_test/upload_results", dict(body, model_id="prj_missing"))
    assert r.status_code == 404
    r = api.post("validate/scenario_test/upload_results",
                 dict(body, result_per_ref_id={"track_a": "x"}))
    assert r.status_code == 400 and "result_per_ref_id.track_a" in r.json()["error"]


def test_batched_values_equal_the_general_path_for_small_and_large_tests(api, dataset):
    """Box and polygon metrics without filters take the job's batched path, which reads a test
    holding at least an eighth of its dataset's items from whole-dataset reads and a smaller one
    item by item (api/validate_detection.h). Every way gives the same item values: a small and a
    large test over the same items, in both orders within one job, and the general path (taken
    with a filter that keeps every object) on the same functions."""
    refs = [f"i{k}" for k in range(40)]
    add_items(api, dataset, refs)
    gt, preds = [], []
    for k, ref in enumerate(refs):
        for j in range(2):
            gt.append(box(ref, f"g{j}", label=("car", "bus")[(k + j) % 2], x=10 * j + k % 7,
                          y=k % 5, w=8 + k % 3, h=9))
        for j in range(3):
            preds.append(box(ref, f"p{j}", label=("car", "bus")[(k * j) % 2],
                             x=10 * (j % 2) + (k + j) % 9, y=(k * j) % 4, w=7 + j, h=8 + k % 4,
                             confidence=((k + 3 * j) % 10) / 10))
    assert api.post(f"dataset/{dataset}/annotate",
                    {"update": False, "annotations": gt}).status_code == 200
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    predict(api, run_id, preds)
    keep_all = [["label", "in", ["car", "bus"], False, "field"]]
    functions = []  # each configuration twice: batched, then general (a filter)
    for fn, args in (("bbox_iou", {}), ("bbox_precision", {}), ("bbox_recall", {}),
                     ("bbox_map", {}), ("poly_recall", {}),
                     ("poly_precision", {"enforce_label_match": True, "iou_threshold": 0.3})):
        functions.append({"id": f"ef_{fn}", "eval_func_arguments": args})
        functions.append({"id": f"ef_{fn}",
                          "eval_func_arguments": dict(args, annotation_filters=keep_all)})
    small_refs = refs[5:9]  # 4 * 8 < 40 items: read item by item

    def values(test_id):
        """function id -> [{item id: value}] of its two evaluations in the latest job."""
        out = {}
        test = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
        for h in test[:len(functions)]:
            assert h["status"] == "completed", h
            info = api.get(f"validate/eval/{h['id']}/info").json()
            out.setdefault(h["eval_function_id"], []).append(
                {i["dataset_item_id"]: i["result"] for i in info["scenario_test_item_evaluations"]})
        return out

    small_first, large_second, large_first, small_second = [], [], [], []
    for order in ("small first", "large first"):
        small_slice = api.post(f"dataset/{dataset}/create_slice", {
            "name": "small " + order, "reference_ids": small_refs}).json()["slice_id"]
        large_slice = api.post(f"dataset/{dataset}/create_slice", {
            "name": "large " + order, "reference_ids": refs}).json()["slice_id"]
        small_id, small_name = create_test(api, small_slice, functions)
        large_id, large_name = create_test(api, large_slice, functions)
        names = [small_name, large_name] if order == "small first" else [large_name, small_name]
        evaluate(api, model_id, names)
        got = (values(small_id), values(large_id))
        (small_first if order == "small first" else small_second).append(got[0])
        (large_second if order == "small first" else large_first).append(got[1])
    small_ids = set(small_first[0]["ef_bbox_iou"][0])
    assert len(small_ids) == 4
    measured = 0
    for runs in (small_first, small_second, large_first, large_second):
        assert len(runs[0]) == 6
        for fn, evaluations in runs[0].items():
            assert len(evaluations) == 2
            for per_item in evaluations:
                reference = large_first[0][fn][0]  # one evaluation of fn by a large test
                for item_id, value in per_item.items():
                    assert value == reference[item_id], (fn, item_id)
                    measured += value is not None and value > 0
    assert measured > 0


def test_every_catalogue_function_is_computed(api, dataset):
    """No function of the catalogue ends errored "not computed" (validate.md §11)."""
    add_items(api, dataset, ["a"])
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        box("a", "a1", x=0, y=0, w=10, h=10)]})
    assert r.status_code == 200, r.text
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "all", "reference_ids": ["a"]}).json()["slice_id"]
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    predict(api, run_id, [box("a", "p1", x=0, y=0, w=10, h=10, confidence=0.9)])
    test_id, name = create_test(api, slice_id, [
        {"id": "ef_" + f, "eval_func_arguments": {}} for f in BUILTINS])
    job_id = evaluate(api, model_id, [name])
    assert api.get(f"job/{job_id}/errors").json() == []
    history = api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    assert sorted(h["eval_function_id"] for h in history) == sorted("ef_" + f for f in BUILTINS)
    assert all(h["status"] == "completed" for h in history), history


# --- segmentation_to_poly_* on uploaded shapes and masks (§8.5) ------------------------------

STP_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "validate",
                           "seg_to_poly_reference.json")


def stp_annotations(doc):
    """The fixture's ground truth as the API takes it: boxes by their top-left corner (D1)."""
    out = []
    for item in doc["items"]:
        ref = item["reference_id"]
        for k, p in enumerate(item["polygons"]):
            out.append({"type": "polygon", "label": p["label"], "reference_id": ref,
                        "annotation_id": f"{ref}_p{k}", "metadata": p.get("metadata", {}),
                        "geometry": {"vertices": [{"x": x, "y": y} for x, y in p["vertices"]]}})
        for k, b in enumerate(item["boxes"]):
            out.append(box(ref, f"{ref}_b{k}", label=b["label"], x=b["x"], y=b["y"],
                           w=b["width"], h=b["height"], metadata=b.get("metadata")))
    return out


@pytest.mark.parametrize("filtered", [False, True])
def test_seg_to_poly_values_equal_the_clients_metrics(api, dataset, filtered):
    """Every item value and aggregate of the segmentation_to_poly_* fixture, with the polygons
    and boxes uploaded as annotations and the masks as PNG files through the API; `filtered`:
    its configurations with annotation_filters (on the polygons and boxes) and
    prediction_filters (on the mask's segments)."""
    with open(STP_FIXTURE) as f:
        doc = json.load(f)
    configs = doc["filtered_configs" if filtered else "configs"]
    refs = [i["reference_id"] for i in doc["items"]]
    add_items(api, dataset, refs)
    r = api.post(f"dataset/{dataset}/annotate", {"update": False,
                                                 "annotations": stp_annotations(doc)})
    assert r.status_code == 200 and not r.json().get("errors"), r.text
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(api, f"modelRun/{run_id}/predict", seg_masks(doc, "prediction"))
    functions = []
    for c in configs:
        keys = ("iou_thresholds",) if "iou_thresholds" in c else ("label", "iou_threshold")
        keys += ("annotation_filters", "prediction_filters")
        functions.append({"id": "ef_" + c["function"],
                          "eval_func_arguments": {k: c[k] for k in keys if c.get(k)}})
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "shapes", "reference_ids": refs}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, functions)
    evaluate(api, model_id, [name])
    history = list(reversed(api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()))
    assert len(history) == len(configs)
    for config, h in zip(configs, history):
        where = f'{config["function"]} {config.get("iou_threshold", config.get("iou_thresholds"))}'
        assert h["status"] == "completed", (where, h)
        assert close(h["result"], config["aggregate"][0]), (where, h["result"], config["aggregate"])
        items = api.get(f"validate/eval/{h['id']}/info").json()["scenario_test_item_evaluations"]
        assert len(items) == len(doc["items"])
        for i, (got, (value, weight)) in enumerate(zip(items, config["item_results"])):
            if weight == 0:
                assert got["result"] is None, (where, i, got)
            else:
                assert got["result"] is not None and close(got["result"], value), \
                    (where, i, got, value)


def test_seg_filters_equal_the_clients_metrics_on_uploaded_masks(api, dataset):
    """The fixture's filtered seg_* configurations: segment_field / segment_metadata conditions
    drop segments, field conditions drop a mask, and the confusion matrix keeps only the
    filtered side's rows / columns, as the client's _filter_confusion_matrix (validate.md §8.5)."""
    with open(SEG_FIXTURE) as f:
        doc = json.load(f)
    refs = [i["reference_id"] for i in doc["items"]]
    add_items(api, dataset, refs)
    upload_masks(api, f"dataset/{dataset}/annotate", seg_masks(doc, "ground_truth"))
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(api, f"modelRun/{run_id}/predict", seg_masks(doc, "prediction"))
    configs = doc["filtered_configs"]
    functions = []
    for c in configs:
        args = {k: c[k] for k in ("iou_threshold", "iou_thresholds") if k in c}
        args.update({k: c[k] for k in ("annotation_filters", "prediction_filters") if c[k]})
        functions.append({"id": "ef_" + c["function"], "eval_func_arguments": args})
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "masks", "reference_ids": refs}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, functions)
    evaluate(api, model_id, [name])
    history = list(reversed(api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()))
    assert len(history) == len(configs)
    for config, h in zip(configs, history):
        where = f'{config["function"]} {config["annotation_filters"]} {config["prediction_filters"]}'
        assert h["status"] == "completed", (where, h)
        assert close(h["result"], config["aggregate"][0]), (where, h["result"], config["aggregate"])
        items = api.get(f"validate/eval/{h['id']}/info").json()["scenario_test_item_evaluations"]
        for i, (got, (value, weight)) in enumerate(zip(items, config["item_results"])):
            if weight == 0:
                assert got["result"] is None, (where, i, got)
            else:
                assert got["result"] is not None and close(got["result"], value), \
                    (where, i, got, value)


def test_filters_rejecting_a_mask_leave_its_item_unmeasured(api, dataset):
    """A mask object the prediction_filters reject: no value for its item (the client raises in
    segmentation_to_poly_*, D21); a segment filter on a key the segments lack is errored naming
    it."""
    add_items(api, dataset, ["r1"])
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        {"type": "polygon", "label": "road", "reference_id": "r1", "annotation_id": "p1",
         "metadata": {}, "geometry": {"vertices": [{"x": 0, "y": 0}, {"x": 4, "y": 0},
                                                   {"x": 4, "y": 4}]}}]})
    assert r.status_code == 200, r.text
    mask = {"type": "segmentation", "reference_id": "r1", "mask_url": "masks/r1.png",
            "annotations": [{"label": "road", "index": 1}]}
    upload_masks(api, f"dataset/{dataset}/annotate", [(mask, png_gray8(4, 4, [[0, 0, 4, 4, 1]]))])
    run_id = create_run(api, dataset)
    model_id = api.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(api, f"modelRun/{run_id}/predict", [(mask, png_gray8(4, 4, [[0, 0, 3, 3, 1]]))])
    reject = [[["reference_id", "==", "elsewhere", False, "field"]]]
    slice_id = api.post(f"dataset/{dataset}/create_slice",
                        {"name": "one", "reference_ids": ["r1"]}).json()["slice_id"]
    test_id, name = create_test(api, slice_id, [
        {"id": "ef_segmentation_to_poly_iou", "eval_func_arguments": {}},
        {"id": "ef_segmentation_to_poly_recall",
         "eval_func_arguments": {"prediction_filters": reject}},
        {"id": "ef_seg_recall", "eval_func_arguments": {"annotation_filters": reject}},
        {"id": "ef_seg_precision", "eval_func_arguments": {
            "prediction_filters": [[["kind", "==", 1, False, "segment_metadata"]]]}}])
    evaluate(api, model_id, [name])
    by_fn = {h["eval_function_id"]: h for h in
             api.get(f"validate/scenario_test/{test_id}/eval_history/details").json()}
    assert by_fn["ef_segmentation_to_poly_iou"]["status"] == "completed"
    assert by_fn["ef_segmentation_to_poly_iou"]["result"] is not None  # measured unfiltered
    for fn in ("ef_segmentation_to_poly_recall", "ef_seg_recall"):
        assert by_fn[fn]["status"] == "completed" and by_fn[fn]["result"] is None, by_fn[fn]
    errored = by_fn["ef_seg_precision"]
    assert errored["status"] == "errored", errored
    assert errored["error"] == ('item "r1": filter on "kind": the segment has no metadata key '
                                '"kind" (allow_missing is false)'), errored
