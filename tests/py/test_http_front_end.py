"""The HTTP front end against hostile and odd clients (issue 10, point 2), over raw sockets.

Each test checks what a client sees on the wire: credentials are checked before any body byte
is read, one decoded-body limit holds for every encoding, heads and connections are bounded,
and an unread body never reaches the next request on a keep-alive connection.
"""
import base64
import gzip
import json
import shutil
import socket
import tempfile
import threading
import time
import zlib

import pytest
import requests

from conftest import Api, Server, create_key


@pytest.fixture(scope="module")
def srv():
    data_dir = tempfile.mkdtemp(prefix="nucleus-http-")
    key = create_key(data_dir)
    s = Server(data_dir, ["--max-body-mb", "1", "--head-timeout-s", "1",
                          "--idle-timeout-s", "30", "--max-connections", "40",
                          "--min-body-rate-kib", "1", "--max-multipart-mb", "8"]).start()
    s.key = key
    s.api = Api(s.base, key)
    yield s
    assert s.stop() == 0
    shutil.rmtree(data_dir, ignore_errors=True)


def auth_header(key):
    return "Authorization: Basic " + base64.b64encode(f"{key}:".encode()).decode() + "\r\n"


class Conn:
    """A raw client connection that keeps bytes received past one response."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.leftover = b""

    def sendall(self, data):
        self.sock.sendall(data)

    def recv(self, n):
        if self.leftover:
            data, self.leftover = self.leftover, b""
            return data
        return self.sock.recv(n)

    def settimeout(self, t):
        self.sock.settimeout(t)

    def close(self):
        self.sock.close()


def connect(srv):
    return Conn(srv.port)


def read_response(sock, head_only=False):
    """Reads one HTTP response; returns (status, headers dict, body bytes)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response head: %r" % buf)
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if status == 100:
        sock.leftover = rest
        return status, headers, b""
    n = 0 if head_only else int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    sock.leftover = rest[n:]
    return status, headers, rest[:n]


def closed_by_peer(sock, timeout=5):
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def new_dataset(srv):
    r = srv.api.post("dataset/create", {"name": "http"})
    assert r.status_code == 200, r.text
    return r.json()["dataset_id"]


def item_count(srv, ds):
    r = srv.api.get(f"dataset/{ds}/info")
    assert r.status_code == 200, r.text
    return r.json()["length"]


def test_unauthenticated_body_is_never_read(srv):
    """A 512 MiB Content-Length without credentials: 401 after the head alone."""
    ds = new_dataset(srv)
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n"
               f"Content-Type: application/json\r\nContent-Length: {512 << 20}\r\n\r\n").encode())
    status, headers, body = read_response(s)  # answered with no body byte sent
    assert status == 401
    assert "error" in json.loads(body)
    assert headers.get("connection") == "close"
    s.close()


def test_declared_body_over_the_limit_is_refused_before_it_is_sent(srv):
    ds = new_dataset(srv)
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n" + auth_header(srv.key) +
               f"Content-Length: {2 << 20}\r\n\r\n").encode())
    status, _, body = read_response(s)
    assert status == 413
    assert "--max-body-mb" in json.loads(body)["error"]
    s.close()


def chunked(data, piece=65536):
    out = b""
    for i in range(0, len(data), piece):
        part = data[i:i + piece]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def items_body(n, prefix="i"):
    return json.dumps({"items": [{"reference_id": f"{prefix}{i}",
                                  "image_url": f"s3://b/{prefix}{i}.jpg"} for i in range(n)]}).encode()


def test_chunked_body_over_the_limit_is_413_and_nothing_is_stored(srv):
    ds = new_dataset(srv)
    body = items_body(30000)  # > 1 MiB
    assert len(body) > (1 << 20)
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n" + auth_header(srv.key) +
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    try:
        s.sendall(chunked(body))
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, _, msg = read_response(s)
    assert status == 413, msg
    s.close()
    assert item_count(srv, ds) == 0


