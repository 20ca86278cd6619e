// HttpServer: the HTTP/1.1 front end. Serves the Router's routes under an API prefix.
//
// Built to be exposed on a network (docs/design/http_front_end.md):
// - One event-loop thread owns every connection that is not inside a request: it accepts,
//   reads request heads, keeps idle keep-alive connections, enforces the head deadline and the
//   idle timeout, and drains what a refused client still sends ("lingering close"). An idle or
//   slow client costs a file descriptor and its head buffer, never a thread.
// - A complete head goes to a worker, which authenticates the request (Basic "<key>:",
//   x-limited-access-key or Bearer) *before reading any body byte*, refuses a declared body over
//   the route's limit (413) without reading it, answers "100 Continue" when asked, then reads the
//   body under a minimum rate, decoding chunked framing and gzip/deflate/br content with the
//   limit counted on the decoded bytes, runs the handler and writes the response. A body the
//   request did not consume never reaches the next request: the connection is closed instead.
// - Limits on head size, header count and target length (431/414), a connection cap (the
//   oldest idle keep-alive connection is closed to make room; 503 when none is idle).
// Logs one line per request (method, route, status, milliseconds). Stop() stops accepting and
// returns once in-flight requests have finished. Thread-safe after Bind().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "api/context.h"
#include "api/key_cache.h"
#include "nucleus/status.h"
#include "server/router.h"

namespace nucleus::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = pick a free port
  std::string prefix = "/v1/nucleus";
  // The URL clients reach this service at (scheme and host, e.g. "https://nucleus.example.com"),
  // behind a load balancer or proxy: the base of the URLs the server hands out (signed upload
  // URLs, stored images and masks). "" = from each request's Host header.
  std::string public_url;
  // Decoded body limits, by kind of request (413 beyond). JSON bodies are held in memory: the
  // official client's largest request (a batch of 5,000 objects) is ~2 MB.
  uint64_t max_body_bytes = uint64_t{64} << 20;
  // multipart/form-data bodies (local images and masks). Over 1 MiB they are written to an
  // unlinked file in `spool_dir` as they arrive and mapped for the handler: memory stays flat.
  uint64_t max_multipart_bytes = uint64_t{4} << 30;
  std::string spool_dir = "/tmp";
  // Streamed bodies (signed-URL PUT of an async upload: ~270 MB per million boxes), written to
  // storage as they arrive, memory flat.
  uint64_t max_upload_bytes = uint64_t{16} << 30;
  // Workers: requests handled at once. 0 = 4 per core, at least 8: handlers are mostly CPU-bound
  // SQLite reads, so more threads than that only add context switches (docs/benchmarks.md).
  int threads = 0;
  int max_connections = 10000;  // open connections (capped by RLIMIT_NOFILE)
  int head_timeout_ms = 10000;  // from a request head's first byte to its end
  int idle_timeout_ms = 60000;  // keep-alive connection with no request
  // Body reads: the body must keep arriving at this rate after a grace period (mod_reqtimeout's
  // "body=20,MinRate=..."), and a single wait for bytes may not exceed body_idle_timeout_ms.
  int body_grace_ms = 20000;
  uint64_t min_body_rate_bytes_per_s = 16 * 1024;
  int body_idle_timeout_ms = 30000;
  int write_timeout_ms = 60000;
  // After answering on a keep-alive connection, a worker with nothing queued waits this long
  // for the client's next request before handing the connection back to the event loop.
  int keep_alive_wait_us = 2000;  // no progress writing a response for this long closes it
  size_t max_head_bytes = 64 * 1024;
  size_t max_target_bytes = 16 * 1024;
  size_t max_headers = 128;
  int linger_ms = 5000;  // how long a refused request's remaining body is drained at most
  bool log_requests = true;
};

class HttpServer {
 public:
  HttpServer(api::Context& ctx, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Router& router() { return router_; }
  // Routes for paths outside the API prefix, matched on the whole path ("" is "/"), answered
  // without credentials: the dashboard's static assets (server/dashboard.h). Empty by default,
  // so such paths are 404 as before.
  Router& site_router() { return site_router_; }
  // Binds the socket; returns the bound port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop() (blocking).
  Status Serve();
  // Stops accepting, lets in-flight requests finish; Serve() then returns. Any thread, any time.
  void Stop();

  class Impl;

 private:
  ServerOptions options_;
  api::KeyCache keys_;
  Router router_;
  Router site_router_;
  std::unique_ptr<Impl> impl_;
};

// Registers every route of the API. Defined in routes.cc.
void RegisterRoutes(Router& router, api::Context& ctx);

}  // namespace nucleus::server
