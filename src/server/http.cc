#include "server/http.h"

#include "wire/http_status.h"
#include "wire/json_writer.h"

namespace nucleus::server {

const std::string& Request::Param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::string Request::Query(std::string_view key, std::string fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

bool Request::QueryFlag(std::string_view key) const {
  std::string v = Query(key);
  return v == "1" || v == "true" || v == "True";
}

void Response::Error(const Status& s) {
  status = wire::HttpStatusFor(s.code());
  body = wire::ErrorBody(s.message());
  content_type = "application/json";
}

std::string_view Request::Header(std::string_view lower_name) const {
  if (header_fields == nullptr) return {};
  for (const auto& [name, value] : *header_fields) {
    if (name == lower_name) return value;
  }
  return {};
}

}  // namespace nucleus::server
