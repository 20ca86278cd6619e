"""Jobs across servers (issue 12, point 4): two `nucleus serve` processes share one data directory
(one SQLite database in WAL mode). A server claims a job under a lease it renews while the job
runs (tests/api/jobs_test.cc shows the other never takes it then); when the one running it is
killed with SIGKILL mid-job, the other takes the job over once the lease lapses and resumes after
the last chunk the first committed, so an async upload of N objects ends with exactly N
(docs/design/jobs.md).

Predictions and annotations carry no annotation_id, so a line written twice would be a second
row; items are upserted by reference_id, so a replay would count them "ignored" instead of
"new". Only the checkpoint committed with each chunk keeps rows and counts exact.

FAILOVER_N sets N (default 200,000: each job takes a few seconds); the issue's acceptance figure
is FAILOVER_N=500000 (pytest -k predictions).
"""
import json
import os
import shutil
import signal
import tempfile
import time
import uuid

import pytest
import requests

from conftest import Api, Server, create_key, store_row

LEASE_S = 2
N = int(os.environ.get("FAILOVER_N", "200000"))
ITEMS = 1000


class NamedServer(Server):
    """A server whose log is its own (several share the data directory)."""

    def __init__(self, data_dir, name, extra_args=()):
        super().__init__(data_dir, ["--quiet", "--job-lease-seconds", str(LEASE_S)]
                         + list(extra_args))
        self.log_path = os.path.join(data_dir, f"server-{name}.log")

    def log(self):
        with open(self.log_path) as f:
            return f.read()


def server_id(srv):
    """The id a server's job service logs at start ("jobs: server srv_..."), its claims' prefix."""
    for line in srv.log().splitlines():
        if "jobs: server " in line:
            return line.split("jobs: server ", 1)[1].split()[0]
    raise AssertionError("no server id in the log: " + srv.log())


def db_row(data_dir, sql, *args):
    return store_row(data_dir, sql, *args)  # SQLite, or PostgreSQL under py_pg_failover


def boxes(n):
    """Box objects without annotation_id, each with its number in its metadata."""
    return "\n".join(json.dumps({
        "label": "car", "type": "box", "reference_id": f"img_{i % ITEMS}",
        "geometry": {"x": i % 97, "y": i % 89, "width": 10 + i % 7, "height": 20},
        "confidence": 0.5, "metadata": {"i": i}}) for i in range(n)).encode()


def new_items(n):
    return "\n".join(json.dumps({
        "reference_id": f"new_{i}", "image_url": f"s3://bucket/new/{i}.jpg",
        "metadata": {"i": i}}) for i in range(n)).encode()


def prepare(api):
    """A dataset with ITEMS items and a model run on it."""
    ds = api.post("dataset/create", {"name": "failover"}).json()["dataset_id"]
    items = [{"reference_id": f"img_{i}", "image_url": f"s3://bucket/{i}.jpg", "metadata": {}}
             for i in range(ITEMS)]
    assert api.post(f"dataset/{ds}/append", {"items": items, "update": False}).status_code == 200
    ref = f"model_{uuid.uuid4().hex}"
    r = api.post("models/add", {"name": "m", "reference_id": ref, "metadata": {}})
    assert r.status_code == 200, r.text
    r = api.post(f"dataset/{ds}/modelRun/create", {"name": "run", "reference_id": ref,
                                                    "metadata": {}})
    assert r.status_code == 200, r.text
    return ds, r.json()["model_run_id"]


