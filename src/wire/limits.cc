#include "wire/limits.h"

#include <algorithm>
#include <limits>
#include <string>

namespace nucleus::wire {

Status CheckLength(std::string_view what, std::string_view field, std::string_view value,
                   int64_t max_bytes, std::string_view limit_name) {
  if (static_cast<int64_t>(value.size()) <= max_bytes) return Status::Ok();
  return FieldError(what, field,
                    "is " + std::to_string(value.size()) + " bytes long, over the limit of " +
                        std::to_string(max_bytes) + " (" + std::string(limit_name) + ")");
}

int64_t JsonDepth(JsonValue value, int64_t stop_at) {
  if (stop_at <= 0) return 0;
  int64_t deepest = 0;
  // The object/array is copied out of its simdjson_result first: iterating the result's
  // value_unsafe() directly would borrow from a temporary.
  JsonObject obj;
  JsonArray arr;
  if (value.get(obj) == simdjson::SUCCESS) {
    for (auto field : obj) {
      deepest = std::max(deepest, JsonDepth(field.value, stop_at - 1));
      if (deepest >= stop_at - 1) break;
    }
    return deepest + 1;
  }
  if (value.get(arr) == simdjson::SUCCESS) {
    for (JsonValue e : arr) {
      deepest = std::max(deepest, JsonDepth(e, stop_at - 1));
      if (deepest >= stop_at - 1) break;
    }
    return deepest + 1;
  }
  return 0;
}

Status CheckUserJson(std::string_view what, std::string_view field, JsonValue value,
                     size_t compact_size, const Limits& limits) {
  if (static_cast<int64_t>(compact_size) > limits.max_metadata_bytes) {
    return FieldError(what, field,
                      "is " + std::to_string(compact_size) + " bytes of JSON, over the limit of " +
                          std::to_string(limits.max_metadata_bytes) + " (max_metadata_bytes)");
  }
  if (JsonDepth(value, limits.max_json_depth + 1) > limits.max_json_depth) {
    return FieldError(what, field,
                      "is nested more than " + std::to_string(limits.max_json_depth) +
                          " levels deep (max_json_depth)");
  }
  return Status::Ok();
}

Status CheckCount(std::string_view what, std::string_view field, size_t count, int64_t max,
                  std::string_view limit_name) {
  if (static_cast<int64_t>(count) <= max) return Status::Ok();
  return FieldError(what, field,
                    "has " + std::to_string(count) + " entries, over the limit of " +
                        std::to_string(max) + " (" + std::string(limit_name) + ")");
}

}  // namespace nucleus::wire
