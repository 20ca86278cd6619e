#include "wire/evaluations.h"

#include <charconv>
#include <limits>

#include "core/clock.h"
#include "wire/bodies.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

void WriteOptionalString(JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void WriteOptionalDouble(JsonWriter& w, std::string_view key, std::optional<double> v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

// ---- reading ----

// The query language is not supported: `key` must be absent or "".
Status ReadQueryString(JsonObject body, std::string_view key) {
  std::optional<std::string> query;
  NUCLEUS_RETURN_IF_ERROR(OptString(body, key, "request", &query));
  if (query && !query->empty()) {
    return InvalidArgument("field \"" + std::string(key) +
                           "\": the query language is not supported by this server; send \"\"");
  }
  return Status::Ok();
}

bool ParsePatchMode(std::string_view text, core::PatchMode* out) {
  static const std::pair<std::string_view, core::PatchMode> kModes[] = {
      {"iou", core::PatchMode::kIou},
      {"false_positive", core::PatchMode::kFalsePositive},
      {"false_negative", core::PatchMode::kFalseNegative},
      {"predictions_only", core::PatchMode::kPredictionsOnly},
      {"ground_truth_only", core::PatchMode::kGroundTruthOnly},
  };
  for (const auto& [name, mode] : kModes) {
    if (name == text) {
      *out = mode;
      return true;
    }
  }
  return false;
}

Status ReadRange(JsonObject f, std::string_view key, std::optional<core::Range>* out) {
  JsonValue v;
  if (!Find(f, key, &v)) return Status::Ok();
  const std::string what = "filter \"" + std::string(key) + "\"";
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(AsObject(v, what, &o));
  core::Range r;
  NUCLEUS_RETURN_IF_ERROR(OptNumber(o, "min", what, &r.min));
  NUCLEUS_RETURN_IF_ERROR(OptNumber(o, "max", what, &r.max));
  *out = r;
  return Status::Ok();
}

Status ReadLabels(JsonObject f, std::string_view key,
                  std::optional<std::vector<std::string>>* out) {
  JsonValue v;
  if (!Find(f, key, &v)) return Status::Ok();
  std::vector<std::string> labels;
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(f, key, "filters", &labels));
  *out = std::move(labels);
  return Status::Ok();
}

// evaluation.md §2.6 filters, as an object.
Status ReadFilters(JsonValue value, core::MatchFilters* out) {
  JsonObject f;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, "filters", &f));
  NUCLEUS_RETURN_IF_ERROR(ReadRange(f, "confidenceRange", &out->confidence));
  NUCLEUS_RETURN_IF_ERROR(ReadRange(f, "iouRange", &out->iou));
  NUCLEUS_RETURN_IF_ERROR(ReadLabels(f, "predLabels", &out->pred_labels));
  NUCLEUS_RETURN_IF_ERROR(ReadLabels(f, "gtLabels", &out->gt_labels));
  std::optional<std::string> equality;
  NUCLEUS_RETURN_IF_ERROR(OptString(f, "labelEquality", "filters", &equality));
  if (equality) {
    if (*equality != "EQ" && *equality != "NEQ") {
      return FieldError("filters", "labelEquality", "must be \"EQ\" or \"NEQ\"");
    }
    out->label_equality = *equality == "EQ";
  }
  JsonValue v;
  if (Find(f, "hasGroundTruth", &v)) {
    bool b = false;
    NUCLEUS_RETURN_IF_ERROR(OptBool(f, "hasGroundTruth", "filters", &b));
    out->has_ground_truth = b;
  }
  NUCLEUS_RETURN_IF_ERROR(OptBool(f, "tideBackground", "filters", &out->tide_background));
  NUCLEUS_RETURN_IF_ERROR(OptString(f, "sliceId", "filters", &out->slice_id));
  for (std::string_view key : {"itemMetadata", "predictionMetadata"}) {
    if (Find(f, key, &v)) {
      return FieldError("filters", key, "metadata filters are not supported by this server");
    }
  }
  return Status::Ok();
}

