#include "wire/bodies.h"

namespace nucleus::wire {

Status ParseBodyObject(std::string_view body, std::string_view method, JsonDoc* doc,
                       JsonObject* obj) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (method == "POST" || method == "PUT") {
      return InvalidArgument("request body must be a JSON object, got an empty body");
    }
    body = "{}";
  }
  NUCLEUS_RETURN_IF_ERROR(doc->Parse(body));
  return AsObject(doc->root(), "request body", obj);
}

Status ReadStringList(JsonObject obj, std::string_view key, std::string_view what,
                      std::vector<std::string>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  JsonArray array;
  if (!v.is_array() || v.get(array) != simdjson::SUCCESS) {
    return FieldError(what, key, "must be an array of strings");
  }
  for (JsonValue e : array) {
    if (!e.is_string()) return FieldError(what, key, "must be an array of strings");
    out->emplace_back(e.get_string().value_unsafe());
  }
  return Status::Ok();
}

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& values) {
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

Result<std::vector<std::string>> DecodeStringListChange(std::string_view body,
                                                        std::string_view method,
                                                        std::string_view list_key) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, method, &doc, &obj));
  std::vector<std::string> values;
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(obj, list_key, "request body", &values));
  return values;
}

std::string EncodeStringListChange(std::string_view id_key, std::string_view id,
                                   std::string_view list_key,
                                   const std::vector<std::string>& values) {
  JsonWriter w;
  w.BeginObject().Key(id_key).String(id).Key(list_key);
  WriteStringArray(w, values);
  return w.EndObject().Take();
}

}  // namespace nucleus::wire
