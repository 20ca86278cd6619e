// Prediction routes: upload into a run (model_runs.md §4-5, predictions.md §3) and the reads
// (model_runs.md §6-8, predictions.md §4), through a run id or through (dataset, model).
#include <charconv>
#include <memory>
#include <mutex>
#include <span>

#include "api/annotations.h"
#include "api/model_runs.h"
#include "api/predictions.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/annotations_request.h"

namespace nucleus::server {

Status ReadCommitOptions(wire::JsonObject body, api::CommitOptions* options);

namespace {

// Group keys the client accepts (predictions.md §2.2), in output order.
constexpr const char* kGroups[] = {"box",    "line",     "polygon",     "keypoints",
                                   "cuboid", "category", "segmentation"};
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

// {"annotations":{"box":[...],...}} from one item's predictions in insertion order, written in
// one pass per present group into one string (what Groups::Finish(true) gives, byte for byte).
std::string GroupedJson(std::span<const store::PredictionRef> preds) {
  size_t bytes = 32;
  size_t in_group[kGroupCount] = {};
  for (const store::PredictionRef& p : preds) {
    bytes += p.payload_json.size() + 1;
    ++in_group[GroupOf(p.type)];
  }
  std::string json;
  json.reserve(bytes + kGroupCount * 16);
  json += "{\"annotations\":{";
  bool first = true;
  for (size_t g = 0; g < kGroupCount; ++g) {
    if (in_group[g] == 0) continue;
    if (!first) json += ',';
    first = false;
    json += '"';
    json += kGroups[g];
    json += "\":";
    char sep = '[';
    for (const store::PredictionRef& p : preds) {
      if (GroupOf(p.type) != g) continue;
      json += sep;
      sep = ',';
      json += p.payload_json;
    }
    json += ']';
  }
  json += "}}";
  return json;
}

// Answers one item's predictions, grouped; `read` is an api::PredictionsAtIndex / Of... call
// taking the visitor.
template <typename Read>
void AnswerGrouped(Response& res, const Read& read) {
  std::string json;
  Status s = read([&](std::span<const store::PredictionRef> preds) -> Status {
    json = GroupedJson(preds);
    return Status::Ok();
  });
  if (AnsweredError(s, res)) return;
  res.Json(std::move(json));
}

void AnswerExport(api::Context& ctx, const std::string& owner, const std::string& run_id,
                  Response& res) {
  Groups groups;
  Status s = api::ForEachRunPrediction(ctx, owner, run_id, [&](const store::Prediction& p) {
    groups.Add(p);
    return Status::Ok();
  });
  if (AnsweredError(s, res)) return;
  res.Json(groups.Finish(/*wrap=*/false));
}

// Parsers for upload bodies, reused across requests: a fresh simdjson parser allocates (and the
// kernel zeroes) buffers sized to the multi-megabyte body every time, which cost as much as
// parsing the 5,000 objects (docs/benchmarks.md, "Prediction ingest"). At most kKept stay cached.
class DocPool {
 public:
  std::unique_ptr<wire::JsonDoc> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<wire::JsonDoc> doc = std::move(free_.back());
        free_.pop_back();
        return doc;
      }
    }
    return std::make_unique<wire::JsonDoc>();
  }
  void Give(std::unique_ptr<wire::JsonDoc> doc) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kKept) free_.push_back(std::move(doc));
  }

 private:
  static constexpr size_t kKept = 4;
  std::mutex mu_;
  std::vector<std::unique_ptr<wire::JsonDoc>> free_;
};

DocPool& UploadDocs() {
  static DocPool* pool = new DocPool();  // never destroyed: used by server threads until exit
  return *pool;
}

// A pooled JsonDoc for the duration of one request.
class PooledDoc {
 public:
  PooledDoc() : doc_(UploadDocs().Take()) {}
  ~PooledDoc() { UploadDocs().Give(std::move(doc_)); }
  PooledDoc(const PooledDoc&) = delete;
  PooledDoc& operator=(const PooledDoc&) = delete;
  wire::JsonDoc* get() { return doc_.get(); }

 private:
  std::unique_ptr<wire::JsonDoc> doc_;
};

bool ParseIndex(const std::string& text, int64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out >= 0;
}

