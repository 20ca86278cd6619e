"""Issue 10, points 4 and 5, and the "Empty bodies accepted" bug, over HTTP.

- Every route that needs a JSON body refuses an empty or non-object body with 400 and a compact
  {"error": ...} saying what was expected; GET routes keep taking no body and `{}`.
- Integer fields and pagination never overflow: 1e300, 400-digit integers, fractions and negative
  values are 400s naming the field; INT64_MAX page sizes, limits and offsets are served.
- The caps of README.md ("Limits"): request-level ones refuse the request and store nothing;
  object-level ones become `errors` entries naming the object and the field, and the rest is kept.
  Caps are tested on a second server started with small limits (`nucleus serve --max-...`).
"""
import json
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import NUCLEUS_BIN, Api, Server, create_key
from prediction_helpers import (add_items, box, create_model, create_run, predict, upload_ndjson,
                                wait_job)
from test_commit import scene  # noqa: F401  (fixture)
from test_evaluation import evaluation  # noqa: F401  (fixture)

INT64_MAX = 2**63 - 1
HUGE_INTEGER = "1" + "0" * 399  # 400 digits


def raw_post(api, route, data):
    return requests.post(api.url(route), data=data, headers=api.headers)


def assert_compact_error(r, *needles):
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.text.startswith('{"error":"'), r.text  # compact JSON, one key
    for needle in needles:
        assert needle in r.json()["error"], (needle, r.text)


def gt_box(ref, ann_id, label="car", **extra):
    obj = {"label": label, "type": "box", "geometry": {"x": 0, "y": 0, "width": 5, "height": 5},
           "reference_id": ref, "annotation_id": ann_id, "metadata": {}}
    obj.update(extra)
    return obj


def annotation_ids(api, ds, ref):
    r = requests.get(api.url(f"dataset/{ds}/refloc/{ref}"), json={}, headers=api.headers)
    assert r.status_code == 200, r.text
    return sorted(a["annotation_id"] for a in r.json()["annotations"].get("box", []))


# --- Empty and non-object bodies ------------------------------------------------------------

@pytest.fixture
def targets(api, dataset):
    add_items(api, dataset, ["img"])
    model_id, model_ref = create_model(api)
    run = create_run(api, dataset, model_ref)
    return {"ds": dataset, "run": run, "model": model_id}


BODY_ROUTES = [
    "modelRun/{run}/predict",
    "dataset/{ds}/model/{model}/uploadPredictions",
    "dataset/{ds}/annotate",
    "dataset/{ds}/append",
    "dataset/{ds}/metadata",
    "dataset/{ds}/itemsPage",
    "dataset/{ds}/exportForTrainingPage",
    "dataset/{ds}/create_slice",
    "dataset/{ds}/add_taxonomy",
    "dataset/{ds}/modelRun/create",
    "dataset/{ds}/queryObjectsPage",
    "dataset/{ds}/tags",
    "dataset/create",
    "models/add",
    "modelRun/{run}/commit",
    "modelRun/{run}/evaluationsV2",
    "jobs",
]
BAD_BODIES = [(b"", "an empty body"), (b"  \n", "an empty body"), (b"[]", "an array"),
              (b"null", "null"), (b"3", "a number"), (b'"x"', "a string"), (b"true", "a boolean")]


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_post_routes_refuse_empty_and_non_object_bodies(api, targets, route):
    url = route.format(**targets)
    for body, got in BAD_BODIES:
        r = raw_post(api, url, body)
        assert_compact_error(r, "request body must be a JSON object", got)


def test_empty_bodies_store_nothing_and_count_nothing(api, targets):
    """The bug: these three answered 200 with zero counts."""
    ds, run, model = targets["ds"], targets["run"], targets["model"]
    for route in (f"modelRun/{run}/predict", f"dataset/{ds}/model/{model}/uploadPredictions",
                  f"dataset/{ds}/annotate"):
        r = raw_post(api, route, b"")
        assert_compact_error(r, "request body must be a JSON object, got an empty body")
        assert "processed" not in r.text
    # A real upload on the same routes still works.
    assert api.post(f"dataset/{ds}/annotate", {"annotations": [gt_box("img", "a")]}).json()[
        "annotations_processed"] == 1
    assert predict(api, run, [box("img", "p")])["predictions_processed"] == 1
    # GET and DELETE routes keep taking no body, and the `{}` the official client sends.
    for route in (f"dataset/{ds}/info", f"modelRun/{run}/info", "dataset", f"dataset/{ds}/iloc/0"):
        for kw in ({}, {"data": b""}, {"json": {}}):
            r = requests.get(api.url(route), headers=api.headers, **kw)
            assert r.status_code == 200, (route, kw, r.text)
    r = requests.delete(api.url(f"dataset/{ds}/tags"), headers=api.headers)
    assert r.status_code == 200, r.text




