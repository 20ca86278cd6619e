"""Evaluations V2 (evaluation.md §2) over HTTP, on the hand-checked scene of test_commit.py:

  img1  GT A car (0,0,10,10), B car (20,0,10,10); p1 car .9 IoU(A)=1, p2 car .8 IoU(B)=1/3,
        p3 car .7 (loses A to p1)
  img2  GT C bus (0,0,10,10); p4 car .6 IoU(C)=1
  img3  p5 car .5, no GT

COCO protocol (bbox) by hand: "car" has 2 GT and 5 detections; only p1 is a true positive at every
IoU threshold, first in score order, so precision is 1 up to recall 0.5 and the 101-point AP is
51/101. "bus" has a GT and no detection: AP 0. mAP = 51/202 at 0.50, 0.75 and 0.50:0.95. Every
box has area <= 32², so AP small = mAP and medium/large are undefined (null).
"""
import json
import time
from urllib.parse import urlencode

import pytest
import requests

from test_commit import scene  # noqa: F401  (fixture)

MAP = 51 / 202


def create(api, run, body=None):
    r = api.post(f"modelRun/{run}/evaluationsV2", body if body is not None else {})
    assert r.status_code == 200, r.text
    assert r.json()["evaluation_id"].startswith("evalv2_")  # [client] required
    return r.json()["evaluation_id"]


def get(api, route):
    """GET with a `{}` JSON body, as the client sends it."""
    return requests.get(api.url(route), json={}, headers=api.headers)


