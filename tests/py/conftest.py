"""Live-server fixtures for the wire-level tests.

Each test session starts `nucleus serve` on a free loopback port with a temporary data
directory, creates API keys with `nucleus keys create`, and stops the server at the end.
The binary comes from $NUCLEUS_BIN (set by ctest) or build/nucleus.

With $NUCLEUS_STORE_URI_FILE set (ctest's py_pg_* entries: the file holds the libpq URI of the
throwaway cluster of tests/pg), every server and `nucleus keys` command of the session keeps its
rows in PostgreSQL (`--store`): one fresh database per data directory, so a server restarted on
the same directory finds its rows again. Blobs and the signing key then live in that database
too (read them with stored_blob_names and signing_key); the data directory only holds the log.
"""
import fnmatch
import glob
import hashlib
import re
import base64
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUCLEUS_BIN = os.environ.get("NUCLEUS_BIN", os.path.join(ROOT, "build", "nucleus"))
STORE_URI_FILE = os.environ.get("NUCLEUS_STORE_URI_FILE")
PG_BIN = "/usr/lib/postgresql/15/bin"
_pg_databases = {}


def store_uri(data_dir):
    """The PostgreSQL URI of `data_dir`'s database (created on first use); None with SQLite."""
    if not STORE_URI_FILE:
        return None
    key = os.path.realpath(data_dir)
    if key not in _pg_databases:
        base = open(STORE_URI_FILE).read().strip()
        assert base, f"no PostgreSQL URI in {STORE_URI_FILE}"
        name = "py_" + hashlib.sha1(key.encode()).hexdigest()[:16]
        subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c",
                        f"CREATE DATABASE {name}"], check=True, capture_output=True)
        parts = urllib.parse.urlsplit(base)
        _pg_databases[key] = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    return _pg_databases[key]


def store_args(data_dir):
    """The flags that point a `nucleus serve|keys` at `data_dir`'s rows."""
    uri = store_uri(data_dir)
    return ["--data", data_dir] + (["--store", uri] if uri else [])


