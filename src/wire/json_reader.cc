#include "wire/json_reader.h"

#include <cmath>
#include <limits>

namespace nucleus::wire {

Status JsonDoc::Parse(std::string_view text, std::string_view what) {
  auto result = parser_.parse(text.data(), text.size(), /*realloc_if_needed=*/true);
  if (result.error()) {
    return InvalidArgument(std::string(what) + " is not valid JSON: " +
                           simdjson::error_message(result.error()));
  }
  root_ = result.value_unsafe();
  return Status::Ok();
}

std::string Minify(JsonValue value) { return simdjson::minify(value); }

std::string_view TypeName(JsonValue value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "unknown";
}

Status FieldError(std::string_view what, std::string_view key, std::string_view problem) {
  std::string msg = "field \"";
  msg += key;
  msg += "\" of ";
  msg += what;
  msg += ": ";
  msg += problem;
  return InvalidArgument(std::move(msg));
}

namespace {
Status WrongType(std::string_view what, std::string_view key, std::string_view expected,
                 JsonValue got) {
  std::string problem = "must be ";
  problem += expected;
  problem += ", got ";
  problem += TypeName(got);
  return FieldError(what, key, problem);
}
}  // namespace

Status AsObject(JsonValue value, std::string_view what, JsonObject* out) {
  if (!value.is_object()) {
    return InvalidArgument(std::string(what) + " must be a JSON object, got " +
                           std::string(TypeName(value)));
  }
  *out = value.get_object().value_unsafe();
  return Status::Ok();
}

Status AsArray(JsonValue value, std::string_view what, JsonArray* out) {
  if (!value.is_array()) {
    return InvalidArgument(std::string(what) + " must be a JSON array, got " +
                           std::string(TypeName(value)));
  }
  *out = value.get_array().value_unsafe();
  return Status::Ok();
}

bool Find(JsonObject obj, std::string_view key, JsonValue* out) {
  auto field = obj.at_key(key);
  if (field.error()) return false;
  JsonValue v = field.value_unsafe();
  if (v.is_null()) return false;
  *out = v;
  return true;
}

bool ToDouble(JsonValue value, double* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64: *out = static_cast<double>(value.get_int64().value_unsafe()); return true;
    case simdjson::dom::element_type::UINT64: *out = static_cast<double>(value.get_uint64().value_unsafe()); return true;
    case simdjson::dom::element_type::DOUBLE: *out = value.get_double().value_unsafe(); return true;
    default: return false;
  }
}

Status GetString(JsonObject obj, std::string_view key, std::string_view what, std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, key, "is required");
  if (!v.is_string()) return WrongType(what, key, "a string", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

Status GetNumber(JsonObject obj, std::string_view key, std::string_view what, double* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, key, "is required");
  if (!ToDouble(v, out)) return WrongType(what, key, "a number", v);
  return Status::Ok();
}

Status GetObject(JsonObject obj, std::string_view key, std::string_view what, JsonObject* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, key, "is required");
  if (!v.is_object()) return WrongType(what, key, "an object", v);
  *out = v.get_object().value_unsafe();
  return Status::Ok();
}

Status GetArray(JsonObject obj, std::string_view key, std::string_view what, JsonArray* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, key, "is required");
  if (!v.is_array()) return WrongType(what, key, "an array", v);
  *out = v.get_array().value_unsafe();
  return Status::Ok();
}

Status OptString(JsonObject obj, std::string_view key, std::string_view what,
                 std::optional<std::string>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_string()) return WrongType(what, key, "a string", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

Status OptString(JsonObject obj, std::string_view key, std::string_view what, std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_string()) return WrongType(what, key, "a string", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

Status OptBool(JsonObject obj, std::string_view key, std::string_view what, bool* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_bool()) return WrongType(what, key, "a boolean", v);
  *out = v.get_bool().value_unsafe();
  return Status::Ok();
}

bool ToInt64(JsonValue value, int64_t* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      *out = value.get_int64().value_unsafe();
      return true;
    case simdjson::dom::element_type::UINT64: {
      const uint64_t u = value.get_uint64().value_unsafe();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
      *out = static_cast<int64_t>(u);
      return true;
    }
    case simdjson::dom::element_type::DOUBLE: {
      const double d = value.get_double().value_unsafe();
      // [-2^63, 2^63): both bounds are exact doubles, so the cast below is defined.
      constexpr double kLimit = 9223372036854775808.0;
      if (!std::isfinite(d) || d != std::floor(d) || d < -kLimit || d >= kLimit) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;
  }
}

Status OptInt(JsonObject obj, std::string_view key, std::string_view what, int64_t* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (ToInt64(v, out)) return Status::Ok();
  if (v.is_number()) {
    return FieldError(what, key, "must be an integer that fits in 64 bits, got " + Minify(v));
  }
  return WrongType(what, key, "an integer", v);
}

Status OptIntInRange(JsonObject obj, std::string_view key, std::string_view what, int64_t min,
                     int64_t max, int64_t* out) {
  int64_t value = *out;
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, key, what, &value));
  if (value < min || value > max) {
    return FieldError(what, key,
                      "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                          "], got " + std::to_string(value));
  }
  *out = value;
  return Status::Ok();
}

Status OptInt(JsonObject obj, std::string_view key, std::string_view what,
              std::optional<int64_t>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  int64_t value = 0;
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, key, what, &value));
  *out = value;
  return Status::Ok();
}

Status OptNumber(JsonObject obj, std::string_view key, std::string_view what,
                 std::optional<double>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  double d = 0;
  if (!ToDouble(v, &d)) return WrongType(what, key, "a number", v);
  *out = d;
  return Status::Ok();
}

Status OptObjectJson(JsonObject obj, std::string_view key, std::string_view what,
                     std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_object()) return WrongType(what, key, "an object", v);
  *out = Minify(v);
  return Status::Ok();
}

Status OptJson(JsonObject obj, std::string_view key, std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  *out = Minify(v);
  return Status::Ok();
}

}  // namespace nucleus::wire
