// Evaluations (evaluation.md) as values: the object query over a run's committed matches (§1) and
// Evaluations V2 (§2): the stored evaluation, the queries a client sends (filters, charts,
// examples) and what they return. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/matches.h"

namespace nucleus::core {

struct Evaluation {
  int64_t rowid = 0;
  std::string id;  // "evalv2_..."
  std::string owner;
  int64_t run_rowid = 0;
  std::string model_run_id;
  std::string dataset_id;
  std::optional<std::string> name;
  // "pending", "computing", "succeeded", "failed", "cancelled"
  std::string status = "pending";
  std::string job_id;
  std::optional<std::string> error_message;
  // [{"groundTruthLabel": ..., "modelPredictionLabel": ...}] as returned on read.
  std::string allowed_label_matches_json = "[]";
  std::optional<std::string> allowed_label_matches_id;
  int64_t created_at_ms = 0;
};

// ---- queryObjectsPage (evaluation.md §1) ----

enum class PatchMode { kIou, kFalsePositive, kFalseNegative, kPredictionsOnly, kGroundTruthOnly };

struct ObjectsQuery {
  std::string dataset_id;
  PatchMode mode = PatchMode::kIou;
  std::optional<std::string> model_run_id;  // required unless kGroundTruthOnly
  std::string page_token;                   // "" for the first page
  int64_t page_size = 10000;
};

struct ObjectsPage {
  // kGroundTruthOnly / kPredictionsOnly: the stored objects' JSON, as stored (passed through).
  std::vector<std::string> objects_json;
  // The match modes: the rows with their ids.
  std::vector<MatchView> matches;
  std::string model_run_id;
  std::string next_page_token;  // "" on the last page
};

// ---- Evaluations V2 (evaluation.md §2) ----

struct NewEvaluation {
  std::optional<std::string> name;
  std::vector<std::pair<std::string, std::string>> allowed_label_matches;  // (gt, prediction)
  std::optional<std::string> allowed_label_matches_id;
  // The same pairs as the evaluation shows them ([{"groundTruthLabel", "modelPredictionLabel"}]),
  // written by the decoder; stored as bytes.
  std::string allowed_label_matches_json = "[]";
};

struct Range {
  std::optional<double> min;
  std::optional<double> max;
  bool Contains(double v) const { return (!min || v >= *min) && (!max || v <= *max); }
};

// evaluation.md §2.6 filter keys. Unset members do not filter.
struct MatchFilters {
  std::optional<Range> confidence;
  std::optional<Range> iou;
  std::optional<std::vector<std::string>> pred_labels;
  std::optional<std::vector<std::string>> gt_labels;
  std::optional<bool> label_equality;  // true: "EQ", false: "NEQ" (pairs only)
  std::optional<bool> has_ground_truth;
  bool tide_background = false;
  // Only the matches of the slice's member items (api::SliceItemRowids): ground truth and
  // predictions of other items are left out, as if the evaluation covered the slice alone.
  std::optional<std::string> slice_id;
};

struct ChartsQuery {
  double iou_threshold = 0.5;
  MatchFilters filters;
};

struct LabelValue {
  std::string label;
  double value = 0;
};

// One line of COCOeval.summarize as `nucleus eval` prints it, and its value (unset: -1, no data).
struct CocoStat {
  std::string line;
  std::optional<double> value;
};

struct Charts {
  std::optional<double> map50, map75, map50_95;
  // The 12 summary stats of the COCO protocol (empty for runs without boxes); not part of the
  // charts route's answer: the dashboard's read route shows them (api/dashboard.h).
  std::vector<CocoStat> coco_summary;
  // eval::ComputePrecisionRecall's ratios of tp, fp, fn below (ditto).
  double precision = 0, recall = 0, f1 = 0;
  std::vector<LabelValue> per_class_ap;
  struct Cell {
    std::string gt_label, pred_label;
    int64_t count = 0;
  };
  std::vector<Cell> confusion;  // non-zero cells; "background" names the extra row/column
  struct Bucket {
    double min = 0, max = 0;
    int64_t count = 0;
  };
  std::vector<Bucket> score_histogram;
  std::vector<double> iou_thresholds;
  int64_t tp = 0, fp = 0, fn = 0, preds_with_confidence = 0;
  std::optional<double> ap_small, ap_medium, ap_large;
  struct PrPoint {
    std::string label;
    double recall = 0, precision = 0;
  };
  std::vector<PrPoint> pr_curve;
  int64_t tide_tp = 0, tide_localization = 0, tide_classification = 0, tide_both = 0,
          tide_duplicate = 0, tide_background = 0, tide_missed = 0;
};

enum class ExampleType { kTruePositive, kFalsePositive, kFalseNegative };

struct ExamplesQuery {
  std::optional<ExampleType> match_type;  // unset: every row
  int64_t limit = 50;
  int64_t offset = 0;
  std::string sort_by;     // "", "confidence" or "iou"
  bool descending = true;  // sort_order "desc" (default) or "asc"
  MatchFilters filters;
};

struct Example {
  MatchView view;
  ExampleType type = ExampleType::kFalsePositive;
};

struct ExamplesPage {
  std::vector<Example> rows;
  int64_t total = 0;
};

}  // namespace nucleus::core
