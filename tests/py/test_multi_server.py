"""Nothing assumes one process (issue 12, points 3 and 5): two `nucleus serve` processes on one
data directory (one SQLite database in WAL mode) answer as one service, and stored references to
uploaded blobs name no host: the URL a client sees is built by the server answering (from
`--public-url` when set, else from the request's Host).
"""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import (NUCLEUS_BIN, STORE_URI_FILE, Api, Server, create_key, store_args,
                      store_row, store_uri)


@pytest.fixture
def two_servers():
    data_dir = tempfile.mkdtemp(prefix="nucleus-two-")
    key = create_key(data_dir)
    a = Server(data_dir, ["--quiet"]).start()
    b = Server(data_dir, ["--quiet"])
    b.log_path = a.log_path + ".b"
    b.start()
    a.key = b.key = key
    yield a, b
    codes = [a.stop(), b.stop()]
    shutil.rmtree(data_dir, ignore_errors=True)
    assert codes == [0, 0]


def test_a_write_acknowledged_by_one_server_is_visible_through_the_other_at_once(two_servers):
    a, b = two_servers
    api_a, api_b = Api(a.base, a.key), Api(b.base, b.key)
    for i in range(20):
        r = api_a.post("dataset/create", {"name": f"ds {i}"})
        assert r.status_code == 200, r.text
        ds = r.json()["dataset_id"]
        items = [{"reference_id": f"r{i}", "image_url": f"s3://b/{i}.jpg", "metadata": {}}]
        assert api_b.post(f"dataset/{ds}/append", {"items": items}).status_code == 200
        assert api_a.get(f"dataset/{ds}/size").json()["count"] == 1
        assert api_b.get(f"dataset/{ds}/info").json()["name"] == f"ds {i}"


@pytest.mark.parametrize("named_by", ["whole key", "prefix"])
def test_a_key_revoked_by_the_cli_is_refused_by_every_server_within_a_second(two_servers,
                                                                             named_by):
    a, b = two_servers
    key = create_key(a.data_dir, "doomed")  # created while both run
    apis = [Api(a.base, key), Api(b.base, key)]
    for api in apis:  # both have it cached now
        assert api.get("dataset/details").status_code == 200
        assert api.get("dataset/details").status_code == 200
    name = key if named_by == "whole key" else key[:11]
    out = subprocess.run([NUCLEUS_BIN, "keys", "revoke", *store_args(a.data_dir), name],
                         check=True, capture_output=True, text=True).stdout
    revoked_at = time.monotonic()
    assert key not in out  # the secret is not echoed
    assert out.startswith("revoked ")
    refused = [False, False]
    while not all(refused) and time.monotonic() - revoked_at < 1.0:
        for i, api in enumerate(apis):
            refused[i] = refused[i] or api.get("dataset/details").status_code == 401
    assert refused == [True, True]
    for api in apis:
        assert api.get("dataset/details").status_code == 401
    # The server's own key is untouched.
    assert Api(a.base, a.key).get("dataset/details").status_code == 200
    listing = subprocess.run([NUCLEUS_BIN, "keys", "list", *store_args(a.data_dir)],
                             check=True, capture_output=True, text=True).stdout
    assert [line for line in listing.splitlines() if "doomed" in line][0].endswith("(revoked)")