def wait(api, ev, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = get(api, f"evaluationsV2/{ev}")
        assert r.status_code == 200, r.text
        if r.json()["status"] in ("succeeded", "failed", "cancelled"):
            return r.json()
        time.sleep(0.1)
    raise AssertionError("evaluation did not finish")


def charts(api, ev, iou=0.5, filters=None, expect=200):
    params = {"iouThreshold": str(iou)}
    if filters is not None:
        params["filters"] = json.dumps(filters)
    # The client builds the query string into the route itself (spaces as +, JSON encoded).
    r = get(api, f"evaluationsV2/{ev}/charts?{urlencode(params)}")
    assert r.status_code == expect, r.text
    return r.json()


@pytest.fixture
def evaluation(api, scene):  # noqa: F811
    ds, run = scene
    ev = create(api, run, {"name": "nightly"})
    body = wait(api, ev)
    assert body["status"] == "succeeded", body
    return ds, run, ev


def test_create_answers_evaluation_id_and_get_has_required_keys(api, scene):  # noqa: F811
    ds, run = scene
    r = api.post(f"modelRun/{run}/evaluationsV2", {})
    assert r.status_code == 200
    body = r.json()
    assert body["evaluation_id"] and body["status"] in ("pending", "computing", "succeeded")
    ev = wait(api, body["evaluation_id"])
    for key in ("id", "model_run_id", "dataset_id", "status"):  # [client] required
        assert key in ev
    assert ev["id"] == body["evaluation_id"] and ev["model_run_id"] == run
    assert ev["dataset_id"] == ds and ev["status"] == "succeeded"
    assert ev["name"] is None and ev["error_message"] is None
    assert ev["temporal_workflow_id"].startswith("job_")
    assert ev["created_at"].endswith("Z")
    assert ev["allowed_label_matches"] == []


def test_list_is_a_json_array_newest_first(api, scene):  # noqa: F811
    ds, run = scene
    r = get(api, f"modelRun/{run}/evaluationsV2")
    assert r.status_code == 200 and r.json() == []  # [client] an array, even when empty
    first = create(api, run, {"name": "first"})
    second = create(api, run, {"name": "second"})
    listed = get(api, f"modelRun/{run}/evaluationsV2").json()
    assert isinstance(listed, list)
    assert [e["id"] for e in listed] == [second, first]
    assert [e["name"] for e in listed] == ["second", "first"]


def test_allowed_label_matches_are_returned_camel_case_and_used(api, scene):  # noqa: F811
    ds, run = scene
    ev = create(api, run, {"allowed_label_matches": [
        {"ground_truth_label": "bus", "model_prediction_label": "car"},
        "not an object", {"ground_truth_label": "only one side"}]})
    body = wait(api, ev)
    assert body["allowed_label_matches"] == [
        {"groundTruthLabel": "bus", "modelPredictionLabel": "car"}]
    c = charts(api, ev)
    # Identical labels pair as always (A-p1 a true positive; B-p2 at IoU 1/3 is under the
    # threshold), and the listed bus->car adds C-p4 as a true positive (issue 13).
    assert c["totalCounts"] == {"tp": 2, "fp": 3, "fn": 1, "predsWithConfidence": 5}


def test_delete_answers_and_the_evaluation_is_gone(api, evaluation):
    ds, run, ev = evaluation
    r = requests.delete(api.url(f"evaluationsV2/{ev}"), json={}, headers=api.headers)
    assert r.status_code in (200, 204)  # the body is not parsed
    assert get(api, f"evaluationsV2/{ev}").status_code == 404
    assert get(api, f"modelRun/{run}/evaluationsV2").json() == []


def test_another_owner_sees_nothing(api, other_api, evaluation):
    ds, run, ev = evaluation
    assert get(other_api, f"evaluationsV2/{ev}").status_code == 404
    assert get(other_api, f"modelRun/{run}/evaluationsV2").status_code == 404
    assert other_api.post(f"modelRun/{run}/evaluationsV2", {}).status_code == 404
    assert get(other_api, f"evaluationsV2/{ev}/charts?iouThreshold=0.5").status_code == 404
    r = requests.delete(other_api.url(f"evaluationsV2/{ev}"), json={}, headers=other_api.headers)
    assert r.status_code == 404


def test_charts_hand_checked(api, evaluation):
    ds, run, ev = evaluation
    c = charts(api, ev)
    for key in ("mapSummary", "perClassAp", "confusionMatrix", "scoreHistogram",
                "computedIouRanges", "totalCounts", "apBySize", "prCurve", "tideAttribution"):
        assert key in c  # [client] every top-level key is required
    assert c["mapSummary"] == pytest.approx({"mapAt50": MAP, "mapAt75": MAP, "mapAt5095": MAP},
                                            abs=1e-12)
    assert {p["classLabel"]: p["ap"] for p in c["perClassAp"]} == pytest.approx(
        {"car": 51 / 101, "bus": 0.0}, abs=1e-12)
    assert c["apBySize"]["small"] == pytest.approx(MAP, abs=1e-12)
    assert c["apBySize"]["medium"] is None and c["apBySize"]["large"] is None
    assert c["computedIouRanges"] == pytest.approx([0.5 + 0.05 * i for i in range(10)])
    # At 0.5 with labels compared: only A-p1 is a true positive.
    assert c["totalCounts"] == {"tp": 1, "fp": 4, "fn": 2, "predsWithConfidence": 5}
    cells = {(x["gtLabel"], x["predLabel"]): x["count"] for x in c["confusionMatrix"]}
    assert cells == {("car", "car"): 1, ("car", "background"): 1, ("background", "car"): 3,
                     ("bus", "car"): 1}
    hist = {round(b["bucketMin"], 1): b["count"] for b in c["scoreHistogram"] if b["count"]}
    assert hist == {0.5: 1, 0.6: 1, 0.7: 1, 0.8: 1, 0.9: 1}
    assert c["tideAttribution"] == {"truePositive": 1, "localization": 1, "classification": 1,
                                    "both": 0, "duplicate": 0, "background": 2, "missed": 0}
    car = [(p["recall"], p["precision"]) for p in c["prCurve"] if p["classLabel"] == "car"]
    # pycocotools' precision is tp / (tp + fp + eps): 1 - 2e-16 here.
    assert car[0] == pytest.approx((0.0, 1.0)) and car[50] == pytest.approx((0.5, 1.0))
    assert all(r > 0.5 for r, _ in car[51:]) and all(p == 0 for _, p in car[51:])


def test_charts_threshold_and_filters_from_the_query_string(api, evaluation):
    ds, run, ev = evaluation
    # At IoU 0.3, B-p2 (1/3) also counts.
    assert charts(api, ev, iou=0.3)["totalCounts"]["tp"] == 2
    assert {p["classLabel"]: p["ap"] for p in charts(api, ev, iou=0.3)["perClassAp"]}["car"] == \
        pytest.approx(1.0, abs=1e-12)
    # Confidence above 0.75 keeps p1 and p2 only; C loses p4 and stays a false negative.
    c = charts(api, ev, filters={"confidenceRange": {"min": 0.75, "max": 1.0}})
    assert c["totalCounts"] == {"tp": 1, "fp": 1, "fn": 2, "predsWithConfidence": 2}
    # A ground-truth label filter turns the predictions paired with other labels into FPs.
    c = charts(api, ev, filters={"gtLabels": ["car"]})
    assert c["totalCounts"] == {"tp": 1, "fp": 4, "fn": 1, "predsWithConfidence": 5}
    c = charts(api, ev, filters={"gtLabels": ["bus"], "hasGroundTruth": True})
    assert c["totalCounts"]["fn"] == 1 and c["totalCounts"]["tp"] == 0
    c = charts(api, ev, filters={"labelEquality": "NEQ"})
    assert [(x["gtLabel"], x["predLabel"]) for x in c["confusionMatrix"]] == [("bus", "car")]
    assert "labelEquality" in charts(api, ev, filters={"labelEquality": "X"}, expect=400)["error"]
    r = get(api, f"evaluationsV2/{ev}/charts?iouThreshold=abc")
    assert r.status_code == 400 and "iouThreshold" in r.json()["error"]


def test_charts_before_success_is_a_conflict(api, scene):  # noqa: F811
    ds, run = scene
    r = api.post(f"modelRun/{run}/evaluationsV2", {})
    ev = r.json()["evaluation_id"]
    c = get(api, f"evaluationsV2/{ev}/charts?iouThreshold=0.5")
    assert c.status_code in (200, 409)  # 409 while pending/computing, never a wrong answer
    wait(api, ev)


def test_examples_pages_sorts_and_counts(api, evaluation):
    ds, run, ev = evaluation
    r = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FP", "limit": 2, "offset": 0,
                                                 "sort_by": "confidence", "sort_order": "desc"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 4  # p2 (IoU 1/3), p3, p4 (wrong label), p5
    assert [row["confidence"] for row in page["rows"]] == [0.8, 0.7]
    for row in page["rows"]:
        for key in ("id", "evaluation_id", "dataset_item_id", "true_positive", "match_type"):
            assert key in row
        assert row["evaluation_id"] == ev and row["match_type"] == "FP"
        assert row["true_positive"] is False and row["dataset_item_id"].startswith("di_")
    rest = api.post(f"evaluationsV2/{ev}/examples",
                    {"match_type": "FP", "limit": 50, "offset": 2, "sort_by": "confidence",
                     "sort_order": "asc"}).json()
    assert [row["confidence"] for row in rest["rows"]] == [0.7, 0.8]
    tp = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "TP"}).json()
    assert tp["total"] == 1
    row = tp["rows"][0]
    assert row["iou"] == 1.0 and row["gt_raw_label"] == "car" and row["pred_raw_label"] == "car"
    assert row["model_prediction_id"].startswith("pred_")
    assert row["ground_truth_annotation_id"].startswith("ann_")
    assert row["gt_area"] == 100
    fn = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FN", "filters": {
        "gtLabels": ["bus"]}}).json()
    assert fn["total"] == 1 and fn["rows"][0]["gt_raw_label"] == "bus"
    r = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "XX"})
    assert r.status_code == 400 and "match_type" in r.json()["error"]


def test_evaluation_of_unknown_run_is_404(api):
    assert api.post("modelRun/run_doesnotexist/evaluationsV2", {}).status_code == 404
    assert get(api, "modelRun/run_doesnotexist/evaluationsV2").status_code == 404
    assert get(api, "evaluationsV2/evalv2_doesnotexist").status_code == 404
