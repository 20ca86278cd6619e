// The segmentation_to_poly_* Model CI functions of one item (docs/api/validate.md §8.5): the
// item's ground-truth polygons and boxes rasterised into the predicted mask's shape, each shape
// its own segment (index = position + 1, label = its label), then the seg_* pipeline of
// eval/segmentation_metrics.h on that mask and the predicted one, as the client's
// nucleus/metrics/segmentation_to_poly_metrics.py composes them (SegToPolyMode's two values
// are the same string, so only GENERATE_GT_FROM_POLY is reachable, D13).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eval/mask_png.h"
#include "eval/model_ci_metrics.h"
#include "eval/segmentation_metrics.h"
#include "geometry/polygon.h"
#include "nucleus/result.h"

namespace nucleus::eval {

// One ground-truth shape: a polygon's ring, or a box by its top-left corner and size (the
// documented API, D1: the client reads x/y as the centre).
struct SegShape {
  std::string label;
  bool is_box = false;
  std::vector<geometry::Point> ring;           // polygon
  double x = 0, y = 0, width = 0, height = 0;  // box
};

// The ground truth the client builds: `shapes` rasterised as rasterio does (geometry/rasterize.h,
// later shapes painting over earlier ones) into a `width` x `height` image, polygons first in
// their order, then boxes in theirs (the client concatenates polygon_annotations +
// box_annotations); the k-th shape of that order is painted with k + 1 and is segment k + 1.
// kInvalidArgument when there are more than kMaxSegmentIndex shapes or the size is negative.
struct SegShapesMask {
  IndexImage image;
  std::vector<SegSegment> segments;
};
Result<SegShapesMask> RasterizeGroundTruthShapes(std::span<const SegShape> shapes, int64_t width,
                                                 int64_t height);

// The segments RasterizeGroundTruthShapes gives `shapes`, without rasterising.
std::vector<SegSegment> GroundTruthSegments(std::span<const SegShape> shapes);

// The item's result of `metric` (segmentation_to_poly_iou: kIou, _precision and _ap: kPrecision,
// _recall: kRecall, _map: kMap): weight 0 when `pred` is null, has no segments, or the item has
// no shapes (the client returns ScalarResult(0, weight=0) without a predicted mask; with
// predictions but no polygon it raises, D20); else the seg_* result of the rasterised shapes
// against `pred`. Errors as RasterizeGroundTruthShapes and SegmentationItemResult.
Result<CiScalar> SegmentationToPolyItemResult(SegMetric metric, const SegParams& params,
                                              std::span<const SegShape> shapes,
                                              const SegMask* pred);

}  // namespace nucleus::eval