void AnswerCounts(Response& res, const std::string& run_id, const api::PredictCounts& counts) {
  wire::JsonWriter w;
  w.Reserve(128);
  w.BeginObject().Key("dataset_id").String(counts.dataset_id);
  w.Key("model_run_id").String(run_id);
  w.Key("predictions_processed").Int(counts.processed);
  w.Key("predictions_ignored").Int(counts.ignored);
  w.Key("errors");
  WriteStringArray(w, counts.errors);
  res.Json(w.EndObject().Take());
}

// Parses the "annotations" and "segmentations" arrays of an upload body into `batch`. More than
// max_batch_objects objects in all refuse the whole request before anything is parsed.
Status ParseUploadArrays(wire::JsonObject body, const wire::Limits& limits,
                         api::PredictionBatch* batch) {
  wire::JsonArray arrays[2];
  bool present[2] = {false, false};
  const char* keys[2] = {"annotations", "segmentations"};
  size_t total = 0;
  for (int k = 0; k < 2; ++k) {
    wire::JsonValue v;
    if (!wire::Find(body, keys[k], &v)) continue;
    NUCLEUS_RETURN_IF_ERROR(
        wire::AsArray(v, std::string("field \"") + keys[k] + "\" of request body", &arrays[k]));
    present[k] = true;
    total += arrays[k].size();
  }
  NUCLEUS_RETURN_IF_ERROR(wire::CheckCount("request body", "annotations\" + \"segmentations", total,
                                           limits.max_batch_objects, "max_batch_objects"));
  int64_t count = 0;
  for (int k = 0; k < 2; ++k) {
    if (!present[k]) continue;
    api::ParsePredictionArray(arrays[k], k == 1, count, limits, batch);
    count += static_cast<int64_t>(arrays[k].size());
  }
  return Status::Ok();
}

// Local mask files (annotations.md §4 layout on the prediction routes): part
// "serialized_request" ({"segmentations": [...], "update": bool}), then one "mask" part per
// segmentation in the same order. Masks are stored like ground-truth masks (api/annotations.h);
// mask_url stays as the client sent it.
void PredictMultipart(api::Context& ctx, Request& req, Response& res, const std::string& run_id) {
  MaskUpload upload;
  if (AnsweredError(ReadMaskUpload(req, "multipart prediction upload", &upload), res)) return;
  if (AnsweredError(api::GetModelRun(ctx, req.owner, run_id), res)) return;  // before storing files
  if (AnsweredError(upload.ParseRequest(), res)) return;
  api::PredictionBatch batch;
  if (AnsweredError(ParseUploadArrays(upload.body, ctx.limits, &batch), res)) return;

  std::vector<wire::ParsedAnnotation> kept;
  size_t mask_index = 0;
  for (wire::ParsedAnnotation& a : batch.objects) {
    if (a.type != core::AnnotationType::kSegmentation) {
      kept.push_back(std::move(a));
      continue;
    }
    const size_t i = mask_index++;
    const FormPart* file = upload.FileFor(i, a.mask_url);
    if (file == nullptr) {
      batch.errors.push_back("mask " + std::to_string(i) + " (reference_id " + a.reference_id +
                             "): no \"mask\" part was sent for mask_url " + a.mask_url);
      ++batch.parse_failures;
      continue;
    }
    if (std::string error = MaskTooLarge(*file, i, a.reference_id, ctx.limits); !error.empty()) {
      batch.errors.push_back(std::move(error));
      ++batch.parse_failures;
      continue;
    }
    auto stored = api::StoreMaskFile(ctx, file->content);
    if (AnsweredError(stored, res)) return;
    wire::AttachStoredMaskUrl(a, req.base_url + "/blob/" + *stored);
    kept.push_back(std::move(a));
  }
  batch.objects = std::move(kept);
  auto counts = api::PutPredictions(ctx, req.owner, run_id, std::move(batch), upload.update);
  if (AnsweredError(counts, res)) return;
  AnswerCounts(res, run_id, *counts);
}

