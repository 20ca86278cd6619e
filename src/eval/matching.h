// Nucleus commit matching: pairs ground truth with predictions of one dataset item.
//
// Pure and deterministic. Thread-safe (LabelPolicy is immutable once built).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "geometry/box.h"
#include "geometry/polygon.h"
#include "geometry/rle.h"
#include "geometry/rotated.h"

namespace nucleus::eval {

// The geometry of an annotation or prediction. Shapes of different kinds never match.
using Shape = std::variant<geometry::Box, std::vector<geometry::Point>, geometry::RotatedBox,
                           geometry::Cuboid, geometry::RleMask>;

// IoU of two shapes of the same kind (boxes with BoxIou, polygons with PolygonIou, rotated
// boxes, cuboids in 3D, masks with RleIou clamped at 0); 0 for different kinds.
double ShapeIou(const Shape& ground_truth, const Shape& prediction);

struct AllowedLabelMatch {
  std::string ground_truth_label;
  std::string model_prediction_label;
};

// Which (ground truth label, prediction label) pairs may match:
//  - class_agnostic (the default): any pair;
//  - otherwise, with an allowed_label_matches table: only the listed pairs (a label matches
//    itself only if that pair is listed);
//  - otherwise: identical labels only.
class LabelPolicy {
 public:
  LabelPolicy() = default;  // class-agnostic
  LabelPolicy(bool class_agnostic, std::span<const AllowedLabelMatch> allowed_label_matches);

  bool Allows(std::string_view ground_truth_label, std::string_view prediction_label) const;

 private:
  bool class_agnostic_ = true;
  bool has_table_ = false;
  std::unordered_set<std::string> allowed_;  // gt + '\0' + prediction
};

// One stored match; -1 marks the missing side of a false positive or a false negative.
struct Match {
  int32_t ground_truth = -1;  // index into the item's ground truth
  int32_t prediction = -1;    // index into the item's predictions
  double iou = 0;
};

// Greedy matching of one item, as docs/design/matching.md states: candidate pairs are
// those with IoU > 0 whose labels the policy allows; they are taken highest IoU first, each
// ground truth and each prediction at most once. No threshold is applied.
// Ties in IoU are broken by ground-truth index, then prediction index (lowest first), so the
// result is deterministic and does not depend on the thread or the order of a hash map.
// `iou` is row-major ground truth x prediction (iou[g * num_predictions + p]); NaN counts as 0.
// Returns the matches in the order they were taken, then one entry per unmatched ground truth
// (prediction = -1, ascending index), then one per unmatched prediction (ground_truth = -1).
std::vector<Match> MatchItem(std::span<const double> iou, size_t num_ground_truth,
                             size_t num_predictions,
                             std::span<const std::string> ground_truth_labels,
                             std::span<const std::string> prediction_labels,
                             const LabelPolicy& policy);

// Convenience: computes the IoU matrix with ShapeIou, then MatchItem.
std::vector<Match> MatchItemShapes(std::span<const Shape> ground_truth,
                                   std::span<const std::string> ground_truth_labels,
                                   std::span<const Shape> predictions,
                                   std::span<const std::string> prediction_labels,
                                   const LabelPolicy& policy);

}  // namespace nucleus::eval
