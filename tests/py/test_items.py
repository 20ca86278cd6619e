"""items.md (append JSON / multipart / async, metadata update) and the item reads of
datasets.md §9–18 (datasetItems, itemsPage, iloc/refloc/loc, delete, model_runs, slices) plus the
export routes of annotations.md §9 and the list_autotags stub."""
import concurrent.futures
import datetime
import json
import time
import urllib.parse
import uuid

import pytest
import requests

IMG = "https://example.com/images/airplane.jpeg"


def item(ref, url=IMG, metadata=None, **extra):
    body = {"metadata": metadata if metadata is not None else {}, "reference_id": ref,
            "image_url": url}
    body.update(extra)
    return body


def append(api, ds, items, update=False):
    r = api.post(f"dataset/{ds}/append", {"items": items, "update": update})
    assert r.status_code == 200, r.text
    return r.json()


def all_items(api, ds):
    r = api.get(f"dataset/{ds}/datasetItems")
    assert r.status_code == 200, r.text
    return r.json()["dataset_items"]


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


def multipart(api, ds, items, files, update=False):
    """What the client's upload stack sends: part "items", then one "image" part per item."""
    payload = [dict(i, update=update) for i in items]
    parts = [("items", (None, json.dumps(payload), "application/json"))]
    for path, content in files:
        ext = path.rsplit(".", 1)[-1]
        parts.append(("image", (urllib.parse.quote(path, safe=""), content, f"image/{ext}")))
    headers = {"Authorization": api.headers["Authorization"]}
    return requests.post(api.url(f"dataset/{ds}/append"), files=parts, headers=headers)


# --- §2 sync append (JSON) -------------------------------------------------------------------

def test_append_counts_and_echoes_dataset_id_without_error_payload(api, dataset):
    body = append(api, dataset, [item(f"img_{i}") for i in range(5)])
    assert body == {"dataset_id": dataset, "new_items": 5, "updated_items": 0,
                    "ignored_items": 0, "upload_errors": 0}
    assert api.get(f"dataset/{dataset}/size").json() == {"count": 5}


def test_item_reads_back_exactly_as_uploaded(api, dataset):
    metadata = {"weather": "sunny", "example_list": ["hello", 1, False, None],
                "nested": {"deep": {"x": 0.30000000000000004, "y": 1e-300, "z": -0.0}},
                "big": 12345678901234567, "float_int": 2.0, "text": "caf\u00e9 \U0001F600",
                "empty": {}, "quote": "a\"b\\c\n"}
    sent = item("image_001", "s3://bucket/images/001.jpg", metadata, width=1920, height=1080)
    append(api, dataset, [sent])
    [got] = all_items(api, dataset)
    assert got["id"].startswith("di_")
    assert got["reference_id"] == "image_001"
    assert got["image_url"] == "s3://bucket/images/001.jpg"
    assert "processed_url" not in got and "original_image_url" not in got
    assert got["metadata"] == metadata
    assert json.dumps(got["metadata"]["nested"]) == json.dumps(metadata["nested"])
    assert isinstance(got["metadata"]["float_int"], float)
    assert isinstance(got["metadata"]["big"], int)
    assert got["width"] == 1920 and got["height"] == 1080


def test_metadata_missing_or_null_reads_back_as_empty_object(api, dataset):
    append(api, dataset, [{"reference_id": "a", "image_url": IMG},
                          {"reference_id": "b", "image_url": IMG, "metadata": None}])
    assert [i["metadata"] for i in all_items(api, dataset)] == [{}, {}]


def test_existing_reference_id_is_ignored_without_update(api, dataset):
    append(api, dataset, [item("a", metadata={"v": 1})])
    body = append(api, dataset, [item("a", "https://example.com/other.jpg", {"v": 2}),
                                 item("b")])
    assert (body["new_items"], body["ignored_items"], body["updated_items"]) == (1, 1, 0)
    got = api.get(f"dataset/{dataset}/refloc/a").json()["item"]
    assert got["metadata"] == {"v": 1} and got["image_url"] == IMG


