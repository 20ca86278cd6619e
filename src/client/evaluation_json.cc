#include "client/evaluation_json.h"

#include "client/json_fields.h"

namespace nucleus::client {
namespace {

using wire::JsonArray;
using wire::JsonObject;
using wire::JsonValue;

std::vector<AllowedMatch> GetAllowedMatches(JsonObject o) {
  std::vector<AllowedMatch> out;
  ForEachObject(o, "allowed_label_matches", [&out](JsonObject m) {
    auto gt = GetOptStr(m, "groundTruthLabel");
    if (!gt) gt = GetOptStr(m, "ground_truth_label");
    auto pred = GetOptStr(m, "modelPredictionLabel");
    if (!pred) pred = GetOptStr(m, "model_prediction_label");
    if (gt && pred) out.push_back(AllowedMatch{*gt, *pred});
  });
  return out;
}
}  // namespace

void AppendAllowedMatches(const std::vector<AllowedMatch>& matches, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < matches.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('{');
    Str("ground_truth_label", matches[i].ground_truth_label, out);
    Str("model_prediction_label", matches[i].model_prediction_label, out);
    Close('}', out);
  }
  out->push_back(']');
}

void AppendCommit(const CommitOptions& options, std::string* out) {
  out->push_back('{');
  if (options.class_agnostic) {
    Key("class_agnostic", out);
    out->append(*options.class_agnostic ? "true," : "false,");
  }
  if (options.allowed_label_matches) {
    Key("allowed_label_matches", out);
    AppendAllowedMatches(*options.allowed_label_matches, out);
    out->push_back(',');
  }
  Close('}', out);
}

Result<EvaluationMatch> ParseEvaluationMatch(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "evaluation match", &o));
  for (const char* key : {"model_run_id", "iou", "dataset_item_id"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "evaluation match"));
  }
  return EvaluationMatch{
      .model_run_id = GetStr(o, "model_run_id"),
      .model_prediction_id = GetOptStr(o, "model_prediction_id"),
      .ground_truth_annotation_id = GetOptStr(o, "ground_truth_annotation_id"),
      .iou = GetNum(o, "iou"),
      .dataset_item_id = GetStr(o, "dataset_item_id"),
      .true_positive = GetBool(o, "true_positive"),
      .model_prediction_label = GetOptStr(o, "model_prediction_label"),
      .ground_truth_annotation_label = GetOptStr(o, "ground_truth_annotation_label")};
}

Result<EvaluationV2> ParseEvaluationV2(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "evaluation", &o));
  for (const char* key : {"id", "model_run_id", "dataset_id", "status"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "evaluation"));
  }
  return EvaluationV2{.id = GetStr(o, "id"),
                      .model_run_id = GetStr(o, "model_run_id"),
                      .dataset_id = GetStr(o, "dataset_id"),
                      .status = GetStr(o, "status"),
                      .name = GetOptStr(o, "name"),
                      .temporal_workflow_id = GetOptStr(o, "temporal_workflow_id"),
                      .error_message = GetOptStr(o, "error_message"),
                      .created_at = GetOptStr(o, "created_at"),
                      .allowed_label_matches_id = GetOptStr(o, "allowed_label_matches_id"),
                      .allowed_label_matches = GetAllowedMatches(o),
                      .allowed_label_matches_name = GetOptStr(o, "allowed_label_matches_name")};
}

