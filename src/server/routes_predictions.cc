// Prediction routes: upload into a run (model_runs.md §4-5, predictions.md §3) and the reads
// (model_runs.md §6-8, predictions.md §4), through a run id or through (dataset, model). Each
// handler decodes with wire/predictions.h, makes one api call and encodes the answer.
#include <charconv>
#include <span>

#include "api/annotations.h"
#include "api/model_runs.h"
#include "api/predictions.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/annotations_request.h"
#include "wire/model_runs.h"
#include "wire/predictions.h"

namespace nucleus::server {

namespace {

// The id of the run a (dataset, model) route names: the model's most recent run on the dataset,
// created first when `create` (an upload) and there is none.
Result<std::string> RunIdOfModelRoute(api::Context& ctx, const Request& req, bool create) {
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, api::RunOfModel(ctx, req.owner, req.Param("ds"),
                                                                req.Param("prj"), create));
  return run.id;
}

// The item index of an iloc route; InvalidArgument unless it is a non-negative integer.
Result<int64_t> ItemIndex(const Request& req) {
  const std::string& text = req.Param("i");
  int64_t index = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc() || ptr != text.data() + text.size() || index < 0) {
    return InvalidArgument("item index must be a non-negative integer, got \"" + text + "\"");
  }
  return index;
}

// Answers one item's predictions, grouped; `read` is an api::PredictionsAtIndex / Of... call
// taking the visitor.
template <typename Read>
void AnswerGrouped(Response& res, const Read& read) {
  std::string json;
  Status s = read([&](std::span<const store::PredictionRef> preds) -> Status {
    json = wire::EncodeItemPredictions(preds);
    return Status::Ok();
  });
  if (AnsweredError(s, res)) return;
  res.Json(std::move(json));
}

void AnswerExport(api::Context& ctx, const std::string& owner, const std::string& run_id,
                  Response& res) {
  wire::PredictionGroupsWriter groups;
  Status s = api::ForEachRunPrediction(ctx, owner, run_id, [&](const store::Prediction& p) {
    groups.Add(p.type, p.payload_json);
    return Status::Ok();
  });
  if (AnsweredError(s, res)) return;
  res.Json(groups.Finish(/*wrap=*/false));
}

// Stores the mask part of each segmentation of `batch` (annotations.md §4 layout on the
// prediction routes) like a ground-truth mask and points the segmentation at it; a segmentation
// without its part, or with one over max_mask_bytes, becomes an error entry. mask_url keeps what
// the client sent when no part came.
Status AttachMasks(api::Context& ctx, const MaskUpload& upload, core::PredictionBatch* batch) {
  std::vector<core::ParsedAnnotation> kept;
  size_t mask_index = 0;
  for (core::ParsedAnnotation& a : batch->objects) {
    if (a.type != core::AnnotationType::kSegmentation) {
      kept.push_back(std::move(a));
      continue;
    }
    const size_t i = mask_index++;
    const FormPart* file = upload.FileFor(i, a.mask_url);
    if (file == nullptr) {
      batch->errors.push_back("mask " + std::to_string(i) + " (reference_id " + a.reference_id +
                              "): no \"mask\" part was sent for mask_url " + a.mask_url);
      continue;
    }
    if (std::string error = MaskTooLarge(*file, i, a.reference_id, ctx.limits); !error.empty()) {
      batch->errors.push_back(std::move(error));
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string stored, api::StoreMaskFile(ctx, file->content));
    wire::AttachStoredMaskUrl(a, LocalBlobUrlBase() + stored);
    kept.push_back(std::move(a));
  }
  batch->objects = std::move(kept);
  return Status::Ok();
}

// A multipart upload: part "serialized_request" ({"segmentations": [...], "update": bool}), then
// one "mask" part per segmentation in the same order.
void PredictMultipart(api::Context& ctx, Request& req, Response& res, const std::string& run_id) {
  MaskUpload upload;
  if (AnsweredError(ReadMaskUpload(req, "multipart prediction upload", &upload), res)) return;
  if (AnsweredError(api::GetModelRun(ctx, req.owner, run_id), res)) return;  // before storing files
  if (AnsweredError(upload.ParseRequest(), res)) return;
  core::PredictionBatch batch;
  if (AnsweredError(wire::DecodePredictionArrays(upload.body, ctx.limits, &batch), res)) return;
  if (AnsweredError(AttachMasks(ctx, upload, &batch), res)) return;
  auto counts = api::PutPredictions(ctx, req.owner, run_id, std::move(batch), upload.update);
  if (AnsweredError(counts, res)) return;
  res.Json(wire::EncodePredictCounts(run_id, *counts));
}

// The prediction upload of model_runs.md §4-5 / predictions.md §3 into run `run_id`: sync (the
// objects in the body), or `?async=1` (a job reading a signed-URL upload).
void Predict(api::Context& ctx, Request& req, Response& res, const std::string& run_id) {
  if (req.is_multipart) return PredictMultipart(ctx, req, res, run_id);
  const bool async = req.QueryFlag("async");
  auto upload = wire::DecodePredictionUpload(req.body, async, ctx.limits);
  if (AnsweredError(upload, res)) return;
  if (async) {
    auto run = api::GetModelRun(ctx, req.owner, run_id);
    if (AnsweredError(run, res)) return;
    return RespondJobSubmitted(res,
                               api::SubmitPredictionUpload(ctx, req.owner, run_id, run->dataset_id,
                                                           upload->request_id, upload->update));
  }
  auto counts =
      api::PutPredictions(ctx, req.owner, run_id, std::move(upload->batch), upload->update);
  if (AnsweredError(counts, res)) return;
  const std::optional<std::string>& slice = upload->trained_slice_id;
  if (slice && !slice->empty()) {
    if (AnsweredError(api::RecordTrainedSlice(ctx, req.owner, run_id, *slice), res)) return;
  }
  res.Json(wire::EncodePredictCounts(run_id, *counts));
}

