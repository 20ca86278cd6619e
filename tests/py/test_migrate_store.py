"""`nucleus migrate-store --from DIR --to postgresql://...` (issue 12, point 8): a SQLite data
directory written through a server (items with uploaded images, box and mask annotations, a
model run with predictions and a commit's matches, a taxonomy, a slice, an async upload job,
an upload session with its payload, keys) is copied into an empty PostgreSQL database; a server
on that database answers every read with the same bytes (exports included), accepts the same
keys and signed URLs, and serves the same images. A non-empty target is refused.

Runs only as py_pg_migrate_store (it needs the throwaway cluster of tests/pg)."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.parse
import uuid

import pytest
import requests

from conftest import NUCLEUS_BIN, PG_BIN, STORE_URI_FILE, Api, Server, store_uri
from prediction_helpers import add_items, box, create_run, predict, wait_job
from test_multi_server import JPEG, PNG, upload_image_and_mask

pytestmark = pytest.mark.skipif(not STORE_URI_FILE,
                                reason="needs the PostgreSQL cluster (py_pg_migrate_store)")


def sqlite_key(data_dir, name):
    out = subprocess.run([NUCLEUS_BIN, "keys", "create", "--data", data_dir, "--name", name],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def migrate(data_dir, uri):
    return subprocess.run([NUCLEUS_BIN, "migrate-store", "--from", data_dir, "--to", uri],
                          capture_output=True, text=True)


def fill(api, other):
    """Writes one of everything; returns the routes whose answers must survive the move."""
    ds = api.post("dataset/create", {"name": "to migrate"}).json()["dataset_id"]
    upload_image_and_mask(api, ds, "local-1")
    add_items(api, ds, [f"img{i}" for i in range(50)])
    r = api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": [
        {"label": "car", "type": "box", "reference_id": f"img{i}", "annotation_id": f"gt{i}",
         "geometry": {"x": i, "y": 0, "width": 10, "height": 10.5}, "metadata": {"n": i}}
        for i in range(50)]})
    assert r.status_code == 200, r.text
    assert api.post(f"dataset/{ds}/add_taxonomy", {
        "taxonomy_name": "color", "type": "category", "labels": ["red", "blue"],
        "update": False}).status_code == 200
    r = api.post(f"dataset/{ds}/create_slice", {"name": "first", "reference_ids": ["img1", "img2"]})
    assert r.status_code == 200, r.text
    slice_id = r.json()["slice_id"]
    run = create_run(api, ds)
    predict(api, run, [box(f"img{i}", f"p{i}", "car", i + 1, 0, 10, 10,
                           confidence=0.5 + i / 1000) for i in range(50)])
    r = api.post(f"modelRun/{run}/commit", {})
    assert r.status_code == 200, r.text
    assert wait_job(api, r.json()["job_id"])["status"] == "Completed"
    # An async upload (a job with its payload) and a session whose payload nobody claimed yet.
    rid = uuid.uuid4().hex
    url = api.get(f"dataset/{ds}/signedUrl/{rid}").json()["signed_url"]
    body = "\n".join(json.dumps({"reference_id": f"async{i}", "image_url": f"s3://b/{i}.jpg",
                                 "metadata": {"crlf": "a\r\nb", "tab": "\t\\"}})
                     for i in range(20))
    assert requests.put(url, data=body.encode()).status_code == 200
    job = api.post(f"dataset/{ds}/append?async=1", {"requestId": rid, "update": False}).json()
    assert wait_job(api, job["job_id"])["status"] == "Completed"
    pending = uuid.uuid4().hex
    pending_url = api.get(f"dataset/{ds}/signedUrl/{pending}").json()["signed_url"]
    assert requests.put(pending_url, data=b'{"reference_id": "late", "image_url": "s3://l"}\n'
                        ).status_code == 200
    other_ds = other.post("dataset/create", {"name": "other owner"}).json()["dataset_id"]
    routes = [
        "dataset/details", f"dataset/{ds}/info", f"dataset/{ds}/datasetItems",
        f"dataset/{ds}/exportForTraining", f"dataset/{ds}/refloc/local-1",
        f"dataset/{ds}/refloc/img7", f"dataset/{ds}/slices", f"slice/{slice_id}",
        f"slice/{slice_id}/exportForTraining",
        f"modelRun/{run}/ungrouped", f"modelRun/{run}/refloc/img3", f"modelRun/{run}/info",
        f"job/{job['job_id']}", f"job/{job['job_id']}/errors", f"dataset/{ds}/refloc/async7",
        "models", f"dataset/{ds}/model_runs",
    ]
    return ds, run, other_ds, pending, routes


def answers(api, routes, base):
    out = {}
    for route in routes:
        r = api.get(route)
        out[route] = (r.status_code, r.text.replace(base, "BASE"))
    out["matches"] = api.post(f"dataset/{routes[1].split('/')[1]}/queryObjectsPage", {
        "pageToken": None, "pageSize": 1000, "query": "", "patch_mode": "iou",
        "model_run_id": routes[8].split("/")[1]}).text
    out["jobs"] = api.post("jobs", {}).text
    return out


def test_a_migrated_sqlite_directory_answers_the_same_from_postgresql():
    data_dir = tempfile.mkdtemp(prefix="nucleus-migrate-src-")
    target_dir = tempfile.mkdtemp(prefix="nucleus-migrate-dst-")
    uri = store_uri(target_dir)  # a fresh, empty database
    key, other_key = sqlite_key(data_dir, "first"), sqlite_key(data_dir, "second")
    revoked = sqlite_key(data_dir, "revoked")
    subprocess.run([NUCLEUS_BIN, "keys", "revoke", "--data", data_dir, revoked], check=True,
                   capture_output=True)
    src = Server(data_dir, ["--quiet"], store=["--data", data_dir]).start()
    try:
        api, other = Api(src.base, key), Api(src.base, other_key)
        ds, run, other_ds, pending, routes = fill(api, other)
        before = answers(api, routes, src.base)
        assert all(answer[0] == 200 for answer in before.values() if isinstance(answer, tuple))
        image_url = api.get(f"dataset/{ds}/refloc/local-1").json()["item"]["image_url"]
        image_path = image_url[len(src.base):]
        late_url = api.get(f"dataset/{ds}/signedUrl/{uuid.uuid4().hex}").json()["signed_url"]
    finally:
        assert src.stop() == 0

    done = migrate(data_dir, uri)
    assert done.returncode == 0, done.stderr
    assert "predictions: 50 rows" in done.stdout and "signing key: copied" in done.stdout

    # Every table holds what SQLite held.
    tables = subprocess.run(
        [f"{PG_BIN}/psql", "-X", "-At", uri, "-c",
         "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
         "table_name NOT IN ('schema_migrations', 'nucleus_change_stamp', 'blobs', "
         "'blob_chunks', 'nucleus_secrets')"],
        check=True, capture_output=True, text=True).stdout.split()
    assert "predictions" in tables and "api_keys" in tables and "match_chunks" in tables
    con = sqlite3.connect(os.path.join(data_dir, "nucleus.db"))
    for table in tables:
        (want,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        got = subprocess.run([f"{PG_BIN}/psql", "-X", "-At", uri, "-c",
                              f"SELECT count(*) FROM {table}"],
                             check=True, capture_output=True, text=True).stdout.strip()
        assert int(got) == want, table
    con.close()

    dst = Server(target_dir, ["--quiet"], store=["--store", uri]).start()
    try:
        api, other = Api(dst.base, key), Api(dst.base, other_key)
        assert answers(api, routes, dst.base) == before
        assert other.get(f"dataset/{other_ds}/info").status_code == 200
        assert other.get(f"dataset/{ds}/info").status_code == 404
        # The revoked key stays revoked; the images are served from the database.
        assert Api(dst.base, revoked).get("dataset/details").status_code == 401
        assert requests.get(dst.base + image_path).content == JPEG
        mask_url = api.get(f"dataset/{ds}/refloc/local-1").json()[
            "annotations"]["segmentation"][0]["stored_mask_url"]
        assert requests.get(mask_url).content == PNG
        # A URL signed before the move is still good; the payload PUT before it is claimed.
        parsed = urllib.parse.urlsplit(late_url)
        moved = dst.base + parsed.path.split("/v1/nucleus", 1)[1] + "?" + parsed.query
        assert requests.put(moved, data=b'{"reference_id": "later", "image_url": "s3://x"}\n'
                            ).status_code == 200
        job = api.post(f"dataset/{ds}/append?async=1", {"requestId": pending, "update": False})
        assert job.status_code == 200, job.text
        assert wait_job(api, job.json()["job_id"])["status"] == "Completed"
        assert api.get(f"dataset/{ds}/refloc/late").status_code == 200
        # New rows get new ids past the copied ones.
        more = predict(api, run, [box("img0", "p-new", "car", 0, 0, 5, 5, confidence=0.1)])
        assert more["predictions_processed"] == 1, more
        assert len(api.get(f"modelRun/{run}/ungrouped").json()["box"]) == 51
    finally:
        assert dst.stop() == 0

    again = migrate(data_dir, uri)
    assert again.returncode != 0
    assert "not empty" in again.stderr
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(target_dir, ignore_errors=True)


def test_migrate_store_refuses_a_directory_without_a_store():
    empty = tempfile.mkdtemp(prefix="nucleus-migrate-none-")
    target_dir = tempfile.mkdtemp(prefix="nucleus-migrate-none-dst-")
    try:
        r = migrate(empty, store_uri(target_dir))
        assert r.returncode != 0 and "no nucleus.db" in r.stderr
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(target_dir, ignore_errors=True)
