"""annotations.md: annotate (JSON, multipart local masks, async), update/ignore rules, counts and
errors, groundTruth/loc, deletion, taxonomies and class labels — shapes as the official client
sends and reads them."""
import concurrent.futures
import json
import time
import urllib.parse
import uuid

import pytest
import requests

IMG = "https://example.com/images/airplane.jpeg"


# --- helpers ---------------------------------------------------------------------------------

def add_items(api, ds, refs):
    items = [{"metadata": {}, "reference_id": r, "image_url": IMG} for r in refs]
    r = api.post(f"dataset/{ds}/append", {"items": items, "update": False})
    assert r.status_code == 200, r.text


def annotate(api, ds, annotations=None, segmentations=None, update=False):
    body = {"update": update}
    if annotations:
        body["annotations"] = annotations
    if segmentations:
        body["segmentations"] = segmentations
    r = api.post(f"dataset/{ds}/annotate", body)
    assert r.status_code == 200, r.text
    return r.json()


def refloc(api, ds, ref):
    r = api.get(f"dataset/{ds}/refloc/{urllib.parse.quote(ref, safe='')}")
    assert r.status_code == 200, r.text
    return r.json()["annotations"]


def box(ref, ann_id, label="car", x=50, y=60, w=70, h=80, **extra):
    obj = {"label": label, "type": "box", "geometry": {"x": x, "y": y, "width": w, "height": h},
           "reference_id": ref, "annotation_id": ann_id, "metadata": {}, "embedding_vector": None,
           "track_reference_id": None, "task_id": None}
    obj.update(extra)
    return obj


def polygon(ref, ann_id, label="bus", shift=0):
    return {"label": label, "type": "polygon",
            "geometry": {"vertices": [{"x": 100 + shift, "y": 100}, {"x": 150, "y": 200},
                                      {"x": 200, "y": 100}]},
            "reference_id": ref, "annotation_id": ann_id, "metadata": {"color": "yellow"},
            "embedding_vector": None, "track_reference_id": None, "task_id": None}


def category(ref, label, taxonomy=None):
    obj = {"label": label, "type": "category", "geometry": {}, "reference_id": ref,
           "metadata": {}, "track_reference_id": None, "task_id": None}
    if taxonomy is not None:
        obj["taxonomy_name"] = taxonomy
    return obj


def multicategory(ref, labels, taxonomy=None):
    obj = {"labels": labels, "type": "multicategory", "geometry": {}, "reference_id": ref,
           "metadata": {}, "track_reference_id": None, "task_id": None}
    if taxonomy is not None:
        obj["taxonomy_name"] = taxonomy
    return obj


def mask(ref, url="https://example.com/masks/m.png", ann_id=None, segments=None):
    return {"type": "mask", "mask_url": url,
            "annotations": segments or [{"label": "grass", "index": 1},
                                        {"label": "bus", "index": 3,
                                         "metadata": {"color": "yellow"}}],
            "annotation_id": ann_id, "reference_id": ref}


def add_taxonomy(api, ds, name, labels, type_="category", update=False):
    r = api.post(f"dataset/{ds}/add_taxonomy",
                 {"taxonomy_name": name, "type": type_, "labels": labels, "update": update})
    assert r.status_code == 200, r.text
    return r.json()


