#include "wire/annotations_request.h"

#include <utility>

#include "wire/annotations.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

constexpr std::string_view kBody = "request body";
constexpr std::string_view kPart = "part \"serialized_request\"";

// Parses `text` as the JSON object of a request body into `doc`/`obj`. A blank body is {} when
// `blank_is_empty_object` (DELETE: the official client sends `{}` or nothing), else refused, so
// a POST never mistakes "nothing sent" for "nothing to do".
Status ParseBody(std::string_view text, bool blank_is_empty_object, JsonDoc* doc,
                 JsonObject* obj) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (!blank_is_empty_object) {
      return InvalidArgument("request body must be a JSON object, got an empty body");
    }
    text = "{}";
  }
  NUCLEUS_RETURN_IF_ERROR(doc->Parse(text));
  return AsObject(doc->root(), kBody, obj);
}

// An array of strings (`key` of `obj`); absent or null leaves `out` empty.
Status ReadStrings(JsonObject obj, std::string_view key, std::string_view what,
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

// Objects in the body's "annotations" and "segmentations" arrays together: over
// max_batch_objects refuses the request before anything is parsed.
Status CheckObjectCount(JsonObject body, const Limits& limits) {
  size_t total = 0;
  for (const char* key : {"annotations", "segmentations"}) {
    JsonValue v;
    if (Find(body, key, &v) && v.is_array()) total += v.get_array().value_unsafe().size();
  }
  return CheckCount(kBody, "annotations\" + \"segmentations", total, limits.max_batch_objects,
                    "max_batch_objects");
}

// Parses each element of the body's array `key` into `inputs`, numbered from 0 in messages.
Status ParseObjects(JsonObject body, std::string_view key, bool segmentations,
                    const Limits& limits, std::vector<core::AnnotationInput>* inputs) {
  JsonValue v;
  if (!Find(body, key, &v)) return Status::Ok();
  JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(AsArray(v, "field \"" + std::string(key) + "\"", &array));
  AnnotationParseOptions options;
  options.default_to_mask = segmentations;
  options.limits = &limits;
  inputs->reserve(inputs->size() + array.size());
  int64_t index = 0;
  for (JsonValue e : array) {
    core::AnnotationInput& in = inputs->emplace_back();
    in.is_segmentation = segmentations;
    Result<ParsedAnnotation> parsed = ParseAnnotation(e, index++, options);
    if (parsed.ok()) {
      in.is_segmentation =
          in.is_segmentation || parsed->type == core::AnnotationType::kSegmentation;
      in.parsed = std::move(parsed).value();
    } else {
      in.error = parsed.status().message();
    }
  }
  return Status::Ok();
}

// The objects of a parsed annotate body, "annotations" first unless `segmentations_first`.
Result<core::AnnotateRequest> DecodeObjects(JsonObject body, bool segmentations_first,
                                            const Limits& limits) {
  core::AnnotateRequest request;
  NUCLEUS_RETURN_IF_ERROR(CheckObjectCount(body, limits));
  const bool order[2] = {segmentations_first, !segmentations_first};
  for (bool segmentations : order) {
    NUCLEUS_RETURN_IF_ERROR(ParseObjects(body, segmentations ? "segmentations" : "annotations",
                                         segmentations, limits, &request.objects));
  }
  return request;
}

}  // namespace

Result<core::AnnotateRequest> DecodeAnnotateRequest(std::string_view body, const Limits& limits) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBody(body, false, &doc, &obj));
  bool update = false;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kBody, &update));
  NUCLEUS_ASSIGN_OR_RETURN(core::AnnotateRequest request, DecodeObjects(obj, false, limits));
  request.update = update;
  return request;
}

Result<core::AnnotateRequest> DecodeMultipartAnnotateRequest(std::string_view part,
                                                             const Limits& limits) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(part, kPart));
  NUCLEUS_RETURN_IF_ERROR(AsObject(doc.root(), kPart, &obj));
  bool update = false;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kPart, &update));
  NUCLEUS_ASSIGN_OR_RETURN(core::AnnotateRequest request, DecodeObjects(obj, true, limits));
  request.update = update;
  return request;
}