# --- Numbers ---------------------------------------------------------------------------------

def test_items_page_size_out_of_range_is_400(api, targets):
    route = f"dataset/{targets['ds']}/itemsPage"
    for value in ("1e300", "-1e300", "9.3e18", "0.5"):  # cast to int64 before: undefined
        r = raw_post(api, route, ('{"pageToken": null, "pageSize": ' + value + "}").encode())
        assert_compact_error(r, 'field "pageSize" of request body',
                             "must be an integer that fits in 64 bits")
    for value in ("18446744073709551616", HUGE_INTEGER):  # more than simdjson holds
        r = raw_post(api, route, ('{"pageToken": null, "pageSize": ' + value + "}").encode())
        assert_compact_error(r)
    for value in ("-1", "0"):
        r = raw_post(api, route, ('{"pageToken": null, "pageSize": ' + value + "}").encode())
        assert_compact_error(r, "pageSize")


def test_int64_max_page_sizes_and_tokens_do_not_overflow(api, dataset):
    add_items(api, dataset, ["img"])
    for route in ("itemsPage", "exportForTrainingPage"):
        r = api.post(f"dataset/{dataset}/{route}", {"pageToken": None, "pageSize": INT64_MAX})
        assert r.status_code == 200, r.text
        assert r.json()["nextPageToken"] is None
    r = api.post(f"dataset/{dataset}/annotate",
                 {"annotations": [gt_box("img", f"a{i}") for i in range(3)]})
    assert r.json()["annotations_processed"] == 3
    base = {"query": "", "patch_mode": "ground_truth_only"}
    page = api.post(f"dataset/{dataset}/queryObjectsPage",
                    dict(base, pageToken="1", pageSize=INT64_MAX))
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == 2 and page.json()["nextPageToken"] is None
    far = api.post(f"dataset/{dataset}/queryObjectsPage",
                   dict(base, pageToken=str(INT64_MAX), pageSize=INT64_MAX))
    assert far.status_code == 200, far.text
    assert far.json() == {"items": [], "nextPageToken": None}
    bad = raw_post(api, f"dataset/{dataset}/queryObjectsPage",
                   b'{"query": "", "patch_mode": "ground_truth_only", "pageSize": 1e300}')
    assert_compact_error(bad, "pageSize")


def test_examples_limit_and_offset_do_not_overflow(api, evaluation):  # noqa: F811
    _, _, ev = evaluation
    everything = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FP"}).json()
    assert everything["total"] == 4
    r = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FP", "limit": INT64_MAX,
                                                 "offset": 1})
    assert r.status_code == 200, r.text
    assert len(r.json()["rows"]) == 3
    r = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FP", "limit": INT64_MAX,
                                                 "offset": INT64_MAX})
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [] and r.json()["total"] == 4
    for field in ("limit", "offset"):
        r = raw_post(api, f"evaluationsV2/{ev}/examples",
                     ('{"match_type": "FP", "' + field + '": 1e300}').encode())
        assert_compact_error(r, field, "fits in 64 bits")
        r = api.post(f"evaluationsV2/{ev}/examples", {"match_type": "FP", field: -1})
        assert_compact_error(r, f'field "{field}" of examples request: must be an integer in [0, ')
    for value in ("1e300", "9223372036854775808", "2.5"):
        r = raw_post(api, "jobs", ('{"limit": ' + value + "}").encode())
        assert_compact_error(r, 'field "limit" of job listing', "fits in 64 bits")
    assert api.post("jobs", {"limit": INT64_MAX}).status_code == 200


