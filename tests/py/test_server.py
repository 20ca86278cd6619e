"""nucleus serve: lifecycle, limits, logging, keys (issue 2, items 2-3)."""
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import (NUCLEUS_BIN, STORE_URI_FILE, Api, Server, create_key, store_args,
                      store_bytes)


@pytest.fixture
def small_server():
    data_dir = tempfile.mkdtemp(prefix="nucleus-srv-")
    key = create_key(data_dir)
    srv = Server(data_dir, ["--max-body-mb", "1", "--max-upload-mb", "1"]).start()
    srv.key = key
    yield srv
    srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_oversized_body_gets_413_json(small_server):
    api = Api(small_server.base, small_server.key)
    r = api.post("dataset/create", None, data=b'{"name":"' + b"x" * (2 << 20) + b'"}')
    assert r.status_code == 413
    assert "error" in r.json()
    # The server keeps serving.
    assert api.get("dataset/details").status_code == 200


def test_signed_url_upload_over_the_body_limit_is_refused_not_truncated(small_server):
    api = Api(small_server.base, small_server.key)
    ds = api.post("dataset/create", {"name": "big"}).json()["dataset_id"]
    url = api.get(f"dataset/{ds}/signedUrl/req-big").json()["signed_url"]
    r = requests.put(url, data=b'{"reference_id": "a"}\n' * 100000)  # 2.2 MB > 1 MiB
    assert r.status_code == 413, r.text
    assert "--max-upload-mb" in r.json()["error"]
    # The server keeps serving.
    assert api.get("dataset/details").status_code == 200


def test_one_log_line_per_request_with_route_status_and_ms(small_server):
    api = Api(small_server.base, small_server.key)
    ds = api.post("dataset/create", {"name": "logged"}).json()["dataset_id"]
    api.get(f"dataset/{ds}/size")
    small_server.stop()
    log = open(small_server.log_path).read()
    assert re.search(r"INFO GET dataset/:ds/size 200 \d+\.\dms", log), log
    assert re.search(r"INFO POST dataset/create 200 \d+\.\dms", log), log


def test_sigint_and_sigterm_exit_zero(small_server):
    assert small_server.stop(signal.SIGINT) == 0


def test_revoked_key_is_refused_and_listing_hides_secrets(small_server):
    api = Api(small_server.base, small_server.key)
    assert api.get("dataset/details").status_code == 200
    listing = subprocess.run([NUCLEUS_BIN, "keys", "list", *store_args(small_server.data_dir)],
                             check=True, capture_output=True, text=True).stdout
    assert small_server.key not in listing
    assert small_server.key[:11] in listing
    subprocess.run([NUCLEUS_BIN, "keys", "revoke", *store_args(small_server.data_dir),
                    small_server.key[:11]], check=True, capture_output=True)
    # SQLite: refused at once. PostgreSQL: every server sees another's revocation within 1 s
    # (PostgresStore::ChangeStamp reads the shared counter at most every 200 ms).
    deadline = time.time() + (1.0 if STORE_URI_FILE else 0)
    while api.get("dataset/details").status_code != 401 and time.time() < deadline:
        time.sleep(0.05)
    assert api.get("dataset/details").status_code == 401


def test_keys_create_prints_key_as_last_line_and_stores_only_hash(small_server):
    key = create_key(small_server.data_dir, "another")
    assert key.startswith("nk_") and len(key) == 51
    db = store_bytes(small_server.data_dir)
    assert key.encode() not in db
    assert Api(small_server.base, key).get("dataset/details").status_code == 200


def test_each_key_is_its_own_owner(api, other_api, dataset):
    assert dataset in [d["id"] for d in api.get("dataset/details").json()]
    assert dataset not in [d["id"] for d in other_api.get("dataset/details").json()]
    for route in ["info", "size", "name", "is_scene", "use_privacy_mode", "tags"]:
        assert other_api.get(f"dataset/{dataset}/{route}").status_code == 404, route
    assert other_api.delete(f"dataset/{dataset}").status_code == 404
    assert api.get(f"dataset/{dataset}/size").status_code == 200


def test_healthz_needs_no_key(server):
    assert requests.get(f"http://127.0.0.1:{server.port}/healthz").json() == {"status": "ok"}


def test_sigterm_with_an_idle_keep_alive_connection_exits_promptly(small_server):
    import time
    session = requests.Session()  # keeps its connection open after the request
    api = Api(small_server.base, small_server.key)
    assert session.get(api.url("dataset/details"), headers=api.headers).status_code == 200
    start = time.time()
    assert small_server.stop() == 0
    assert time.time() - start < 6
