"""Nothing assumes one process (issue 12, point 5): two `nucleus serve` processes on one data
directory (one SQLite database in WAL mode) answer as one service.
"""
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import NUCLEUS_BIN, Api, Server, create_key


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
    out = subprocess.run([NUCLEUS_BIN, "keys", "revoke", "--data", a.data_dir, name],
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
    listing = subprocess.run([NUCLEUS_BIN, "keys", "list", "--data", a.data_dir],
                             check=True, capture_output=True, text=True).stdout
    assert [line for line in listing.splitlines() if "doomed" in line][0].endswith("(revoked)")


def test_revoking_an_unknown_whole_key_fails_without_quoting_it(two_servers):
    a, _ = two_servers
    secret = "nk_" + "0" * 48
    r = subprocess.run([NUCLEUS_BIN, "keys", "revoke", "--data", a.data_dir, secret],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "no API key matches" in r.stderr and secret not in r.stderr + r.stdout