void AnswerPrediction(Response& res, const Result<std::string>& payload) {
  if (AnsweredError(payload, res)) return;
  res.Json(*payload);
}

// --- Through a run.

void PredictIntoRun(api::Context& ctx, Request& req, Response& res) {
  Predict(ctx, req, res, req.Param("run"));
}

void RunPredictionsAtIndex(api::Context& ctx, Request& req, Response& res) {
  auto index = ItemIndex(req);
  if (AnsweredError(index, res)) return;
  AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
    return api::PredictionsAtIndex(ctx, req.owner, req.Param("run"), *index, fn);
  });
}

void RunPredictionsOfItemId(api::Context& ctx, Request& req, Response& res) {
  AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
    return api::PredictionsOfItemId(ctx, req.owner, req.Param("run"), req.Param("di"), fn);
  });
}

void RunPredictionsOfReference(api::Context& ctx, Request& req, Response& res) {
  AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
    return api::PredictionsOfReference(ctx, req.owner, req.Param("run"), req.Param("ref"), fn);
  });
}

void RunPredictionByAnnotationId(api::Context& ctx, Request& req, Response& res) {
  AnswerPrediction(res, api::PredictionByAnnotationId(ctx, req.owner, req.Param("run"),
                                                      req.Param("ref"), req.Param("ann")));
}

void ExportRunPredictions(api::Context& ctx, Request& req, Response& res) {
  AnswerExport(ctx, req.owner, req.Param("run"), res);
}

// --- Through (dataset, model): the model's most recent run on the dataset.

void PredictIntoModel(api::Context& ctx, Request& req, Response& res) {
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/true);
  if (AnsweredError(run_id, res)) return;
  Predict(ctx, req, res, *run_id);
}

void ModelPredictionsAtIndex(api::Context& ctx, Request& req, Response& res) {
  auto index = ItemIndex(req);
  if (AnsweredError(index, res)) return;
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/false);
  if (AnsweredError(run_id, res)) return;
  AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
    return api::PredictionsAtIndex(ctx, req.owner, *run_id, *index, fn);
  });
}

void ModelPredictionsOfReference(api::Context& ctx, Request& req, Response& res) {
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/false);
  if (AnsweredError(run_id, res)) return;
  AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
    return api::PredictionsOfReference(ctx, req.owner, *run_id, req.Param("ref"), fn);
  });
}

void ModelPredictionByAnnotationId(api::Context& ctx, Request& req, Response& res) {
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/false);
  if (AnsweredError(run_id, res)) return;
  AnswerPrediction(res, api::PredictionByAnnotationId(ctx, req.owner, *run_id, req.Param("ref"),
                                                      req.Param("ann")));
}

void ExportModelPredictions(api::Context& ctx, Request& req, Response& res) {
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/false);
  if (AnsweredError(run_id, res)) return;
  AnswerExport(ctx, req.owner, *run_id, res);
}

// POST dataset/{ds}/model/{prj}/calculateEvaluationMetrics: commits the model's run
// (model_runs.md §3); the job object with the run id first.
void CommitModelRun(api::Context& ctx, Request& req, Response& res) {
  auto options = wire::DecodeCommitRequest(req.body, req.method);
  if (AnsweredError(options, res)) return;
  auto run_id = RunIdOfModelRoute(ctx, req, /*create=*/false);
  if (AnsweredError(run_id, res)) return;
  auto job = api::SubmitCommit(ctx, req.owner, *run_id, *options);
  if (AnsweredError(job, res)) return;
  res.Json(wire::EncodeCommitSubmitted(*run_id, *job));
}

constexpr RouteRow kPredictionRoutes[] = {
    {"POST", "modelRun/:run/predict", PredictIntoRun},
    {"GET", "modelRun/:run/iloc/:i", RunPredictionsAtIndex},
    {"GET", "modelRun/:run/loc/:di", RunPredictionsOfItemId},
    {"GET", "modelRun/:run/refloc/:ref", RunPredictionsOfReference},
    {"GET", "modelRun/:run/prediction/loc/:ref/:ann", RunPredictionByAnnotationId},
    {"GET", "modelRun/:run/ungrouped", ExportRunPredictions},
    {"POST", "dataset/:ds/model/:prj/uploadPredictions", PredictIntoModel},
    {"GET", "dataset/:ds/model/:prj/iloc/:i", ModelPredictionsAtIndex},
    {"GET", "dataset/:ds/model/:prj/referenceId/:ref", ModelPredictionsOfReference},
    {"GET", "dataset/:ds/model/:prj/loc/:ref/:ann", ModelPredictionByAnnotationId},
    {"GET", "dataset/:ds/model/:prj/export", ExportModelPredictions},
    {"POST", "dataset/:ds/model/:prj/calculateEvaluationMetrics", CommitModelRun},
};

}  // namespace

void RegisterPredictionRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kPredictionRoutes);
}

}  // namespace nucleus::server