def test_revoking_an_unknown_whole_key_fails_without_quoting_it(two_servers):
    a, _ = two_servers
    secret = "nk_" + "0" * 48
    r = subprocess.run([NUCLEUS_BIN, "keys", "revoke", *store_args(a.data_dir), secret],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "no API key matches" in r.stderr and secret not in r.stderr + r.stdout


JPEG = b"\xff\xd8\xff\xe0multi-server-jpeg\x00\x01"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
       b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x02\x00\x00\x05\x00\x02\xa0\xcd\xd6\xe7\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


def upload_image_and_mask(api, ds, ref):
    """A multipart append of one local image, then a multipart annotate of one local mask."""
    items = [{"metadata": {}, "reference_id": ref, "image_url": "local/a.jpg", "update": False}]
    parts = [("items", (None, json.dumps(items), "application/json")),
             ("image", (urllib.parse.quote("local/a.jpg", safe=""), JPEG, "image/jpeg"))]
    auth = {"Authorization": api.headers["Authorization"]}
    r = requests.post(api.url(f"dataset/{ds}/append"), files=parts, headers=auth)
    assert r.status_code == 200 and r.json()["new_items"] == 1, r.text
    seg = {"type": "mask", "mask_url": "masks/m.png", "annotation_id": "m1",
           "annotations": [{"label": "grass", "index": 1}], "reference_id": ref}
    parts = [("serialized_request",
              (None, json.dumps({"segmentations": [seg], "update": False}), "application/json")),
             ("mask", (urllib.parse.quote("masks/m.png", safe=""), PNG, "image/png"))]
    r = requests.post(api.url(f"dataset/{ds}/annotate"), files=parts, headers=auth)
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text


def urls_seen(api, ds, ref):
    got = api.get(f"dataset/{ds}/refloc/{ref}")
    assert got.status_code == 200, got.text
    body = got.json()
    return (body["item"]["image_url"],
            body["annotations"]["segmentation"][0]["stored_mask_url"])


def test_an_upload_through_one_server_is_served_by_the_url_of_the_server_answering(two_servers):
    a, b = two_servers
    api_a, api_b = Api(a.base, a.key), Api(b.base, b.key)
    ds = api_a.post("dataset/create", {"name": "blobs"}).json()["dataset_id"]
    upload_image_and_mask(api_a, ds, "r1")
    image_a, mask_a = urls_seen(api_a, ds, "r1")
    image_b, mask_b = urls_seen(api_b, ds, "r1")
    assert image_a.startswith(a.base + "/blob/img/") and mask_a.startswith(a.base + "/blob/mask/")
    assert image_b == image_a.replace(a.base, b.base)
    assert mask_b == mask_a.replace(a.base, b.base)
    assert requests.get(image_b).content == JPEG
    assert requests.get(mask_b).content == PNG
    # Listings and exports answer the same way.
    items = api_b.get(f"dataset/{ds}/datasetItems").json()["dataset_items"]
    assert [i["image_url"] for i in items] == [image_b]
    # Nothing stored names a host.
    (stored,) = store_row(a.data_dir, "SELECT image_url FROM items WHERE dataset_id = ?", ds)
    (payload,) = store_row(a.data_dir, "SELECT payload FROM annotations WHERE dataset_id = ?", ds)
    assert stored.startswith("nucleus://local/blob/img/")
    assert "nucleus://local/blob/mask/" in payload and "127.0.0.1" not in payload


def test_public_url_is_the_base_of_the_urls_handed_out():
    data_dir = tempfile.mkdtemp(prefix="nucleus-public-")
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet", "--public-url", "https://nucleus.example.test/"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "public"}).json()["dataset_id"]
        upload_image_and_mask(api, ds, "r1")
        public = "https://nucleus.example.test/v1/nucleus"
        image, mask = urls_seen(api, ds, "r1")
        assert image.startswith(public + "/blob/img/") and mask.startswith(public + "/blob/mask/")
        signed = api.get(f"dataset/{ds}/signedUrl/req-1").json()["signed_url"]
        assert signed.startswith(public + "/upload/")
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.skipif(bool(STORE_URI_FILE),
                    reason="rewrites SQLite's file to replay its migration v13")
def test_urls_stored_with_a_host_by_earlier_versions_answer_with_the_current_one():
    data_dir = tempfile.mkdtemp(prefix="nucleus-oldurls-")
    key = create_key(data_dir)
    srv = Server(data_dir, ["--quiet"]).start()
    try:
        api = Api(srv.base, key)
        ds = api.post("dataset/create", {"name": "old"}).json()["dataset_id"]
        upload_image_and_mask(api, ds, "r1")
        # A remote image that merely looks alike is not ours: it stays as it is.
        remote = "s3://bucket/v1/nucleus/blob/img/x.jpg"
        r = api.post(f"dataset/{ds}/append",
                     {"items": [{"reference_id": "r2", "image_url": remote, "metadata": {}}]})
        assert r.status_code == 200, r.text
        srv.stop()
        # What a server before v13 stored: absolute URLs naming the host it was reached through.
        con = sqlite3.connect(os.path.join(data_dir, "nucleus.db"))
        old = "http://old-host:9999/v1/nucleus/blob/"
        con.execute("UPDATE items SET image_url = replace(image_url, 'nucleus://local/blob/', ?)",
                    (old,))
        con.execute("UPDATE annotations SET payload = replace(payload, 'nucleus://local/blob/', ?)",
                    (old,))
        con.execute("PRAGMA user_version = 12")
        con.commit()
        con.close()
        srv = Server(data_dir, ["--quiet"]).start()
        api = Api(srv.base, key)
        image, mask = urls_seen(api, ds, "r1")
        assert image.startswith(srv.base + "/blob/img/") and mask.startswith(srv.base + "/blob/mask/")
        assert requests.get(image).content == JPEG
        con = sqlite3.connect(os.path.join(data_dir, "nucleus.db"))
        urls = dict(con.execute("SELECT reference_id, image_url FROM items").fetchall())
        con.close()
        assert urls["r2"] == remote
        assert urls["r1"].startswith("nucleus://local/blob/img/")
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.skipif(not STORE_URI_FILE, reason="servers on SQLite share their data directory")
def test_servers_on_one_postgresql_share_blobs_and_the_signing_key_and_keep_nothing_locally():
    """Issue 12, point 3: server A with its own --data, server B with none at all (another
    working directory); an image, a mask and an async upload payload sent through A are read
    and served through B, and the other way round; neither writes a file of its own."""
    dir_a = tempfile.mkdtemp(prefix="nucleus-pg-a-")
    cwd_b = tempfile.mkdtemp(prefix="nucleus-pg-b-")
    uri = store_uri(dir_a)
    key = create_key(dir_a)
    a = Server(dir_a, ["--quiet"]).start()
    b = Server(cwd_b, ["--quiet"], store=["--store", uri])
    b.log_path = os.path.join(tempfile.gettempdir(), os.path.basename(cwd_b) + ".log")
    b.cwd = cwd_b
    b.start()
    try:
        api_a, api_b = Api(a.base, key), Api(b.base, key)
        ds = api_a.post("dataset/create", {"name": "shared blobs"}).json()["dataset_id"]
        upload_image_and_mask(api_a, ds, "r1")
        image_b, mask_b = urls_seen(api_b, ds, "r1")
        assert image_b.startswith(b.base + "/blob/img/")
        assert requests.get(image_b).content == JPEG
        assert requests.get(mask_b).content == PNG

        # A payload PUT through B's signed URL, claimed through A; and the other way round.
        for signer, claimer, ref in ((api_b, api_a, "via-b"), (api_a, api_b, "via-a")):
            rid = uuid.uuid4().hex
            url = signer.get(f"dataset/{ds}/signedUrl/{rid}").json()["signed_url"]
            other_base = api_a.base if signer is api_b else api_b.base
            url = url.replace(signer.base, other_base)  # PUT through the other server
            lines = [{"reference_id": f"{ref}-{i}", "image_url": f"s3://b/{ref}/{i}.jpg",
                      "metadata": {"i": i}} for i in range(300)]
            body = "\n".join(json.dumps(line) for line in lines).encode()
            assert requests.put(url, data=body).status_code == 200
            r = claimer.post(f"dataset/{ds}/append?async=1", {"requestId": rid, "update": False})
            assert r.status_code == 200, r.text
            job = r.json()["job_id"]
            deadline = time.time() + 60
            while api_b.get(f"job/{job}").json()["status"] == "Running":
                assert time.time() < deadline, "job still running"
                time.sleep(0.1)
            assert api_a.get(f"job/{job}").json()["status"] == "Completed"
            got = api_b.get(f"dataset/{ds}/refloc/{ref}-299").json()
            assert got["item"]["metadata"] == {"i": 299}
        assert api_a.get(f"dataset/{ds}/size").json()["count"] == 601
    finally:
        codes = [a.stop(), b.stop()]
    # Nothing kept locally: A's directory holds only the log the harness asked for, B's working
    # directory nothing at all.
    assert sorted(os.listdir(dir_a)) == ["server.log"]
    assert os.listdir(cwd_b) == []
    shutil.rmtree(dir_a, ignore_errors=True)
    shutil.rmtree(cwd_b, ignore_errors=True)
    os.unlink(b.log_path)
    assert codes == [0, 0]
