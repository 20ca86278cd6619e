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

// Parses the elements of an "annotations" (or, with `segmentations`, a "segmentations") array;
// `first_index` numbers the objects in error messages.
void DecodeArray(JsonArray array, bool segmentations, int64_t first_index,
                 const core::Limits& limits, core::PredictionBatch* batch) {
  AnnotationParseOptions options;
  options.prediction = true;
  options.default_to_mask = segmentations;
  options.limits = &limits;
  batch->objects.reserve(batch->objects.size() + array.size());
  int64_t index = first_index;
  for (JsonValue value : array) {
    Result<core::ParsedAnnotation> parsed = ParseAnnotation(value, index, options);
    if (parsed.ok()) {
      batch->objects.push_back(std::move(parsed).value());
    } else {
      batch->errors.push_back(parsed.status().message());
    }
    ++index;
  }
}

}  // namespace

Status DecodePredictionArrays(JsonObject body, const core::Limits& limits,
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
    DecodeArray(arrays[k], k == 1, count, limits, batch);
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
  NUCLEUS_RETURN_IF_ERROR(DecodePredictionArrays(obj, limits, &upload.batch));
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
  return ParseAnnotation(doc->root(), index, options);
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