def test_gzip_bomb_is_413_and_nothing_is_stored(srv):
    ds = new_dataset(srv)
    # Valid JSON that inflates past the limit: a long run of spaces before the object.
    raw = b" " * (64 << 20) + items_body(2)
    bomb = gzip.compress(raw, 9)
    assert len(bomb) < (1 << 20)
    r = requests.post(f"{srv.base}/dataset/{ds}/append", data=bomb,
                      headers={**srv.api.headers, "Content-Encoding": "gzip"})
    assert r.status_code == 413, r.text
    assert item_count(srv, ds) == 0


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_compressed_bodies_are_decoded(srv, coding):
    ds = new_dataset(srv)
    body = items_body(3, prefix=coding)
    if coding == "gzip":
        data = gzip.compress(body)
    elif coding == "deflate":
        data = zlib.compress(body)
    else:
        import brotli  # python3-brotli, installed by scripts/deps.sh
        data = brotli.compress(body)
    r = requests.post(f"{srv.base}/dataset/{ds}/append", data=data,
                      headers={**srv.api.headers, "Content-Encoding": coding})
    assert r.status_code == 200, r.text
    assert item_count(srv, ds) == 3


def test_chunked_body_within_the_limit_is_accepted(srv):
    ds = new_dataset(srv)
    body = items_body(5)
    r = requests.post(f"{srv.base}/dataset/{ds}/append", data=iter([body[:10], body[10:]]),
                      headers=srv.api.headers)
    assert r.status_code == 200, r.text
    assert item_count(srv, ds) == 5


def test_get_with_json_bodies_on_keep_alive_never_desyncs(srv):
    """The official client sends {} on GETs; errors before the body is read must not leave it
    on the connection for the next request to be parsed as a method."""
    ds = new_dataset(srv)
    sess = requests.Session()
    sess.headers.update(srv.api.headers)
    statuses = []
    for i in range(30):
        statuses.append(sess.get(f"{srv.base}/dataset/{ds}/info", json={}).status_code)
        statuses.append(sess.get(f"{srv.base}/no/such/route", json={}).status_code)
        statuses.append(sess.get(f"{srv.base}/dataset/{ds}/info", json={"x": "y" * i},
                                 headers={"Authorization": "Basic bm9wZTo="}).status_code)
        statuses.append(sess.post(f"{srv.base}/dataset/{ds}/append", json={"items": []}).status_code)
    assert statuses.count(200) == 60
    assert statuses.count(404) == 30
    assert statuses.count(401) == 30


def test_pipelined_requests_are_answered_in_order(srv):
    s = connect(srv)
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    post = (f"POST /v1/nucleus/dataset/create HTTP/1.1\r\nHost: x\r\n" + auth_header(srv.key) +
            "Content-Length: 15\r\n\r\n{\"name\":\"pipe\"}").encode()
    s.sendall(req + post + req)
    assert read_response(s)[0] == 200
    status, _, body = read_response(s)
    assert status == 200 and "dataset_id" in json.loads(body)
    status, _, body = read_response(s)
    assert status == 200 and json.loads(body) == {"status": "ok"}
    s.close()


def test_expect_continue_is_answered_only_after_authentication(srv):
    ds = new_dataset(srv)
    body = items_body(2, prefix="exp")
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n" + auth_header(srv.key) +
               f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode())
    status, _, _ = read_response(s)
    assert status == 100
    s.sendall(body)
    status, _, msg = read_response(s)
    assert status == 200, msg
    s.close()
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n"
               f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode())
    status, _, _ = read_response(s)
    assert status == 401
    s.close()


def test_header_limits(srv):
    s = connect(srv)
    s.sendall(b"GET /healthz HTTP/1.1\r\n" + b"".join(b"h%d: v\r\n" % i for i in range(10000)) + b"\r\n")
    assert read_response(s)[0] == 431
    s.close()
    s = connect(srv)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nBig: " + b"a" * (1 << 20) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert read_response(s)[0] == 431
    s.close()
    s = connect(srv)
    try:
        s.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert read_response(s)[0] == 414
    s.close()


def test_request_smuggling_shapes_are_refused(srv):
    s = connect(srv)
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert read_response(s)[0] == 400
    s.close()
    s = connect(srv)
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
    assert read_response(s)[0] == 501
    s.close()


def test_slow_head_is_cut_at_the_head_deadline_while_others_are_served(srv):
    slow = [connect(srv) for _ in range(20)]
    for s in slow:
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
    start = time.time()
    for _ in range(3):
        for s in slow:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        assert requests.get(f"http://127.0.0.1:{srv.port}/healthz", timeout=2).status_code == 200
        time.sleep(0.5)
    # --head-timeout-s 1: every slow connection is closed (after a 408) well before 10 s.
    for s in slow:
        assert closed_by_peer(s, timeout=10)
        s.close()
    assert time.time() - start < 10


