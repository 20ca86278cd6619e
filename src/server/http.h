// The request/response types route handlers see. Handlers never touch sockets; the HttpServer
// front end fills these from the connection and writes them back.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nucleus/status.h"

namespace nucleus::server {

// One part of a multipart/form-data body, in the order received. `content` views the request's
// body, which lives as long as the Request.
struct FormPart {
  std::string name;
  std::string filename;  // as sent (still percent-encoded if the client encoded it)
  std::string content_type;
  std::string_view content;
};

struct Request {
  std::string method;
  std::string path;  // raw path below the API prefix
  std::map<std::string, std::string, std::less<>> params;  // decoded path captures
  std::multimap<std::string, std::string, std::less<>> query;  // decoded query parameters
  std::string body;  // empty for multipart requests (see parts) and streamed bodies
  // Set instead of `body` on routes with RouteOptions::stream_body: feeds the body to `sink` in
  // pieces as it arrives (memory stays flat whatever the size); stops at the first error.
  std::function<Status(const std::function<Status(std::string_view)>& sink)> read_body;
  std::vector<FormPart> parts;
  bool is_multipart = false;
  // Owns the bytes `parts` view when a large multipart body was spooled to a file and mapped.
  std::shared_ptr<const void> body_storage;
  std::string owner;     // the authenticated principal ("" on unauthenticated routes)
  std::string base_url;  // e.g. "http://127.0.0.1:8080/v1/nucleus", from the Host header
  // The request's header fields (names lower-cased, in the order sent); see Header().
  const std::vector<std::pair<std::string, std::string>>* header_fields = nullptr;

  const std::string& Param(std::string_view name) const;
  bool HasQuery(std::string_view key) const { return query.find(key) != query.end(); }
  std::string Query(std::string_view key, std::string fallback = "") const;
  // True for "1", "true", "True" (the client sends async=1).
  bool QueryFlag(std::string_view key) const;
  // The first value of a header field (`lower_name` in lower case), or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
  // Extra response headers (the front end writes Content-Type, Content-Length, Connection and
  // X-Content-Type-Options itself).
  std::vector<std::pair<std::string, std::string>> headers;

  void Json(std::string json, int http_status = 200) {
    body = std::move(json);
    status = http_status;
  }
  // {"error":"..."} with the HTTP status for `status.code()`.
  void Error(const Status& status);
};

}  // namespace nucleus::server
