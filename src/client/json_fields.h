// The field-level JSON vocabulary of src/client: writing one `"key":value,` at a time into an
// object the caller opened, and reading one key of a parsed object. Internal to src/client;
// annotation_json, item_json and evaluation_json are built from these.
//
// Writers append the key, the value and a trailing comma; Close() turns the last comma into
// the closing bracket, so optional keys need no bookkeeping. Keys are our own literals (plain
// identifiers) and are written without escaping; values are escaped. Readers are lenient: a missing key
// or a value of another type reads as the default (Required() is the strict check).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nucleus/json.h"
#include "nucleus/status.h"
#include "wire/json_reader.h"

namespace nucleus::client {

// ----------------------------------------------------------------------------------- writing

void Key(std::string_view key, std::string* out);
void Str(std::string_view key, std::string_view value, std::string* out);
// null when unset.
void OptStr(std::string_view key, const std::optional<std::string>& value, std::string* out);
void Num(std::string_view key, double value, std::string* out);
void Raw(std::string_view key, const Json& value, std::string* out);
// "metadata":{} when `metadata` is null.
void Metadata(const Json& metadata, std::string* out);
// Replaces the trailing comma by `close` (or appends it after an empty object).
void Close(char close, std::string* out);

// ----------------------------------------------------------------------------------- reading

Json ToJson(wire::JsonValue value);
std::string GetStr(wire::JsonObject o, std::string_view key);
std::optional<std::string> GetOptStr(wire::JsonObject o, std::string_view key);
double GetNum(wire::JsonObject o, std::string_view key);
std::optional<double> GetOptNum(wire::JsonObject o, std::string_view key);
int64_t GetInt(wire::JsonObject o, std::string_view key);
bool GetBool(wire::JsonObject o, std::string_view key);
// An empty object when missing or not an object.
wire::JsonObject GetObj(wire::JsonObject o, std::string_view key);
bool GetArr(wire::JsonObject o, std::string_view key, wire::JsonArray* out);
// The "metadata" key as Json; an empty object when missing.
Json GetMetadata(wire::JsonObject o);
// InvalidArgument "{what}: missing \"{key}\"" when `key` is absent.
Status Required(wire::JsonObject o, std::string_view key, std::string_view what);

// Calls `f(wire::JsonObject)` for each element of the array at `key` that is an object; other
// elements are skipped, and a missing or non-array key calls nothing.
template <typename F>
void ForEachObject(wire::JsonObject o, std::string_view key, F f) {
  wire::JsonArray arr;
  if (!GetArr(o, key, &arr)) return;
  for (wire::JsonValue e : arr) {
    wire::JsonObject x;
    if (e.get(x) == simdjson::SUCCESS) f(x);
  }
}

}  // namespace nucleus::client