def wait_job(api, job_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = api.get(f"job/{job_id}").json()
        if status["status"] != "Running":
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running")


def put_payload(api, ds, lines):
    rid = uuid.uuid4().hex
    url = api.get(f"dataset/{ds}/signedUrl/{rid}").json()["signed_url"]
    body = "".join(json.dumps(line) + "\n" for line in lines)
    assert requests.put(url, data=body.encode()).status_code == 200
    return rid


def merge(responses):
    """The client's merging of batch responses (README.md §5)."""
    out = {}
    for r in responses:
        for k, v in r.items():
            if k in ("dataset_id", "model_run_id") or k not in out:
                out[k] = v
            else:
                out[k] = out[k] + v
    return out


def multipart_masks(api, ds, segmentations, files, update=False):
    """What the client's upload stack sends for local masks (annotations.md §4)."""
    body = json.dumps({"segmentations": segmentations, "update": update})
    parts = [("serialized_request", (None, body, "application/json"))]
    for path, content in files:
        parts.append(("mask", (urllib.parse.quote(path, safe=""), content, "image/png")))
    headers = {"Authorization": api.headers["Authorization"]}
    return requests.post(api.url(f"dataset/{ds}/annotate"), files=parts, headers=headers)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
       b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x02\x00\x00\x05\x00\x02\xa0\xcd\xd6\xe7\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


@pytest.fixture
def items_ds(api, dataset):
    add_items(api, dataset, ["airplane.jpeg", "car.jpeg", "a b[1].jpeg"])
    return dataset


# --- §2 read-back shapes ---------------------------------------------------------------------

def test_box_reads_back_with_every_key_including_task_id(api, items_ds):
    sent = box("airplane.jpeg", "[Pytest] Box 0", x=0.30000000000000004, task_id="task_1",
               metadata={"color": "red", "nested": {"a": [1, 2.5, None, True]}},
               embedding_vector=[0.1, 2], track_reference_id="trk")
    out = annotate(api, items_ds, [sent])
    assert out == {"dataset_id": items_ds, "annotations_processed": 1, "annotations_ignored": 0,
                   "errors": []}
    groups = refloc(api, items_ds, "airplane.jpeg")
    assert list(groups) == ["box"]
    assert groups["box"] == [sent]


def test_ground_truth_loc_equals_refloc_object_and_decodes_segments(api, items_ds):
    sent = box("a b[1].jpeg", "[Pytest] Box Annotation Id0", task_id="t9")
    annotate(api, items_ds, [sent])
    r = api.get(f"dataset/{items_ds}/groundTruth/loc/a%20b%5B1%5D.jpeg/"
                "%5BPytest%5D%20Box%20Annotation%20Id0")
    assert r.status_code == 200, r.text
    assert r.json() == sent == refloc(api, items_ds, "a b[1].jpeg")["box"][0]


def test_ground_truth_loc_unknown_is_404(api, items_ds):
    assert api.get(f"dataset/{items_ds}/groundTruth/loc/airplane.jpeg/nope").status_code == 404
    assert api.get(f"dataset/{items_ds}/groundTruth/loc/nope.jpeg/x").status_code == 404


def test_every_type_reads_back_with_type_and_reference_id(api, items_ds):
    ref = "airplane.jpeg"
    line = {"label": "lane", "type": "line",
            "geometry": {"vertices": [{"x": 10, "y": 20}, {"x": 11, "y": 21}]},
            "reference_id": ref, "annotation_id": "lane-1", "metadata": {},
            "track_reference_id": None, "task_id": None}
    kp = {"label": "face", "type": "keypoints",
          "geometry": {"keypoints": [{"x": 100, "y": 100, "visible": True},
                                     {"x": None, "y": None, "visible": False}],
                       "names": ["left_eye", "nose"], "skeleton": [[0, 1]]},
          "reference_id": ref, "annotation_id": "face-kp", "metadata": {},
          "track_reference_id": None, "task_id": None}
    # Cuboids belong on point-cloud frames (test_scenes.py covers their round trip); on an
    # image item they are an error entry and the rest of the batch is kept.
    cuboid = {"label": "car", "type": "cuboid",
              "geometry": {"position": {"x": 55, "y": 65, "z": 75},
                           "dimensions": {"x": 20, "y": 30, "z": 40}, "yaw": 5},
              "reference_id": ref, "annotation_id": "car-3d-1",
              "metadata": {"vehicle_color": "green"}, "track_reference_id": "red_car",
              "task_id": "task_123"}
    objs = [box(ref, "b"), line, polygon(ref, "p"), kp, category(ref, "dress"),
            multicategory(ref, ["red", "large"])]
    out = annotate(api, items_ds, objs + [cuboid])
    assert out["annotations_processed"] == 6, out
    assert len(out["errors"]) == 1 and "car-3d-1" in out["errors"][0], out
    groups = refloc(api, items_ds, ref)
    assert set(groups) == {"box", "line", "polygon", "keypoints", "category",
                           "multicategory"}
    for obj in objs:
        key = obj["type"]
        assert groups[key] == [obj], key
        assert groups[key][0]["type"] == key and groups[key][0]["reference_id"] == ref


def test_keypoints_invisible_points_keep_null_coordinates(api, items_ds):
    kp = {"label": "face", "type": "keypoints",
          "geometry": {"keypoints": [{"x": None, "y": None, "visible": False}],
                       "names": ["nose"], "skeleton": []},
          "reference_id": "car.jpeg", "annotation_id": "k", "metadata": {},
          "track_reference_id": None, "task_id": None}
    annotate(api, items_ds, [kp])
    got = refloc(api, items_ds, "car.jpeg")["keypoints"][0]["geometry"]["keypoints"][0]
    assert got["x"] is None and got["y"] is None and got["visible"] is False


def test_category_without_taxonomy_reads_back_without_taxonomy_name(api, items_ds):
    annotate(api, items_ds, [category("car.jpeg", "dress")])
    got = refloc(api, items_ds, "car.jpeg")["category"][0]
    assert not got.get("taxonomy_name")


def test_mask_reads_back_with_url_as_sent_and_segments_without_invented_metadata(api, items_ds):
    sent = mask("airplane.jpeg", url="https://example.com/masks/image 002.png", ann_id="seg-1")
    out = annotate(api, items_ds, segmentations=[sent])
    assert out["annotations_processed"] == 1, out
    got = refloc(api, items_ds, "airplane.jpeg")["segmentation"]
    assert len(got) == 1
    assert got[0]["mask_url"] == sent["mask_url"]
    assert got[0]["reference_id"] == "airplane.jpeg" and got[0]["annotation_id"] == "seg-1"
    segs = sorted(got[0]["annotations"], key=lambda s: s["index"])
    assert segs[0] == {"label": "grass", "index": 1}  # no "metadata" key when none was sent
    assert segs[1] == {"label": "bus", "index": 3, "metadata": {"color": "yellow"}}


def test_refloc_lists_only_non_empty_groups(api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b1"), box("car.jpeg", "b2")])
    annotate(api, items_ds, segmentations=[mask("car.jpeg")])
    groups = refloc(api, items_ds, "car.jpeg")
    assert set(groups) == {"box", "segmentation"}
    assert refloc(api, items_ds, "airplane.jpeg") == {}


# --- §3 counts, merging, errors --------------------------------------------------------------

def test_response_values_are_numbers_or_lists_so_batches_merge(api, items_ds):
    a = annotate(api, items_ds, [box("car.jpeg", f"b{i}") for i in range(5)])
    b = annotate(api, items_ds, segmentations=[mask(r) for r in
                                               ["car.jpeg", "airplane.jpeg", "a b[1].jpeg"]])
    for body in (a, b):
        assert set(body) == {"dataset_id", "annotations_processed", "annotations_ignored",
                             "errors"}
        for k, v in body.items():
            assert k == "dataset_id" or isinstance(v, (int, float, list)), (k, v)
    merged = merge([a, b])
    assert merged["annotations_processed"] == 8 and merged["errors"] == []


def test_mixed_five_boxes_and_five_masks_count_ten_processed(api, dataset):
    refs = [f"img{i}.jpeg" for i in range(5)]
    add_items(api, dataset, refs)
    masks = annotate(api, dataset, segmentations=[mask(r) for r in refs])
    boxes = annotate(api, dataset, [box(r, f"box-{r}") for r in refs])
    assert merge([masks, boxes])["annotations_processed"] == 10


def test_unknown_reference_is_an_error_entry_and_the_rest_is_kept(api, items_ds):
    out = annotate(api, items_ds, [box("car.jpeg", "ok"), box("cat.jpeg", "bad"),
                                   category("nowhere", "x")])
    assert out["annotations_processed"] == 1 and out["annotations_ignored"] == 0
    assert out["errors"] == ["Item with id cat.jpeg doesn't exist.",
                             "Item with id nowhere doesn't exist."]
    assert [b["annotation_id"] for b in refloc(api, items_ds, "car.jpeg")["box"]] == ["ok"]


def test_malformed_object_is_an_error_entry_naming_object_and_field(api, items_ds):
    bad = box("car.jpeg", "neg", w=-5)
    out = annotate(api, items_ds, [box("car.jpeg", "good"), bad, {"type": "ellipse",
                                                                   "reference_id": "car.jpeg"}])
    assert out["annotations_processed"] == 1
    assert len(out["errors"]) == 2
    assert "annotation 1" in out["errors"][0] and "geometry.width" in out["errors"][0]
    assert '"neg"' in out["errors"][0]
    assert "ellipse" in out["errors"][1]


def test_unparsable_body_is_400_and_stores_nothing(api, items_ds):
    r = api.post(f"dataset/{items_ds}/annotate", None, data="{not json")
    assert r.status_code == 400 and r.text.startswith('{"error":"')
    r = api.post(f"dataset/{items_ds}/annotate", {"update": False, "annotations": {"a": 1}})
    assert r.status_code == 400 and "annotations" in r.json()["error"]


def test_other_owner_cannot_annotate_or_read(api, other_api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b")])
    r = other_api.post(f"dataset/{items_ds}/annotate",
                       {"update": False, "annotations": [box("car.jpeg", "x")]})
    assert r.status_code == 404
    assert other_api.get(f"dataset/{items_ds}/groundTruth/loc/car.jpeg/b").status_code == 404
    assert other_api.get(f"dataset/{items_ds}/class_labels").status_code == 404
    assert other_api.delete(f"annotation/{items_ds}",
                            {"keep_history": True, "reference_ids": ["car.jpeg"]}
                            ).status_code == 404


def test_five_thousand_boxes_in_one_request(api, dataset):
    refs = [f"im{i}.jpeg" for i in range(100)]
    add_items(api, dataset, refs)
    objs = [box(refs[i % 100], f"b{i}", x=i, y=i * 0.5) for i in range(5000)]
    start = time.time()
    out = annotate(api, dataset, objs)
    assert out["annotations_processed"] == 5000 and out["errors"] == []
    assert time.time() - start < 20  # generous: a sanity bound, not a benchmark
    assert len(refloc(api, dataset, "im7.jpeg")["box"]) == 50


# --- §3.1 update vs ignore, per type ---------------------------------------------------------

def test_box_second_upload_ignored_then_replaced(api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b", label="car")])
    out = annotate(api, items_ds, [box("car.jpeg", "b", label="truck")])
    assert (out["annotations_processed"], out["annotations_ignored"]) == (0, 1)
    assert refloc(api, items_ds, "car.jpeg")["box"][0]["label"] == "car"
    out = annotate(api, items_ds, [box("car.jpeg", "b", label="truck")], update=True)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (1, 0)
    assert [b["label"] for b in refloc(api, items_ds, "car.jpeg")["box"]] == ["truck"]


def test_repeats_within_one_request_meet_the_earlier_object_and_order_is_kept(api, dataset):
    # More objects than one multi-row statement holds, a mask in the middle (written on its own)
    # and the first box repeated at the end: as if the objects were applied one by one.
    refs = [f"r{i}.jpeg" for i in range(3)]
    add_items(api, dataset, refs)
    boxes = [box(refs[i % 3], f"b{i}", label=f"l{i}") for i in range(100)]
    body = boxes[:50] + [mask(refs[0])] + boxes[50:] + [box(refs[0], "b0", label="again")]
    out = annotate(api, dataset, body)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (101, 1), out
    first = refloc(api, dataset, refs[0])
    assert [b["label"] for b in first["box"]] == [f"l{i}" for i in range(0, 100, 3)]
    assert len(first["segmentation"]) == 1
    out = annotate(api, dataset, body, update=True)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (102, 0), out
    labels = [b["label"] for b in refloc(api, dataset, refs[0])["box"]]
    assert labels == ["again"] + [f"l{i}" for i in range(3, 100, 3)]


def test_polygon_second_upload_ignored_then_replaced(api, items_ds):
    annotate(api, items_ds, [polygon("car.jpeg", "p")])
    assert annotate(api, items_ds, [polygon("car.jpeg", "p", shift=1)])["annotations_ignored"] == 1
    assert refloc(api, items_ds, "car.jpeg")["polygon"][0]["geometry"]["vertices"][0]["x"] == 100
    annotate(api, items_ds, [polygon("car.jpeg", "p", shift=1)], update=True)
    got = refloc(api, items_ds, "car.jpeg")["polygon"]
    assert len(got) == 1 and got[0]["geometry"]["vertices"][0]["x"] == 101


def test_line_without_annotation_id_is_always_stored_as_new(api, items_ds):
    line = {"label": "lane", "type": "line",
            "geometry": {"vertices": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]},
            "reference_id": "car.jpeg", "annotation_id": None, "metadata": {},
            "track_reference_id": None, "task_id": None}
    annotate(api, items_ds, [line])
    annotate(api, items_ds, [line])
    got = refloc(api, items_ds, "car.jpeg")["line"]
    assert len(got) == 2 and got[0]["annotation_id"] is None


@pytest.mark.parametrize("taxonomy", [None, "clothing"])
def test_category_second_upload_ignored_then_replaced(api, items_ds, taxonomy):
    if taxonomy:
        add_taxonomy(api, items_ds, taxonomy, ["dress", "shirt"])
    annotate(api, items_ds, [category("car.jpeg", "dress", taxonomy)])
    out = annotate(api, items_ds, [category("car.jpeg", "shirt", taxonomy)])
    assert (out["annotations_processed"], out["annotations_ignored"]) == (0, 1)
    assert refloc(api, items_ds, "car.jpeg")["category"][0]["label"] == "dress"
    out = annotate(api, items_ds, [category("car.jpeg", "shirt", taxonomy)], update=True)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (1, 0)
    got = refloc(api, items_ds, "car.jpeg")["category"]
    assert [c["label"] for c in got] == ["shirt"]
    if taxonomy:
        assert got[0]["taxonomy_name"] == taxonomy


def test_categories_of_different_taxonomies_coexist(api, items_ds):
    add_taxonomy(api, items_ds, "t1", ["a"])
    add_taxonomy(api, items_ds, "t2", ["b"])
    out = annotate(api, items_ds, [category("car.jpeg", "a", "t1"), category("car.jpeg", "b", "t2"),
                                   category("car.jpeg", "c")])
    assert out["annotations_processed"] == 3
    assert len(refloc(api, items_ds, "car.jpeg")["category"]) == 3


@pytest.mark.parametrize("taxonomy", [None, "attributes"])
def test_multicategory_second_upload_ignored_then_replaced(api, items_ds, taxonomy):
    if taxonomy:
        add_taxonomy(api, items_ds, taxonomy, ["red", "large", "small"], "multicategory")
    annotate(api, items_ds, [multicategory("car.jpeg", ["red", "large"], taxonomy)])
    out = annotate(api, items_ds, [multicategory("car.jpeg", ["small"], taxonomy)])
    assert (out["annotations_processed"], out["annotations_ignored"]) == (0, 1)
    out = annotate(api, items_ds, [multicategory("car.jpeg", ["small"], taxonomy)], update=True)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (1, 0)
    assert refloc(api, items_ds, "car.jpeg")["multicategory"][0]["labels"] == ["small"]


def test_segmentation_one_per_item_whatever_its_annotation_id(api, items_ds):
    annotate(api, items_ds, segmentations=[mask("car.jpeg", url="https://x/1.png", ann_id="m1")])
    out = annotate(api, items_ds,
                   segmentations=[mask("car.jpeg", url="https://x/2.png", ann_id="m2")])
    assert (out["annotations_processed"], out["annotations_ignored"]) == (0, 1)
    assert refloc(api, items_ds, "car.jpeg")["segmentation"][0]["mask_url"] == "https://x/1.png"
    out = annotate(api, items_ds,
                   segmentations=[mask("car.jpeg", url="https://x/2.png", ann_id="m2")],
                   update=True)
    assert (out["annotations_processed"], out["annotations_ignored"]) == (1, 0)
    got = refloc(api, items_ds, "car.jpeg")["segmentation"]
    assert len(got) == 1 and got[0]["mask_url"] == "https://x/2.png"


# --- §3.2 taxonomy validation ----------------------------------------------------------------

def test_category_with_unknown_taxonomy_or_label_is_an_error_entry(api, items_ds):
    add_taxonomy(api, items_ds, "clothing", ["dress"])
    out = annotate(api, items_ds, [category("car.jpeg", "dress", "nope"),
                                   category("car.jpeg", "hat", "clothing"),
                                   category("car.jpeg", "dress", "clothing")])
    assert out["annotations_processed"] == 1
    assert out["errors"][0].startswith("Input validation failed: Taxonomy nope does not exist")
    assert "label hat does not exist in the taxonomy clothing" in out["errors"][1]


# --- §4 multipart local masks ----------------------------------------------------------------

def test_local_mask_upload_reads_back_with_local_path_and_json_content_type(api, items_ds, server):
    seg = mask("airplane.jpeg", url="testdata/000000000285.png",
               ann_id="[Pytest] Segmentation Annotation Id0",
               segments=[{"label": "bear", "index": 2}, {"label": "grass-merged", "index": 1}])
    r = multipart_masks(api, items_ds, [seg], [("testdata/000000000285.png", PNG)])
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"dataset_id": items_ds, "annotations_processed": 1,
                        "annotations_ignored": 0, "errors": []}
    got = refloc(api, items_ds, "airplane.jpeg")["segmentation"][0]
    assert got["mask_url"] == "testdata/000000000285.png"
    assert sorted(got["annotations"], key=lambda s: s["index"]) == [
        {"label": "grass-merged", "index": 1}, {"label": "bear", "index": 2}]
    stored = requests.get(got["stored_mask_url"])  # our copy, served without credentials
    assert stored.status_code == 200 and stored.content == PNG


def test_batch_local_masks_with_one_unknown_reference(api, dataset):
    refs = ["a.jpeg", "b.jpeg", "c.jpeg", "d.jpeg"]
    add_items(api, dataset, refs)
    segs = [mask(r, url="testdata/m.png", ann_id=f"s{i}")
            for i, r in enumerate(refs + ["cat.jpeg"])]
    r = multipart_masks(api, dataset, segs, [("testdata/m.png", PNG)] * 5)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["annotations_processed"] == 4 and body["annotations_ignored"] == 0
    assert "cat.jpeg" in body["errors"][0]


def test_concurrent_multipart_mask_uploads_to_one_dataset(api, dataset):
    refs = [f"m{i}.jpeg" for i in range(30)]
    add_items(api, dataset, refs)

    def upload(batch):
        segs = [mask(r, url="testdata/m.png") for r in batch]
        return multipart_masks(api, dataset, segs, [("testdata/m.png", PNG)] * len(batch))

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(upload, [refs[i:i + 3] for i in range(0, 30, 3)]))
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert sum(r.json()["annotations_processed"] for r in results) == 30


# --- §5 async --------------------------------------------------------------------------------

def test_async_upload_job_completes_with_exact_message_shape(api, items_ds):
    add_taxonomy(api, items_ds, "clothing", ["dress"])
    rid = put_payload(api, items_ds, [category("car.jpeg", "dress", "clothing")])
    r = api.post(f"dataset/{items_ds}/annotate?async=1", {"requestId": rid, "update": False})
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["job_type"] == "uploadAnnotations" and job["job_id"].startswith("job_")
    assert job["job_last_known_status"] == "Running" and job["job_creation_time"]
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["message"] == {"annotation_upload": {"total": 1, "errored": 0, "ignored": 0,
                                                       "datasetId": items_ds, "processed": 1}}
    assert (status["job_progress"], status["completed_steps"], status["total_steps"]) == \
        ("1.00", 1, 1)
    assert refloc(api, items_ds, "car.jpeg")["category"][0]["label"] == "dress"


def test_async_upload_with_bad_reference_completes_and_reports_it(api, items_ds):
    lines = [box("car.jpeg", "ok"), box("fake_garbage", "car-1"),
             mask("airplane.jpeg", url="https://x/m.png")]
    rid = put_payload(api, items_ds, lines)
    job = api.post(f"dataset/{items_ds}/annotate?async=1",
                   {"requestId": rid, "update": False}).json()
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["message"]["annotation_upload"] == {
        "total": 3, "errored": 1, "ignored": 0, "datasetId": items_ds, "processed": 2}
    assert status["message"]["segmentation_upload"] == {"processed": 1, "ignored": 0,
                                                        "n_errors": 0}
    errors = api.get(f"job/{job['job_id']}/errors").json()
    assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)
    assert "Item with id fake_garbage doesn" in str(errors)
    assert json.loads(errors[0])["annotation"]["reference_id"] == "fake_garbage"


