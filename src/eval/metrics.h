// Metrics computed from stored Nucleus matches (eval/matching.h), on demand, at a threshold.
//
// Pure and deterministic; thread-safe. Labels are compared exactly. Confidence ties are broken
// by input order (stable sort), so results never depend on thread scheduling.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace nucleus::eval {

// One stored match flattened across items: a matched pair, a false positive (no ground truth)
// or a false negative (no prediction).
struct MatchRecord {
  bool has_ground_truth = false;
  bool has_prediction = false;
  std::string ground_truth_label;
  std::string prediction_label;
  double iou = 0;
  double confidence = 0;  // of the prediction
};

// Counts at an IoU threshold. A pair is a true positive when iou >= threshold and its labels are
// equal (or `class_agnostic`); every other prediction is a false positive and every other
// ground truth a false negative. precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their
// harmonic mean; each is 0 when its denominator is 0.
struct PrecisionRecall {
  int64_t true_positives = 0;
  int64_t false_positives = 0;
  int64_t false_negatives = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};
PrecisionRecall ComputePrecisionRecall(std::span<const MatchRecord> records, double iou_threshold,
                                       bool class_agnostic = false);

// One point of a precision-recall curve: after the predictions with confidence >= `confidence`.
struct PrPoint {
  double confidence = 0;
  double precision = 0;
  double recall = 0;
};
// The curve of one label (predictions of that label, ranked by confidence, highest first).
std::vector<PrPoint> PrecisionRecallCurve(std::span<const MatchRecord> records,
                                          const std::string& label, double iou_threshold);

// Average precision of one label: COCO-style 101-point interpolated area under its PR curve.
// -1 when the label has no ground truth.
double AveragePrecision(std::span<const MatchRecord> records, const std::string& label,
                        double iou_threshold);

// AP per label (every label seen in ground truth or predictions) and their means over labels
// with ground truth: mAP@0.50, mAP@0.75 and mAP@[.50:.05:.95] (thresholds as np.linspace).
struct MeanAp {
  std::map<std::string, double> ap50_by_label;
  double map50 = -1;
  double map75 = -1;
  double map50_95 = -1;
};
MeanAp ComputeMeanAp(std::span<const MatchRecord> records);

// Confusion matrix at an IoU threshold over `labels` (sorted, unique) plus a background row and
// column (index labels.size()): counts[gt][pred]. A pair with iou >= threshold counts at
// [its gt label][its prediction label]; a pair below it counts twice, as [gt][background] and
// [background][pred]; unmatched ground truth at [gt][background], unmatched predictions at
// [background][pred].
struct ConfusionMatrix {
  std::vector<std::string> labels;
  std::vector<std::vector<int64_t>> counts;
};
ConfusionMatrix ComputeConfusionMatrix(std::span<const MatchRecord> records, double iou_threshold);

// TIDE's error types (Bolya et al., 2020), attributed per stored match with the foreground
// threshold `fg` (0.5) and background threshold `bg` (0.1):
//   classification: iou >= fg, wrong label;  localization: bg <= iou < fg, right label;
//   both: bg <= iou < fg, wrong label;  background: a prediction with iou < bg or unmatched;
//   missed: a ground truth without a true positive and not counted above.
// Matches are one-to-one, so TIDE's "duplicate" errors appear as background here.
struct TideErrors {
  int64_t true_positives = 0;
  int64_t classification = 0;
  int64_t localization = 0;
  int64_t both = 0;
  int64_t background = 0;
  int64_t missed = 0;
};
TideErrors ComputeTideErrors(std::span<const MatchRecord> records, double fg = 0.5,
                             double bg = 0.1);

}  // namespace nucleus::eval
