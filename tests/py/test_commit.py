"""Commit matching end to end over HTTP (model_runs.md §3, predictions.md §5, evaluation.md §1):
predict, commit, read the stored matches through dataset/{ds}/queryObjectsPage.

The scene (boxes are x, y, width, height with x, y the top-left corner):

  img1  GT A car (0,0,10,10)   GT B car (20,0,10,10)
        p1 car (0,0,10,10) .9  -> IoU with A = 1
        p2 car (25,0,10,10) .8 -> IoU with B = 50 / 150 = 1/3
        p3 car (0,0,10,5) .7   -> IoU with A = 1/2, but A is taken by p1 (highest IoU first)
  img2  GT C bus (0,0,10,10)
        p4 car (0,0,10,10) .6  -> IoU with C = 1 (labels differ)
  img3  no GT
        p5 car (0,0,5,5) .5    -> a false positive
"""
import pytest

from prediction_helpers import add_items, box, create_model, create_run, predict, wait_job


def gt_box(ref, ann_id, label, x, y, w, h):
    return {"label": label, "type": "box", "geometry": {"x": x, "y": y, "width": w, "height": h},
            "reference_id": ref, "annotation_id": ann_id, "metadata": {}}


@pytest.fixture
def scene(api, dataset):
    add_items(api, dataset, ["img1", "img2", "img3"])
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        gt_box("img1", "A", "car", 0, 0, 10, 10),
        gt_box("img1", "B", "car", 20, 0, 10, 10),
        gt_box("img2", "C", "bus", 0, 0, 10, 10)]})
    assert r.status_code == 200, r.text
    run = create_run(api, dataset)
    predict(api, run, [
        box("img1", "p1", "car", 0, 0, 10, 10, confidence=0.9),
        box("img1", "p2", "car", 25, 0, 10, 10, confidence=0.8),
        box("img1", "p3", "car", 0, 0, 10, 5, confidence=0.7),
        box("img2", "p4", "car", 0, 0, 10, 10, confidence=0.6),
        box("img3", "p5", "car", 0, 0, 5, 5, confidence=0.5)])
    return dataset, run


def commit(api, run, body=None):
    r = api.post(f"modelRun/{run}/commit", body or {})
    assert r.status_code == 200, r.text
    assert r.json()["model_run_id"] == run
    status = wait_job(api, r.json()["job_id"])
    assert status["status"] == "Completed", status
    return status


def query(api, ds, mode, run=None, page_size=10000):
    items, token = [], None
    while True:
        r = api.post(f"dataset/{ds}/queryObjectsPage",
                     {"pageToken": token, "pageSize": page_size, "query": "",
                      "patch_mode": mode, "model_run_id": run})
        assert r.status_code == 200, r.text
        body = r.json()
        assert "nextPageToken" in body
        items += body["items"]
        token = body["nextPageToken"]
        if not token:
            return items


def pairs(matches):
    """{(gt label, prediction label, rounded iou)} of matched pairs."""
    return sorted((m["ground_truth_annotation_label"], m["model_prediction_label"],
                   round(m["iou"], 9)) for m in matches)


def test_commit_matches_highest_iou_first_class_agnostic_by_default(api, scene):
    ds, run = scene
    commit(api, run)
    matches = query(api, ds, "iou", run)
    assert pairs(matches) == [("bus", "car", 1.0), ("car", "car", round(1 / 3, 9)),
                              ("car", "car", 1.0)]
    for m in matches:
        assert m["model_run_id"] == run
        assert m["dataset_item_id"].startswith("di_")
        assert m["model_prediction_id"].startswith("pred_")
        assert m["ground_truth_annotation_id"].startswith("ann_")
        # true_positive: labels equal (or allowed); the client derives the same from labels.
        assert m["true_positive"] == (m["model_prediction_label"] ==
                                      m["ground_truth_annotation_label"])
    fps = query(api, ds, "false_positive", run)
    assert sorted(m["iou"] for m in fps) == [0, 0]
    assert all(m["ground_truth_annotation_id"] is None and m["true_positive"] is False
               and m["ground_truth_annotation_label"] is None for m in fps)
    # p3 lost A to p1 (IoU 1 before 1/2) and p5 has no ground truth on its item.
    assert len(fps) == 2
    assert not {m["model_prediction_id"] for m in fps} & {m["model_prediction_id"] for m in matches}
    assert len({m["dataset_item_id"] for m in fps}) == 2  # img1 (p3) and img3 (p5)
    assert query(api, ds, "false_negative", run) == []


