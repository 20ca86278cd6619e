#include "wire/model_runs.h"

#include "core/clock.h"
#include "wire/bodies.h"
#include "wire/jobs.h"
#include "wire/json_writer.h"

namespace nucleus::wire {

Result<core::NewModelRun> DecodeNewModelRun(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "model run";
  core::NewModelRun input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kWhat, &input.name));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "reference_id", kWhat, &input.reference_id));
  JsonValue v;
  if (Find(obj, "metadata", &v)) {
    if (!v.is_object()) return FieldError(kWhat, "metadata", "must be an object");
    input.metadata_json = Minify(v);
  }
  if (Find(obj, "annotation_metadata_schema", &v)) {
    if (!v.is_object()) {
      return FieldError(kWhat, "annotation_metadata_schema", "must be an object or null");
    }
    input.annotation_metadata_schema_json = Minify(v);
  }
  return input;
}

std::string EncodeModelRunCreated(const core::ModelRun& run) {
  JsonWriter w;
  w.BeginObject().Key("model_run_id").String(run.id).Key("model_id").String(run.model_id);
  return w.EndObject().Take();
}

std::string EncodeModelRunInfo(const core::ModelRun& run) {
  JsonWriter w;
  w.BeginObject();
  w.Key("model_run_id").String(run.id).Key("model_id").String(run.model_id);
  w.Key("dataset_id").String(run.dataset_id).Key("name").String(run.name);
  w.Key("status").String(run.status).Key("metadata").Raw(run.metadata_json);
  w.Key("annotation_metadata_schema").Raw(run.annotation_metadata_schema_json);
  if (!run.trained_slice_id.empty()) w.Key("trained_slice_id").String(run.trained_slice_id);
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(run.created_at_ms)));
  return w.EndObject().Take();
}

Status ReadCommitRequest(JsonObject body, core::CommitOptions* options) {
  constexpr std::string_view kWhat = "commit options";
  NUCLEUS_RETURN_IF_ERROR(OptBool(body, "class_agnostic", kWhat, &options->class_agnostic));
  JsonValue v;
  if (!Find(body, "allowed_label_matches", &v)) return Status::Ok();
  JsonArray pairs;
  NUCLEUS_RETURN_IF_ERROR(AsArray(v, "field \"allowed_label_matches\" of commit options", &pairs));
  size_t i = 0;
  for (JsonValue e : pairs) {
    std::string pair_what = "allowed_label_matches[" + std::to_string(i++) + "]";
    JsonObject pair;
    NUCLEUS_RETURN_IF_ERROR(AsObject(e, pair_what, &pair));
    std::string gt, pred;
    NUCLEUS_RETURN_IF_ERROR(GetString(pair, "ground_truth_label", pair_what, &gt));
    NUCLEUS_RETURN_IF_ERROR(GetString(pair, "model_prediction_label", pair_what, &pred));
    options->allowed_label_matches.emplace_back(std::move(gt), std::move(pred));
  }
  if (!options->allowed_label_matches.empty()) options->class_agnostic = false;
  return Status::Ok();
}

Result<core::CommitOptions> DecodeCommitRequest(std::string_view body, std::string_view method) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, method, &doc, &obj));
  core::CommitOptions options;
  NUCLEUS_RETURN_IF_ERROR(ReadCommitRequest(obj, &options));
  return options;
}

std::string EncodeCommitSubmitted(std::string_view run_id, const core::Job& job) {
  JsonWriter w;
  w.BeginObject().Key("model_run_id").String(run_id);
  WriteJobFields(w, job, "Running");
  return w.EndObject().Take();
}

}  // namespace nucleus::wire
