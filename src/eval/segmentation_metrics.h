// Model CI metrics of segmentation masks (docs/api/validate.md §8.5): seg_iou, seg_precision,
// seg_recall, seg_map and seg_fwavacc of one item, as the client's
// nucleus/metrics/segmentation_metrics.py computes them from the ground-truth and predicted
// index images and their segments (fast_confusion_matrix, non_max_suppress_confusion with
// scipy's linear_sum_assignment, convert_to_instance_seg_confusion, NaN-skipping means), and
// the building blocks of that pipeline. The images come from eval/mask_png.h or, for
// segmentation_to_poly_*, from rasterised ground-truth shapes.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "eval/mask_png.h"
#include "eval/model_ci_metrics.h"
#include "nucleus/result.h"

namespace nucleus::eval {

// One labelled pixel value of a mask, in upload order.
struct SegSegment {
  int64_t index = 0;
  std::string label;
};

// One side of an item: its index image and its segments.
struct SegMask {
  const IndexImage* image = nullptr;
  std::vector<SegSegment> segments;
};

enum class SegMetric { kIou, kPrecision, kRecall, kMap, kFwavacc };

struct SegParams {
  double iou_threshold = 0.5;          // seg_iou, seg_precision, seg_recall, seg_fwavacc
  std::vector<double> iou_thresholds;  // seg_map; empty: "coco" (np.arange(0.5, 1.0, 0.05))
  // The client's _filter_confusion_matrix (a seg_* function with annotation_filters /
  // prediction_filters): the matrix keeps only the rows of the ground-truth segments' indexes
  // (`filtered_gt`) and / or the columns of the predicted ones (`filtered_pred`), both: the
  // union. The caller has already dropped the segments the filters reject.
  bool filtered_gt = false;
  bool filtered_pred = false;
};

// The largest segment index a mask may use here: the confusion matrix is dense (index + 1
// squared cells) and the assignment cubic in it.
inline constexpr int64_t kMaxSegmentIndex = 1023;

// The item's result of `metric`. `gt` or `pred` null, or either without segments: weight 0
// (§8.5). kInvalidArgument when the two images differ in size or a segment index is negative
// or over kMaxSegmentIndex. A seg_iou whose every class is NaN (nothing to measure) gives
// weight 0 (§9, D17). Equals SegmentationPixelCounts, then SegmentationResultFromCounts.
Result<CiScalar> SegmentationItemResult(SegMetric metric, const SegParams& params,
                                        const SegMask* gt, const SegMask* pred);

// A square confusion matrix, row-major: rows are ground-truth indexes, columns predicted ones.
struct SegConfusion {
  int n = 0;
  std::vector<int64_t> cells;

  int64_t at(int i, int j) const { return cells[static_cast<size_t>(i) * n + j]; }
  int64_t& at(int i, int j) { return cells[static_cast<size_t>(i) * n + j]; }
  int64_t RowSum(int i) const;
  int64_t ColSum(int j) const;
  int64_t Total() const;
};

// What every seg_* function of an item reads from its two images: the pixel pairs counted
// once (at one class more than the segments name: seg_map needs it) and the ground-truth
// image's pixel count. Depends on the images and on the segments' largest index only, so the
// functions of one item can share it (api/ keeps it per job).
struct SegPixelCounts {
  SegConfusion counts;
  int64_t gt_pixels = 0;
};
// The counts of both masks (non-null, with segments); errors as SegmentationItemResult.
Result<SegPixelCounts> SegmentationPixelCounts(const SegMask& gt, const SegMask& pred);
// The result of `metric` from `counts` of masks with these segments.
CiScalar SegmentationResultFromCounts(SegMetric metric, const SegParams& params,
                                      const SegPixelCounts& counts,
                                      const std::vector<SegSegment>& gt_segments,
                                      const std::vector<SegSegment>& pred_segments);

// fast_confusion_matrix: pixel counts of (ground-truth index, predicted index) over the pixels
// whose both indexes are below `n_class` (the client drops only ground-truth indexes out of
// range, D16). The images must have the same size.
SegConfusion FastConfusionMatrix(const IndexImage& gt, const IndexImage& pred, int n_class);

// non_max_suppress_confusion: (n + 1) × (n + 1), the last column holding each ground-truth
// class's diagonal count when its pixel IoU is below `iou_threshold` or the optimal assignment
// (LinearSumAssignment on the negated IoU matrix) does not pair the class with itself.
SegConfusion NonMaxSuppressConfusion(const SegConfusion& confusion, double iou_threshold);

}  // namespace nucleus::eval
