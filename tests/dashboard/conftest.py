"""The dashboard's browser tests: a live `nucleus serve` on free ports with a temporary data
directory, driven by headless Chromium through Selenium (Debian chromium, chromium-driver,
python3-selenium). Every test fails on a console error or a failed request (Chromium logs both
as SEVERE browser-log entries), except the ones a test names as expected."""
import base64
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import zlib

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

NUCLEUS_BIN = os.environ.get("NUCLEUS_BIN", "../../build/nucleus")


def create_key(data_dir, name):
    out = subprocess.run([NUCLEUS_BIN, "keys", "create", "--data", data_dir, "--name", name],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


class Server:
    """`nucleus serve` with its API on a free port and its dashboard on another (read from the
    "dashboard at" line it prints)."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.log_path = os.path.join(data_dir, "server.log")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [NUCLEUS_BIN, "serve", "--data", data_dir, "--listen", "127.0.0.1:0",
             "--dashboard", "127.0.0.1:0", "--quiet"], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            text = open(self.log_path).read()
            m = re.search(r"dashboard at (http://[\d.:]+)/", text)
            api = re.search(r"serving (http://[\d.:]+)/v1/nucleus", text)
            if m and api:
                self.url = m.group(1)
                self.api_url = api.group(1)
                return
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + text)
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=20)


class Api:
    """The API as the official client calls it (Basic auth with the key), on `base`."""

    def __init__(self, base, key):
        self.base = base + "/v1/nucleus"
        self.key = key
        token = base64.b64encode(f"{key}:".encode()).decode()
        self.auth = {"Authorization": f"Basic {token}"}

    def get(self, route):
        r = requests.get(f"{self.base}/{route}", headers=self.auth)
        assert r.ok, r.text
        return r.json()

    def post(self, route, payload=None, **kw):
        r = requests.post(f"{self.base}/{route}", json=payload, headers=self.auth, **kw)
        assert r.ok, r.text
        return r.json()


def png(width, height, rgb, rect=None):
    """A PNG of one colour (8-bit RGB), made without any imaging library; `rect` (x, y, w, h,
    colour) is filled with another."""
    rows = []
    for y in range(height):
        row = bytearray(bytes(rgb) * width)
        if rect and rect[1] <= y < rect[1] + rect[3]:
            row[3 * rect[0]:3 * (rect[0] + rect[2])] = bytes(rect[4]) * rect[2]
        rows.append(b"\x00" + bytes(row))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def decode_png(data):
    """(width, height, pixel(x, y) -> (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG
    (what Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6) and body[12] == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])


class Browser:
    """Headless Chromium on the dashboard. check() fails on SEVERE log entries (console errors,
    failed requests) not matching one of `allowed` (regexes)."""

    def __init__(self, url):
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                    "--force-device-scale-factor=1", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.url = url

    def open(self, hash_=""):
        self.driver.get(self.url + "/" + hash_)

    def go(self, hash_):
        self.driver.execute_script("location.hash = arguments[0]", hash_)

    def sign_in(self, key):
        self.open("#/signin")
        box = self.wait_for("#api-key")
        box.send_keys(key)
        self.driver.find_element(By.CSS_SELECTOR, "#signin button").click()

    def wait_for(self, css, timeout=10):
        return WebDriverWait(self.driver, timeout).until(
            lambda d: (d.find_elements(By.CSS_SELECTOR, css) or [None])[0])

    def text(self, css):
        return self.wait_for(css).text

    def check(self, allowed=()):
        bad = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE" and
               not any(re.search(a, e["message"]) for a in allowed)]
        assert not bad, bad

    def quit(self):
        self.driver.quit()


@pytest.fixture(scope="session")
def server():
    data_dir = tempfile.mkdtemp(prefix="nucleus-dash-")
    keys = [create_key(data_dir, "first"), create_key(data_dir, "second")]
    srv = Server(data_dir)
    srv.keys = keys
    yield srv
    code = srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    assert code == 0


@pytest.fixture(scope="session")
def api(server):
    return Api(server.url, server.keys[0])


@pytest.fixture(scope="session")
def other_api(server):
    return Api(server.url, server.keys[1])


@pytest.fixture
def browser(server):
    b = Browser(server.url)
    yield b
    b.quit()
