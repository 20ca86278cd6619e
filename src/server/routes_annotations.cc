// Routes of annotations.md: annotate (JSON, multipart local masks, async), one annotation by
// (reference_id, annotation_id), deletion, taxonomies, class labels, and the stored-mask files
// (blob/mask/{sha256}.png: content-addressed, so the URL names the bytes and needs no credential).
// Each handler decodes with wire/annotations_request.h, makes one api call and encodes the answer.
// Also the handler of "uploadAnnotations" jobs, which decodes the uploaded NDJSON the same way.
#include <string>
#include <utility>
#include <vector>

#include "api/annotations.h"
#include "api/datasets.h"
#include "server/job_handlers.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/annotations_request.h"

namespace nucleus::server {

namespace {

// annotations.md §4: part "serialized_request", then one "mask" part per segmentation in the
// same order (filename = its mask_url percent-encoded). A segmentation without its file, or with
// one over max_mask_bytes, becomes that object's error.
Status StoreMasks(api::Context& ctx, const MaskUpload& upload, core::AnnotateRequest* request) {
  for (size_t i = 0; i < request->objects.size(); ++i) {
    core::AnnotationInput& in = request->objects[i];
    if (!in.parsed || in.parsed->type != core::AnnotationType::kSegmentation) continue;
    const std::string& url = in.parsed->mask_url;
    const FormPart* file = upload.FileFor(i, url);
    std::string error = file == nullptr ? "mask " + std::to_string(i) + " (reference_id " +
                                              in.parsed->reference_id +
                                              "): no \"mask\" part was sent for mask_url " + url
                                        : MaskTooLarge(*file, i, in.parsed->reference_id,
                                                       ctx.limits);
    if (!error.empty()) {
      in.error = std::move(error);
      in.parsed.reset();
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string stored, api::StoreMaskFile(ctx, file->content));
    wire::AttachStoredMaskUrl(*in.parsed, LocalBlobUrlBase() + stored);
  }
  return Status::Ok();
}

void AnnotateMultipart(api::Context& ctx, Request& req, Response& res) {
  MaskUpload upload;
  if (AnsweredError(ReadMaskUpload(req, "multipart annotate", &upload), res)) return;
  // Check the dataset before writing any file for it.
  if (AnsweredError(api::GetDataset(ctx, req.owner, req.Param("ds")), res)) return;
  auto request = wire::DecodeMultipartAnnotateRequest(upload.request->content, ctx.limits);
  if (AnsweredError(request, res)) return;
  if (AnsweredError(StoreMasks(ctx, upload, &*request), res)) return;
  auto counts = api::Annotate(ctx, req.owner, req.Param("ds"), std::move(request).value());
  if (AnsweredError(counts, res)) return;
  res.Json(wire::EncodeAnnotateResult(req.Param("ds"), *counts));
}

void AnnotateAsync(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeAnnotationUploadRequest(req.body);
  if (AnsweredError(request, res)) return;
  RespondJobSubmitted(res,
                      api::SubmitAnnotationUpload(ctx, req.owner, req.Param("ds"), *request));
}

// POST dataset/{ds}/annotate: JSON, multipart (local masks) or `?async=1` (signed-URL payload).
void Annotate(api::Context& ctx, Request& req, Response& res) {
  if (req.QueryFlag("async")) return AnnotateAsync(ctx, req, res);
  if (req.is_multipart) return AnnotateMultipart(ctx, req, res);
  auto request = wire::DecodeAnnotateRequest(req.body, ctx.limits);
  if (AnsweredError(request, res)) return;
  auto counts = api::Annotate(ctx, req.owner, req.Param("ds"), std::move(request).value());
  if (AnsweredError(counts, res)) return;
  res.Json(wire::EncodeAnnotateResult(req.Param("ds"), *counts));
}

void GetAnnotation(api::Context& ctx, Request& req, Response& res) {
  auto a = api::GetAnnotation(ctx, req.owner, req.Param("ds"), req.Param("ref"), req.Param("ann"));
  if (AnsweredError(a, res)) return;
  res.Json(a->payload_json);
}

void DeleteAnnotations(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeAnnotationDeletionRequest(req.body);
  if (AnsweredError(request, res)) return;
  RespondJobSubmitted(res,
                      api::SubmitAnnotationDeletion(ctx, req.owner, req.Param("ds"), *request));
}

void AddTaxonomy(api::Context& ctx, Request& req, Response& res) {
  auto taxonomy = wire::DecodeNewTaxonomy(req.body);
  if (AnsweredError(taxonomy, res)) return;
  auto status = api::AddTaxonomy(ctx, req.owner, req.Param("ds"), *taxonomy);
  if (AnsweredError(status, res)) return;
  res.Json(wire::EncodeTaxonomyStatus(req.Param("ds"), taxonomy->name, *status));
}

void DeleteTaxonomy(api::Context& ctx, Request& req, Response& res) {
  const std::string& name = req.Param("name");
  if (AnsweredError(api::DeleteTaxonomy(ctx, req.owner, req.Param("ds"), name), res)) return;
  res.Json(wire::EncodeTaxonomyStatus(req.Param("ds"), name, "Taxonomy successfully deleted"));
}

void ClassLabels(api::Context& ctx, Request& req, Response& res) {
  auto labels = api::ClassLabels(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(labels, res)) return;
  res.Json(wire::EncodeClassLabels(*labels));
}

void StoredMask(api::Context& ctx, Request& req, Response& res) {
  auto bytes = api::ReadStoredMask(ctx, req.Param("file"));
  if (AnsweredError(bytes, res)) return;
  ServeBlob(res, std::move(bytes).value(), "image/png");
}

constexpr RouteRow kAnnotationRoutes[] = {
    {"POST", "dataset/:ds/annotate", Annotate},
    {"GET", "dataset/:ds/groundTruth/loc/:ref/:ann", GetAnnotation},
    {"DELETE", "annotation/:ds", DeleteAnnotations},
    {"POST", "dataset/:ds/add_taxonomy", AddTaxonomy},
    {"DELETE", "dataset/:ds/taxonomy/:name", DeleteTaxonomy},
    {"GET", "dataset/:ds/class_labels", ClassLabels},
    {"GET", "blob/mask/:file", StoredMask, RouteOptions{.requires_auth = false}},
};

// "uploadAnnotations": the payload's lines decoded with wire/, applied by the api use case a
// chunk at a time.
Status RunAnnotationUpload(api::JobRun& run) {
  api::AnnotationUploadRun upload(run, wire::EncodeAnnotationJobError);
  NUCLEUS_RETURN_IF_ERROR(upload.Begin());
  const core::Limits& limits = run.ctx().limits;
  std::vector<core::AnnotationInput> chunk;
  wire::JsonDoc doc;
  int64_t index = 0;
  NUCLEUS_RETURN_IF_ERROR(upload.ForEachLine([&](std::string_view line) -> Status {
    chunk.push_back(wire::DecodeAnnotationLine(doc, line, index++, limits));
    if (chunk.size() < api::kAnnotationUploadChunk) return Status::Ok();
    return upload.Apply(std::exchange(chunk, {}));
  }));
  if (!chunk.empty()) NUCLEUS_RETURN_IF_ERROR(upload.Apply(std::move(chunk)));
  return upload.Finish();
}

}  // namespace

void RegisterAnnotationRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kAnnotationRoutes);
}

void RegisterAnnotationUploadJob(api::JobService& jobs) {
  jobs.Register(api::kAnnotationUploadJobType, RunAnnotationUpload);
}

}  // namespace nucleus::server
