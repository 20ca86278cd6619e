#include "eval/segmentation_to_poly.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "geometry/rasterize.h"

namespace nucleus::eval {

Result<SegShapesMask> RasterizeGroundTruthShapes(std::span<const SegShape> shapes, int64_t width,
                                                 int64_t height) {
  if (static_cast<int64_t>(shapes.size()) > kMaxSegmentIndex) {
    std::string m = "the ground truth has ";
    m.append(std::to_string(shapes.size()))
        .append(" polygons and boxes; at most ")
        .append(std::to_string(kMaxSegmentIndex))
        .append(" can be rasterised into one mask");
    return InvalidArgument(m);
  }
  constexpr int64_t kMaxSide = std::numeric_limits<int32_t>::max();
  if (width < 0 || height < 0 || width > kMaxSide || height > kMaxSide) {
    return InvalidArgument("the mask's size cannot hold rasterised shapes");
  }
  geometry::IndexImage canvas(static_cast<int32_t>(width), static_cast<int32_t>(height));
  geometry::Rasterizer rasterizer;
  SegShapesMask out;
  int32_t value = 0;
  for (bool boxes : {false, true}) {
    for (const SegShape& s : shapes) {
      if (s.is_box != boxes) continue;
      ++value;
      if (s.is_box) {
        rasterizer.FillBox(s.x, s.y, s.x + s.width, s.y + s.height, value, canvas);
      } else {
        rasterizer.Fill(s.ring, value, canvas);
      }
      out.segments.push_back({value, s.label});
    }
  }
  out.image.width = width;
  out.image.height = height;
  out.image.pixels.assign(canvas.pixels.begin(), canvas.pixels.end());  // values <= 1023
  return out;
}

std::vector<SegSegment> GroundTruthSegments(std::span<const SegShape> shapes) {
  std::vector<SegSegment> out;
  for (bool boxes : {false, true}) {
    for (const SegShape& s : shapes) {
      if (s.is_box == boxes) out.push_back({static_cast<int64_t>(out.size()) + 1, s.label});
    }
  }
  return out;
}

Result<CiScalar> SegmentationToPolyItemResult(SegMetric metric, const SegParams& params,
                                              std::span<const SegShape> shapes,
                                              const SegMask* pred) {
  if (pred == nullptr || pred->image == nullptr || pred->segments.empty() || shapes.empty()) {
    return CiScalar{};
  }
  NUCLEUS_ASSIGN_OR_RETURN(SegShapesMask gt, RasterizeGroundTruthShapes(shapes, pred->image->width,
                                                                        pred->image->height));
  const SegMask gt_mask{.image = &gt.image, .segments = std::move(gt.segments)};
  return SegmentationItemResult(metric, params, &gt_mask, pred);
}

}  // namespace nucleus::eval
