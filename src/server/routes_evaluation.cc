// Routes of evaluation.md: the object query over committed matches (§1) and Evaluations V2 (§2).
#include <charconv>
#include <limits>

#include "api/evaluations.h"
#include "core/clock.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {
namespace {

void WriteOptionalString(wire::JsonWriter& w, std::string_view key,
                         const std::optional<std::string>& v) {
  w.Key(key);
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void WriteOptionalDouble(wire::JsonWriter& w, std::string_view key, std::optional<double> v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

// evaluation.md §2.1
void WriteEvaluation(wire::JsonWriter& w, const store::Evaluation& e) {
  w.BeginObject();
  w.Key("id").String(e.id).Key("model_run_id").String(e.model_run_id);
  w.Key("dataset_id").String(e.dataset_id).Key("status").String(e.status);
  WriteOptionalString(w, "name", e.name);
  w.Key("temporal_workflow_id");
  if (e.job_id.empty()) {
    w.Null();
  } else {
    w.String(e.job_id);
  }
  WriteOptionalString(w, "error_message", e.error_message);
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(e.created_at_ms)));
  WriteOptionalString(w, "allowed_label_matches_id", e.allowed_label_matches_id);
  w.Key("allowed_label_matches").Raw(e.allowed_label_matches_json);
  w.Key("allowed_label_matches_name").Null();
  w.EndObject();
}

// evaluation.md §1: a match object.
void WriteMatch(wire::JsonWriter& w, const std::string& run_id, const store::MatchView& m) {
  const store::MatchRow& r = m.row;
  const bool has_gt = r.annotation_rowid != 0, has_pred = r.prediction_rowid != 0;
  w.BeginObject();
  w.Key("model_run_id").String(run_id);
  w.Key("model_prediction_id");
  has_pred ? w.String(m.prediction_id) : w.Null();
  w.Key("ground_truth_annotation_id");
  has_gt ? w.String(m.annotation_id) : w.Null();
  w.Key("iou").Double(r.iou);
  w.Key("dataset_item_id").String(m.item_id);
  w.Key("true_positive").Bool(has_gt && has_pred && r.labels_match);
  w.Key("model_prediction_label");
  has_pred ? w.String(r.pred_label) : w.Null();
  w.Key("ground_truth_annotation_label");
  has_gt ? w.String(r.gt_label) : w.Null();
  w.EndObject();
}

Status ReadRange(wire::JsonObject f, std::string_view key, std::optional<api::Range>* out) {
  wire::JsonValue v;
  if (!wire::Find(f, key, &v)) return Status::Ok();
  const std::string what = "filter \"" + std::string(key) + "\"";
  wire::JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(v, what, &o));
  api::Range r;
  NUCLEUS_RETURN_IF_ERROR(wire::OptNumber(o, "min", what, &r.min));
  NUCLEUS_RETURN_IF_ERROR(wire::OptNumber(o, "max", what, &r.max));
  *out = r;
  return Status::Ok();
}

Status ReadLabels(wire::JsonObject f, std::string_view key,
                  std::optional<std::vector<std::string>>* out) {
  wire::JsonValue v;
  if (!wire::Find(f, key, &v)) return Status::Ok();
  std::vector<std::string> labels;
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(f, key, "filters", &labels));
  *out = std::move(labels);
  return Status::Ok();
}

// evaluation.md §2.6 filters, as an object.
Status ReadFilters(wire::JsonValue value, api::MatchFilters* out) {
  wire::JsonObject f;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "filters", &f));
  NUCLEUS_RETURN_IF_ERROR(ReadRange(f, "confidenceRange", &out->confidence));
  NUCLEUS_RETURN_IF_ERROR(ReadRange(f, "iouRange", &out->iou));
  NUCLEUS_RETURN_IF_ERROR(ReadLabels(f, "predLabels", &out->pred_labels));
  NUCLEUS_RETURN_IF_ERROR(ReadLabels(f, "gtLabels", &out->gt_labels));
  std::optional<std::string> equality;
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(f, "labelEquality", "filters", &equality));
  if (equality) {
    if (*equality != "EQ" && *equality != "NEQ") {
      return wire::FieldError("filters", "labelEquality", "must be \"EQ\" or \"NEQ\"");
    }
    out->label_equality = *equality == "EQ";
  }
  wire::JsonValue v;
  if (wire::Find(f, "hasGroundTruth", &v)) {
    bool b = false;
    NUCLEUS_RETURN_IF_ERROR(wire::OptBool(f, "hasGroundTruth", "filters", &b));
    out->has_ground_truth = b;
  }
  NUCLEUS_RETURN_IF_ERROR(wire::OptBool(f, "tideBackground", "filters", &out->tide_background));
  for (std::string_view key : {"itemMetadata", "predictionMetadata"}) {
    if (wire::Find(f, key, &v)) {
      return wire::FieldError("filters", key, "metadata filters are not supported by this server");
    }
  }
  return Status::Ok();
}

