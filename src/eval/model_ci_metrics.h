// Model CI metrics of boxes and polygons (docs/api/validate.md §8.1, §8.3): per-item IoU,
// precision, recall and mAP as the client's nucleus/metrics computes them (optimal assignment
// where it uses scipy's linear_sum_assignment), following the documented API where that code
// disagrees with it (§9: box x/y are the top-left corner, AP integrates precision over recall,
// mAP honours its IoU threshold), and their weighted combination (ScalarResult.aggregate).
//
// Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <cfloat>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "geometry/polygon.h"

namespace nucleus::eval {

// A box or polygon annotation or prediction as the metrics see it.
struct CiShape {
  std::string label;
  std::vector<geometry::Point> ring;  // a box is its four corners
  std::optional<double> confidence;   // predictions; none: always kept, ranked last
  bool is_box = false;  // set by BoxShape: `ring` is an axis-aligned rectangle (a fast path)
};

// The box with top-left corner (x, y) (validate.md §9, D1).
CiShape BoxShape(std::string label, double x, double y, double width, double height,
                 std::optional<double> confidence = std::nullopt);

// One item's value and its weight in the combination; weight 0 means "nothing measured".
struct CiScalar {
  double value = 0;
  double weight = 0;
};

// ScalarResult.aggregate: results of weight 0 are dropped, then Σ v·w / max(Σ w, ε) with the
// weight Σ w, summed in the given order.
CiScalar AggregateScalars(std::span<const CiScalar> results);

enum class CiDetectionMetric { kIou, kPrecision, kRecall, kMap };

// A label group's kIou, kPrecision or kRecall result (the client's per-group formulas, ε
// included) from its `n_gt` ground truths, `n_p` predictions, `tp` matches and their IoU sum
// `iou_sum`; {} for kMap, which is not computed per group this way.
CiScalar DetectionGroupScalar(CiDetectionMetric metric, double n_gt, double n_p, double tp,
                              double iou_sum);

struct CiDetectionParams {
  bool enforce_label_match = false;
  double iou_threshold = 0.5;
  double confidence_threshold = 0.0;  // > 0: predictions below it are dropped
};

// The item's result of `metric` (bbox_* / poly_*: the caller passes boxes, or boxes and
// polygons). See validate.md §8.3 for values, weights and the edge cases (an item with neither
// ground truth nor predictions has weight 0).
CiScalar DetectionItemResult(CiDetectionMetric metric, const CiDetectionParams& params,
                             std::span<const CiShape> ground_truth,
                             std::span<const CiShape> predictions);

// A cuboid annotation or prediction (validate.md §8.4).
struct CiCuboid {
  std::string label;
  double x = 0, y = 0, z = 0;     // centre
  double dx = 0, dy = 0, dz = 0;  // dimensions: dx along the heading, dy across, dz up
  double yaw = 0;
  std::optional<double> confidence;
};

enum class CiCuboidMetric { kIou3d, kIou2d, kPrecision, kRecall };

// The item's result of a cuboid function (§8.4): cuboid_iou_3d / _2d greedy many-to-one per
// ground truth, cuboid_precision / _recall greedy in prediction order, with the documented
// footprint for all four (§9, D7). `params.iou_threshold` is the overlap threshold.
CiScalar CuboidItemResult(CiCuboidMetric metric, const CiDetectionParams& params,
                          std::span<const CiCuboid> ground_truth,
                          std::span<const CiCuboid> predictions);

// 3-D and bird's-eye IoU of two cuboids as the client's compute_outer_iou computes them: the
// footprint intersection rounded to float32 and 0 unless the centres are closer than 25.
std::pair<double, double> CuboidIou3d2d(const CiCuboid& a, const CiCuboid& b);

// A category annotation or prediction (validate.md §8.6).
struct CiCategory {
  std::string taxonomy;  // "" when it has none
  std::string label;
  std::optional<double> confidence;  // predictions; none: kept
};

enum class CiF1Method { kMacro, kMicro, kWeighted };

// One item's (true, predicted) label strings for cat_f1 (§8.6): predictions below
// `confidence_threshold` (> 0) dropped, then the taxonomies present on both sides, one pair per
// taxonomy ("<taxonomy>-><label>", or the label without a taxonomy), in ground-truth order.
// With several objects of one taxonomy on a side (the store keeps one), the first is used.
std::vector<std::pair<std::string, std::string>> CategoryPairs(
    std::span<const CiCategory> ground_truth, std::span<const CiCategory> predictions,
    double confidence_threshold);

// scikit-learn's f1_score(y_true, y_pred, average=method) over `pairs` (§8.6); nullopt when
// `pairs` is empty.
std::optional<double> F1Score(std::span<const std::pair<std::string, std::string>> pairs,
                              CiF1Method method);

// IoU of two shapes: intersection / max(union, ε). Convex rings are clipped exactly in floating
// point; others go through geometry::PolygonIou (snapped to its 1e-6 grid).
double ShapeIou(const CiShape& a, const CiShape& b);
// ShapeIou of two axis-aligned rectangles given by their corners (x0, y0) top-left and (x1, y1)
// bottom-right (both of positive size: CiShape::is_box).
inline double BoxIou(double ax0, double ay0, double ax1, double ay1, double bx0, double by0,
                     double bx1, double by1) {
  const double w = std::min(ax1, bx1) - std::max(ax0, bx0);
  const double h = std::min(ay1, by1) - std::max(ay0, by0);
  const double inter = w > 0 && h > 0 ? w * h : 0.0;
  const double area_a = (ax1 - ax0) * (ay1 - ay0);
  const double area_b = (bx1 - bx0) * (by1 - by0);
  return inter / std::max(area_a + area_b - inter, DBL_EPSILON);
}
// ShapeIou of two rings when either is not a box (clipped when both are convex, else
// geometry::PolygonIou).
double RingIou(std::span<const geometry::Point> a, std::span<const geometry::Point> b);

// An assignment of rows to columns maximising the total of `weights` (row-major, rows × cols),
// min(rows, cols) pairs, as (row, col) sorted by row: scipy's linear_sum_assignment on the
// negated matrix. Among optimal assignments the one found is unspecified.
std::vector<std::pair<int, int>> MaxWeightAssignment(std::span<const double> weights, int rows,
                                                     int cols);
// The same assignment (the same pairs) into `out`, with the work buffers of `scratch` reused
// from call to call: for callers that assign many small matrices.
struct AssignmentScratch {
  std::vector<double> u, v, minv;
  std::vector<int> p, way;
  std::vector<char> used;
};
void MaxWeightAssignment(std::span<const double> weights, int rows, int cols,
                         AssignmentScratch& scratch, std::vector<std::pair<int, int>>* out);

// All-points interpolated area under the precision-recall curve (the client's
// compute_average_precision(recall, precision), called in its documented order).
double AveragePrecision(std::span<const double> recall, std::span<const double> precision);
// The same on curves already framed by its sentinels, [0, recall..., 1] and
// [0, precision..., 0] (equal sizes): for callers that build them in reused buffers. Makes
// `mpre` its precision envelope in place.
double FramedAveragePrecision(std::span<const double> mrec, std::span<double> mpre);

}  // namespace nucleus::eval
