// HttpServer: serves the Router's routes under an API prefix over cpp-httplib.
//
// Authenticates each request (Basic "<key>:" or x-limited-access-key), logs one line per request
// (method, route, status, milliseconds), answers JSON errors for unknown routes, malformed paths
// and oversized bodies, and shuts down gracefully: Stop() stops accepting and returns once
// in-flight requests have finished. Thread-safe after Start.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "api/context.h"
#include "api/key_cache.h"
#include "nucleus/status.h"
#include "server/router.h"

namespace httplib {
class Server;
}

namespace nucleus::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = pick a free port
  std::string prefix = "/v1/nucleus";
  size_t max_body_bytes = size_t{1} << 30;  // 1 GiB
  int threads = 64;
  bool log_requests = true;
};

class HttpServer {
 public:
  HttpServer(api::Context& ctx, ServerOptions options);
  ~HttpServer();

  Router& router() { return router_; }
  // Binds the socket; returns the bound port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop() (blocking).
  Status Serve();
  void Stop();

 private:
  static constexpr int kListenBacklog = 1024;
  // `content_reader` is httplib's ContentReader for PUT requests (null otherwise).
  void Dispatch(const void* raw_request, void* raw_response, const void* content_reader);

  api::Context& ctx_;
  ServerOptions options_;
  api::KeyCache keys_;
  int listen_fd_ = -1;  // the listening socket, once bound
  Router router_;
  std::unique_ptr<httplib::Server> http_;
};

// Registers every route of the API. Defined in routes.cc.
void RegisterRoutes(Router& router, api::Context& ctx);

}  // namespace nucleus::server