Status ReadQueryString(wire::JsonObject body, std::string_view key) {
  std::optional<std::string> query;
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(body, key, "request", &query));
  if (query && !query->empty()) {
    return InvalidArgument("field \"" + std::string(key) +
                           "\": the query language is not supported by this server; send \"\"");
  }
  return Status::Ok();
}

}  // namespace

void RegisterEvaluationRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "dataset/:ds/queryObjectsPage", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "queryObjectsPage request";
    api::ObjectsQuery q;
    q.dataset_id = req.Param("ds");
    if (AnsweredError(ReadQueryString(body, "query"), res)) return;
    std::string mode = "iou";
    if (AnsweredError(wire::OptString(body, "patch_mode", what, &mode), res)) return;
    if (!api::ParsePatchMode(mode, &q.mode)) {
      return res.Error(wire::FieldError(
          what, "patch_mode",
          "must be one of \"iou\", \"false_positive\", \"false_negative\", "
          "\"predictions_only\", \"ground_truth_only\", got \"" + mode + "\""));
    }
    if (AnsweredError(wire::OptString(body, "model_run_id", what, &q.model_run_id), res)) return;
    if (AnsweredError(wire::OptString(body, "pageToken", what, &q.page_token), res)) return;
    if (AnsweredError(wire::OptInt(body, "pageSize", what, &q.page_size), res)) return;
    auto page = api::QueryObjects(ctx, req.owner, q);
    if (AnsweredError(page, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const std::string& json : page->objects_json) w.Raw(json);
    for (const store::MatchView& m : page->matches) WriteMatch(w, page->model_run_id, m);
    w.EndArray().Key("nextPageToken");
    if (page->next_page_token.empty()) {
      w.Null();
    } else {
      w.String(page->next_page_token);
    }
    res.Json(w.EndObject().Take());
  });

  router.Add("POST", "modelRun/:run/evaluationsV2", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "evaluation";
    api::NewEvaluation input;
    if (AnsweredError(wire::OptString(body, "name", what, &input.name), res)) return;
    if (AnsweredError(wire::OptString(body, "allowed_label_matches_id", what,
                               &input.allowed_label_matches_id),
               res)) {
      return;
    }
    wire::JsonValue v;
    if (wire::Find(body, "allowed_label_matches", &v)) {
      wire::JsonArray pairs;
      if (AnsweredError(wire::AsArray(v, "field \"allowed_label_matches\" of evaluation", &pairs), res)) {
        return;
      }
      for (wire::JsonValue e : pairs) {
        // Entries that are not objects or lack a label are skipped (evaluation.md §2.1).
        wire::JsonObject o;
        if (e.get(o) != simdjson::SUCCESS) continue;
        std::string gt, pred;
        std::string_view s;
        if (o["ground_truth_label"].get(s) == simdjson::SUCCESS ||
            o["groundTruthLabel"].get(s) == simdjson::SUCCESS) {
          gt = s;
        } else {
          continue;
        }
        if (o["model_prediction_label"].get(s) == simdjson::SUCCESS ||
            o["modelPredictionLabel"].get(s) == simdjson::SUCCESS) {
          pred = s;
        } else {
          continue;
        }
        input.allowed_label_matches.emplace_back(std::move(gt), std::move(pred));
      }
    }
    auto e = api::CreateEvaluation(ctx, req.owner, req.Param("run"), std::move(input));
    if (AnsweredError(e, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("evaluation_id").String(e->id).Key("status").String(e->status);
    w.Key("workflow_id").String(e->job_id);
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "modelRun/:run/evaluationsV2", [&ctx](Request& req, Response& res) {
    auto list = api::ListEvaluations(ctx, req.owner, req.Param("run"));
    if (AnsweredError(list, res)) return;
    wire::JsonWriter w;
    w.BeginArray();
    for (const store::Evaluation& e : *list) WriteEvaluation(w, e);
    res.Json(w.EndArray().Take());
  });

  router.Add("GET", "evaluationsV2/:ev", [&ctx](Request& req, Response& res) {
    auto e = api::GetEvaluation(ctx, req.owner, req.Param("ev"));
    if (AnsweredError(e, res)) return;
    wire::JsonWriter w;
    WriteEvaluation(w, *e);
    res.Json(w.Take());
  });

  router.Add("DELETE", "evaluationsV2/:ev", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteEvaluation(ctx, req.owner, req.Param("ev")), res)) return;
    res.Json("{}");
  });

  router.Add("GET", "evaluationsV2/:ev/charts", [&ctx](Request& req, Response& res) {
    api::ChartsQuery q;
    if (req.HasQuery("iouThreshold")) {
      const std::string text = req.Query("iouThreshold");
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q.iou_threshold);
      if (ec != std::errc() || end != text.data() + text.size() || !(q.iou_threshold >= 0) ||
          q.iou_threshold > 1) {
        return res.Error(InvalidArgument(
            "query parameter \"iouThreshold\" must be a number in [0, 1], got \"" + text + "\""));
      }
    }
    if (!req.Query("query").empty()) {
      return res.Error(InvalidArgument(
          "query parameter \"query\": the query language is not supported by this server"));
    }
    wire::JsonDoc filters_doc;
    if (req.HasQuery("filters")) {
      if (AnsweredError(filters_doc.Parse(req.Query("filters"), "query parameter \"filters\""), res)) {
        return;
      }
      if (AnsweredError(ReadFilters(filters_doc.root(), &q.filters), res)) return;
    }
    auto c = api::EvaluationCharts(ctx, req.owner, req.Param("ev"), q);
    if (AnsweredError(c, res)) return;
    wire::JsonWriter w;
    w.BeginObject();
    w.Key("mapSummary").BeginObject();
    WriteOptionalDouble(w, "mapAt50", c->map50);
    WriteOptionalDouble(w, "mapAt75", c->map75);
    WriteOptionalDouble(w, "mapAt5095", c->map50_95);
    w.EndObject();
    w.Key("perClassAp").BeginArray();
    for (const api::LabelValue& v : c->per_class_ap) {
      w.BeginObject().Key("classLabel").String(v.label).Key("ap").Double(v.value).EndObject();
    }
    w.EndArray().Key("confusionMatrix").BeginArray();
    for (const api::Charts::Cell& cell : c->confusion) {
      w.BeginObject().Key("gtLabel").String(cell.gt_label).Key("predLabel").String(cell.pred_label);
      w.Key("count").Int(cell.count).EndObject();
    }
    w.EndArray().Key("scoreHistogram").BeginArray();
    for (const api::Charts::Bucket& b : c->score_histogram) {
      w.BeginObject().Key("bucketMin").Double(b.min).Key("bucketMax").Double(b.max);
      w.Key("count").Int(b.count).EndObject();
    }
    w.EndArray().Key("computedIouRanges").BeginArray();
    for (double t : c->iou_thresholds) w.Double(t);
    w.EndArray();
    w.Key("totalCounts").BeginObject().Key("tp").Int(c->tp).Key("fp").Int(c->fp);
    w.Key("fn").Int(c->fn).Key("predsWithConfidence").Int(c->preds_with_confidence).EndObject();
    w.Key("apBySize").BeginObject();
    WriteOptionalDouble(w, "small", c->ap_small);
    WriteOptionalDouble(w, "medium", c->ap_medium);
    WriteOptionalDouble(w, "large", c->ap_large);
    w.EndObject().Key("prCurve").BeginArray();
    for (const api::Charts::PrPoint& p : c->pr_curve) {
      w.BeginObject().Key("classLabel").String(p.label).Key("recall").Double(p.recall);
      w.Key("precision").Double(p.precision).EndObject();
    }
    w.EndArray().Key("tideAttribution").BeginObject();
    w.Key("truePositive").Int(c->tide_tp).Key("localization").Int(c->tide_localization);
    w.Key("classification").Int(c->tide_classification).Key("both").Int(c->tide_both);
    w.Key("duplicate").Int(c->tide_duplicate).Key("background").Int(c->tide_background);
    w.Key("missed").Int(c->tide_missed).EndObject();
    res.Json(w.EndObject().Take());
  });

  router.Add("POST", "evaluationsV2/:ev/examples", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "examples request";
    api::ExamplesQuery q;
    std::optional<std::string> match_type;
    if (AnsweredError(wire::OptString(body, "match_type", what, &match_type), res)) return;
    if (match_type) {
      if (*match_type == "TP") {
        q.match_type = api::ExampleType::kTruePositive;
      } else if (*match_type == "FP") {
        q.match_type = api::ExampleType::kFalsePositive;
      } else if (*match_type == "FN") {
        q.match_type = api::ExampleType::kFalseNegative;
      } else {
        return res.Error(wire::FieldError(what, "match_type", "must be \"TP\", \"FP\" or \"FN\""));
      }
    }
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (AnsweredError(wire::OptIntInRange(body, "limit", what, 0, kMax, &q.limit), res)) return;
    if (AnsweredError(wire::OptIntInRange(body, "offset", what, 0, kMax, &q.offset), res)) return;
    if (AnsweredError(wire::OptString(body, "sort_by", what, &q.sort_by), res)) return;
    if (!q.sort_by.empty() && q.sort_by != "confidence" && q.sort_by != "iou") {
      return res.Error(wire::FieldError(what, "sort_by", "must be \"confidence\" or \"iou\""));
    }
    std::string order = "desc";
    if (AnsweredError(wire::OptString(body, "sort_order", what, &order), res)) return;
    if (order != "asc" && order != "desc") {
      return res.Error(wire::FieldError(what, "sort_order", "must be \"asc\" or \"desc\""));
    }
    q.descending = order == "desc";
    if (AnsweredError(ReadQueryString(body, "query"), res)) return;
    wire::JsonValue v;
    if (wire::Find(body, "filters", &v) && AnsweredError(ReadFilters(v, &q.filters), res)) return;
    const std::string& id = req.Param("ev");
    auto page = api::EvaluationExamples(ctx, req.owner, id, q);
    if (AnsweredError(page, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("rows").BeginArray();
    for (const api::Example& ex : page->rows) {
      const store::MatchRow& r = ex.view.row;
      const bool has_gt = r.annotation_rowid != 0, has_pred = r.prediction_rowid != 0;
      const char* type = ex.type == api::ExampleType::kTruePositive    ? "TP"
                         : ex.type == api::ExampleType::kFalsePositive ? "FP"
                                                                       : "FN";
      w.BeginObject();
      w.Key("id").String(id + ":" + std::to_string(ex.view.seq));
      w.Key("evaluation_id").String(id);
      w.Key("dataset_item_id").String(ex.view.item_id);
      w.Key("model_prediction_id");
      has_pred ? w.String(ex.view.prediction_id) : w.Null();
      w.Key("ground_truth_annotation_id");
      has_gt ? w.String(ex.view.annotation_id) : w.Null();
      const std::string& canonical = r.labels_match && has_gt ? r.gt_label : r.pred_label;
      w.Key("pred_canonical_label");
      has_pred ? w.String(canonical) : w.Null();
      w.Key("gt_canonical_label");
      has_gt ? w.String(r.gt_label) : w.Null();
      w.Key("pred_raw_label");
      has_pred ? w.String(r.pred_label) : w.Null();
      w.Key("gt_raw_label");
      has_gt ? w.String(r.gt_label) : w.Null();
      w.Key("iou");
      has_gt && has_pred ? w.Double(r.iou) : w.Null();
      WriteOptionalDouble(w, "confidence", has_pred ? r.confidence : std::nullopt);
      w.Key("true_positive").Bool(ex.type == api::ExampleType::kTruePositive);
      w.Key("match_type").String(type);
      w.Key("gt_area");
      has_gt ? w.Double(r.gt_area) : w.Null();
      w.Key("item_metadata").Null().Key("prediction_metadata").Null();
      w.Key("prediction_row").Null().Key("annotation_row").Null();
      w.EndObject();
    }
    w.EndArray().Key("total").Int(page->total);
    res.Json(w.EndObject().Take());
  });
}

}  // namespace nucleus::server
