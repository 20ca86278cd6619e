#include "client/json_fields.h"

#include "wire/json_writer.h"

namespace nucleus::client {

using wire::JsonArray;
using wire::JsonObject;
using wire::JsonValue;

void Key(std::string_view key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}
void Str(std::string_view key, std::string_view value, std::string* out) {
  Key(key, out);
  wire::AppendJsonString(value, out);
  out->push_back(',');
}
void OptStr(std::string_view key, const std::optional<std::string>& value, std::string* out) {
  Key(key, out);
  if (value) {
    wire::AppendJsonString(*value, out);
  } else {
    out->append("null");
  }
  out->push_back(',');
}
void Num(std::string_view key, double value, std::string* out) {
  Key(key, out);
  wire::AppendJsonDouble(value, out);
  out->push_back(',');
}
void Raw(std::string_view key, const Json& value, std::string* out) {
  Key(key, out);
  value.dump_to(out);
  out->push_back(',');
}
void Metadata(const Json& metadata, std::string* out) {
  Key("metadata", out);
  if (metadata.is_null()) {
    out->append("{}");
  } else {
    metadata.dump_to(out);
  }
  out->push_back(',');
}
void Close(char close, std::string* out) {
  if (!out->empty() && out->back() == ',') {
    out->back() = close;
  } else {
    out->push_back(close);
  }
}

Json ToJson(JsonValue value) {
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return Json();
    case simdjson::dom::element_type::BOOL: return Json(value.get_bool().value_unsafe());
    case simdjson::dom::element_type::INT64: return Json(value.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Json(static_cast<double>(value.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: return Json(value.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING:
      return Json(std::string(value.get_string().value_unsafe()));
    case simdjson::dom::element_type::ARRAY: {
      Json::Array out;
      JsonArray arr;
      if (value.get(arr) != simdjson::SUCCESS) return Json();
      for (JsonValue e : arr) out.push_back(ToJson(e));
      return Json(std::move(out));
    }
    case simdjson::dom::element_type::OBJECT: {
      Json::Object out;
      JsonObject obj;
      if (value.get(obj) != simdjson::SUCCESS) return Json();
      for (auto field : obj) out.emplace_back(std::string(field.key), ToJson(field.value));
      return Json(std::move(out));
    }
  }
  return Json();
}

std::string GetStr(JsonObject o, std::string_view key) {
  JsonValue v;
  std::string_view s;
  if (wire::Find(o, key, &v) && v.get(s) == simdjson::SUCCESS) return std::string(s);
  return {};
}
std::optional<std::string> GetOptStr(JsonObject o, std::string_view key) {
  JsonValue v;
  std::string_view s;
  if (wire::Find(o, key, &v) && v.get(s) == simdjson::SUCCESS) return std::string(s);
  return std::nullopt;
}
double GetNum(JsonObject o, std::string_view key) {
  JsonValue v;
  double d = 0;
  if (wire::Find(o, key, &v)) wire::ToDouble(v, &d);
  return d;
}
std::optional<double> GetOptNum(JsonObject o, std::string_view key) {
  JsonValue v;
  double d = 0;
  if (wire::Find(o, key, &v) && wire::ToDouble(v, &d)) return d;
  return std::nullopt;
}
int64_t GetInt(JsonObject o, std::string_view key) {
  return static_cast<int64_t>(GetNum(o, key));
}
bool GetBool(JsonObject o, std::string_view key) {
  JsonValue v;
  bool b = false;
  if (wire::Find(o, key, &v) && v.get(b) != simdjson::SUCCESS) b = false;
  return b;
}
JsonObject GetObj(JsonObject o, std::string_view key) {
  JsonValue v;
  JsonObject out;
  if (wire::Find(o, key, &v) && v.get(out) != simdjson::SUCCESS) out = JsonObject();
  return out;
}
bool GetArr(JsonObject o, std::string_view key, JsonArray* out) {
  JsonValue v;
  return wire::Find(o, key, &v) && v.get(*out) == simdjson::SUCCESS;
}
Json GetMetadata(JsonObject o) {
  JsonValue v;
  if (wire::Find(o, "metadata", &v)) return ToJson(v);
  return Json::object();
}
Status Required(JsonObject o, std::string_view key, std::string_view what) {
  JsonValue v;
  if (!wire::Find(o, key, &v)) return InvalidArgument(std::string(what) + ": missing \"" +
                                                      std::string(key) + "\"");
  return Status::Ok();
}

}  // namespace nucleus::client