def test_async_upload_with_unknown_request_id_is_400(api, items_ds):
    r = api.post(f"dataset/{items_ds}/annotate?async=1",
                 {"requestId": uuid.uuid4().hex, "update": False})
    assert r.status_code == 400


# --- §7 deletion -----------------------------------------------------------------------------

def test_delete_annotations_job_removes_every_type_of_listed_items(api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b"), category("car.jpeg", "x"),
                             multicategory("car.jpeg", ["y"]), box("airplane.jpeg", "keep")])
    r = api.delete(f"annotation/{items_ds}", {"keep_history": True, "reference_ids": ["car.jpeg"]})
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["job_type"] == "annotationDeletion"
    assert wait_job(api, job["job_id"])["status"] == "Completed"
    assert refloc(api, items_ds, "car.jpeg") == {}
    assert len(refloc(api, items_ds, "airplane.jpeg")["box"]) == 1


def test_delete_with_empty_reference_list_deletes_nothing(api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b")])
    job = api.delete(f"annotation/{items_ds}", {"keep_history": True, "reference_ids": []}).json()
    assert wait_job(api, job["job_id"])["status"] == "Completed"
    assert len(refloc(api, items_ds, "car.jpeg")["box"]) == 1


# --- §8 taxonomies and class labels ----------------------------------------------------------

def test_add_taxonomy_exact_status_strings(api, dataset):
    body = add_taxonomy(api, dataset, "clothing_type", ["shirt", "trousers"])
    assert body == {"dataset_id": dataset, "taxonomy_name": "clothing_type",
                    "status": "Taxonomy created"}
    body = add_taxonomy(api, dataset, "clothing_type", ["dress"])
    assert body["status"] == "Taxonomy already exists"
    add_items(api, dataset, ["i.jpeg"])
    # labels unchanged: "dress" is still unknown
    assert annotate(api, dataset, [category("i.jpeg", "dress", "clothing_type")])["errors"]
    body = add_taxonomy(api, dataset, "clothing_type", ["dress"], update=True)
    assert body["status"] == "Taxonomy updated"
    assert annotate(api, dataset, [category("i.jpeg", "dress", "clothing_type")])["errors"] == []
    # labels are never removed by an update
    body = add_taxonomy(api, dataset, "clothing_type", ["hat"], update=True)
    out = annotate(api, dataset, [category("i.jpeg", "shirt", "clothing_type")], update=True)
    assert out["errors"] == []


def test_delete_taxonomy_exact_message_and_raw_name(api, dataset):
    add_taxonomy(api, dataset, "[Pytest] taxonomy", ["a"], "multicategory")
    r = api.delete(f"dataset/{dataset}/taxonomy/[Pytest] taxonomy")
    assert r.status_code == 200, r.text
    assert r.json() == {"dataset_id": dataset, "taxonomy_name": "[Pytest] taxonomy",
                        "status": "Taxonomy successfully deleted"}
    assert api.delete(f"dataset/{dataset}/taxonomy/[Pytest] taxonomy").status_code == 404


def test_add_taxonomy_validates_type(api, dataset):
    r = api.post(f"dataset/{dataset}/add_taxonomy",
                 {"taxonomy_name": "t", "type": "tree", "labels": [], "update": False})
    assert r.status_code == 400 and "type" in r.json()["error"]


def test_class_labels_exactly_the_one_box_label(api, items_ds):
    assert api.get(f"dataset/{items_ds}/class_labels").json() == {"data": []}
    annotate(api, items_ds, [box("car.jpeg", "b", label="[Pytest] $label")])
    assert api.get(f"dataset/{items_ds}/class_labels").json() == {"data": ["[Pytest] $label"]}


def test_class_labels_include_multicategory_and_segment_labels(api, items_ds):
    annotate(api, items_ds, [box("car.jpeg", "b", label="car"),
                             multicategory("car.jpeg", ["red", "large"])])
    annotate(api, items_ds, segmentations=[mask("car.jpeg")])
    assert api.get(f"dataset/{items_ds}/class_labels").json()["data"] == \
        ["bus", "car", "grass", "large", "red"]