def test_item_dimensions_out_of_range_are_per_item_errors(api, dataset):
    """Without the fix, 1e300 was cast to int64 (undefined; the dev preset aborts on it)."""
    body = ('{"update": false, "items": ['
            '{"reference_id": "ok", "image_url": "https://x/ok.jpg", "width": 640},'
            '{"reference_id": "w", "image_url": "https://x/w.jpg", "width": 1e300},'
            '{"reference_id": "h", "image_url": "https://x/h.jpg", "height": 18446744073709551615}'
            ']}')
    r = raw_post(api, f"dataset/{dataset}/append", body.encode())
    assert r.status_code == 200, r.text
    assert r.json()["new_items"] == 1 and r.json()["upload_errors"] == 2
    assert requests.get(api.url(f"dataset/{dataset}/refloc/ok"), json={},
                        headers=api.headers).status_code == 200


def test_scene_frame_rate_out_of_range_is_a_per_scene_error(api):
    r = api.post("dataset/create", {"name": "video", "is_scene": True})
    assert r.status_code == 200, r.text
    ds = r.json()["dataset_id"]
    body = ('{"scenes": [{"reference_id": "s", "frame_rate": 1e300, "frames": '
            '[{"reference_id": "f", "image_url": "https://x/f.jpg"}]}], "update": false}')
    r = raw_post(api, f"{ds}/upload_video_scenes", body.encode())
    assert r.status_code == 200, r.text  # per-scene error, the rest of the batch is kept
    assert r.json()["scenes_errored"] == 1 and r.json()["new_scenes"] == 0
    error = r.json()["errors"][0]
    assert 'field "frame_rate"' in error and "fits in 64 bits" in error, error


# --- Caps, on a server with small limits ------------------------------------------------------

SMALL = ["--max-batch-objects", "5", "--max-annotations-per-item", "3",
         "--max-predictions-per-item", "3", "--max-vertices", "4", "--max-metadata-bytes", "64",
         "--max-json-depth", "2", "--max-id-bytes", "16", "--max-mask-bytes", "100",
         "--max-mask-pixels", "64"]


@pytest.fixture(scope="module")
def small():
    data_dir = tempfile.mkdtemp(prefix="nucleus-limits-")
    key = create_key(data_dir, "limits")
    srv = Server(data_dir, SMALL).start()
    yield Api(srv.base, key)
    code = srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    assert code == 0


@pytest.fixture
def small_ds(small):
    r = small.post("dataset/create", {"name": "limits", "is_scene": False})
    assert r.status_code == 200, r.text
    ds = r.json()["dataset_id"]
    add_items(small, ds, ["i1", "i2"])
    return ds


def test_batch_over_the_cap_is_refused_whole_and_stores_nothing(small, small_ds):
    boxes = [gt_box("i1" if i < 3 else "i2", f"a{i}") for i in range(6)]
    r = small.post(f"dataset/{small_ds}/annotate", {"annotations": boxes[:3],
                                                    "segmentations": boxes[3:]})
    assert_compact_error(r, '"annotations" + "segmentations"', "6 entries",
                         "over the limit of 5 (max_batch_objects)")
    assert annotation_ids(small, small_ds, "i1") == []
    items = [{"reference_id": f"n{i}", "image_url": f"https://x/{i}"} for i in range(6)]
    r = small.post(f"dataset/{small_ds}/append", {"items": items})
    assert_compact_error(r, 'field "items" of request body', "max_batch_objects")
    assert requests.get(small.url(f"dataset/{small_ds}/refloc/n0"), json={},
                        headers=small.headers).status_code == 404
    run = create_run(small, small_ds)
    r = small.post(f"modelRun/{run}/predict", {"annotations": [box("i1", f"p{i}") for i in
                                                               range(6)]})
    assert_compact_error(r, "max_batch_objects")
    assert requests.get(small.url(f"modelRun/{run}/refloc/i1"), json={},
                        headers=small.headers).json() == {"annotations": {}}
    r = small.post(f"dataset/{small_ds}/metadata",
                   {"metadata": [{"reference_id": "i1", "metadata": {}}] * 6})
    assert_compact_error(r, 'field "metadata" of request body', "max_batch_objects")
    scenes = [{"reference_id": f"s{i}", "frames": [{"reference_id": f"f{i}",
                                                     "image_url": "https://x/f.jpg"}]}
              for i in range(6)]
    r = small.post(f"{small_ds}/upload_video_scenes", {"scenes": scenes, "update": False})
    assert_compact_error(r, 'field "scenes" of request body', "max_batch_objects")
    # At the cap is fine.
    r = small.post(f"dataset/{small_ds}/annotate", {"annotations": boxes[:5]})
    assert r.status_code == 200, r.text


