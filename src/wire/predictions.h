// The JSON of the prediction routes (model_runs.md §4-8, predictions.md §3-4): upload bodies and
// NDJSON lines decoded into core/predictions.h, and the bodies of the reads and of an upload's
// answer encoded from what the store keeps (each prediction's payload, verbatim).
//
// Decoding errors name the object and the field (wire/annotations.h); a malformed object becomes
// an `errors` entry of its batch, a malformed body an InvalidArgument. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/predictions.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"

namespace nucleus::wire {

// A POST body of modelRun/{run}/predict or dataset/{ds}/model/{prj}/uploadPredictions. With
// `async` only "update" and "requestId" are read; else "update", the "annotations" and
// "segmentations" arrays (more than max_batch_objects objects in all refuse the whole request
// before any is parsed) and "trained_slice_id". An empty body, or one that is not a JSON object,
// is InvalidArgument ("request body must be a JSON object, ...").
Result<core::PredictionUpload> DecodePredictionUpload(std::string_view body, bool async,
                                                      const core::Limits& limits);

// The "annotations" and "segmentations" arrays of an already parsed body (the serialized_request
// part of a multipart upload) appended to `batch`, with the checks of DecodePredictionUpload.
Status DecodePredictionArrays(JsonObject body, const core::Limits& limits,
                              core::PredictionBatch* batch);
// The same, given the body's text as well (`body` parsed from it): objects sent in canonical
// form (compact, our key order and number format) keep their bytes as their payload.
Status DecodePredictionArrays(JsonObject body, std::string_view text, const core::Limits& limits,
                              core::PredictionBatch* batch);

// One line of an async upload's NDJSON payload, the `index`-th (0-based) object of the upload.
// On failure the Status message is the problem; EncodeLineError words the job's error entry.
// `doc` is reused across lines.
Result<core::ParsedAnnotation> DecodePredictionLine(std::string_view line, int64_t index,
                                                    const core::Limits& limits, JsonDoc* doc);

// An async upload's error entry for a line that did not parse: {"line":N,"error":"..."}.
std::string EncodeLineError(int64_t line_number, std::string_view message);
// An async upload's error entry for an object refused after parsing: the object as sent (its
// line, which is JSON) and the reason, {"annotation":{...},"error":"..."}.
std::string EncodeObjectError(std::string_view object_json, std::string_view message);

// The answer of a sync upload: {"dataset_id", "model_run_id", "predictions_processed",
// "predictions_ignored", "errors"}.
std::string EncodePredictCounts(const std::string& run_id, const core::PredictCounts& counts);

inline constexpr size_t kPredictionGroupCount = 7;

// Read bodies grouped by type (predictions.md §2.2): {"box":[...],"polygon":[...],...}, the
// groups in the client's order (box, line, polygon, keypoints, cuboid, category, segmentation;
// a scene category reads as a category), each in the order added; empty groups are omitted.
// Payloads are copied verbatim (they are the stored JSON objects).
class PredictionGroupsWriter {
 public:
  // `type` is the store's type column ("box", ..., "scene_category", "segmentation").
  void Add(std::string_view type, std::string_view payload_json);
  // {"box":[...],...}, or with `wrap` {"annotations":{"box":[...],...}}.
  std::string Finish(bool wrap);

 private:
  std::string bodies_[kPredictionGroupCount];
};

// The group of a prediction of store type `type` in the order above (scene_category and any
// unknown type: the category group).
size_t PredictionGroupOf(std::string_view type);
// The key of group `group` ("box", ...).
std::string_view PredictionGroupName(size_t group);

// One item's predictions, grouped as above and wrapped ({"annotations":{...}}), written in one
// pass per present group into one string. `Ref` is any record with string_view-like `type` and
// `payload_json` (store::PredictionRef). Equal, byte for byte, to adding each to a
// PredictionGroupsWriter and Finish(true).
template <typename Ref>
std::string EncodeItemPredictions(std::span<const Ref> preds) {
  size_t bytes = 32;
  size_t in_group[kPredictionGroupCount] = {};
  for (const Ref& p : preds) {
    bytes += p.payload_json.size() + 1;
    ++in_group[PredictionGroupOf(p.type)];
  }
  std::string json;
  json.reserve(bytes + kPredictionGroupCount * 16);
  json += "{\"annotations\":{";
  bool first = true;
  for (size_t g = 0; g < kPredictionGroupCount; ++g) {
    if (in_group[g] == 0) continue;
    if (!first) json += ',';
    first = false;
    json += '"';
    json += PredictionGroupName(g);
    json += "\":";
    char sep = '[';
    for (const Ref& p : preds) {
      if (PredictionGroupOf(p.type) != g) continue;
      json += sep;
      sep = ',';
      json += p.payload_json;
    }
    json += ']';
  }
  json += "}}";
  return json;
}

}  // namespace nucleus::wire