// The prediction upload of model_runs.md §4-5 / predictions.md §3 into run `run_id`.
void Predict(api::Context& ctx, Request& req, Response& res, const std::string& run_id) {
  if (req.is_multipart) return PredictMultipart(ctx, req, res, run_id);
  PooledDoc doc;
  wire::JsonObject body;
  if (AnsweredError(ParseBodyObject(req, doc.get(), &body), res)) return;
  bool update = false;
  if (AnsweredError(wire::OptBool(body, "update", "request body", &update), res)) return;

  if (req.QueryFlag("async")) {
    std::string request_id;
    if (AnsweredError(wire::GetString(body, "requestId", "request body", &request_id), res)) return;
    auto run = api::GetModelRun(ctx, req.owner, run_id);
    if (AnsweredError(run, res)) return;
    return RespondJobSubmitted(
        res,
        api::SubmitPredictionUpload(ctx, req.owner, run_id, run->dataset_id, request_id, update));
  }

  api::PredictionBatch batch;
  if (AnsweredError(ParseUploadArrays(body, ctx.limits, &batch), res)) return;
  std::optional<std::string> trained_slice_id;
  if (AnsweredError(wire::OptString(body, "trained_slice_id", "request body", &trained_slice_id), res)) {
    return;
  }
  auto counts = api::PutPredictions(ctx, req.owner, run_id, std::move(batch), update);
  if (AnsweredError(counts, res)) return;
  if (trained_slice_id && !trained_slice_id->empty()) {
    if (AnsweredError(api::RecordTrainedSlice(ctx, req.owner, run_id, *trained_slice_id), res)) return;
  }
  AnswerCounts(res, run_id, *counts);
}

// The run behind a model-level route; answers the error itself when there is none.
bool ModelRun(api::Context& ctx, Request& req, Response& res, bool create, std::string* run_id) {
  auto run = api::RunOfModel(ctx, req.owner, req.Param("ds"), req.Param("prj"), create);
  if (AnsweredError(run, res)) return false;
  *run_id = run->id;
  return true;
}

}  // namespace

void RegisterPredictionRoutes(Router& router, api::Context& ctx) {
  // Through a run.
  router.Add("POST", "modelRun/:run/predict",
             [&ctx](Request& req, Response& res) { Predict(ctx, req, res, req.Param("run")); });
  router.Add("GET", "modelRun/:run/iloc/:i", [&ctx](Request& req, Response& res) {
    int64_t index = 0;
    if (!ParseIndex(req.Param("i"), &index)) {
      return res.Error(InvalidArgument("item index must be a non-negative integer, got \"" +
                                       req.Param("i") + "\""));
    }
    AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
      return api::PredictionsAtIndex(ctx, req.owner, req.Param("run"), index, fn);
    });
  });
  router.Add("GET", "modelRun/:run/loc/:di", [&ctx](Request& req, Response& res) {
    AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
      return api::PredictionsOfItemId(ctx, req.owner, req.Param("run"), req.Param("di"), fn);
    });
  });
  router.Add("GET", "modelRun/:run/refloc/:ref", [&ctx](Request& req, Response& res) {
    AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
      return api::PredictionsOfReference(ctx, req.owner, req.Param("run"), req.Param("ref"), fn);
    });
  });
  router.Add("GET", "modelRun/:run/prediction/loc/:ref/:ann", [&ctx](Request& req, Response& res) {
    auto p = api::PredictionByAnnotationId(ctx, req.owner, req.Param("run"), req.Param("ref"),
                                           req.Param("ann"));
    if (AnsweredError(p, res)) return;
    res.Json(std::move(*p));
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
    AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
      return api::PredictionsAtIndex(ctx, req.owner, run_id, index, fn);
    });
  });
  router.Add("GET", "dataset/:ds/model/:prj/referenceId/:ref", [&ctx](Request& req, Response& res) {
    std::string run_id;
    if (!ModelRun(ctx, req, res, false, &run_id)) return;
    AnswerGrouped(res, [&](const api::ItemPredictionsFn& fn) {
      return api::PredictionsOfReference(ctx, req.owner, run_id, req.Param("ref"), fn);
    });
  });
  router.Add("GET", "dataset/:ds/model/:prj/loc/:ref/:ann", [&ctx](Request& req, Response& res) {
    std::string run_id;
    if (!ModelRun(ctx, req, res, false, &run_id)) return;
    auto p =
        api::PredictionByAnnotationId(ctx, req.owner, run_id, req.Param("ref"), req.Param("ann"));
    if (AnsweredError(p, res)) return;
    res.Json(std::move(*p));
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
               if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
               api::CommitOptions options;
               if (AnsweredError(ReadCommitOptions(body, &options), res)) return;
               std::string run_id;
               if (!ModelRun(ctx, req, res, false, &run_id)) return;
               auto job = api::SubmitCommit(ctx, req.owner, run_id, options);
               if (AnsweredError(job, res)) return;
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
