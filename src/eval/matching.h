// Nucleus commit matching: pairs ground truth with predictions of one dataset item.
//
// Pure and deterministic. Thread-safe (LabelPolicy is immutable once built).
#pragma once

#include <cstdint>
#include <optional>
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
//  - otherwise identical labels always, plus each directed (ground truth, prediction) pair of
//    the allowed_label_matches table ("truck" -> "bus" does not allow "bus" -> "truck").
// A table implies class_agnostic = false (the official client's docstring: "match car and bus
// bounding boxes; otherwise enforce that class labels must match").
class LabelPolicy {
 public:
  LabelPolicy() = default;  // class-agnostic
  LabelPolicy(bool class_agnostic, std::span<const AllowedLabelMatch> allowed_label_matches);

  bool Allows(std::string_view ground_truth_label, std::string_view prediction_label) const;

 private:
  bool class_agnostic_ = true;
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
// This is the dense reference (the caller holds the whole matrix); the server's matching goes
// through MatchItemIndexed, which gives the same result without one.
std::vector<Match> MatchItem(std::span<const double> iou, size_t num_ground_truth,
                             size_t num_predictions,
                             std::span<const std::string> ground_truth_labels,
                             std::span<const std::string> prediction_labels,
                             const LabelPolicy& policy);

// The bounding rectangle (x0, y0)-(x1, y1) in the x-y plane that contains every point of the
// shape where it can overlap another with positive area: a box's own rectangle, a polygon's
// vertex extent, the circle around a rotated box or a cuboid's footprint. nullopt when the
// shape has no finite bound (non-finite coordinates, masks): such a shape is paired with every
// shape of the other side.
struct Extent {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
std::optional<Extent> ShapeExtent(const Shape& shape);

// How many candidate pairs (IoU > 0, labels allowed) one item may hold while it is matched:
// 16 bytes each, so the default bounds the pairs one item holds at 64 MiB (96 MiB while the
// vector last grows).
inline constexpr size_t kMaxCandidatePairsPerItem = 4'000'000;

struct ItemMatching {
  std::vector<Match> matches;  // as MatchItem; empty when too_many_pairs
  size_t candidate_pairs = 0;  // pairs with IoU > 0 the policy allows (up to the limit + 1)
  size_t examined_pairs = 0;   // pairs the policy allows whose extents meet: each got an IoU
  // More than max_candidate_pairs candidates, or more than twice that many pairs examined
  // (each costs an IoU: this bounds the time of shapes whose extents meet but that do not
  // overlap, e.g. cuboids stacked in z): the item was not matched.
  bool too_many_pairs = false;
};

// MatchItem's result computed from the shapes without a ground truth x prediction matrix:
// candidate pairs come from a sort-and-sweep over the shapes' extents (ShapeExtent), so only
// pairs whose extents overlap get an IoU (ShapeIou), and only pairs with IoU > 0 are held.
// Memory is O(ground truth + predictions + candidate pairs); when the candidate pairs exceed
// `max_candidate_pairs`, or the examined pairs twice that, the item is given up
// (too_many_pairs) with at most max_candidate_pairs held.
ItemMatching MatchItemIndexed(std::span<const Shape> ground_truth,
                              std::span<const std::string> ground_truth_labels,
                              std::span<const Shape> predictions,
                              std::span<const std::string> prediction_labels,
                              const LabelPolicy& policy,
                              size_t max_candidate_pairs = kMaxCandidatePairsPerItem);

// Convenience: MatchItemIndexed without a limit on candidate pairs.
std::vector<Match> MatchItemShapes(std::span<const Shape> ground_truth,
                                   std::span<const std::string> ground_truth_labels,
                                   std::span<const Shape> predictions,
                                   std::span<const std::string> prediction_labels,
                                   const LabelPolicy& policy);

}  // namespace nucleus::eval
