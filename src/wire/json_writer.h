// JsonWriter: appends compact JSON to a string, with commas handled for you.
//
// Doubles print in shortest round-trip form (std::to_chars), so a value read back parses to the
// identical double; NaN and infinities print as null. Not thread-safe; one writer per output.
//
//   JsonWriter w;
//   w.BeginObject().Key("dataset_id").String(id).Key("new_items").Int(5).EndObject();
//   std::string body = w.Take();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nucleus::wire {

class JsonWriter {
 public:
  JsonWriter() = default;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialised JSON (e.g. stored metadata) as one value. `json` must be valid;
  // an empty view writes null.
  JsonWriter& Raw(std::string_view json);
  // String, or null when `value` is nullptr.
  JsonWriter& StringOrNull(const std::string* value);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  void Reserve(size_t n) { out_.reserve(n); }

 private:
  void BeforeValue();
  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

// Appends `value` as a JSON string literal (quotes included) to `out`.
void AppendJsonString(std::string_view value, std::string* out);
// Appends the shortest round-trip form of `value` ("null" for NaN/inf).
void AppendJsonDouble(double value, std::string* out);

// The characters AppendJsonDouble writes for a finite `value` (std::to_chars' shortest
// round-trip form) into [first, first + 32); returns their end. Integers below 1e5 in magnitude
// take a fast path: to_chars prints them as their digits, since its scientific form is never
// shorter there (tests/wire/json_writer_test.cc checks every one).
char* ShortestDouble(double value, char* first);

// {"error":"<message>"}
std::string ErrorBody(std::string_view message);

}  // namespace nucleus::wire
