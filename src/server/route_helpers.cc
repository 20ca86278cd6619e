#include "server/route_helpers.h"

namespace nucleus::server {

Status ParseBodyObject(const Request& req, wire::JsonDoc* doc, wire::JsonObject* obj) {
  return wire::ParseBodyObject(req.body, req.method, doc, obj);
}

Status CheckBatchSize(std::string_view field, size_t count, const core::Limits& limits) {
  return wire::CheckCount("request body", field, count, limits.max_batch_objects,
                          "max_batch_objects");
}

}  // namespace nucleus::server
