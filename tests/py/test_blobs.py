"""Served blobs (uploaded images and masks) and their garbage collection (issue 10, point 6).

A blob is answered with X-Content-Type-Options: nosniff and a type from the raster-image
allow-list; anything else (an HTML or SVG upload) is application/octet-stream, so a browser
never runs it. Upload sessions and blob files nothing references are deleted after the delay of
`nucleus serve --blob-gc-delay-s`; referenced ones stay."""
import json
import shutil
import tempfile
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import Api, Server, create_key, stored_blob_names

JPEG = b"\xff\xd8\xff\xe0blob-test-jpeg\x00\x01"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
       b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x02\x00\x00\x05\x00\x02\xa0\xcd\xd6\xe7\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def new_dataset(api):
    r = api.post("dataset/create", {"name": "blobs", "is_scene": False})
    assert r.status_code == 200, r.text
    return r.json()["dataset_id"]


def append_file(api, ds, ref, filename, content):
    """A multipart append of one item whose local file is `content`; returns its image_url."""
    items = [{"metadata": {}, "reference_id": ref, "image_url": filename, "update": False}]
    parts = [("items", (None, json.dumps(items), "application/json")),
             ("image", (urllib.parse.quote(filename, safe=""), content, "image/jpeg"))]
    headers = {"Authorization": api.headers["Authorization"]}
    r = requests.post(api.url(f"dataset/{ds}/append"), files=parts, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["new_items"] == 1, r.text
    got = api.get(f"dataset/{ds}/refloc/{ref}")
    assert got.status_code == 200, got.text
    return got.json()["item"]["image_url"]


def annotate_mask(api, ds, ref, content):
    """A multipart annotate with one local mask file; returns its stored_mask_url."""
    seg = {"type": "mask", "mask_url": "masks/m.png", "annotation_id": "m-" + ref,
           "annotations": [{"label": "grass", "index": 1}], "reference_id": ref}
    body = json.dumps({"segmentations": [seg], "update": False})
    parts = [("serialized_request", (None, body, "application/json")),
             ("mask", (urllib.parse.quote("masks/m.png", safe=""), content, "image/png"))]
    headers = {"Authorization": api.headers["Authorization"]}
    r = requests.post(api.url(f"dataset/{ds}/annotate"), files=parts, headers=headers)
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text
    got = api.get(f"dataset/{ds}/refloc/{ref}")
    return got.json()["annotations"]["segmentation"][0]["stored_mask_url"]


# --- content types --------------------------------------------------------------------------

@pytest.mark.parametrize("filename,content,expected", [
    ("photos/a.jpg", JPEG, "image/jpeg"),
    ("photos/a.png", PNG, "image/png"),
    ("photos/evil.html", HTML, "application/octet-stream"),
    ("photos/evil.svg", SVG, "application/octet-stream"),
    ("photos/noext", HTML, "application/octet-stream"),
])
def test_served_image_is_nosniff_with_allow_listed_type(api, filename, content, expected):
    ds = new_dataset(api)
    url = append_file(api, ds, "item-" + uuid.uuid4().hex, filename, content)
    got = requests.get(url)  # no credential: the URL names the bytes
    assert got.status_code == 200 and got.content == content
    assert got.headers["Content-Type"] == expected
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_served_mask_is_nosniff_png(api):
    ds = new_dataset(api)
    append_file(api, ds, "img", "a.jpg", JPEG)
    url = annotate_mask(api, ds, "img", PNG)
    got = requests.get(url)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_blob_is_404_json(server):
    for name in ["img/" + "0" * 64 + ".jpg", "mask/" + "0" * 64 + ".png", "img/..%2Fnucleus.db"]:
        r = requests.get(f"{server.base}/blob/{name}")
        assert r.status_code == 404, (name, r.text)
        assert "error" in r.json()


# --- garbage collection ---------------------------------------------------------------------

GC_DELAY_S = 4


@pytest.fixture(scope="module")
def gc_server():
    data_dir = tempfile.mkdtemp(prefix="nucleus-gc-test-")
    key = create_key(data_dir, "gc")
    srv = Server(data_dir, ["--blob-gc-delay-s", str(GC_DELAY_S)]).start()
    srv.api = Api(srv.base, key)
    yield srv
    code = srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    assert code == 0


def blob_files(srv, pattern):
    return stored_blob_names(srv.data_dir, pattern)


def test_gc_deletes_unclaimed_upload_and_unreferenced_blob_and_keeps_referenced(gc_server):
    api = gc_server.api
    ds = new_dataset(api)
    # An uploaded payload nobody claims, and a session whose PUT never came.
    unclaimed = uuid.uuid4().hex
    url = api.get(f"dataset/{ds}/signedUrl/{unclaimed}").json()["signed_url"]
    line = {"metadata": {}, "reference_id": "late", "image_url": "s3://b/late.jpg"}
    assert requests.put(url, data=json.dumps(line).encode()).status_code == 200
    never_put = uuid.uuid4().hex
    never_url = api.get(f"dataset/{ds}/signedUrl/{never_put}").json()["signed_url"]
    # A referenced image and mask, and an image whose only item is deleted.
    kept_url = append_file(api, ds, "kept", "kept.jpg", JPEG)
    mask_url = annotate_mask(api, ds, "kept", PNG)
    dropped_url = append_file(api, ds, "dropped", "dropped.jpg", JPEG + b"dropped")
    assert api.delete(f"dataset/{ds}/refloc/dropped").status_code == 200
    kept_name = kept_url.rsplit("/", 1)[-1]
    dropped_name = dropped_url.rsplit("/", 1)[-1]
    mask_name = mask_url.rsplit("/", 1)[-1]
    # Before the delay nothing goes (the sweeper runs every second).
    assert blob_files(gc_server, f"uploads/{ds}/{unclaimed}-*.ndjson")
    assert blob_files(gc_server, f"img/{dropped_name}")

    deadline = time.time() + 10 * GC_DELAY_S
    while time.time() < deadline and (blob_files(gc_server, f"uploads/{ds}/{unclaimed}-*")
                                       or blob_files(gc_server, f"img/{dropped_name}")):
        time.sleep(0.25)
    assert not blob_files(gc_server, f"uploads/{ds}/{unclaimed}-*"), "unclaimed upload kept"
    assert not blob_files(gc_server, f"img/{dropped_name}"), "unreferenced image kept"
    assert requests.get(dropped_url).status_code == 404
    # The referenced ones stay and are still served.
    assert blob_files(gc_server, f"img/{kept_name}") and blob_files(gc_server, f"mask/{mask_name}")
    assert requests.get(kept_url).content == JPEG
    assert requests.get(mask_url).content == PNG
    # The sessions are gone: the payload cannot be claimed, the URL accepts no PUT.
    r = api.post(f"dataset/{ds}/append?async=1", {"requestId": unclaimed, "update": False})
    assert r.status_code == 400 and unclaimed in r.json()["error"], r.text
    put = requests.put(never_url, data=json.dumps(line).encode())
    assert put.status_code == 404, put.text