def test_update_true_replaces_item_and_metadata_wholesale(api, dataset):
    append(api, dataset, [item("a", metadata={"keep": 1, "v": 1}), item("b")])
    first_id = api.get(f"dataset/{dataset}/refloc/a").json()["item"]["id"]
    body = append(api, dataset, [item("a", "https://example.com/new.jpg", {"v": 2})], update=True)
    assert (body["new_items"], body["updated_items"], body["ignored_items"]) == (0, 1, 0)
    got = api.get(f"dataset/{dataset}/iloc/0").json()["item"]
    assert got["metadata"] == {"v": 2}  # "keep" is gone: replaced, not merged
    assert got["image_url"] == "https://example.com/new.jpg"
    assert got["id"] == first_id  # same item, same position
    assert api.get(f"dataset/{dataset}/size").json()["count"] == 2


def test_reference_id_repeated_in_one_append_counts_as_existing_the_second_time(api, dataset):
    """Items apply in order even though new ones are written together: a repeat of a new
    reference id is ignored, or with update=true replaces it in place; an existing item that
    comes between keeps its own position."""
    append(api, dataset, [item("old", metadata={"v": 0})])
    body = append(api, dataset, [item("a", metadata={"v": 1}), item("old", metadata={"v": 9}),
                                 item("b"), item("a", metadata={"v": 2})])
    assert (body["new_items"], body["updated_items"], body["ignored_items"]) == (2, 0, 2)
    body = append(api, dataset, [item("c", metadata={"v": 1}), item("old", metadata={"v": 3}),
                                 item("c", "https://example.com/c2.jpg", {"v": 2}), item("d")],
                  update=True)
    assert (body["new_items"], body["updated_items"], body["ignored_items"]) == (2, 2, 0)
    got = all_items(api, dataset)
    assert [i["reference_id"] for i in got] == ["old", "a", "b", "c", "d"]
    assert [i["metadata"] for i in got] == [{"v": 3}, {"v": 1}, {}, {"v": 2}, {}]
    assert got[3]["image_url"] == "https://example.com/c2.jpg"
    assert len({i["id"] for i in got}) == 5
    assert api.get(f"dataset/{dataset}/iloc/3").json()["item"]["reference_id"] == "c"


def test_invalid_items_become_upload_errors_and_the_rest_is_kept(api, dataset):
    bad_type = {"reference_id": "bad1", "image_url": IMG, "metadata": "not an object"}
    no_url = {"reference_id": "bad2", "metadata": {}}
    no_ref = {"image_url": IMG}
    body = append(api, dataset, [item("good1"), bad_type, no_url, no_ref, item("good2")])
    assert body["new_items"] == 2
    assert body["upload_errors"] == 3
    assert body["error_payload"] == [bad_type, no_url, no_ref]
    assert [i["reference_id"] for i in all_items(api, dataset)] == ["good1", "good2"]


def test_append_refuses_malformed_body_with_a_named_field(api, dataset):
    r = api.post(f"dataset/{dataset}/append", {"update": False})
    assert r.status_code == 400
    assert '"items"' in r.json()["error"]


def test_append_to_scene_dataset_is_refused(api):
    ds = api.post("dataset/create", {"name": "s", "is_scene": True}).json()["dataset_id"]
    r = api.post(f"dataset/{ds}/append", {"items": [item("a")], "update": False})
    assert r.status_code == 400
    assert "scene" in r.json()["error"]


def test_append_to_other_owners_dataset_is_404(other_api, dataset):
    r = other_api.post(f"dataset/{dataset}/append", {"items": [item("a")], "update": False})
    assert r.status_code == 404


# --- §3 multipart -------------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0fake-jpeg-bytes\x00\x01\x02"


