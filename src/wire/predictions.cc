#include "wire/predictions.h"

#include <memory>
#include <mutex>
#include <utility>

#include "wire/annotations.h"
#include "wire/json_writer.h"
#include "wire/limits.h"

namespace nucleus::wire {
namespace {

// Group keys the client accepts (predictions.md §2.2), in output order.
constexpr std::string_view kGroups[kPredictionGroupCount] = {
    "box", "line", "polygon", "keypoints", "cuboid", "category", "segmentation"};
constexpr size_t kCategoryGroup = 5;

// Parsers for upload bodies, reused across requests: a fresh simdjson parser allocates (and the
// kernel zeroes) buffers sized to the multi-megabyte body every time, which cost as much as
// parsing the 5,000 objects (docs/benchmarks.md, "Prediction ingest"). At most kKept stay cached.
class DocPool {
 public:
  std::unique_ptr<JsonDoc> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<JsonDoc> doc = std::move(free_.back());
        free_.pop_back();
        return doc;
      }
    }
    return std::make_unique<JsonDoc>();
  }
  void Give(std::unique_ptr<JsonDoc> doc) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kKept) free_.push_back(std::move(doc));
  }

 private:
  static constexpr size_t kKept = 4;
  std::mutex mu_;
  std::vector<std::unique_ptr<JsonDoc>> free_;
};

DocPool& UploadDocs() {
  static DocPool* pool = new DocPool();  // never destroyed: used by server threads until exit
  return *pool;
}

// A pooled JsonDoc for the duration of one decode.
class PooledDoc {
 public:
  PooledDoc() : doc_(UploadDocs().Take()) {}
  ~PooledDoc() { UploadDocs().Give(std::move(doc_)); }
  PooledDoc(const PooledDoc&) = delete;
  PooledDoc& operator=(const PooledDoc&) = delete;
  JsonDoc* get() { return doc_.get(); }

 private:
  std::unique_ptr<JsonDoc> doc_;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

// Past the string starting at text[pos] (a '"'); npos when it does not end.
size_t SkipString(std::string_view text, size_t pos) {
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '\\') {
      ++pos;
    } else if (text[pos] == '"') {
      return pos + 1;
    }
  }
  return std::string_view::npos;
}

// Past the JSON value starting at text[pos]; npos when it does not end.
size_t SkipValue(std::string_view text, size_t pos) {
  int depth = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"') {
      pos = SkipString(text, pos);
      if (pos == std::string_view::npos) return pos;
      if (depth == 0) return pos;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return pos;  // a scalar ended by its container
      if (--depth == 0) return pos + 1;
    } else if (depth == 0 && (c == ',' || IsSpace(c))) {
      return pos;  // a scalar ended
    }
    ++pos;
  }
  return depth == 0 ? pos : std::string_view::npos;
}

// Where the first element of the top-level array `key` of `body` (a JSON object) starts, when it
// follows the '[' directly; npos otherwise. Only a hint for the canonical pass-through
// (wire::ParseAnnotation with a source): whatever it returns, payloads are what the parser
// writes, so a body it cannot follow only costs the re-serialisation it would have saved.
size_t FirstElementOf(std::string_view body, std::string_view key) {
  constexpr size_t npos = std::string_view::npos;
  size_t pos = SkipSpace(body, 0);
  if (pos >= body.size() || body[pos] != '{') return npos;
  pos = SkipSpace(body, pos + 1);
  while (pos < body.size() && body[pos] == '"') {
    const size_t key_end = SkipString(body, pos);
    if (key_end == npos) return npos;
    const bool wanted = body.substr(pos + 1, key_end - pos - 2) == key;
    pos = SkipSpace(body, key_end);
    if (pos >= body.size() || body[pos] != ':') return npos;
    pos = SkipSpace(body, pos + 1);
    if (wanted) return pos < body.size() && body[pos] == '[' ? pos + 1 : npos;
    pos = SkipValue(body, pos);
    if (pos == npos) return npos;
    pos = SkipSpace(body, pos);
    if (pos >= body.size() || body[pos] != ',') return npos;
    pos = SkipSpace(body, pos + 1);
  }
  return npos;
}

// Parses the elements of an "annotations" (or, with `segmentations`, a "segmentations") array;
// `first_index` numbers the objects in error messages. `cursor` is where the array's first
// element starts in `body` (npos: unknown): while elements follow each other with a bare ',',
// the payload of each canonical one is taken from the body as sent.
void DecodeArray(JsonArray array, bool segmentations, int64_t first_index,
                 const core::Limits& limits, std::string_view body, size_t cursor,
                 core::PredictionBatch* batch) {
  AnnotationParseOptions options;
  options.prediction = true;
  options.default_to_mask = segmentations;
  options.limits = &limits;
  batch->objects.reserve(batch->objects.size() + array.size());
  int64_t index = first_index;
  for (JsonValue value : array) {
    std::string_view source;
    if (cursor != std::string_view::npos) source = body.substr(cursor);
    size_t canonical_size = 0;
    Result<core::ParsedAnnotation> parsed =
        ParseAnnotation(value, index, options, source, &canonical_size);
    if (cursor != std::string_view::npos) {
      // Past this element: its canonical bytes, or else the value as sent.
      const size_t end = canonical_size > 0 ? cursor + canonical_size : SkipValue(body, cursor);
      cursor = end < body.size() && body[end] == ',' ? end + 1 : std::string_view::npos;
    }
    if (parsed.ok()) {
      batch->objects.push_back(std::move(parsed).value());
    } else {
      batch->errors.push_back(parsed.status().message());
    }
    ++index;
  }
}

