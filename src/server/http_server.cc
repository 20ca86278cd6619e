#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "core/log.h"
#include "core/strings.h"
#include "server/http.h"
#include "wire/json_writer.h"

namespace nucleus::server {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The API key from "Authorization: Basic base64(key:)" or "x-limited-access-key: key".
std::string CredentialOf(const httplib::Request& req) {
  std::string limited = req.get_header_value("x-limited-access-key");
  if (!limited.empty()) return limited;
  std::string auth = req.get_header_value("Authorization");
  if (core::StartsWith(auth, "Basic ") || core::StartsWith(auth, "basic ")) {
    std::string decoded;
    if (!core::Base64Decode(auth.substr(6), &decoded)) return "";
    return decoded.substr(0, decoded.find(':'));
  }
  if (core::StartsWith(auth, "Bearer ")) return auth.substr(7);
  return "";
}

// Splits a request target into the raw path and the decoded query parameters.
void SplitTarget(const std::string& target, std::string* path,
                 std::multimap<std::string, std::string, std::less<>>* query) {
  size_t q = target.find('?');
  *path = target.substr(0, q);
  if (q == std::string::npos) return;
  for (std::string_view pair : core::Split(std::string_view(target).substr(q + 1), '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    std::string raw_key(pair.substr(0, eq));
    std::string raw_value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    for (char& c : raw_value) {
      if (c == '+') c = ' ';
    }
    if (!core::PercentDecode(raw_key, &key)) key = raw_key;
    if (!core::PercentDecode(raw_value, &value)) value = raw_value;
    query->emplace(std::move(key), std::move(value));
  }
}

}  // namespace

HttpServer::HttpServer(api::Context& ctx, ServerOptions options)
    : ctx_(ctx),
      options_(std::move(options)),
      keys_(ctx.store),
      http_(std::make_unique<httplib::Server>()) {
  int threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_tcp_nodelay(true);
  // httplib listens with a backlog of 5: 32 clients connecting at once overflow it, and every
  // dropped handshake costs the client a 1 s retransmit (requests of 1-2 s in wrk's tail, and
  // TcpExtListenOverflows in nstat). Remember the socket to raise the backlog in Bind().
  http_->set_socket_options([this](int sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = sock;
  });
  http_->set_keep_alive_max_count(100000);
  // An idle keep-alive connection holds a worker until this passes, also at shutdown: keep it
  // short so SIGTERM exits promptly (busy connections are unaffected: each request resets it).
  http_->set_keep_alive_timeout(3);
  http_->set_read_timeout(300, 0);
  http_->set_write_timeout(300, 0);

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(&req, &res, nullptr);
  };
  http_->Get(".*", handler);
  http_->Post(".*", handler);
  http_->Delete(".*", handler);
  http_->Patch(".*", handler);
  http_->Options(".*", handler);
  // PUT bodies (signed-URL uploads) can be large: routes that stream read them in pieces.
  http_->Put(".*", [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) { Dispatch(&req, &res, &reader); });
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 413 ? "request body is too large"
                                            : "request could not be handled (HTTP " +
                                                  std::to_string(res.status) + ")";
    res.set_content(wire::ErrorBody(message), "application/json");
    core::LogInfo(req.method + " " + req.path + " " + std::to_string(res.status) + " 0ms");
  });
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  int port = options_.port == 0 ? http_->bind_to_any_port(options_.host)
                                : (http_->bind_to_port(options_.host, options_.port)
                                       ? options_.port
                                       : -1);
  if (port < 0) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port));
  }
  // listen(2) again on a listening socket only changes its backlog.
  if (listen_fd_ >= 0) (void)::listen(listen_fd_, kListenBacklog);
  return port;
}

Status HttpServer::Serve() {
  if (!http_->listen_after_bind()) return Internal("server stopped with an error");
  return Status::Ok();
}

void HttpServer::Stop() {
  if (http_) http_->stop();
}