def test_multipart_append_of_ten_items_sharing_one_file(api, dataset, server):
    items = [item(f"test_img.jpg{i}", "tests/test_img.jpg", {"test": 0}) for i in range(10)]
    r = multipart(api, dataset, items, [("tests/test_img.jpg", JPEG)] * 10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"dataset_id": dataset, "new_items": 10, "updated_items": 0,
                        "ignored_items": 0, "upload_errors": 0}
    stored = all_items(api, dataset)
    assert len(stored) == 10
    urls = {i["image_url"] for i in stored}
    assert len(urls) == 1  # content-addressed: one copy for the ten items
    url = urls.pop()
    assert url.startswith(f"{server.base}/blob/img/") and url.endswith(".jpg")
    # The stored copy is servable without credentials, with an image content type.
    got = requests.get(url)
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["Content-Type"] == "image/jpeg"


def test_multipart_update_flag_per_item_replaces_metadata(api, dataset):
    multipart(api, dataset, [item("test_image", "tests/test_img.jpg", {"snake_field": 0})],
              [("tests/test_img.jpg", JPEG)])
    r = multipart(api, dataset, [item("test_image", "tests/test_img.jpg", {"snake_field": 1})],
                  [("tests/test_img.jpg", JPEG)], update=True)
    assert r.json()["updated_items"] == 1
    assert api.get(f"dataset/{dataset}/iloc/0").json()["item"]["metadata"] == {"snake_field": 1}
    r = multipart(api, dataset, [item("test_image", "tests/test_img.jpg", {"snake_field": 2})],
                  [("tests/test_img.jpg", JPEG)], update=False)
    assert r.json()["ignored_items"] == 1
    assert api.get(f"dataset/{dataset}/iloc/0").json()["item"]["metadata"] == {"snake_field": 1}


def test_multipart_pairs_files_with_items_by_decoded_filename(api, dataset):
    png = b"\x89PNG\r\n\x1a\nfake"
    items = [item("a", "dir with space/a [1].png"), item("b", "/abs/b.jpeg")]
    r = multipart(api, dataset, items, [("dir with space/a [1].png", png),
                                        ("/abs/b.jpeg", JPEG)])
    assert r.json()["new_items"] == 2
    by_ref = {i["reference_id"]: i["image_url"] for i in all_items(api, dataset)}
    assert by_ref["a"].endswith(".png") and requests.get(by_ref["a"]).content == png
    assert by_ref["b"].endswith(".jpeg") and requests.get(by_ref["b"]).content == JPEG


def test_multipart_item_without_a_file_is_an_upload_error(api, dataset):
    items = [item("a", "a.jpg"), item("b", "b.jpg")]
    r = multipart(api, dataset, items, [("a.jpg", JPEG)])
    body = r.json()
    assert body["new_items"] == 1 and body["upload_errors"] == 1
    assert body["error_payload"][0]["reference_id"] == "b"


def test_concurrent_multipart_appends_to_one_dataset(api, dataset):
    def upload(batch):
        items = [item(f"c{batch}_{i}", "x.jpg") for i in range(10)]
        return multipart(api, dataset, items, [("x.jpg", JPEG + bytes([batch, i]))
                                               for i in range(10)])
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(upload, range(10)))
    assert all(r.status_code == 200 for r in results)
    assert sum(r.json()["new_items"] for r in results) == 100
    assert api.get(f"dataset/{dataset}/size").json()["count"] == 100


def test_concurrent_appends_of_the_same_reference_ids_count_each_item_once(api, dataset):
    """Appends resolve their reference ids before taking the store's writer (api/item_refs.h):
    several requests may all see the same ids as new. Whichever writes first inserts them; the
    others must find them stored (ignored, or replaced with update) rather than fail or insert
    them twice."""
    refs = [f"same_{i}" for i in range(2000)]

    def send(k):
        return api.post(f"dataset/{dataset}/append",
                        {"items": [item(r, metadata={"k": k}) for r in refs],
                         "update": k % 2 == 1})

    for round_ in range(3):
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(send, range(6)))
        assert all(r.status_code == 200 for r in results), [r.text for r in results]
        bodies = [r.json() for r in results]
        assert sum(b["new_items"] for b in bodies) == (len(refs) if round_ == 0 else 0)
        for b in bodies:
            assert b["new_items"] + b["updated_items"] + b["ignored_items"] == len(refs)
    assert api.get(f"dataset/{dataset}/size").json()["count"] == len(refs)