Result<EvaluationCharts> ParseCharts(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "charts", &o));
  for (const char* key : {"mapSummary", "perClassAp", "confusionMatrix", "scoreHistogram",
                          "computedIouRanges", "totalCounts", "apBySize", "prCurve",
                          "tideAttribution"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "charts"));
  }
  EvaluationCharts c;
  JsonObject map = GetObj(o, "mapSummary");
  c.map_at_50 = GetOptNum(map, "mapAt50");
  c.map_at_75 = GetOptNum(map, "mapAt75");
  c.map_at_50_95 = GetOptNum(map, "mapAt5095");
  ForEachObject(o, "perClassAp", [&c](JsonObject x) {
    c.per_class_ap.push_back({GetStr(x, "classLabel"), GetNum(x, "ap")});
  });
  ForEachObject(o, "confusionMatrix", [&c](JsonObject x) {
    c.confusion_matrix.push_back(
        {GetStr(x, "gtLabel"), GetStr(x, "predLabel"), GetInt(x, "count")});
  });
  ForEachObject(o, "scoreHistogram", [&c](JsonObject x) {
    c.score_histogram.push_back(
        {GetNum(x, "bucketMin"), GetNum(x, "bucketMax"), GetInt(x, "count")});
  });
  JsonArray arr;
  if (GetArr(o, "computedIouRanges", &arr)) {
    for (JsonValue e : arr) {
      double d = 0;
      if (wire::ToDouble(e, &d)) c.computed_iou_ranges.push_back(d);
    }
  }
  JsonObject counts = GetObj(o, "totalCounts");
  c.tp = GetInt(counts, "tp");
  c.fp = GetInt(counts, "fp");
  c.fn = GetInt(counts, "fn");
  c.preds_with_confidence = GetInt(counts, "predsWithConfidence");
  JsonObject sizes = GetObj(o, "apBySize");
  c.ap_small = GetOptNum(sizes, "small");
  c.ap_medium = GetOptNum(sizes, "medium");
  c.ap_large = GetOptNum(sizes, "large");
  ForEachObject(o, "prCurve", [&c](JsonObject x) {
    c.pr_curve.push_back({GetStr(x, "classLabel"), GetNum(x, "recall"), GetNum(x, "precision")});
  });
  JsonObject tide = GetObj(o, "tideAttribution");
  c.tide_true_positive = GetInt(tide, "truePositive");
  c.tide_localization = GetInt(tide, "localization");
  c.tide_classification = GetInt(tide, "classification");
  c.tide_both = GetInt(tide, "both");
  c.tide_duplicate = GetInt(tide, "duplicate");
  c.tide_background = GetInt(tide, "background");
  c.tide_missed = GetInt(tide, "missed");
  c.raw = ToJson(value);
  return c;
}

Result<EvaluationExamples> ParseExamples(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "examples", &o));
  NUCLEUS_RETURN_IF_ERROR(Required(o, "rows", "examples"));
  EvaluationExamples out;
  out.total = GetInt(o, "total");
  JsonArray rows;
  if (GetArr(o, "rows", &rows)) {
    for (JsonValue e : rows) {
      JsonObject x;
      NUCLEUS_RETURN_IF_ERROR(wire::AsObject(e, "example row", &x));
      EvaluationExample r;
      r.id = GetStr(x, "id");
      r.evaluation_id = GetStr(x, "evaluation_id");
      r.dataset_item_id = GetStr(x, "dataset_item_id");
      r.true_positive = GetBool(x, "true_positive");
      r.match_type = GetStr(x, "match_type");
      r.model_prediction_id = GetOptStr(x, "model_prediction_id");
      r.ground_truth_annotation_id = GetOptStr(x, "ground_truth_annotation_id");
      r.pred_canonical_label = GetOptStr(x, "pred_canonical_label");
      r.gt_canonical_label = GetOptStr(x, "gt_canonical_label");
      r.pred_raw_label = GetOptStr(x, "pred_raw_label");
      r.gt_raw_label = GetOptStr(x, "gt_raw_label");
      r.iou = GetOptNum(x, "iou");
      r.confidence = GetOptNum(x, "confidence");
      r.gt_area = GetOptNum(x, "gt_area");
      JsonValue v;
      if (wire::Find(x, "item_metadata", &v)) r.item_metadata = ToJson(v);
      if (wire::Find(x, "prediction_metadata", &v)) r.prediction_metadata = ToJson(v);
      if (wire::Find(x, "prediction_row", &v)) r.prediction_row = ToJson(v);
      if (wire::Find(x, "annotation_row", &v)) r.annotation_row = ToJson(v);
      out.rows.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace nucleus::client