def store_row(data_dir, sql, *args):
    """The first row of `sql` (SQLite dialect, `?` placeholders) on `data_dir`'s store.

    With PostgreSQL the query runs through psql: `?` become quoted literals and
    json_extract(col, '$.a.b') becomes (col::json #>> '{a,b}'); integers come back as int.
    """
    uri = store_uri(data_dir)
    if uri is None:
        con = sqlite3.connect(os.path.join(data_dir, "nucleus.db"), timeout=30)
        try:
            return con.execute(sql, args).fetchone()
        finally:
            con.close()
    sql = re.sub(r"json_extract\((\w+), '\$\.([\w.]+)'\)",
                 lambda m: f"({m.group(1)}::json #>> '{{{m.group(2).replace('.', ',')}}}')", sql)
    values = iter(args)
    sql = re.sub(r"\?", lambda _: "'" + str(next(values)).replace("'", "''") + "'", sql)
    out = subprocess.run([f"{PG_BIN}/psql", "-X", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1",
                          uri, "-c", sql], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    if not lines:
        return None
    return tuple(int(f) if re.fullmatch(r"-?\d+", f) else f for f in lines[0].split("\x1f"))


def store_bytes(data_dir):
    """Everything the store of `data_dir` holds, as bytes (the SQLite file, or a dump)."""
    uri = store_uri(data_dir)
    if uri is None:
        return open(os.path.join(data_dir, "nucleus.db"), "rb").read()
    return subprocess.run([f"{PG_BIN}/pg_dump", "--data-only", uri], check=True,
                          capture_output=True).stdout


def stored_blob_names(data_dir, pattern):
    """Names of the blobs of `data_dir`'s store matching the glob `pattern` ("img/*.jpg"),
    unfinished writes included (temporary files, or PostgreSQL rows not yet committed)."""
    uri = store_uri(data_dir)
    if uri is None:
        return glob.glob(os.path.join(data_dir, "blobs", pattern))
    out = subprocess.run([f"{PG_BIN}/psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", uri, "-c",
                          "SELECT CASE WHEN committed = 1 THEN name "
                          "ELSE name || '.pending-' || id END FROM blobs"],
                         check=True, capture_output=True, text=True).stdout
    return [n for n in out.splitlines() if fnmatch.fnmatchcase(n, pattern)]


def signing_key(data_dir):
    """The key `data_dir`'s servers sign upload URLs with."""
    uri = store_uri(data_dir)
    if uri is None:
        return open(os.path.join(data_dir, "signing.key")).read().strip()
    (key,) = store_row(data_dir, "SELECT value FROM nucleus_secrets WHERE name = ?", "signing_key")
    return key


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key(data_dir, name="test"):
    out = subprocess.run([NUCLEUS_BIN, "keys", "create", *store_args(data_dir), "--name", name],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


class Server:
    """A running `nucleus serve` process."""

    def __init__(self, data_dir, extra_args=(), store=None):
        """`store`: the flags naming its store, instead of store_args(data_dir)."""
        self.data_dir = data_dir
        self.store = store
        self.cwd = None  # the working directory of the process (None: the test's)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/v1/nucleus"
        self.log_path = os.path.join(data_dir, "server.log")
        self.extra_args = list(extra_args)
        self.proc = None

    def dashboard_args(self):
        """No dashboard unless a test asks for one: its default port (this port + 1) may be the
        free port another test's server was just handed (ctest runs tests in parallel); that
        server then failed to bind it, and this one's dashboard, which also serves the API,
        answered the other test's requests with the wrong keys."""
        return [] if "--dashboard" in self.extra_args else ["--dashboard", "off"]

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [NUCLEUS_BIN, "serve",
             *(self.store if self.store is not None else store_args(self.data_dir)), "--listen",
             f"127.0.0.1:{self.port}"] + self.dashboard_args() + self.extra_args,
            stdout=log, stderr=log, cwd=self.cwd)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + open(self.log_path).read())
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Api:
    """requests wrapper that sends what the official client sends (Basic auth, JSON)."""

    def __init__(self, base, key):
        self.base = base
        self.key = key
        token = base64.b64encode(f"{key}:".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def url(self, route):
        return f"{self.base}/{route}"

    def get(self, route, **kw):
        return requests.get(self.url(route), headers=self.headers, **kw)

    def post(self, route, payload=None, **kw):
        return requests.post(self.url(route), json=payload if payload is not None else {},
                             headers=self.headers, **kw)

    def delete(self, route, payload=None, **kw):
        return requests.delete(self.url(route), json=payload if payload is not None else {},
                               headers=self.headers, **kw)

    def put(self, route, data=None, **kw):
        return requests.put(self.url(route), data=data, headers=self.headers, **kw)


@pytest.fixture(scope="session")
def server():
    data_dir = tempfile.mkdtemp(prefix="nucleus-test-")
    # Keys are created before the server starts and while it runs (both must work).
    first_key = create_key(data_dir, "first")
    srv = Server(data_dir).start()
    srv.keys = [first_key, create_key(data_dir, "second")]
    yield srv
    code = srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    assert code == 0, "server did not exit cleanly on SIGTERM"


@pytest.fixture(scope="session")
def api(server):
    return Api(server.base, server.keys[0])


@pytest.fixture(scope="session")
def other_api(server):
    """A second owner: must never see the first owner's objects."""
    return Api(server.base, server.keys[1])


@pytest.fixture
def dataset(api):
    r = api.post("dataset/create", {"name": "[PyTest] Test Dataset", "is_scene": False,
                                    "use_privacy_mode": False,
                                    "annotation_metadata_schema": None,
                                    "item_metadata_schema": None})
    assert r.status_code == 200, r.text
    return r.json()["dataset_id"]