def test_blob_route_serves_only_uploaded_image_names(api):
    assert requests.get(f"{api.base}/blob/img/{'0' * 64}.jpg").status_code == 404
    assert requests.get(f"{api.base}/blob/img/..%2F..%2Fnucleus.db").status_code == 404
    assert requests.get(f"{api.base}/blob/img/signing.key").status_code == 404


# --- §4.3 async append --------------------------------------------------------------------

def test_async_append_job_completes_with_full_progress(api, dataset):
    lines = [item(f"async_{i}", metadata={"i": i}) for i in range(5)]
    rid = put_payload(api, dataset, lines)
    r = api.post(f"dataset/{dataset}/append?async=1", {"requestId": rid, "update": True})
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["job_id"].startswith("job_")
    assert job["job_type"] == "uploadDatasetItems"
    assert job["job_last_known_status"] == "Running"
    assert job["job_creation_time"].endswith("Z")
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["job_progress"] == "1.00"
    assert status["completed_steps"] == status["total_steps"]
    assert status["message"] == {"upload_progress": {"new_items": 5, "updated_items": 0,
                                                     "ignored_items": 0, "upload_errors": 0}}
    got = all_items(api, dataset)
    assert [(i["reference_id"], i["metadata"]) for i in got] == \
        [(l["reference_id"], l["metadata"]) for l in lines]


def test_async_append_applies_update_flag_and_reports_bad_lines(api, dataset):
    append(api, dataset, [item("a", metadata={"v": 1}), item("b", metadata={"v": 1})])
    rid = uuid.uuid4().hex
    url = api.get(f"dataset/{dataset}/signedUrl/{rid}").json()["signed_url"]
    body = (json.dumps(item("a", metadata={"v": 2})) + "\n" + "{not json\n" +
            json.dumps({"reference_id": "c"}) + "\n" + json.dumps(item("d")) + "\n")
    requests.put(url, data=body.encode())
    job = api.post(f"dataset/{dataset}/append?async=1", {"requestId": rid, "update": True}).json()
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["message"]["upload_progress"] == {"new_items": 1, "updated_items": 1,
                                                    "ignored_items": 0, "upload_errors": 2}
    errors = api.get(f"job/{job['job_id']}/errors").json()
    assert len(errors) == 2 and all(isinstance(e, str) for e in errors)
    assert "{not json" in errors[0]
    assert json.loads(errors[1])["item"] == {"reference_id": "c"}
    assert api.get(f"dataset/{dataset}/refloc/a").json()["item"]["metadata"] == {"v": 2}


def test_async_append_job_is_listed_for_the_dataset(api, dataset):
    rid = put_payload(api, dataset, [item("x")])
    job = api.post(f"dataset/{dataset}/append?async=1", {"requestId": rid}).json()
    wait_job(api, job["job_id"])
    listed = api.post("jobs/", {"dataset_id": dataset, "job_types": [], "from_date": None,
                                "to_date": None, "limit": 50000, "show_completed": True}).json()
    assert [j["job_id"] for j in listed] == [job["job_id"]]


# --- §5 metadata update -------------------------------------------------------------------

CAMERA = {"position": {"x": 0, "y": 0, "z": 0},
          "heading": {"x": -0.6, "y": 0.3, "z": -0.3, "w": 0.6},
          "fx": 1000, "fy": 1000, "cx": 1000, "cy": 500}