def test_class_agnostic_false_matches_equal_labels_only(api, scene):
    ds, run = scene
    commit(api, run, {"class_agnostic": False})
    assert pairs(query(api, ds, "iou", run)) == [("car", "car", round(1 / 3, 9)),
                                                 ("car", "car", 1.0)]
    fns = query(api, ds, "false_negative", run)
    assert [(m["ground_truth_annotation_label"], m["model_prediction_id"]) for m in fns] == [
        ("bus", None)]
    assert len(query(api, ds, "false_positive", run)) == 3  # p3, p4, p5


def test_allowed_label_matches_only_listed_pairs_match(api, scene):
    ds, run = scene
    commit(api, run, {"allowed_label_matches": [
        {"ground_truth_label": "bus", "model_prediction_label": "car"}]})
    matches = query(api, ds, "iou", run)
    # car-car is not listed, so only C (bus) pairs, with p4 (car); that pair counts as correct.
    assert pairs(matches) == [("bus", "car", 1.0)]
    assert matches[0]["true_positive"] is True
    assert len(query(api, ds, "false_negative", run)) == 2  # A and B
    assert len(query(api, ds, "false_positive", run)) == 4


def test_calculate_evaluation_metrics_matches_like_commit(api, dataset):
    add_items(api, dataset, ["a"])
    api.post(f"dataset/{dataset}/annotate", {"annotations": [gt_box("a", "g", "car", 0, 0, 4, 4)]})
    model_id, ref = create_model(api)
    r = api.post(f"dataset/{dataset}/model/{model_id}/uploadPredictions",
                 {"update": False, "annotations": [box("a", "p", "car", 0, 0, 4, 2)]})
    assert r.status_code == 200, r.text
    r = api.post(f"dataset/{dataset}/model/{model_id}/calculateEvaluationMetrics",
                 {"class_agnostic": False, "allowed_label_matches": [
                     {"ground_truth_label": "car", "model_prediction_label": "car"}]})
    assert r.status_code == 200, r.text
    assert wait_job(api, r.json()["job_id"])["status"] == "Completed"
    run = r.json()["model_run_id"]
    assert pairs(query(api, dataset, "iou", run)) == [("car", "car", 0.5)]


def test_recommit_after_new_predictions_recomputes(api, scene):
    ds, run = scene
    commit(api, run)
    assert len(query(api, ds, "iou", run)) == 3
    # p6 fits B exactly: B now pairs with p6 (IoU 1) and p2 becomes a false positive.
    predict(api, run, [box("img1", "p6", "car", 20, 0, 10, 10, confidence=0.95)])
    assert len(query(api, ds, "iou", run)) == 3  # matches stay as committed until a new commit
    commit(api, run)
    assert pairs(query(api, ds, "iou", run)) == [("bus", "car", 1.0), ("car", "car", 1.0),
                                                 ("car", "car", 1.0)]
    assert len(query(api, ds, "false_positive", run)) == 3  # p2, p3, p5


def test_touching_boxes_do_not_match(api, dataset):
    add_items(api, dataset, ["t"])
    api.post(f"dataset/{dataset}/annotate", {"annotations": [gt_box("t", "g", "car", 0, 0, 10, 10)]})
    run = create_run(api, dataset)
    predict(api, run, [box("t", "p", "car", 10, 0, 10, 10, confidence=0.5)])
    commit(api, run)
    assert query(api, dataset, "iou", run) == []
    assert len(query(api, dataset, "false_negative", run)) == 1
    assert len(query(api, dataset, "false_positive", run)) == 1


def test_query_objects_pages_with_small_page_size(api, scene):
    ds, run = scene
    commit(api, run)
    assert len(query(api, ds, "false_positive", run, page_size=1)) == 2
    assert len(query(api, ds, "iou", run, page_size=1)) == 3
    assert len(query(api, ds, "predictions_only", run, page_size=2)) == 5
    assert len(query(api, ds, "ground_truth_only", None, page_size=2)) == 3


def test_query_objects_predictions_and_ground_truth_modes_return_objects(api, scene):
    ds, run = scene
    preds = query(api, ds, "predictions_only", run)
    assert sorted(p["annotation_id"] for p in preds) == ["p1", "p2", "p3", "p4", "p5"]
    assert all(p["type"] == "box" and "reference_id" in p for p in preds)
    gts = query(api, ds, "ground_truth_only")
    assert sorted(a["annotation_id"] for a in gts) == ["A", "B", "C"]
    assert all(a["type"] == "box" and a["reference_id"] in ("img1", "img2") for a in gts)