def test_idle_connections_beyond_the_cap_make_room_for_new_clients(srv):
    idle = []
    for _ in range(60):  # --max-connections 40
        s = connect(srv)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
        idle.append(s)
    # The newest clients were served: the oldest idle ones were closed to make room.
    r = requests.get(f"{srv.base}/dataset/", headers=srv.api.headers, timeout=5)
    assert r.status_code == 200
    closed = sum(1 for s in idle[:20] if closed_by_peer(s, timeout=0.5))
    assert closed >= 15
    for s in idle:
        s.close()


def test_silent_connections_beyond_the_cap_cannot_lock_clients_out(srv):
    """Connections that never send a byte hold no request: at the cap the oldest are closed."""
    silent = [connect(srv) for _ in range(80)]  # --max-connections 40
    for _ in range(5):
        r = requests.get(f"{srv.base}/dataset/", headers=srv.api.headers, timeout=5)
        assert r.status_code == 200
    assert sum(1 for s in silent[:20] if closed_by_peer(s, timeout=0.5)) >= 15
    for s in silent:
        s.close()


def test_signed_put_refused_before_reading_closes_instead_of_desyncing(srv):
    ds = new_dataset(srv)
    s = connect(srv)
    body = b'{"reference_id": "a"}\n' * 1000
    s.sendall((f"PUT /v1/nucleus/upload/{ds}/r1?expires=1&sig=bad HTTP/1.1\r\nHost: x\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:100])
    status, headers, _ = read_response(s)
    assert status in (400, 401, 403, 404)
    assert headers.get("connection") == "close"
    s.close()


def test_head_method_has_no_body(srv):
    s = connect(srv)
    s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = read_response(s, head_only=True)
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(s)[0] == 200
    s.close()


def test_every_response_says_nosniff(srv):
    r = requests.get(f"http://127.0.0.1:{srv.port}/healthz")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = requests.get(f"{srv.base}/no/such")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_slow_body_is_cut(srv):
    """An authenticated body that stops arriving: answered and closed, the server keeps serving."""
    ds = new_dataset(srv)
    s = connect(srv)
    s.sendall((f"POST /v1/nucleus/dataset/{ds}/append HTTP/1.1\r\nHost: x\r\n" + auth_header(srv.key) +
               "Content-Length: 100000\r\n\r\n{").encode())
    results = []
    t = threading.Thread(target=lambda: results.append(closed_by_peer(s, timeout=60)))
    t.start()
    # Meanwhile other clients are served.
    for _ in range(5):
        assert requests.get(f"http://127.0.0.1:{srv.port}/healthz", timeout=2).ok
    t.join()
    assert results == [True]
    s.close()


def multipart_append(srv, ds, ref, image, chunked_body=False):
    items = json.dumps([{"reference_id": ref, "image_url": f"{ref}.png", "metadata": {},
                         "update": False}])
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"items\"\r\n"
            f"Content-Type: application/json\r\n\r\n{items}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"{ref}.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += image + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": srv.api.headers["Authorization"],
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    data = iter([body[:1000], body[1000:]]) if chunked_body else body
    return requests.post(f"{srv.base}/dataset/{ds}/append", data=data, headers=headers)


@pytest.mark.parametrize("chunked_body", [False, True])
def test_large_multipart_image_is_spooled_and_stored_whole(srv, chunked_body):
    """Over 1 MiB a multipart body is written to disk as it arrives (its own limit,
    --max-multipart-mb, not --max-body-mb's 1 MiB here) and the image comes back intact."""
    ds = new_dataset(srv)
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (3 << 12)  # ~3 MiB
    r = multipart_append(srv, ds, "big", image, chunked_body)
    assert r.status_code == 200, r.text
    assert r.json()["new_items"] == 1
    url = srv.api.get(f"dataset/{ds}/refloc/big").json()["item"]["image_url"]
    assert requests.get(url).content == image


def test_multipart_over_its_own_limit_is_413(srv):
    ds = new_dataset(srv)
    r = multipart_append(srv, ds, "huge", b"\0" * (9 << 20))
    assert r.status_code == 413
    assert "--max-multipart-mb" in r.json()["error"]
    assert item_count(srv, ds) == 0
