// Evaluation use cases (evaluation.md): the object query over a run's committed matches
// (queryObjectsPage, §1) and Evaluations V2 (§2): create (an "evaluationV2" job that computes
// the evaluation's own match set), get, list, delete, charts and examples.
//
// Metrics are computed on demand from the stored matches, so thresholds and filters apply at
// query time: mAP, per-class AP, AP by size and PR curves by the COCO protocol over the box
// objects (eval/coco_eval.h; runs without boxes fall back to eval/metrics.h over the matches),
// counts, confusion matrix and TIDE from the matches (eval/metrics.h).
// Every call is scoped to `owner`; another owner's objects are NotFound. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "api/run_matching.h"
#include "nucleus/result.h"
#include "store/evaluations.h"
#include "store/matches.h"

namespace nucleus::api {

inline constexpr const char* kEvaluationJobType = "evaluationV2";

// ---- queryObjectsPage (evaluation.md §1) ----

enum class PatchMode { kIou, kFalsePositive, kFalseNegative, kPredictionsOnly, kGroundTruthOnly };
// "iou", "false_positive", ...; false for any other text.
bool ParsePatchMode(std::string_view text, PatchMode* out);

struct ObjectsQuery {
  std::string dataset_id;
  PatchMode mode = PatchMode::kIou;
  std::optional<std::string> model_run_id;  // required unless kGroundTruthOnly
  std::string page_token;                   // "" for the first page
  int64_t page_size = 10000;
};

struct ObjectsPage {
  // kGroundTruthOnly / kPredictionsOnly: the stored objects' JSON.
  std::vector<std::string> objects_json;
  // The match modes: the rows with their ids.
  std::vector<store::MatchView> matches;
  std::string model_run_id;
  std::string next_page_token;  // "" on the last page
};

// InvalidArgument for a bad token or a missing run id; NotFound for another owner's dataset or
// run, or a run of another dataset; FailedPrecondition when the run has not been committed.
Result<ObjectsPage> QueryObjects(Context& ctx, const std::string& owner, const ObjectsQuery& q);

// ---- Evaluations V2 (evaluation.md §2) ----

struct NewEvaluation {
  std::optional<std::string> name;
  std::vector<std::pair<std::string, std::string>> allowed_label_matches;  // (gt, prediction)
  std::optional<std::string> allowed_label_matches_id;
};

// Records a "pending" evaluation and submits its job (temporal_workflow_id = the job id).
Result<store::Evaluation> CreateEvaluation(Context& ctx, const std::string& owner,
                                           const std::string& run_id, NewEvaluation input);
Result<store::Evaluation> GetEvaluation(Context& ctx, const std::string& owner,
                                        const std::string& id);
// Newest first. NotFound for an unknown run.
Result<std::vector<store::Evaluation>> ListEvaluations(Context& ctx, const std::string& owner,
                                                       const std::string& run_id);
// Removes the evaluation and its matches.
Status DeleteEvaluation(Context& ctx, const std::string& owner, const std::string& id);
// The job: "computing", then "succeeded" with the match set stored, or "failed".
Status RunEvaluationJob(JobRun& job);

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
};

struct ChartsQuery {
  double iou_threshold = 0.5;
  MatchFilters filters;
};

struct LabelValue {
  std::string label;
  double value = 0;
};

struct Charts {
  std::optional<double> map50, map75, map50_95;
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

// FailedPrecondition until the evaluation has succeeded.
Result<Charts> EvaluationCharts(Context& ctx, const std::string& owner, const std::string& id,
                                const ChartsQuery& query);

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
  store::MatchView view;
  ExampleType type = ExampleType::kFalsePositive;
};

struct ExamplesPage {
  std::vector<Example> rows;
  int64_t total = 0;
};

// A pair is a true positive when its labels match (equal or allowed) and its IoU is at least
// 0.5; its prediction is otherwise a false positive and its ground truth a false negative.
Result<ExamplesPage> EvaluationExamples(Context& ctx, const std::string& owner,
                                        const std::string& id, const ExamplesQuery& query);

}  // namespace nucleus::api
