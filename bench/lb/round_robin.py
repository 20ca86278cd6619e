#!/usr/bin/env python3
"""A round-robin HTTP/1.1 reverse proxy for trying several `nucleus serve` processes behind
one address on a machine without nginx or HAProxy (README.md, "Scale out"; the acceptance runs
of docs/benchmarks.md). Standard library only; for tests and benchmarks on 127.0.0.1, not for
production (use docs/deploy/nginx.conf or haproxy.cfg).

Every request (not every connection) goes to the next backend in turn, so a client's
keep-alive connection is spread over all servers. Request bodies are read whole (Content-Length
or chunked) and forwarded with a Content-Length; responses are streamed back.

    python3 bench/lb/round_robin.py --listen 127.0.0.1:8080 \\
        --backend 127.0.0.1:8081 --backend 127.0.0.1:8082 --backend 127.0.0.1:8083
"""
import argparse
import http.client
import http.server
import itertools
import signal
import socketserver
import sys
import threading

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade"}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backends = None  # itertools.cycle of (host, port), set by main
    lock = threading.Lock()
    counts = {}

    def log_message(self, *args):  # quiet
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _forward(self):
        body = self._body()
        with Proxy.lock:
            backend = next(Proxy.backends)
            Proxy.counts[backend] = Proxy.counts.get(backend, 0) + 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(*backend, timeout=600)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            conn.close()
            msg = b'{"error":"proxy: backend unreachable"}'
            self.send_response(502)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            print(f"backend {backend}: {e}", file=sys.stderr)
            return
        self.send_response_only(resp.status, resp.reason)
        chunked = resp.getheader("Content-Length") is None and self.command != "HEAD"
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while True:
            piece = resp.read1(1 << 16) if self.command != "HEAD" else b""
            if not piece:
                break
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1:8080")
    p.add_argument("--backend", action="append", required=True, help="HOST:PORT (repeat)")
    a = p.parse_args()
    backends = []
    for b in a.backend:
        host, port = b.rsplit(":", 1)
        backends.append((host, int(port)))
    Proxy.backends = itertools.cycle(backends)
    host, port = a.listen.rsplit(":", 1)
    srv = Server((host, int(port)), Proxy)

    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)  # background jobs of a script ignore SIGINT
    print(f"round_robin: http://{host}:{srv.server_address[1]} -> {a.backend}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print("requests per backend:", {f"{h}:{p}": n for (h, p), n in Proxy.counts.items()},
              flush=True)


if __name__ == "__main__":
    main()
