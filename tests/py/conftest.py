"""Live-server fixtures for the wire-level tests.

Each test session starts `nucleus serve` on a free loopback port with a temporary data
directory, creates API keys with `nucleus keys create`, and stops the server at the end.
The binary comes from $NUCLEUS_BIN (set by ctest) or build/nucleus.
"""
import base64
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUCLEUS_BIN = os.environ.get("NUCLEUS_BIN", os.path.join(ROOT, "build", "nucleus"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key(data_dir, name="test"):
    out = subprocess.run([NUCLEUS_BIN, "keys", "create", "--data", data_dir, "--name", name],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


class Server:
    """A running `nucleus serve` process."""

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/v1/nucleus"
        self.log_path = os.path.join(data_dir, "server.log")
        self.extra_args = list(extra_args)
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [NUCLEUS_BIN, "serve", "--data", self.data_dir, "--listen",
             f"127.0.0.1:{self.port}"] + self.extra_args,
            stdout=log, stderr=log)
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
