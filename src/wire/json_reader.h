// Reading request JSON (simdjson DOM) with errors that name the object and the field.
//
// Every getter returns a Status whose message reads like
//   "item 3 (reference_id \"a.jpg\"): field \"width\" must be a number"
// where the first part is the caller's `what`. Absent and null optional fields leave the output
// untouched. Not thread-safe; use one JsonDoc per request.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nucleus/result.h"
#include "nucleus/status.h"

namespace nucleus::wire {

using JsonValue = simdjson::dom::element;
using JsonObject = simdjson::dom::object;
using JsonArray = simdjson::dom::array;

// Owns the parser and the parsed tree of one document.
class JsonDoc {
 public:
  // Parses `text` (a copy is kept with simdjson's padding). `what` names the document in errors,
  // e.g. "request body".
  Status Parse(std::string_view text, std::string_view what = "request body");
  JsonValue root() const { return root_; }

 private:
  simdjson::dom::parser parser_;
  JsonValue root_;
};

// Compact JSON text of `value` (objects keep key order; doubles in shortest round-trip form).
std::string Minify(JsonValue value);

std::string_view TypeName(JsonValue value);

Status AsObject(JsonValue value, std::string_view what, JsonObject* out);
Status AsArray(JsonValue value, std::string_view what, JsonArray* out);

// Looks up `key`; returns false when absent or null.
bool Find(JsonObject obj, std::string_view key, JsonValue* out);

Status GetString(JsonObject obj, std::string_view key, std::string_view what, std::string* out);
Status GetNumber(JsonObject obj, std::string_view key, std::string_view what, double* out);
Status GetObject(JsonObject obj, std::string_view key, std::string_view what, JsonObject* out);
Status GetArray(JsonObject obj, std::string_view key, std::string_view what, JsonArray* out);

Status OptString(JsonObject obj, std::string_view key, std::string_view what,
                 std::optional<std::string>* out);
Status OptString(JsonObject obj, std::string_view key, std::string_view what, std::string* out);
Status OptBool(JsonObject obj, std::string_view key, std::string_view what, bool* out);
// An integer (see ToInt64); anything else — fractional, out of int64 range — is a FieldError.
Status OptInt(JsonObject obj, std::string_view key, std::string_view what, int64_t* out);
Status OptInt(JsonObject obj, std::string_view key, std::string_view what,
              std::optional<int64_t>* out);
// OptInt bounded to [min, max]; outside gives "must be an integer in [min, max], got <number>".
Status OptIntInRange(JsonObject obj, std::string_view key, std::string_view what, int64_t min,
                     int64_t max, int64_t* out);
Status OptNumber(JsonObject obj, std::string_view key, std::string_view what,
                 std::optional<double>* out);
// An object or array kept as compact JSON text; absent/null leave `out` unchanged.
Status OptObjectJson(JsonObject obj, std::string_view key, std::string_view what, std::string* out);
Status OptJson(JsonObject obj, std::string_view key, std::string* out);

// A number (integer or floating) as double; false when `value` is not a number.
bool ToDouble(JsonValue value, double* out);

// An integer that fits int64_t: an int64, a uint64 <= INT64_MAX, or an integral finite double in
// range (1.0, 2e3, -4.0). False for anything else (1e300, 2^64, 0.5, non-numbers); never UB.
bool ToInt64(JsonValue value, int64_t* out);

// "field \"x\" of <what>: <problem>"
Status FieldError(std::string_view what, std::string_view key, std::string_view problem);

}  // namespace nucleus::wire