// One entry of allowed_label_matches; false when it is skipped (not an object, or a label
// missing under both spellings).
bool ReadLabelMatch(JsonValue e, std::pair<std::string, std::string>* out) {
  JsonObject o;
  if (e.get(o) != simdjson::SUCCESS) return false;
  std::string_view s;
  if (o["ground_truth_label"].get(s) != simdjson::SUCCESS &&
      o["groundTruthLabel"].get(s) != simdjson::SUCCESS) {
    return false;
  }
  out->first = s;
  if (o["model_prediction_label"].get(s) != simdjson::SUCCESS &&
      o["modelPredictionLabel"].get(s) != simdjson::SUCCESS) {
    return false;
  }
  out->second = s;
  return true;
}

// The pairs as an evaluation shows them.
std::string LabelMatchesJson(const std::vector<std::pair<std::string, std::string>>& pairs) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& [gt, pred] : pairs) {
    w.BeginObject().Key("groundTruthLabel").String(gt);
    w.Key("modelPredictionLabel").String(pred).EndObject();
  }
  return w.EndArray().Take();
}

Status ReadMatchType(JsonObject body, std::string_view what,
                     std::optional<core::ExampleType>* out) {
  std::optional<std::string> match_type;
  NUCLEUS_RETURN_IF_ERROR(OptString(body, "match_type", what, &match_type));
  if (!match_type) return Status::Ok();
  if (*match_type == "TP") {
    *out = core::ExampleType::kTruePositive;
  } else if (*match_type == "FP") {
    *out = core::ExampleType::kFalsePositive;
  } else if (*match_type == "FN") {
    *out = core::ExampleType::kFalseNegative;
  } else {
    return FieldError(what, "match_type", "must be \"TP\", \"FP\" or \"FN\"");
  }
  return Status::Ok();
}

Status ReadSort(JsonObject body, std::string_view what, core::ExamplesQuery* q) {
  NUCLEUS_RETURN_IF_ERROR(OptString(body, "sort_by", what, &q->sort_by));
  if (!q->sort_by.empty() && q->sort_by != "confidence" && q->sort_by != "iou") {
    return FieldError(what, "sort_by", "must be \"confidence\" or \"iou\"");
  }
  std::string order = "desc";
  NUCLEUS_RETURN_IF_ERROR(OptString(body, "sort_order", what, &order));
  if (order != "asc" && order != "desc") {
    return FieldError(what, "sort_order", "must be \"asc\" or \"desc\"");
  }
  q->descending = order == "desc";
  return Status::Ok();
}

// ---- writing ----

