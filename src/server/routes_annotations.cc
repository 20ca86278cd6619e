// Routes of annotations.md: annotate (JSON, multipart local masks, async), one annotation by
// (reference_id, annotation_id), deletion, taxonomies, class labels, and the stored-mask files
// (blob/mask/{sha256}.png: content-addressed, so the URL names the bytes and needs no credential).
#include "api/annotations.h"
#include "api/datasets.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {

namespace {

// Objects in the body's "annotations" and "segmentations" arrays together: over
// max_batch_objects refuses the request before anything is parsed.
Status CheckObjectCount(wire::JsonObject body, const wire::Limits& limits) {
  size_t total = 0;
  for (const char* key : {"annotations", "segmentations"}) {
    wire::JsonValue v;
    if (wire::Find(body, key, &v) && v.is_array()) total += v.get_array().value_unsafe().size();
  }
  return CheckBatchSize("annotations\" + \"segmentations", total, limits);
}

// Parses each element of `array` (under `key` of the body) into `inputs`.
Status ParseObjects(wire::JsonObject body, std::string_view key, bool segmentations,
                    const wire::Limits& limits, std::vector<api::AnnotationInput>* inputs) {
  wire::JsonValue v;
  if (!wire::Find(body, key, &v)) return Status::Ok();
  wire::JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(v, "field \"" + std::string(key) + "\"", &array));
  wire::AnnotationParseOptions options;
  options.default_to_mask = segmentations;
  options.limits = &limits;
  int64_t index = 0;
  for (wire::JsonValue e : array) {
    api::AnnotationInput in;
    in.is_segmentation = segmentations;
    auto parsed = wire::ParseAnnotation(e, index++, options);
    if (parsed.ok()) {
      in.is_segmentation =
          in.is_segmentation || parsed->type == core::AnnotationType::kSegmentation;
      in.parsed = std::move(parsed).value();
    } else {
      in.error = parsed.status().message();
    }
    inputs->push_back(std::move(in));
  }
  return Status::Ok();
}

// {"dataset_id", "annotations_processed", "annotations_ignored", "errors"}: numbers and lists
// only besides the id, so the client can add up its batches (README.md §5).
void WriteCounts(Response& res, const std::string& dataset_id, const api::AnnotateCounts& c) {
  wire::JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  w.Key("annotations_processed").Int(c.processed);
  w.Key("annotations_ignored").Int(c.ignored);
  w.Key("errors");
  WriteStringArray(w, c.errors);
  res.Json(w.EndObject().Take());
}

void AnnotateAsync(api::Context& ctx, Request& req, Response& res) {
  wire::JsonDoc doc;
  wire::JsonObject body;
  if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
  std::string request_id;
  bool update = false;
  if (AnsweredError(wire::GetString(body, "requestId", "request body", &request_id), res)) return;
  if (AnsweredError(wire::OptBool(body, "update", "request body", &update), res)) return;
  RespondJobSubmitted(
      res, api::SubmitAnnotationUpload(ctx, req.owner, req.Param("ds"), request_id, update));
}

// annotations.md §4: part "serialized_request" ({"segmentations": [...], "update": bool}), then
// one "mask" part per segmentation in the same order (filename = its mask_url percent-encoded).
void AnnotateMultipart(api::Context& ctx, Request& req, Response& res) {
  MaskUpload upload;
  if (AnsweredError(ReadMaskUpload(req, "multipart annotate", &upload), res)) return;
  // Check the dataset before writing any file for it.
  if (AnsweredError(api::GetDataset(ctx, req.owner, req.Param("ds")), res)) return;
  if (AnsweredError(upload.ParseRequest(), res)) return;
  if (AnsweredError(CheckObjectCount(upload.body, ctx.limits), res)) return;
  std::vector<api::AnnotationInput> inputs;
  if (AnsweredError(ParseObjects(upload.body, "segmentations", true, ctx.limits, &inputs), res)) return;
  if (AnsweredError(ParseObjects(upload.body, "annotations", false, ctx.limits, &inputs), res)) return;

  for (size_t i = 0; i < inputs.size(); ++i) {
    api::AnnotationInput& in = inputs[i];
    if (!in.parsed || in.parsed->type != core::AnnotationType::kSegmentation) continue;
    const std::string& url = in.parsed->mask_url;
    const FormPart* file = upload.FileFor(i, url);
    if (file == nullptr) {
      in.error = "mask " + std::to_string(i) + " (reference_id " + in.parsed->reference_id +
                 "): no \"mask\" part was sent for mask_url " + url;
      in.parsed.reset();
      continue;
    }
    if (std::string error = MaskTooLarge(*file, i, in.parsed->reference_id, ctx.limits);
        !error.empty()) {
      in.error = std::move(error);
      in.parsed.reset();
      continue;
    }
    auto stored = api::StoreMaskFile(ctx, file->content);
    if (AnsweredError(stored, res)) return;
    api::AttachStoredMaskUrl(*in.parsed, req.base_url + "/blob/" + *stored);
  }
  auto counts = api::Annotate(ctx, req.owner, req.Param("ds"), std::move(inputs), upload.update);
  if (AnsweredError(counts, res)) return;
  WriteCounts(res, req.Param("ds"), *counts);
}

}  // namespace

void RegisterAnnotationRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "dataset/:ds/annotate", [&ctx](Request& req, Response& res) {
    if (req.QueryFlag("async")) return AnnotateAsync(ctx, req, res);
    if (req.is_multipart) return AnnotateMultipart(ctx, req, res);
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    bool update = false;
    if (AnsweredError(wire::OptBool(body, "update", "request body", &update), res)) return;
    if (AnsweredError(CheckObjectCount(body, ctx.limits), res)) return;
    std::vector<api::AnnotationInput> inputs;
    if (AnsweredError(ParseObjects(body, "annotations", false, ctx.limits, &inputs), res)) return;
    if (AnsweredError(ParseObjects(body, "segmentations", true, ctx.limits, &inputs), res)) return;
    auto counts = api::Annotate(ctx, req.owner, req.Param("ds"), std::move(inputs), update);
    if (AnsweredError(counts, res)) return;
    WriteCounts(res, req.Param("ds"), *counts);
  });

  router.Add("GET", "dataset/:ds/groundTruth/loc/:ref/:ann", [&ctx](Request& req, Response& res) {
    auto a =
        api::GetAnnotation(ctx, req.owner, req.Param("ds"), req.Param("ref"), req.Param("ann"));
    if (AnsweredError(a, res)) return;
    res.Json(a->payload_json);
  });

  router.Add("DELETE", "annotation/:ds", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    std::vector<std::string> refs;
    if (AnsweredError(ReadStringList(body, "reference_ids", "request body", &refs), res)) return;
    bool keep_history = true;
    if (AnsweredError(wire::OptBool(body, "keep_history", "request body", &keep_history), res)) return;
    RespondJobSubmitted(res, api::SubmitAnnotationDeletion(ctx, req.owner, req.Param("ds"), refs));
  });

  router.Add("POST", "dataset/:ds/add_taxonomy", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    api::NewTaxonomy t;
    const char* what = "taxonomy";
    if (AnsweredError(wire::GetString(body, "taxonomy_name", what, &t.name), res)) return;
    if (AnsweredError(wire::GetString(body, "type", what, &t.type), res)) return;
    if (AnsweredError(ReadStringList(body, "labels", what, &t.labels), res)) return;
    if (AnsweredError(wire::OptBool(body, "update", what, &t.update), res)) return;
    auto status = api::AddTaxonomy(ctx, req.owner, req.Param("ds"), t);
    if (AnsweredError(status, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_id").String(req.Param("ds"));
    w.Key("taxonomy_name").String(t.name).Key("status").String(*status);
    res.Json(w.EndObject().Take());
  });

  router.Add("DELETE", "dataset/:ds/taxonomy/:name", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteTaxonomy(ctx, req.owner, req.Param("ds"), req.Param("name")), res)) {
      return;
    }
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_id").String(req.Param("ds"));
    w.Key("taxonomy_name").String(req.Param("name"));
    w.Key("status").String("Taxonomy successfully deleted");
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/class_labels", [&ctx](Request& req, Response& res) {
    auto labels = api::ClassLabels(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(labels, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("data");
    WriteStringArray(w, *labels);
    res.Json(w.EndObject().Take());
  });

  router.Add(
      "GET", "blob/mask/:file",
      [&ctx](Request& req, Response& res) {
        auto bytes = api::ReadStoredMask(ctx, req.Param("file"));
        if (AnsweredError(bytes, res)) return;
        ServeBlob(res, std::move(bytes).value(), "image/png");
      },
      RouteOptions{.requires_auth = false});
}

}  // namespace nucleus::server