def test_annotations_per_item_over_the_cap_are_errors_and_the_rest_is_kept(small, small_ds):
    boxes = [gt_box("i1", f"a{i}") for i in range(4)] + [gt_box("i2", "b0")]
    r = small.post(f"dataset/{small_ds}/annotate", {"annotations": boxes})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["annotations_processed"] == 4
    assert len(body["errors"]) == 1
    assert 'annotation 3 (reference_id "i1")' in body["errors"][0]
    assert "field \"reference_id\"" in body["errors"][0]
    assert "max_annotations_per_item" in body["errors"][0]
    assert annotation_ids(small, small_ds, "i1") == ["a0", "a1", "a2"]
    assert annotation_ids(small, small_ds, "i2") == ["b0"]


def test_predictions_per_item_over_the_cap_are_errors_and_the_rest_is_kept(small, small_ds):
    run = create_run(small, small_ds)
    body = predict(small, run, [box("i1", f"p{i}") for i in range(4)] + [box("i2", "q")])
    assert body["predictions_processed"] == 4 and body["predictions_ignored"] == 0
    assert len(body["errors"]) == 1 and "max_predictions_per_item" in body["errors"][0]
    assert 'annotation_id "p3"' in body["errors"][0]
    preds = requests.get(small.url(f"modelRun/{run}/refloc/i1"), json={},
                         headers=small.headers).json()["annotations"]["box"]
    assert sorted(p["annotation_id"] for p in preds) == ["p0", "p1", "p2"]


def test_async_uploads_have_no_batch_cap_but_keep_the_per_item_cap(small, small_ds):
    model_id, _ = create_model(small)
    lines = [box("i1", f"p{i}") for i in range(5)] + [box("i2", f"q{i}") for i in range(3)]
    request_id = upload_ndjson(small, small_ds, lines)  # 8 lines > max_batch_objects
    r = small.post(f"dataset/{small_ds}/model/{model_id}/uploadPredictions?async=1",
                   {"requestId": request_id, "update": False})
    assert r.status_code == 200, r.text
    status = wait_job(small, r.json()["job_id"])
    assert status["status"] == "Completed", status
    upload = status["message"]["prediction_upload"]
    assert (upload["total"], upload["processed"], upload["errored"]) == (8, 6, 2)
    errors = " ".join(small.get(f"job/{r.json()['job_id']}/errors").json())
    assert "max_predictions_per_item" in errors and "p3" in errors and "p4" in errors

    request_id = upload_ndjson(small, small_ds,
                               [gt_box("i2", f"g{i}") for i in range(4)] + [gt_box("i1", "h")])
    r = small.post(f"dataset/{small_ds}/annotate?async=1", {"requestId": request_id})
    assert r.status_code == 200, r.text
    status = wait_job(small, r.json()["job_id"])
    assert status["status"] == "Completed", status
    assert status["message"]["annotation_upload"]["processed"] == 4
    assert status["message"]["annotation_upload"]["errored"] == 1
    assert annotation_ids(small, small_ds, "i2") == ["g0", "g1", "g2"]


def test_object_level_caps_name_the_object_and_field(small, small_ds):
    polygon = {"type": "polygon", "label": "car", "reference_id": "i1", "annotation_id": "poly",
               "geometry": {"vertices": [{"x": i, "y": 0} for i in range(5)]}}
    cases = [
        (polygon, 'field "geometry.vertices"', "max_vertices"),
        (gt_box("i1", "deep", metadata={"a": {"b": {"c": 1}}}), 'field "metadata"',
         "max_json_depth"),
        (gt_box("i1", "big", metadata={"t": "x" * 100}), 'field "metadata"',
         "max_metadata_bytes"),
        (gt_box("i1", "x" * 17), 'field "annotation_id"', "max_id_bytes"),
        (gt_box("i1", "lbl", label="y" * 17), 'field "label"', "max_id_bytes"),
    ]
    errors = []
    for objects in ([c[0] for c in cases[:3]] + [gt_box("i1", "fine")],
                    [c[0] for c in cases[3:]]):  # two requests: max_batch_objects is 5
        r = small.post(f"dataset/{small_ds}/annotate", {"annotations": objects})
        assert r.status_code == 200, r.text
        errors += r.json()["errors"]
    assert len(errors) == len(cases)
    for (obj, field, cap), error in zip(cases, errors):
        assert field in error and cap in error, error
        assert 'reference_id "i1"' in error, error
    assert annotation_ids(small, small_ds, "i1") == ["fine"]
    # Items: the reference id.
    r = small.post(f"dataset/{small_ds}/append",
                   {"items": [{"reference_id": "r" * 17, "image_url": "https://x/1"},
                              {"reference_id": "short", "image_url": "https://x/2"}]})
    assert r.status_code == 200, r.text
    assert r.json()["new_items"] == 1 and r.json()["upload_errors"] == 1
    # Predictions: the same parser, the same caps.
    run = create_run(small, small_ds)
    body = predict(small, run, [dict(polygon, confidence=0.5), box("i1", "ok")])
    assert body["predictions_processed"] == 1 and "max_vertices" in body["errors"][0]