// evaluation.md §1: a match object.
void WriteMatch(JsonWriter& w, const std::string& run_id, const core::MatchView& m) {
  const core::MatchRow& r = m.row;
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

void WriteEvaluation(JsonWriter& w, const core::Evaluation& e) {
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

// mapSummary, perClassAp, confusionMatrix, scoreHistogram, computedIouRanges.
void WriteChartsMetrics(JsonWriter& w, const core::Charts& c) {
  w.Key("mapSummary").BeginObject();
  WriteOptionalDouble(w, "mapAt50", c.map50);
  WriteOptionalDouble(w, "mapAt75", c.map75);
  WriteOptionalDouble(w, "mapAt5095", c.map50_95);
  w.EndObject();
  w.Key("perClassAp").BeginArray();
  for (const core::LabelValue& v : c.per_class_ap) {
    w.BeginObject().Key("classLabel").String(v.label).Key("ap").Double(v.value).EndObject();
  }
  w.EndArray().Key("confusionMatrix").BeginArray();
  for (const core::Charts::Cell& cell : c.confusion) {
    w.BeginObject().Key("gtLabel").String(cell.gt_label).Key("predLabel").String(cell.pred_label);
    w.Key("count").Int(cell.count).EndObject();
  }
  w.EndArray().Key("scoreHistogram").BeginArray();
  for (const core::Charts::Bucket& b : c.score_histogram) {
    w.BeginObject().Key("bucketMin").Double(b.min).Key("bucketMax").Double(b.max);
    w.Key("count").Int(b.count).EndObject();
  }
  w.EndArray().Key("computedIouRanges").BeginArray();
  for (double t : c.iou_thresholds) w.Double(t);
  w.EndArray();
}

// totalCounts, apBySize, prCurve, tideAttribution.
void WriteChartsCounts(JsonWriter& w, const core::Charts& c) {
  w.Key("totalCounts").BeginObject().Key("tp").Int(c.tp).Key("fp").Int(c.fp);
  w.Key("fn").Int(c.fn).Key("predsWithConfidence").Int(c.preds_with_confidence).EndObject();
  w.Key("apBySize").BeginObject();
  WriteOptionalDouble(w, "small", c.ap_small);
  WriteOptionalDouble(w, "medium", c.ap_medium);
  WriteOptionalDouble(w, "large", c.ap_large);
  w.EndObject().Key("prCurve").BeginArray();
  for (const core::Charts::PrPoint& p : c.pr_curve) {
    w.BeginObject().Key("classLabel").String(p.label).Key("recall").Double(p.recall);
    w.Key("precision").Double(p.precision).EndObject();
  }
  w.EndArray().Key("tideAttribution").BeginObject();
  w.Key("truePositive").Int(c.tide_tp).Key("localization").Int(c.tide_localization);
  w.Key("classification").Int(c.tide_classification).Key("both").Int(c.tide_both);
  w.Key("duplicate").Int(c.tide_duplicate).Key("background").Int(c.tide_background);
  w.Key("missed").Int(c.tide_missed).EndObject();
}

void WriteExample(JsonWriter& w, std::string_view evaluation_id, const core::Example& ex) {
  const core::MatchRow& r = ex.view.row;
  const bool has_gt = r.annotation_rowid != 0, has_pred = r.prediction_rowid != 0;
  const char* type = ex.type == core::ExampleType::kTruePositive    ? "TP"
                     : ex.type == core::ExampleType::kFalsePositive ? "FP"
                                                                    : "FN";
  std::string row_id(evaluation_id);
  row_id += ':';
  row_id += std::to_string(ex.view.seq);
  w.BeginObject();
  w.Key("id").String(row_id);
  w.Key("evaluation_id").String(evaluation_id);
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
  has_gt&& has_pred ? w.Double(r.iou) : w.Null();
  WriteOptionalDouble(w, "confidence", has_pred ? r.confidence : std::nullopt);
  w.Key("true_positive").Bool(ex.type == core::ExampleType::kTruePositive);
  w.Key("match_type").String(type);
  w.Key("gt_area");
  has_gt ? w.Double(r.gt_area) : w.Null();
  w.Key("item_metadata").Null().Key("prediction_metadata").Null();
  w.Key("prediction_row").Null().Key("annotation_row").Null();
  w.EndObject();
}

}  // namespace

Result<core::ObjectsQuery> DecodeObjectsQuery(std::string_view body, std::string dataset_id) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "queryObjectsPage request";
  core::ObjectsQuery q;
  q.dataset_id = std::move(dataset_id);
  NUCLEUS_RETURN_IF_ERROR(ReadQueryString(obj, "query"));
  std::string mode = "iou";
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "patch_mode", kWhat, &mode));
  if (!ParsePatchMode(mode, &q.mode)) {
    return FieldError(kWhat, "patch_mode",
                      "must be one of \"iou\", \"false_positive\", \"false_negative\", "
                      "\"predictions_only\", \"ground_truth_only\", got \"" +
                          mode + "\"");
  }
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "model_run_id", kWhat, &q.model_run_id));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "pageToken", kWhat, &q.page_token));
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, "pageSize", kWhat, &q.page_size));
  return q;
}

std::string EncodeObjectsPage(const core::ObjectsPage& page) {
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const std::string& json : page.objects_json) w.Raw(json);
  for (const core::MatchView& m : page.matches) WriteMatch(w, page.model_run_id, m);
  w.EndArray().Key("nextPageToken");
  if (page.next_page_token.empty()) {
    w.Null();
  } else {
    w.String(page.next_page_token);
  }
  return w.EndObject().Take();
}