def test_query_objects_errors(api, other_api, scene):
    ds, run = scene
    url = f"dataset/{ds}/queryObjectsPage"
    base = {"pageToken": None, "pageSize": 10, "query": "", "model_run_id": run}
    r = api.post(url, dict(base, patch_mode="iou"))
    assert r.status_code == 409 and "commit" in r.json()["error"]  # not committed yet
    r = api.post(url, dict(base, patch_mode="nonsense"))
    assert r.status_code == 400 and "patch_mode" in r.json()["error"]
    r = api.post(url, dict(base, patch_mode="iou", model_run_id=None))
    assert r.status_code == 400 and "model_run_id" in r.json()["error"]
    r = api.post(url, dict(base, patch_mode="iou", query='label = "car"'))
    assert r.status_code == 400 and "query" in r.json()["error"]
    r = other_api.post(url, dict(base, patch_mode="ground_truth_only"))
    assert r.status_code == 404


def test_deleting_the_run_drops_its_matches(api, scene):
    ds, run = scene
    commit(api, run)
    assert api.delete(f"modelRun/{run}").status_code == 200
    r = api.post(f"dataset/{ds}/queryObjectsPage", {"pageToken": None, "pageSize": 10,
                                                    "patch_mode": "iou", "model_run_id": run})
    assert r.status_code == 404


def test_matches_of_a_deleted_item_are_skipped_and_pages_stay_in_order(api, scene):
    ds, run = scene
    commit(api, run)
    # img3's only row is p5, a false positive; img1's p3 is the other one.
    assert len(query(api, ds, "false_positive", run)) == 2
    assert api.delete(f"dataset/{ds}/refloc/img3").status_code == 200
    fps = query(api, ds, "false_positive", run, page_size=1)
    assert len(fps) == 1
    assert len(query(api, ds, "iou", run, page_size=1)) == 3
    # Pages of one row each give the same rows, in the same order, as one big page.
    assert query(api, ds, "iou", run, page_size=1) == query(api, ds, "iou", run)


def test_many_items_page_across_stored_chunks(api, dataset):
    refs = [f"m{i:03d}" for i in range(120)]
    add_items(api, dataset, refs)
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        gt_box(ref, "g", "car", 0, 0, 10, 10) for ref in refs]})
    assert r.status_code == 200, r.text
    run = create_run(api, dataset)
    predict(api, run, [box(ref, f"p{k}", "car", k, 0, 10, 10, confidence=0.5 + k / 10)
                       for ref in reversed(refs) for k in range(3)])
    commit(api, run)
    ious = query(api, dataset, "iou", run, page_size=7)
    assert len(ious) == 120 and all(m["iou"] == 1 for m in ious)
    assert len(query(api, dataset, "false_positive", run, page_size=50)) == 240
    assert query(api, dataset, "false_negative", run) == []


def test_commit_of_an_item_with_too_many_overlapping_pairs_errors_naming_the_item(api, dataset):
    # 2,100 ground truth x 2,100 predictions, all on one spot: 4.41 million overlapping pairs,
    # over the 4 million one item may hold while it is matched (eval/matching.h). The job ends
    # Errored_User naming the item instead of holding every pair; the server stays up and no
    # match of the run is stored (not even the other item's).
    add_items(api, dataset, ["crowd", "calm"])
    n = 2100
    r = api.post(f"dataset/{dataset}/annotate", {"update": False, "annotations": [
        gt_box("crowd", f"g{i}", "car", i % 7, i % 5, 100, 100) for i in range(n)] + [
        gt_box("calm", "c", "car", 0, 0, 10, 10)]})
    assert r.status_code == 200, r.text
    run = create_run(api, dataset)
    predict(api, run, [box("crowd", f"p{i}", "car", i % 3, i % 11, 100, 100, confidence=0.5)
                       for i in range(n)] + [box("calm", "q", "car", 0, 0, 10, 10)])
    r = api.post(f"modelRun/{run}/commit", {})
    assert r.status_code == 200, r.text
    status = wait_job(api, r.json()["job_id"])
    assert status["status"] == "Errored_User", status
    message = status["message"]["final_error"]
    assert 'item "crowd"' in message, message
    assert "more than 4000000 overlapping" in message, message
    assert "2100 ground truth, 2100 predictions" in message, message
    assert api.get(f"dataset/{dataset}/size").status_code == 200
    r = api.post(f"dataset/{dataset}/queryObjectsPage",
                 {"pageToken": None, "pageSize": 10, "query": "", "patch_mode": "iou",
                  "model_run_id": run})
    assert r.status_code == 409 and "no matches yet" in r.json()["error"], r.text  # none stored
