// Prediction routes: upload into a run (model_runs.md §4-5, predictions.md §3) and the reads
// (model_runs.md §6-8, predictions.md §4), through a run id or through (dataset, model).
#include <charconv>

#include "api/model_runs.h"
#include "api/predictions.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {

void WriteJobObject(wire::JsonWriter& w, const store::Job& job, const std::string& status);
Status ReadCommitOptions(wire::JsonObject body, api::CommitOptions* options);

namespace {

// Group keys the client accepts (predictions.md §2.2), in output order.
constexpr const char* kGroups[] = {"box",      "line",     "polygon",     "keypoints",
                                   "cuboid",   "category", "segmentation"};
constexpr size_t kGroupCount = sizeof(kGroups) / sizeof(kGroups[0]);

size_t GroupOf(std::string_view type) {
  for (size_t i = 0; i < kGroupCount; ++i) {
    if (type == kGroups[i]) return i;
  }
  return 5;  // scene_category reads as a category
}

// Builds {"box":[...],...} from predictions in order; empty groups are omitted.
class Groups {
 public:
  void Add(const store::Prediction& p) {
    std::string& out = bodies_[GroupOf(p.type)];
    out += out.empty() ? '[' : ',';
    out += p.payload_json;
  }
  std::string Finish(bool wrap) {
    std::string json = wrap ? "{\"annotations\":{" : "{";
    bool first = true;
    for (size_t i = 0; i < kGroupCount; ++i) {
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

 private:
  std::string bodies_[kGroupCount];
};

void AnswerGrouped(const Result<std::vector<store::Prediction>>& preds, Response& res) {
  if (Failed(preds, res)) return;
  Groups groups;
  for (const store::Prediction& p : *preds) groups.Add(p);
  res.Json(groups.Finish(/*wrap=*/true));
}

void AnswerExport(api::Context& ctx, const std::string& owner, const std::string& run_id,
                  Response& res) {
  Groups groups;
  Status s = api::ForEachRunPrediction(ctx, owner, run_id, [&](const store::Prediction& p) {
    groups.Add(p);
    return Status::Ok();
  });
  if (Failed(s, res)) return;
  res.Json(groups.Finish(/*wrap=*/false));
}

bool ParseIndex(const std::string& text, int64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out >= 0;
}

// The prediction upload of model_runs.md §4-5 / predictions.md §3 into run `run_id`.
void Predict(api::Context& ctx, Request& req, Response& res, const std::string& run_id) {
  if (req.is_multipart) {
    return res.Error(InvalidArgument(
        "multipart prediction uploads (local mask files) are not supported yet; upload the masks "
        "with remote mask_url values"));
  }
  wire::JsonDoc doc;
  wire::JsonObject body;
  if (Failed(ParseBodyObject(req, &doc, &body), res)) return;
  bool update = false;
  if (Failed(wire::OptBool(body, "update", "request body", &update), res)) return;

  if (req.QueryFlag("async")) {
    std::string request_id;
    if (Failed(wire::GetString(body, "requestId", "request body", &request_id), res)) return;
    auto run = api::GetModelRun(ctx, req.owner, run_id);
    if (Failed(run, res)) return;
    auto job =
        api::SubmitPredictionUpload(ctx, req.owner, run_id, run->dataset_id, request_id, update);
    if (Failed(job, res)) return;
    wire::JsonWriter w;
    WriteJobObject(w, *job, "Running");
    return res.Json(w.Take());
  }

  api::PredictionBatch batch;
  int64_t count = 0;
  for (const char* key : {"annotations", "segmentations"}) {
    wire::JsonValue v;
    if (!wire::Find(body, key, &v)) continue;
    wire::JsonArray array;
    if (Failed(wire::AsArray(v, std::string("field \"") + key + "\" of request body", &array),
               res)) {
      return;
    }
    api::ParsePredictionArray(array, std::string_view(key) == "segmentations", count, &batch);
    count += static_cast<int64_t>(array.size());
  }
  auto counts = api::PutPredictions(ctx, req.owner, run_id, std::move(batch), update);
  if (Failed(counts, res)) return;
  wire::JsonWriter w;
  w.Reserve(128);
  w.BeginObject().Key("dataset_id").String(counts->dataset_id);
  w.Key("model_run_id").String(run_id);
  w.Key("predictions_processed").Int(counts->processed);
  w.Key("predictions_ignored").Int(counts->ignored);
  w.Key("errors");
  WriteStringArray(w, counts->errors);
  res.Json(w.EndObject().Take());
}

// The run behind a model-level route; answers the error itself when there is none.
bool ModelRun(api::Context& ctx, Request& req, Response& res, bool create, std::string* run_id) {
  auto run = api::RunOfModel(ctx, req.owner, req.Param("ds"), req.Param("prj"), create);
  if (Failed(run, res)) return false;
  *run_id = run->id;
  return true;
}

}  // namespace

void RegisterPredictionRoutes(Router& router, api::Context& ctx) {
  // Through a run.
  router.Add("POST", "modelRun/:run/predict", [&ctx](Request& req, Response& res) {
    Predict(ctx, req, res, req.Param("run"));
  });
  router.Add("GET", "modelRun/:run/iloc/:i", [&ctx](Request& req, Response& res) {
    int64_t index = 0;
    if (!ParseIndex(req.Param("i"), &index)) {
      return res.Error(InvalidArgument("item index must be a non-negative integer, got \"" +
                                       req.Param("i") + "\""));
    }
    AnswerGrouped(api::PredictionsAtIndex(ctx, req.owner, req.Param("run"), index), res);
  });
  router.Add("GET", "modelRun/:run/loc/:di", [&ctx](Request& req, Response& res) {
    AnswerGrouped(api::PredictionsOfItemId(ctx, req.owner, req.Param("run"), req.Param("di")),
                  res);
  });
  router.Add("GET", "modelRun/:run/refloc/:ref", [&ctx](Request& req, Response& res) {
    AnswerGrouped(
        api::PredictionsOfReference(ctx, req.owner, req.Param("run"), req.Param("ref")), res);
  });
  router.Add("GET", "modelRun/:run/prediction/loc/:ref/:ann", [&ctx](Request& req, Response& res) {
    auto p = api::PredictionByAnnotationId(ctx, req.owner, req.Param("run"), req.Param("ref"),
                                           req.Param("ann"));
    if (Failed(p, res)) return;
    res.Json(p->payload_json);
  });
  router.Add("GET", "modelRun/:run/ungrouped", [&ctx](Request& req, Response& res) {
    AnswerExport(ctx, req.owner, req.Param("run"), res);
  });

  // Through (dataset, model): the model's most recent run on the dataset.
  router.Add("POST", "dataset/:ds/model/:prj/uploadPredictions",
             [&ctx](Request& req, Response& res) {
               std::string run_id;
               if (!ModelRun(ctx, req, res, /*create=*/true, &run_id)) return;
               Predict(ctx, req, res, run_id);
             });
  router.Add("GET", "dataset/:ds/model/:prj/iloc/:i", [&ctx](Request& req, Response& res) {
    int64_t index = 0;
    if (!ParseIndex(req.Param("i"), &index)) {
      return res.Error(InvalidArgument("item index must be a non-negative integer, got \"" +
                                       req.Param("i") + "\""));
    }
    std::string run_id;
    if (!ModelRun(ctx, req, res, false, &run_id)) return;
    AnswerGrouped(api::PredictionsAtIndex(ctx, req.owner, run_id, index), res);
  });
  router.Add("GET", "dataset/:ds/model/:prj/referenceId/:ref",
             [&ctx](Request& req, Response& res) {
               std::string run_id;
               if (!ModelRun(ctx, req, res, false, &run_id)) return;
               AnswerGrouped(
                   api::PredictionsOfReference(ctx, req.owner, run_id, req.Param("ref")), res);
             });
  router.Add("GET", "dataset/:ds/model/:prj/loc/:ref/:ann", [&ctx](Request& req, Response& res) {
    std::string run_id;
    if (!ModelRun(ctx, req, res, false, &run_id)) return;
    auto p = api::PredictionByAnnotationId(ctx, req.owner, run_id, req.Param("ref"),
                                           req.Param("ann"));
    if (Failed(p, res)) return;
    res.Json(p->payload_json);
  });
  router.Add("GET", "dataset/:ds/model/:prj/export", [&ctx](Request& req, Response& res) {
    std::string run_id;
    if (!ModelRun(ctx, req, res, false, &run_id)) return;
    AnswerExport(ctx, req.owner, run_id, res);
  });
  router.Add("POST", "dataset/:ds/model/:prj/calculateEvaluationMetrics",
             [&ctx](Request& req, Response& res) {
               wire::JsonDoc doc;
               wire::JsonObject body;
               if (Failed(ParseBodyObject(req, &doc, &body), res)) return;
               api::CommitOptions options;
               if (Failed(ReadCommitOptions(body, &options), res)) return;
               std::string run_id;
               if (!ModelRun(ctx, req, res, false, &run_id)) return;
               auto job = api::SubmitCommit(ctx, req.owner, run_id, options);
               if (Failed(job, res)) return;
               wire::JsonWriter w;
               WriteJobObject(w, *job, "Running");
               std::string json = w.Take();
               std::string run_key = "\"model_run_id\":";
               wire::AppendJsonString(run_id, &run_key);
               json.insert(1, run_key + ",");
               res.Json(std::move(json));
             });
}

}  // namespace nucleus::server