class Upload:
    """One kind of async upload: its payload, route, final message and stored rows."""

    def __init__(self, kind, ds, run):
        self.kind, self.ds, self.run = kind, ds, run
        self.n = N

    def payload(self):
        return new_items(self.n) if self.kind == "items" else boxes(self.n)

    def route(self):
        return {"predictions": f"modelRun/{self.run}/predict?async=1",
                "annotations": f"dataset/{self.ds}/annotate?async=1",
                "items": f"dataset/{self.ds}/append?async=1"}[self.kind]

    def message(self):
        n = self.n
        return {"predictions": {"prediction_upload": {
                    "total": n, "errored": 0, "ignored": 0, "processed": n,
                    "model_run_id": self.run}},
                "annotations": {"annotation_upload": {
                    "total": n, "errored": 0, "ignored": 0, "datasetId": self.ds,
                    "processed": n}},
                "items": {"upload_progress": {
                    "new_items": n, "updated_items": 0, "ignored_items": 0,
                    "upload_errors": 0}}}[self.kind]

    def rows(self, data_dir):
        """(rows, distinct object numbers) stored by the upload."""
        if self.kind == "predictions":
            where = "FROM predictions WHERE run_rowid = (SELECT rowid FROM model_runs WHERE id = ?)"
            number, arg = "json_extract(payload, '$.metadata.i')", self.run
        elif self.kind == "annotations":
            where, number, arg = ("FROM annotations WHERE dataset_id = ?",
                                  "json_extract(payload, '$.metadata.i')", self.ds)
        else:
            where, number, arg = ("FROM items WHERE dataset_id = ? AND reference_id LIKE 'new_%'",
                                  "json_extract(metadata, '$.i')", self.ds)
        return db_row(data_dir, f"SELECT COUNT(*), COUNT(DISTINCT {number}) {where}", arg)


def submit(api, upload):
    request_id = uuid.uuid4().hex
    r = api.get(f"dataset/{upload.ds}/signedUrl/{request_id}")
    assert r.status_code == 200, r.text
    put = requests.put(r.json()["signed_url"], data=upload.payload(),
                       headers={"Content-Type": "application/json"})
    assert put.status_code < 300, put.text
    r = api.post(upload.route(), {"requestId": request_id, "update": False})
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


@pytest.mark.parametrize("kind", ["predictions", "annotations", "items"])
def test_sigkill_mid_upload_the_other_server_finishes_with_exactly_n(kind):
    data_dir = tempfile.mkdtemp(prefix="nucleus-failover-")
    key = create_key(data_dir)
    # Both servers run from the start; whichever claims the job is killed once it has committed
    # a chunk (the one that received the upload usually, being told of it at once).
    servers = [NamedServer(data_dir, "a").start(), NamedServer(data_dir, "b").start()]
    try:
        apis = [Api(srv.base, key) for srv in servers]
        ds, run = prepare(apis[0])
        upload = Upload(kind, ds, run)
        n = upload.n
        job = submit(apis[0], upload)
        # Wait until the job has committed at least one chunk (and is still far from done).
        deadline = time.time() + 60
        while time.time() < deadline:
            status = apis[1].get(f"job/{job}").json()  # writes through one, read through the other
            if status["completed_steps"] >= 1:
                break
            time.sleep(0.01)
        holder, attempts, done_before = db_row(
            data_dir, "SELECT lease_owner, attempts, checkpoint_position FROM jobs WHERE id = ?",
            job)
        if done_before >= n:
            raise AssertionError(f"the job ran all {n} {kind} before the kill: raise FAILOVER_N")
        assert 1 <= status["completed_steps"] < status["total_steps"], status
        assert attempts == 1
        ids = [server_id(srv) for srv in servers]
        assert holder.split("/")[0] in ids, (holder, ids)
        dead = ids.index(holder.split("/")[0])
        survivor = servers[1 - dead]
        servers[dead].proc.send_signal(signal.SIGKILL)
        servers[dead].proc.wait()
        killed_at = time.time()

        api = apis[1 - dead]
        deadline = time.time() + 300
        while time.time() < deadline:
            status = api.get(f"job/{job}").json()
            if status["status"] != "Running":
                break
            time.sleep(0.1)
        took_over_s = time.time() - killed_at
        assert status["status"] == "Completed", status
        assert status["completed_steps"] == status["total_steps"] > 1, status
        assert status["message"] == upload.message()
        assert api.get(f"job/{job}/errors").json() == []
        assert upload.rows(data_dir) == (n, n)  # every object once
        owner, attempts, position = db_row(
            data_dir, "SELECT lease_owner, attempts, checkpoint_position FROM jobs WHERE id = ?",
            job)
        assert (owner, attempts, position) == ("", 2, n)  # one takeover, by the survivor
        resumed = [line for line in survivor.log().splitlines()
                   if job in line and "resumes at line" in line]
        assert len(resumed) == 1, survivor.log()
        resumed_at = int(resumed[0].rsplit(" ", 1)[1])
        assert done_before <= resumed_at < n
        print(f"\nfailover of {n} {kind}: {resumed_at} lines committed before the SIGKILL, "
              f"the other server finished {took_over_s:.1f} s after it (lease {LEASE_S} s)")
    finally:
        for srv in servers:
            srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
