// Json: a small, std-only JSON value for user data the SDK passes through (metadata, class
// schemas, server answers returned "unchanged" such as ModelRun::info()).
//
// Objects keep their key order. Integers and floating-point numbers are distinct kinds so that a
// value read back prints exactly as it was sent (doubles in shortest round-trip form). A value type:
// copies are deep, and it is thread-compatible.
//
//   nucleus::Json meta = nucleus::Json::object({{"weather", "sunny"}, {"speed", 12.5}});
//   meta["tags"] = nucleus::Json::array({"a", "b"});
//   std::string text = meta.dump();   // {"weather":"sunny","speed":12.5,"tags":["a","b"]}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "nucleus/result.h"

namespace nucleus {

class Json {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;  // null
  Json(std::nullptr_t) {}                        // NOLINT: implicit by design
  Json(bool b) : v_(b) {}                        // NOLINT
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                                         int> = 0>
  Json(T i) : v_(static_cast<int64_t>(i)) {}     // NOLINT
  Json(double d) : v_(d) {}                      // NOLINT
  Json(float d) : v_(static_cast<double>(d)) {}  // NOLINT
  Json(const char* s) : v_(std::string(s)) {}    // NOLINT
  Json(std::string s) : v_(std::move(s)) {}      // NOLINT
  Json(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Json(Array a) : v_(std::move(a)) {}            // NOLINT
  Json(Object o) : v_(std::move(o)) {}           // NOLINT

  static Json object(std::initializer_list<Member> members = {}) { return Json(Object(members)); }
  static Json array(std::initializer_list<Json> values = {}) { return Json(Array(values)); }

  // Parses JSON text; InvalidArgument naming the problem when it is not valid JSON.
  static Result<Json> parse(std::string_view text);
  // Compact JSON text.
  std::string dump() const;
  // Appends the compact JSON text to `out`.
  void dump_to(std::string* out) const;

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors return a default (false, 0, "", empty) when the kind does not match.
  bool as_bool() const { return is_bool() ? std::get<bool>(v_) : false; }
  int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;
  Array& mutable_array();    // turns null into an empty array first
  Object& mutable_object();  // turns null into an empty object first

  // Object member lookup; nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Member access that inserts null when absent (turns null into an object first).
  Json& operator[](std::string_view key);
  // Array element; requires is_array() and i < size().
  const Json& operator[](size_t i) const { return as_array()[i]; }
  // Elements of an array or members of an object; 0 otherwise.
  size_t size() const;
  bool empty() const { return size() == 0; }

  // Deep equality; an int and a double with the same value are equal (as in Python).
  friend bool operator==(const Json& a, const Json& b);
  friend bool operator!=(const Json& a, const Json& b) { return !(a == b); }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

}  // namespace nucleus
