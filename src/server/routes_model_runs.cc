// Routes of model_runs.md that are about the run itself: create, info, commit, delete. The
// prediction routes of runs are in routes_predictions.cc.
#include "api/model_runs.h"
#include "core/clock.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {


// Reads commit options (model_runs.md §3, predictions.md §5) from a body object.
Status ReadCommitOptions(wire::JsonObject body, api::CommitOptions* options) {
  const char* what = "commit options";
  NUCLEUS_RETURN_IF_ERROR(wire::OptBool(body, "class_agnostic", what, &options->class_agnostic));
  wire::JsonValue v;
  if (!wire::Find(body, "allowed_label_matches", &v)) return Status::Ok();
  wire::JsonArray pairs;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(v, "field \"allowed_label_matches\" of commit options",
                                        &pairs));
  size_t i = 0;
  for (wire::JsonValue e : pairs) {
    std::string pair_what = "allowed_label_matches[" + std::to_string(i++) + "]";
    wire::JsonObject pair;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(e, pair_what, &pair));
    std::string gt, pred;
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(pair, "ground_truth_label", pair_what, &gt));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(pair, "model_prediction_label", pair_what, &pred));
    options->allowed_label_matches.emplace_back(std::move(gt), std::move(pred));
  }
  if (!options->allowed_label_matches.empty()) options->class_agnostic = false;
  return Status::Ok();
}

void RegisterModelRunRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "dataset/:ds/modelRun/create", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "model run";
    api::NewModelRun input;
    if (AnsweredError(wire::GetString(body, "name", what, &input.name), res)) return;
    if (AnsweredError(wire::OptString(body, "reference_id", what, &input.reference_id), res)) return;
    wire::JsonValue v;
    if (wire::Find(body, "metadata", &v)) {
      if (!v.is_object()) return res.Error(wire::FieldError(what, "metadata", "must be an object"));
      input.metadata_json = wire::Minify(v);
    }
    if (wire::Find(body, "annotation_metadata_schema", &v)) {
      if (!v.is_object()) {
        return res.Error(
            wire::FieldError(what, "annotation_metadata_schema", "must be an object or null"));
      }
      input.annotation_metadata_schema_json = wire::Minify(v);
    }
    auto run = api::CreateModelRun(ctx, req.owner, req.Param("ds"), std::move(input));
    if (AnsweredError(run, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("model_run_id").String(run->id).Key("model_id").String(run->model_id);
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "modelRun/:run/info", [&ctx](Request& req, Response& res) {
    auto run = api::GetModelRun(ctx, req.owner, req.Param("run"));
    if (AnsweredError(run, res)) return;
    wire::JsonWriter w;
    w.BeginObject();
    w.Key("model_run_id").String(run->id).Key("model_id").String(run->model_id);
    w.Key("dataset_id").String(run->dataset_id).Key("name").String(run->name);
    w.Key("status").String(run->status).Key("metadata").Raw(run->metadata_json);
    w.Key("annotation_metadata_schema").Raw(run->annotation_metadata_schema_json);
    if (!run->trained_slice_id.empty()) w.Key("trained_slice_id").String(run->trained_slice_id);
    w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(run->created_at_ms)));
    res.Json(w.EndObject().Take());
  });

  router.Add("POST", "modelRun/:run/commit", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    api::CommitOptions options;
    if (AnsweredError(ReadCommitOptions(body, &options), res)) return;
    auto job = api::SubmitCommit(ctx, req.owner, req.Param("run"), options);
    if (AnsweredError(job, res)) return;
    wire::JsonWriter w;
    WriteJobObject(w, *job, "Running");
    std::string json = w.Take();
    // {"model_run_id": ..., <job fields>}
    std::string run_key = "\"model_run_id\":";
    wire::AppendJsonString(req.Param("run"), &run_key);
    json.insert(1, run_key + ",");
    res.Json(std::move(json));
  });

  router.Add("DELETE", "modelRun/:run", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteModelRun(ctx, req.owner, req.Param("run")), res)) return;
    res.Json("{}");
  });
}

}  // namespace nucleus::server