Result<core::NewEvaluation> DecodeNewEvaluation(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "evaluation";
  core::NewEvaluation input;
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "name", kWhat, &input.name));
  NUCLEUS_RETURN_IF_ERROR(
      OptString(obj, "allowed_label_matches_id", kWhat, &input.allowed_label_matches_id));
  JsonValue v;
  if (Find(obj, "allowed_label_matches", &v)) {
    JsonArray pairs;
    NUCLEUS_RETURN_IF_ERROR(AsArray(v, "field \"allowed_label_matches\" of evaluation", &pairs));
    for (JsonValue e : pairs) {
      std::pair<std::string, std::string> pair;
      if (ReadLabelMatch(e, &pair)) input.allowed_label_matches.push_back(std::move(pair));
    }
  }
  input.allowed_label_matches_json = LabelMatchesJson(input.allowed_label_matches);
  return input;
}

std::string EncodeEvaluationCreated(const core::Evaluation& e) {
  JsonWriter w;
  w.BeginObject().Key("evaluation_id").String(e.id).Key("status").String(e.status);
  w.Key("workflow_id").String(e.job_id);
  return w.EndObject().Take();
}

std::string EncodeEvaluation(const core::Evaluation& evaluation) {
  JsonWriter w;
  WriteEvaluation(w, evaluation);
  return w.Take();
}

std::string EncodeEvaluationList(const std::vector<core::Evaluation>& evaluations) {
  JsonWriter w;
  w.BeginArray();
  for (const core::Evaluation& e : evaluations) WriteEvaluation(w, e);
  return w.EndArray().Take();
}

Result<core::ChartsQuery> DecodeChartsQuery(const std::optional<std::string>& iou_threshold,
                                            std::string_view query,
                                            const std::optional<std::string>& filters) {
  core::ChartsQuery q;
  if (iou_threshold) {
    const std::string& text = *iou_threshold;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q.iou_threshold);
    if (ec != std::errc() || end != text.data() + text.size() || !(q.iou_threshold >= 0) ||
        q.iou_threshold > 1) {
      return InvalidArgument("query parameter \"iouThreshold\" must be a number in [0, 1], got \"" +
                             text + "\"");
    }
  }
  if (!query.empty()) {
    return InvalidArgument(
        "query parameter \"query\": the query language is not supported by this server");
  }
  if (filters) {
    JsonDoc doc;
    NUCLEUS_RETURN_IF_ERROR(doc.Parse(*filters, "query parameter \"filters\""));
    NUCLEUS_RETURN_IF_ERROR(ReadFilters(doc.root(), &q.filters));
  }
  return q;
}

std::string EncodeCharts(const core::Charts& charts) {
  JsonWriter w;
  w.BeginObject();
  WriteChartsMetrics(w, charts);
  WriteChartsCounts(w, charts);
  return w.EndObject().Take();
}

Result<core::ExamplesQuery> DecodeExamplesQuery(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "examples request";
  core::ExamplesQuery q;
  NUCLEUS_RETURN_IF_ERROR(ReadMatchType(obj, kWhat, &q.match_type));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  NUCLEUS_RETURN_IF_ERROR(OptIntInRange(obj, "limit", kWhat, 0, kMax, &q.limit));
  NUCLEUS_RETURN_IF_ERROR(OptIntInRange(obj, "offset", kWhat, 0, kMax, &q.offset));
  NUCLEUS_RETURN_IF_ERROR(ReadSort(obj, kWhat, &q));
  NUCLEUS_RETURN_IF_ERROR(ReadQueryString(obj, "query"));
  JsonValue v;
  if (Find(obj, "filters", &v)) NUCLEUS_RETURN_IF_ERROR(ReadFilters(v, &q.filters));
  return q;
}

std::string EncodeExamplesPage(std::string_view evaluation_id, const core::ExamplesPage& page) {
  JsonWriter w;
  w.BeginObject().Key("rows").BeginArray();
  for (const core::Example& ex : page.rows) WriteExample(w, evaluation_id, ex);
  w.EndArray().Key("total").Int(page.total);
  return w.EndObject().Take();
}

}  // namespace nucleus::wire