def test_mask_file_over_the_cap_is_an_error_for_that_mask(small, small_ds):
    segmentations = [
        {"mask_url": "big.png", "reference_id": "i1", "annotations": [{"label": "a", "index": 1}]},
        {"mask_url": "small.png", "reference_id": "i2",
         "annotations": [{"label": "a", "index": 1}]}]
    parts = [("serialized_request", (None, json.dumps({"segmentations": segmentations}),
                                     "application/json")),
             ("mask", ("big.png", b"\x89PNG" + b"x" * 200, "image/png")),
             ("mask", ("small.png", b"\x89PNG" + b"x" * 10, "image/png"))]
    headers = {"Authorization": small.headers["Authorization"]}
    r = requests.post(small.url(f"dataset/{small_ds}/annotate"), files=parts, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["annotations_processed"] == 1
    assert len(body["errors"]) == 1
    assert "mask 0 (reference_id i1)" in body["errors"][0]
    assert "max_mask_bytes" in body["errors"][0]


def test_default_caps_refuse_a_huge_reference_id_but_keep_the_batch(api, dataset):
    add_items(api, dataset, ["img"])
    r = api.post(f"dataset/{dataset}/annotate",
                 {"annotations": [gt_box("r" * 5000, "a"), gt_box("img", "b")]})
    assert r.status_code == 200, r.text
    assert r.json()["annotations_processed"] == 1
    assert "over the limit of 4096 (max_id_bytes)" in r.json()["errors"][0]


def test_serve_refuses_a_zero_limit():
    data_dir = tempfile.mkdtemp(prefix="nucleus-limits-")
    try:
        out = subprocess.run([NUCLEUS_BIN, "serve", "--data", data_dir, "--listen",
                              "127.0.0.1:0", "--max-batch-objects", "0"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode != 0
        assert "max-batch-objects" in out.stderr + out.stdout
        assert "not in range" in out.stderr + out.stdout
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)



def test_mask_over_the_pixel_cap_makes_its_seg_evaluation_errored(small, small_ds):
    """--max-mask-pixels: a stored mask wider x higher than the cap is not decoded; the seg_*
    evaluation is errored naming the item, the mask and the limit (validate.md §8.5)."""
    from test_validate import create_test, evaluate, png_gray8, upload_masks
    seg = {"type": "segmentation", "reference_id": "i1", "mask_url": "m/i1.png",
           "annotations": [{"label": "car", "index": 1}]}
    upload_masks(small, f"dataset/{small_ds}/annotate", [(seg, png_gray8(10, 10, [[0, 0, 5, 5, 1]]))])
    run_id = create_run(small, small_ds)
    model_id = small.get(f"modelRun/{run_id}/info").json()["model_id"]
    upload_masks(small, f"modelRun/{run_id}/predict", [(seg, png_gray8(10, 10, [[1, 1, 5, 5, 1]]))])
    slice_id = small.post(f"dataset/{small_ds}/create_slice",
                          {"name": "px", "reference_ids": ["i1"]}).json()["slice_id"]
    test_id, name = create_test(small, slice_id, [{"id": "ef_seg_iou", "eval_func_arguments": {}}])
    evaluate(small, model_id, [name])
    [h] = small.get(f"validate/scenario_test/{test_id}/eval_history/details").json()
    assert h["status"] == "errored" and h["result"] is None
    assert h["error"] == ('item "i1": mask_url "m/i1.png" cannot be evaluated: mask PNG: 10 x 10 '
                          'pixels, over the limit of 64 (max_mask_pixels)')
