// Model CI box and polygon metrics for many items (docs/api/validate.md §8.3), the evaluation
// job's path: the metrics of one item are computed together from compact shapes that borrow
// their rings and carry an interned label, sharing the item's IoU matrix and the assignments
// that metrics with the same label group, confidence filter and IoU threshold have in common
// (bbox_precision and bbox_recall, say), with every work buffer reused from item to item.
//
// Each value equals DetectionItemResult's (eval/model_ci_metrics.h) on the same shapes, bit for
// bit: the same IoUs, the same assignment, the same sums in the same order
// (tests/eval/model_ci_batch_test.cc compares the two on random data).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "eval/model_ci_metrics.h"
#include "geometry/polygon.h"

namespace nucleus::eval {

// A box or polygon of one item as CiItemEvaluator reads it. A box keeps its corners inline; a
// polygon borrows its vertices (they must outlive the Evaluate call that reads them).
struct CiShapeRef {
  uint32_t label = 0;   // an interned label: equal ids for equal label strings
  bool box = false;     // a box: (x0, y0)-(x1, y1); otherwise a polygon (`ring`)
  bool is_box = false;  // a box of positive width and height (CiShape::is_box)
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::span<const geometry::Point> ring;
  std::optional<double> confidence;  // predictions; none: always kept, ranked last
};

// The box with top-left corner (x, y), as BoxShape builds it (the same corners, the same ring).
CiShapeRef BoxShapeRef(uint32_t label, double x, double y, double width, double height,
                       std::optional<double> confidence = std::nullopt);
// The polygon with vertices `ring` (borrowed).
CiShapeRef PolygonShapeRef(uint32_t label, std::span<const geometry::Point> ring,
                           std::optional<double> confidence = std::nullopt);

// One metric to compute for every item.
struct CiMetricSpec {
  CiDetectionMetric metric = CiDetectionMetric::kIou;
  CiDetectionParams params;
};

// Computes box and polygon metrics item by item. Holds work buffers only (no result depends on
// an earlier call). Not thread-safe: one per thread.
class CiItemEvaluator {
 public:
  // out[k] = DetectionItemResult(specs[k].metric, specs[k].params, G, P) where G and P are the
  // CiShapes equal to `ground_truth` and `predictions` (same labels, corners or rings, order).
  // `out` has specs.size() entries.
  void Evaluate(std::span<const CiMetricSpec> specs, std::span<const CiShapeRef> ground_truth,
                std::span<const CiShapeRef> predictions, std::span<CiScalar> out);

 private:
  struct Match {
    int prediction;  // index in the group's predictions
    int ground_truth;
    double iou;
  };
  // A group's assignment at one threshold, kept for the other metrics of the item.
  struct Assigned {
    double confidence_threshold;
    int64_t label;  // -1: every label
    double iou_threshold;
    size_t begin, end;  // in matches_
  };
  // The predictions and ground truth of one label (or of all), as indices into the item's.
  struct Group {
    int64_t label;
    std::vector<uint32_t> gt, preds;
  };

  double Iou(size_t prediction, size_t ground_truth);
  std::span<const Match> Assign(const Group& group, double confidence_threshold, double t);
  void GroupByLabel(std::span<const uint32_t> kept);
  CiScalar EvalGroup(CiDetectionMetric metric, const Group& group, double confidence_threshold,
                     double t);
  double LabelAveragePrecision(const Group& group, double confidence_threshold, double t);

  std::span<const CiShapeRef> gt_, preds_;
  std::vector<double> iou_;      // predictions × ground truth, row-major
  std::vector<char> iou_known_;  // whether iou_[i] is computed yet
  std::vector<geometry::Point> ring_a_, ring_b_;
  std::vector<uint32_t> kept_;
  Group all_;
  std::vector<Group> groups_;
  size_t num_groups_ = 0;
  std::vector<Assigned> assigned_;
  std::vector<Match> matches_;
  std::vector<double> weights_;
  std::vector<std::pair<int, int>> pairs_;
  AssignmentScratch assignment_;
  std::vector<char> tp_;
  std::vector<size_t> order_;
  std::vector<double> mrec_, mpre_;
  std::vector<CiScalar> per_label_;
};

}  // namespace nucleus::eval
