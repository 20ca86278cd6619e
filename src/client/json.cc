// nucleus::Json: parse through simdjson (wire/json_reader.h), print through wire/json_writer.h.
#include "nucleus/json.h"

#include <cmath>

#include "client/json_fields.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus {

int64_t Json::as_int() const {
  if (is_int()) return std::get<int64_t>(v_);
  if (is_double()) return static_cast<int64_t>(std::get<double>(v_));
  return 0;
}

double Json::as_double() const {
  if (is_double()) return std::get<double>(v_);
  if (is_int()) return static_cast<double>(std::get<int64_t>(v_));
  return 0;
}

const std::string& Json::as_string() const {
  static const std::string kEmpty;
  return is_string() ? std::get<std::string>(v_) : kEmpty;
}

const Json::Array& Json::as_array() const {
  static const Array kEmpty;
  return is_array() ? std::get<Array>(v_) : kEmpty;
}

const Json::Object& Json::as_object() const {
  static const Object kEmpty;
  return is_object() ? std::get<Object>(v_) : kEmpty;
}

Json::Array& Json::mutable_array() {
  if (!is_array()) v_ = Array{};
  return std::get<Array>(v_);
}

Json::Object& Json::mutable_object() {
  if (!is_object()) v_ = Object{};
  return std::get<Object>(v_);
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(v_)) {
    if (k == key) return &v;
  }
  return nullptr;
}

Json& Json::operator[](std::string_view key) {
  Object& obj = mutable_object();
  for (auto& [k, v] : obj) {
    if (k == key) return v;
  }
  obj.emplace_back(std::string(key), Json());
  return obj.back().second;
}

size_t Json::size() const {
  if (is_array()) return std::get<Array>(v_).size();
  if (is_object()) return std::get<Object>(v_).size();
  return 0;
}

bool operator==(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::Type::kNull: return true;
    case Json::Type::kBool: return a.as_bool() == b.as_bool();
    case Json::Type::kString: return a.as_string() == b.as_string();
    case Json::Type::kArray: return a.as_array() == b.as_array();
    case Json::Type::kObject: {
      // Key order does not matter for equality (Python dicts compare that way).
      if (a.size() != b.size()) return false;
      for (const auto& [k, v] : a.as_object()) {
        const Json* other = b.find(k);
        if (other == nullptr || !(*other == v)) return false;
      }
      return true;
    }
    case Json::Type::kInt:
    case Json::Type::kDouble: return false;  // handled above
  }
  return false;
}

void Json::dump_to(std::string* out) const {
  switch (type()) {
    case Type::kNull: out->append("null"); return;
    case Type::kBool: out->append(as_bool() ? "true" : "false"); return;
    case Type::kInt: out->append(std::to_string(std::get<int64_t>(v_))); return;
    case Type::kDouble: wire::AppendJsonDouble(std::get<double>(v_), out); return;
    case Type::kString: wire::AppendJsonString(std::get<std::string>(v_), out); return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Json& v : std::get<Array>(v_)) {
        if (!first) out->push_back(',');
        first = false;
        v.dump_to(out);
      }
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : std::get<Object>(v_)) {
        if (!first) out->push_back(',');
        first = false;
        wire::AppendJsonString(k, out);
        out->push_back(':');
        v.dump_to(out);
      }
      out->push_back('}');
      return;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(&out);
  return out;
}

Result<Json> Json::parse(std::string_view text) {
  wire::JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(text, "JSON text"));
  return client::ToJson(doc.root());
}

}  // namespace nucleus