def test_item_metadata_update_merges_and_shows_in_listing(api, dataset):
    append(api, dataset, [item("a", metadata={"keep": "x", "v": 1}), item("b", metadata={})])
    r = api.post(f"dataset/{dataset}/metadata?async=0", {
        "metadata": [{"reference_id": "a", "metadata": {"v": 2, "a_new_key": 123}},
                     {"reference_id": "b", "metadata": {"a_new_key": 123}},
                     {"reference_id": "missing", "metadata": {"a_new_key": 123}}],
        "level": "item"})
    assert r.status_code == 200
    body = r.json()
    assert body["dataset_id"] == dataset
    assert body["updated_items"] == 2 and body["ignored_items"] == 1
    assert any("missing" in e for e in body["errors"])
    got = {i["reference_id"]: i["metadata"] for i in all_items(api, dataset)}
    assert got == {"a": {"keep": "x", "v": 2, "a_new_key": 123}, "b": {"a_new_key": 123}}


def test_metadata_update_with_camera_params(api, dataset):
    append(api, dataset, [item("cam", metadata={"old": 1})])
    api.post(f"dataset/{dataset}/metadata?async=0", {
        "metadata": [{"reference_id": "cam", "metadata": {"camera_params": CAMERA},
                      "camera_params": CAMERA}], "level": "item"})
    got = api.get(f"dataset/{dataset}/refloc/cam").json()["item"]
    assert got["metadata"] == {"old": 1, "camera_params": CAMERA}
    assert got["camera_params"] == CAMERA


def test_metadata_update_unknown_level_is_400(api, dataset):
    r = api.post(f"dataset/{dataset}/metadata?async=0", {"metadata": [], "level": "track"})
    assert r.status_code == 400
    assert '"level"' in r.json()["error"]


def test_async_metadata_update_job(api, dataset):
    append(api, dataset, [item("a", metadata={"k": 1})])
    r = api.post(f"dataset/{dataset}/metadata?async=1", {
        "metadata": [{"reference_id": "a", "metadata": {"n": 2}},
                     {"reference_id": "nope", "metadata": {"n": 2}}], "level": "item"})
    assert r.status_code == 200
    job = r.json()
    assert job["job_type"] == "metadataUpdate"
    status = wait_job(api, job["job_id"])
    assert status["status"] == "Completed"
    assert status["job_progress"] == "1.00"
    assert status["completed_steps"] == status["total_steps"]
    assert api.get(f"dataset/{dataset}/refloc/a").json()["item"]["metadata"] == {"k": 1, "n": 2}
    assert any("nope" in e for e in api.get(f"job/{job['job_id']}/errors").json())


# --- datasets.md §9–14 reads ----------------------------------------------------------------

def test_new_dataset_has_no_items(api, dataset):
    assert api.get(f"dataset/{dataset}/datasetItems").json() == {"dataset_items": []}
    page = api.post(f"dataset/{dataset}/itemsPage", {"pageToken": None, "pageSize": 100000})
    assert page.json() == {"items": [], "nextPageToken": None}


def test_items_page_of_size_one_yields_each_item_once(api, dataset):
    append(api, dataset, [item(f"p{i}", metadata={"i": i}) for i in range(5)])
    expected = all_items(api, dataset)
    token, seen, calls = None, [], 0
    while True:
        r = api.post(f"dataset/{dataset}/itemsPage", {"pageToken": token, "pageSize": 1})
        assert r.status_code == 200, r.text
        body = r.json()
        assert "nextPageToken" in body
        assert len(body["items"]) <= 1
        seen.extend(body["items"])
        token = body["nextPageToken"]
        calls += 1
        if not token:
            break
    assert seen == expected
    assert calls == 5  # the last page says it is the last


def test_items_page_rejects_bad_tokens_and_sizes(api, dataset):
    r = api.post(f"dataset/{dataset}/itemsPage", {"pageToken": "garbage", "pageSize": 1})
    assert r.status_code == 400 and "pageToken" in r.json()["error"]
    r = api.post(f"dataset/{dataset}/itemsPage", {"pageToken": None, "pageSize": 0})
    assert r.status_code == 400 and "pageSize" in r.json()["error"]


