// COCO run-length-encoded (RLE) masks, bit-compatible with pycocotools' maskApi.c.
//
// A mask of height h and width w is stored column-major (x outer, y inner, as in COCO) as
// alternating run lengths of 0s and 1s, starting with 0s (the first run may be 0).
// Pure functions; thread-safe. Functions that take a view do not keep it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geometry/box.h"
#include "nucleus/result.h"
#include "nucleus/status.h"

namespace nucleus::geometry {

// An owned RLE mask.
struct RleMask {
  uint32_t height = 0;
  uint32_t width = 0;
  std::vector<uint32_t> counts;
};

// A borrowed RLE mask; `counts` must outlive the view.
struct RleView {
  uint32_t height = 0;
  uint32_t width = 0;
  std::span<const uint32_t> counts;

  RleView() = default;
  RleView(uint32_t h, uint32_t w, std::span<const uint32_t> c) : height(h), width(w), counts(c) {}
  RleView(const RleMask& mask)  // NOLINT: implicit by design, views are cheap
      : height(mask.height), width(mask.width), counts(mask.counts) {}
};

// Decodes COCO's compressed counts string (LEB128-like, 6 bits per char in '0'..'o') and
// appends the counts to `out`. InvalidArgument for a character outside '0'..'o' or a string
// that ends inside a number; `out` may then hold a partial result.
Status AppendCountsFromString(std::string_view text, std::vector<uint32_t>& out);
Result<RleMask> RleFromString(std::string_view text, uint32_t height, uint32_t width);

// The compressed counts string of `mask` (pycocotools' rleToString).
std::string RleToString(RleView mask);

// Encodes a column-major 0/1 bitmap of height*width bytes (non-zero counts as 1).
RleMask RleEncode(std::span<const uint8_t> bitmap, uint32_t height, uint32_t width);
// Decodes to a column-major bitmap of height*width bytes. InvalidArgument if the counts do not
// add up to height*width (pycocotools would read or write out of bounds).
Result<std::vector<uint8_t>> RleDecode(RleView mask);

// Number of 1 pixels.
uint64_t RleArea(RleView mask);

// The tight bounding box of the 1 pixels, [0,0,0,0] for an empty mask (pycocotools 2.0.x
// rleToBbox: a run crossing a column boundary makes the box span the full height).
Box RleToBbox(RleView mask);

// Union (or intersection) of masks of one size. An empty list or a size mismatch gives an empty
// 0x0 mask, as pycocotools does.
RleMask RleMerge(std::span<const RleView> masks, bool intersect = false);

// pycocotools' rleIou for one pair: 0 unless the masks' bounding boxes overlap (rleToBbox +
// bbIou); -1 when the sizes differ (pycocotools' value; it never matches anything);
// otherwise |dt ∩ gt| / |dt ∪ gt|, or |dt ∩ gt| / |dt| when `gt_is_crowd`. 0 when nothing
// intersects, never NaN.
double RleIou(RleView dt, RleView gt, bool gt_is_crowd = false);

// RleIou with the masks' RleToBbox boxes supplied by the caller, who computes them once per mask
// instead of once per pair (the prefilter would otherwise dominate a segm evaluation). Same
// result as RleIou(dt, gt, gt_is_crowd) when dt_box == RleToBbox(dt), gt_box == RleToBbox(gt).
double RleIou(RleView dt, const Box& dt_box, RleView gt, const Box& gt_box, bool gt_is_crowd);

// Rasterizes one polygon given as x0,y0,x1,y1,... (an odd trailing value is ignored) exactly
// as pycocotools' rleFrPoly: pixel centres inside the polygon, boundary points upsampled 5x and
// snapped. Points outside the image are clipped. Fewer than one vertex gives an empty mask;
// self-intersecting polygons get whatever the scan-line parity of their boundary gives, as in
// pycocotools.
RleMask RleFromPolygon(std::span<const double> xy, uint32_t height, uint32_t width);

// pycocotools' rleFrBbox: the box rasterized as the polygon of its four corners.
RleMask RleFromBox(const Box& box, uint32_t height, uint32_t width);

}  // namespace nucleus::geometry