Result<core::AnnotationUploadRequest> DecodeAnnotationUploadRequest(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBody(body, false, &doc, &obj));
  core::AnnotationUploadRequest request;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "requestId", kBody, &request.request_id));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kBody, &request.update));
  return request;
}

core::AnnotationInput DecodeAnnotationLine(JsonDoc& doc, std::string_view line, int64_t index,
                                           const Limits& limits) {
  core::AnnotationInput in;
  Status parsed = doc.Parse(line, "annotation " + std::to_string(index));
  if (!parsed.ok()) {
    in.error = parsed.message();
    AppendJsonString(line, &in.raw_json);
    return in;
  }
  in.raw_json = Minify(doc.root());
  JsonObject obj;
  JsonValue type;
  in.is_segmentation = doc.root().get(obj) == simdjson::SUCCESS && Find(obj, "type", &type) &&
                       type.is_string() &&
                       (type.get_string().value_unsafe() == "mask" ||
                        type.get_string().value_unsafe() == "segmentation");
  AnnotationParseOptions options;
  options.limits = &limits;
  Result<ParsedAnnotation> a = ParseAnnotation(doc.root(), index, options);
  if (a.ok()) {
    in.parsed = std::move(a).value();
  } else {
    in.error = a.status().message();
  }
  return in;
}

std::string EncodeAnnotationJobError(const core::AnnotationInput& input, std::string_view error) {
  JsonWriter w;
  w.BeginObject().Key("annotation");
  if (input.raw_json.empty()) {
    w.Null();
  } else {
    w.Raw(input.raw_json);
  }
  w.Key("error").String(error);
  return w.EndObject().Take();
}

Result<core::AnnotationDeletionRequest> DecodeAnnotationDeletionRequest(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBody(body, true, &doc, &obj));
  core::AnnotationDeletionRequest request;
  NUCLEUS_RETURN_IF_ERROR(ReadStrings(obj, "reference_ids", kBody, &request.reference_ids));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "keep_history", kBody, &request.keep_history));
  return request;
}

Result<core::NewTaxonomy> DecodeNewTaxonomy(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBody(body, false, &doc, &obj));
  constexpr std::string_view kWhat = "taxonomy";
  core::NewTaxonomy t;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "taxonomy_name", kWhat, &t.name));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "type", kWhat, &t.type));
  NUCLEUS_RETURN_IF_ERROR(ReadStrings(obj, "labels", kWhat, &t.labels));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kWhat, &t.update));
  return t;
}

void AttachStoredMaskUrl(core::ParsedAnnotation& segmentation, std::string_view url) {
  std::string& p = segmentation.payload_json;
  if (p.empty() || p.back() != '}') return;
  std::string extra = ",\"stored_mask_url\":";
  AppendJsonString(url, &extra);
  p.insert(p.size() - 1, extra);
}

std::string EncodeAnnotateResult(std::string_view dataset_id, const core::AnnotateCounts& c) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  w.Key("annotations_processed").Int(c.processed);
  w.Key("annotations_ignored").Int(c.ignored);
  w.Key("errors").BeginArray();
  for (const std::string& e : c.errors) w.String(e);
  w.EndArray();
  return w.EndObject().Take();
}

std::string EncodeTaxonomyStatus(std::string_view dataset_id, std::string_view name,
                                 std::string_view status) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  w.Key("taxonomy_name").String(name).Key("status").String(status);
  return w.EndObject().Take();
}

std::string EncodeClassLabels(const std::vector<std::string>& labels) {
  JsonWriter w;
  w.BeginObject().Key("data").BeginArray();
  for (const std::string& label : labels) w.String(label);
  w.EndArray();
  return w.EndObject().Take();
}

}  // namespace nucleus::wire
