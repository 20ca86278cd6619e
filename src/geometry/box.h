// Axis-aligned boxes and their intersection over union.
//
// Pure functions: no I/O, no allocation, thread-safe.
#pragma once

namespace nucleus::geometry {

// An axis-aligned box. (x, y) is the top-left corner, as in COCO; width and height are full
// extents in the same unit (pixels for images). A box with width <= 0 or height <= 0 is empty.
struct Box {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

// width * height (may be negative for malformed boxes; callers decide).
inline double BoxArea(const Box& box) { return box.width * box.height; }

// Intersection over union with pycocotools' `bbIou` arithmetic, bit for bit:
//   w = min(dt.x + dt.w, gt.x + gt.w) - max(dt.x, gt.x), the same for h;
//   0 when w <= 0 or h <= 0 (touching boxes and empty boxes give 0, never NaN);
//   otherwise inter = w * h and IoU = inter / (dt.w * dt.h + gt.w * gt.h - inter).
// When `gt_is_crowd`, the union is the detection's area alone (COCO crowd regions), so the
// result is the fraction of the detection that lies inside the crowd box.
// The arguments are not symmetric only in the crowd case.
inline double BoxIou(const Box& dt, const Box& gt, bool gt_is_crowd = false) {
  const double dt_right = dt.width + dt.x;
  const double gt_right = gt.width + gt.x;
  const double w = (dt_right < gt_right ? dt_right : gt_right) - (dt.x > gt.x ? dt.x : gt.x);
  if (!(w > 0)) return 0.0;
  const double dt_bottom = dt.height + dt.y;
  const double gt_bottom = gt.height + gt.y;
  const double h = (dt_bottom < gt_bottom ? dt_bottom : gt_bottom) - (dt.y > gt.y ? dt.y : gt.y);
  if (!(h > 0)) return 0.0;
  const double inter = w * h;
  const double dt_area = dt.width * dt.height;
  const double uni = gt_is_crowd ? dt_area : dt_area + gt.width * gt.height - inter;
  return inter / uni;
}

}  // namespace nucleus::geometry