def test_iloc_follows_insertion_order_and_survives_deletions(api, dataset):
    append(api, dataset, [item("z"), item("a"), item("m")])
    assert api.get(f"dataset/{dataset}/iloc/0").json()["item"]["reference_id"] == "z"
    assert api.get(f"dataset/{dataset}/iloc/2").json()["item"]["reference_id"] == "m"
    assert api.delete(f"dataset/{dataset}/refloc/z").status_code == 200
    assert api.get(f"dataset/{dataset}/iloc/0").json()["item"]["reference_id"] == "a"
    assert api.get(f"dataset/{dataset}/iloc/2").status_code == 404
    assert api.get(f"dataset/{dataset}/iloc/x").status_code == 400


def test_loc_refloc_iloc_answer_item_and_empty_annotations(api, dataset):
    append(api, dataset, [item("one", metadata={"m": 1})])
    by_index = api.get(f"dataset/{dataset}/iloc/0").json()
    assert set(by_index) == {"item", "annotations"}
    assert by_index["annotations"] == {}
    item_id = by_index["item"]["id"]
    assert api.get(f"dataset/{dataset}/loc/{item_id}").json() == by_index
    assert api.get(f"dataset/{dataset}/refloc/one").json() == by_index
    assert api.get(f"dataset/{dataset}/loc/di_missing").status_code == 404
    assert api.get(f"dataset/{dataset}/refloc/missing").status_code == 404


@pytest.mark.parametrize("ref", ["test/reference/id", "with space [1].jpeg", "a%2Fb", "ü/ß?#&"])
def test_refloc_and_delete_decode_percent_encoded_reference_ids(api, dataset, ref):
    append(api, dataset, [item(ref, metadata={"test": "metadata"})])
    encoded = urllib.parse.quote(ref, safe="")
    r = api.get(f"dataset/{dataset}/refloc/{encoded}")
    assert r.status_code == 200, r.text
    assert r.json()["item"]["reference_id"] == ref
    assert api.delete(f"dataset/{dataset}/refloc/{encoded}").json() == {}
    assert api.get(f"dataset/{dataset}/refloc/{encoded}").status_code == 404
    assert api.delete(f"dataset/{dataset}/refloc/{encoded}").status_code == 404


def test_reads_of_other_owners_dataset_are_404(api, other_api, dataset):
    append(api, dataset, [item("a")])
    item_id = all_items(api, dataset)[0]["id"]
    for route in ["datasetItems", "iloc/0", "refloc/a", f"loc/{item_id}", "model_runs",
                  "slices", "exportForTraining"]:
        assert other_api.get(f"dataset/{dataset}/{route}").status_code == 404, route
    assert other_api.post(f"dataset/{dataset}/itemsPage", {"pageSize": 1}).status_code == 404
    assert other_api.delete(f"dataset/{dataset}/refloc/a").status_code == 404
    assert other_api.get(f"{dataset}/list_autotags").status_code == 404


def test_annotations_grouped_by_type_only_non_empty(api, dataset):
    append(api, dataset, [item("img")])
    box = {"label": "car", "type": "box", "geometry": {"x": 1, "y": 2, "width": 3, "height": 4},
           "reference_id": "img", "annotation_id": "b1", "metadata": {}}
    seg = {"type": "segmentation", "mask_url": "https://example.com/m.png",
           "annotations": [{"label": "grass", "index": 1}], "reference_id": "img",
           "annotation_id": "s1"}
    r = api.post(f"dataset/{dataset}/annotate", {"annotations": [box], "segmentations": [seg],
                                                 "update": False})
    if r.status_code == 404 and "no such route" in r.text:
        pytest.skip("annotate route not built yet")
    assert r.status_code == 200, r.text
    got = api.get(f"dataset/{dataset}/refloc/img").json()["annotations"]
    assert set(got) == {"box", "segmentation"}
    assert got["box"][0]["geometry"] == box["geometry"]
    row = api.get(f"dataset/{dataset}/exportForTraining").json()["exportedRows"][0]
    assert row["box"][0]["annotation_id"] == "b1"
    assert isinstance(row["segmentation"], dict)


# --- annotations.md §9 exports --------------------------------------------------------------