// Whether `body` may hold canonical objects at all: text in the layout of Python's json.dumps
// (", " and ": " between tokens, as the official client sends) never does, and is not searched.
bool MayBeCompact(std::string_view body) {
  const std::string_view head = body.substr(0, 512);
  return head.find("\": ") == std::string_view::npos && head.find(", \"") == std::string_view::npos;
}

}  // namespace

Status DecodePredictionArrays(JsonObject body, const core::Limits& limits,
                              core::PredictionBatch* batch) {
  return DecodePredictionArrays(body, std::string_view(), limits, batch);
}

Status DecodePredictionArrays(JsonObject body, std::string_view text, const core::Limits& limits,
                              core::PredictionBatch* batch) {
  JsonArray arrays[2];
  bool present[2] = {false, false};
  const char* keys[2] = {"annotations", "segmentations"};
  size_t total = 0;
  for (int k = 0; k < 2; ++k) {
    JsonValue v;
    if (!Find(body, keys[k], &v)) continue;
    NUCLEUS_RETURN_IF_ERROR(
        AsArray(v, std::string("field \"") + keys[k] + "\" of request body", &arrays[k]));
    present[k] = true;
    total += arrays[k].size();
  }
  NUCLEUS_RETURN_IF_ERROR(CheckCount("request body", "annotations\" + \"segmentations", total,
                                     limits.max_batch_objects, "max_batch_objects"));
  int64_t count = 0;
  for (int k = 0; k < 2; ++k) {
    if (!present[k]) continue;
    const size_t cursor = text.empty() || !MayBeCompact(text) ? std::string_view::npos
                                                              : FirstElementOf(text, keys[k]);
    DecodeArray(arrays[k], k == 1, count, limits, text, cursor, batch);
    count += static_cast<int64_t>(arrays[k].size());
  }
  return Status::Ok();
}

Result<core::PredictionUpload> DecodePredictionUpload(std::string_view body, bool async,
                                                      const core::Limits& limits) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("request body must be a JSON object, got an empty body");
  }
  PooledDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.get()->Parse(body));
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(doc.get()->root(), "request body", &obj));
  core::PredictionUpload upload;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", "request body", &upload.update));
  if (async) {
    NUCLEUS_RETURN_IF_ERROR(GetString(obj, "requestId", "request body", &upload.request_id));
    return upload;
  }
  NUCLEUS_RETURN_IF_ERROR(DecodePredictionArrays(obj, body, limits, &upload.batch));
  NUCLEUS_RETURN_IF_ERROR(
      OptString(obj, "trained_slice_id", "request body", &upload.trained_slice_id));
  return upload;
}

Result<core::ParsedAnnotation> DecodePredictionLine(std::string_view line, int64_t index,
                                                    const core::Limits& limits, JsonDoc* doc) {
  NUCLEUS_RETURN_IF_ERROR(doc->Parse(line, "line " + std::to_string(index + 1)));
  AnnotationParseOptions options;
  options.prediction = true;
  options.limits = &limits;
  // The line as sent is the payload when it is canonical.
  const size_t first = SkipSpace(line, 0);
  size_t last = line.size();
  while (last > first && IsSpace(line[last - 1])) --last;
  size_t canonical_size = 0;
  return ParseAnnotation(doc->root(), index, options, line.substr(first, last - first),
                         &canonical_size);
}

std::string EncodeLineError(int64_t line_number, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("line").Int(line_number).Key("error").String(message);
  return w.EndObject().Take();
}

std::string EncodeObjectError(std::string_view object_json, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("annotation").Raw(object_json).Key("error").String(message);
  return w.EndObject().Take();
}

std::string EncodePredictCounts(const std::string& run_id, const core::PredictCounts& counts) {
  JsonWriter w;
  w.Reserve(128);
  w.BeginObject().Key("dataset_id").String(counts.dataset_id);
  w.Key("model_run_id").String(run_id);
  w.Key("predictions_processed").Int(counts.processed);
  w.Key("predictions_ignored").Int(counts.ignored);
  w.Key("errors").BeginArray();
  for (const std::string& e : counts.errors) w.String(e);
  w.EndArray();
  return w.EndObject().Take();
}

size_t PredictionGroupOf(std::string_view type) {
  for (size_t i = 0; i < kPredictionGroupCount; ++i) {
    if (type == kGroups[i]) return i;
  }
  return kCategoryGroup;  // scene_category reads as a category
}

std::string_view PredictionGroupName(size_t group) { return kGroups[group]; }

void PredictionGroupsWriter::Add(std::string_view type, std::string_view payload_json) {
  std::string& out = bodies_[PredictionGroupOf(type)];
  out += out.empty() ? '[' : ',';
  out += payload_json;
}

std::string PredictionGroupsWriter::Finish(bool wrap) {
  std::string json = wrap ? "{\"annotations\":{" : "{";
  bool first = true;
  for (size_t i = 0; i < kPredictionGroupCount; ++i) {
    if (bodies_[i].empty()) continue;
    if (!first) json += ',';
    first = false;
    json += '"';
    json += kGroups[i];
    json += "\":";
    json += bodies_[i];
    json += ']';
  }
  json += wrap ? "}}" : "}";
  return json;
}

}  // namespace nucleus::wire