void HttpServer::Dispatch(const void* raw_request, void* raw_response,
                          const void* content_reader) {
  const auto& hreq = *static_cast<const httplib::Request*>(raw_request);
  auto& hres = *static_cast<httplib::Response*>(raw_response);
  auto start = std::chrono::steady_clock::now();

  Request req;
  Response res;
  std::string route = "-";
  std::string path;
  SplitTarget(hreq.target.empty() ? hreq.path : hreq.target, &path, &req.query);

  auto finish = [&] {
    hres.status = res.status;
    // As set_content, without copying the body.
    hres.body = std::move(res.body);
    hres.set_header("Content-Type", res.content_type);
    if (options_.log_requests) {
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count();
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.1fms", ms);
      core::LogInfo(hreq.method + " " + route + " " + std::to_string(res.status) + " " + buf);
    }
  };

  if (path == "/healthz") {
    route = "/healthz";
    res.Json("{\"status\":\"ok\"}");
    return finish();
  }
  if (!core::StartsWith(path, options_.prefix) ||
      (path.size() > options_.prefix.size() && path[options_.prefix.size()] != '/')) {
    res.Error(NotFound("no such route: " + hreq.method + " " + path));
    return finish();
  }
  req.method = hreq.method;
  req.path = path.substr(options_.prefix.size());

  Router::Match match;
  if (!router_.Find(req.method, req.path, &match)) {
    res.Error(match.path_known ? Status(StatusCode::kNotFound, "method " + req.method +
                                                                   " not allowed on " + req.path)
                               : NotFound("no such route: " + req.method + " " + req.path));
    if (match.path_known) res.status = 405;
    return finish();
  }
  route = match.pattern;
  req.params = std::move(match.params);
  for (const auto& [name, value] : hreq.headers) req.headers.emplace(Lower(name), value);
  std::string host = hreq.get_header_value("Host");
  if (host.empty()) host = options_.host + ":" + std::to_string(hreq.local_port);
  req.base_url = "http://" + host + options_.prefix;

  if (match.options.requires_auth) {
    Result<std::string> owner = keys_.Authenticate(CredentialOf(hreq));
    if (!owner.ok()) {
      res.Error(owner.status());
      return finish();
    }
    req.owner = *owner;
  }

  if (content_reader != nullptr) {
    const auto& reader = *static_cast<const httplib::ContentReader*>(content_reader);
    const size_t limit = options_.max_body_bytes;
    req.read_body = [&reader, &hreq, limit](const std::function<Status(std::string_view)>& sink) {
      Status status;
      const bool complete = reader([&](const char* data, size_t n) {
        status = sink(std::string_view(data, n));
        return status.ok();
      });
      if (complete || !status.ok()) return status;
      // httplib stopped before the sink did: the body is over its limit (then the sink never
      // saw a byte) or the connection broke. Never let a route take a partial body as whole.
      if (hreq.get_header_value<uint64_t>("Content-Length") > limit) {
        return PayloadTooLarge("request body is larger than the server's limit of " +
                               std::to_string(limit) + " bytes (see --max-body-mb)");
      }
      return InvalidArgument("the request body could not be read in full");
    };
    if (!match.options.stream_body) {
      Status read = req.read_body([&](std::string_view piece) -> Status {
        if (req.body.size() + piece.size() > limit) {
          return PayloadTooLarge("request body is larger than the server's limit of " +
                                 std::to_string(limit) + " bytes");
        }
        req.body.append(piece);
        return Status::Ok();
      });
      req.read_body = nullptr;
      if (!read.ok()) {
        res.Error(read);
        return finish();
      }
    }
  } else if (hreq.is_multipart_form_data()) {
    req.is_multipart = true;
    for (const auto& [name, file] : hreq.files) {
      req.parts.push_back(FormPart{file.name, file.filename, file.content_type, file.content});
    }
  } else {
    req.body = hreq.body;
  }

  try {
    (*match.handler)(req, res);
  } catch (const std::exception& e) {
    core::LogError(std::string("handler threw: ") + e.what());
    res.Error(Internal(std::string("internal error: ") + e.what()));
  }
  finish();
}

}  // namespace nucleus::server