def test_export_rows_have_every_list_key_and_single_segmentation(api, dataset):
    append(api, dataset, [item("e1", metadata={"test": "metadata"}), item("e2")])
    rows = api.get(f"dataset/{dataset}/exportForTraining").json()["exportedRows"]
    assert [r["item"]["reference_id"] for r in rows] == ["e1", "e2"]
    for row in rows:
        for key in ["box", "line", "polygon", "keypoints", "cuboid", "category",
                    "multicategory"]:
            assert row[key] == []
        assert row["segmentation"] is None
    assert rows[0]["item"]["metadata"] == {"test": "metadata"}


def test_export_page_pages_like_items_page(api, dataset):
    append(api, dataset, [item(f"x{i}") for i in range(3)])
    token, refs = None, []
    while True:
        body = api.post(f"dataset/{dataset}/exportForTrainingPage",
                        {"pageToken": token, "pageSize": 2, "query": None, "chip": False,
                         "onlyMostRecentTask": True}).json()
        refs += [row["item"]["reference_id"] for row in body["data"]]
        token = body["nextPageToken"]
        if not token:
            break
    assert refs == ["x0", "x1", "x2"]
    r = api.post(f"dataset/{dataset}/exportForTrainingPage",
                 {"pageToken": None, "pageSize": 2, "query": "metadata.x = 1"})
    assert r.status_code == 400


# --- datasets.md §16–18 and the autotag stub ------------------------------------------------

def test_model_runs_of_new_dataset_is_empty_list(api, dataset):
    assert api.get(f"dataset/{dataset}/model_runs").json() == []


def test_slices_listing_and_creation(api, dataset):
    assert api.get(f"dataset/{dataset}/slices").json() == []
    append(api, dataset, [item("s1"), item("s2")])
    r = api.post(f"dataset/{dataset}/create_slice", {"name": "test_slice",
                                                     "reference_ids": ["s1", "s2"]})
    assert r.status_code == 200, r.text
    slice_id = r.json()["slice_id"]
    assert slice_id.startswith("slc_")
    [s] = api.get(f"dataset/{dataset}/slices").json()
    assert s["id"] == slice_id and s["name"] == "test_slice" and s["dataset_id"] == dataset
    assert s["type"] == "dataset_item"
    datetime.datetime.fromisoformat(s["created_at"].rstrip("Z"))
    assert api.get(f"dataset/{dataset}/info").json()["slice_ids"] == [slice_id]
    # get_slices' URL shapes.
    assert len(api.get(f"dataset/{dataset}/slices?name=test_slice&").json()) == 1
    assert api.get(f"dataset/{dataset}/slices?name=other&").json() == []
    assert len(api.get(f"dataset/{dataset}/slices?type=dataset_item").json()) == 1
    assert api.get(f"dataset/{dataset}/slices?type=object").json() == []
    assert len(api.get(f"dataset/{dataset}/slices?").json()) == 1


def test_create_slice_variants_and_errors(api, dataset):
    append(api, dataset, [item("s1")])
    empty = api.post(f"dataset/{dataset}/create_slice", {"name": "empty", "allow_empty": 1})
    assert empty.status_code == 200
    item_id = all_items(api, dataset)[0]["id"]
    by_id = api.post(f"dataset/{dataset}/create_slice",
                     {"name": "ids", "dataset_item_ids": [item_id], "scene_ids": None,
                      "object_ids": None})
    assert by_id.status_code == 200
    r = api.post(f"dataset/{dataset}/create_slice", {"name": "bad", "reference_ids": ["nope"]})
    assert r.status_code == 400 and "nope" in r.json()["error"]
    r = api.post(f"dataset/{dataset}/create_slice", {"name": "none"})
    assert r.status_code == 400
    r = api.post(f"dataset/{dataset}/create_slice",
                 {"name": "big", "reference_ids": [f"r{i}" for i in range(10001)]})
    assert r.status_code == 400 and "10000" in r.json()["error"]


def test_list_autotags_stub_is_empty(api, dataset):
    r = api.get(f"{dataset}/list_autotags")
    assert r.status_code == 200
    assert r.json() == {"autotags": []}
