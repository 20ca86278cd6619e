// Scanline rasterisation of polygons into an index image, pixel for pixel what the official
// client gets from rasterio's `features.rasterize(..., all_touched=False)` with the identity
// transform (GDAL's GDALRasterizeGeometries, GDAL 3.6): the segmentation masks of the
// `segmentation_to_poly_*` Model CI functions.
//
// Pixel (c, r) covers [c, c+1) x [r, r+1) and is burned when its centre (c + 0.5, r + 0.5) is
// inside the ring by GDAL's scanline rule, reproduced with its floating-point choices:
//  - each row r is cut by the line y = r + 0.5 (a double); an edge from (x1, y1) to (x2, y2)
//    with y1 < y2 (endpoints swapped when y1 > y2) crosses it when y1 <= r + 0.5 < y2, at
//    x = (r + 0.5 - y1) * (x2 - x1) / (y2 - y1) + x1, rounded to the column floor(x + 0.5);
//  - the crossings of a row are sorted and paired (even-odd, so self-intersecting rings leave
//    their doubly covered parts out) and each pair [a, b) burns columns a .. b-1;
//  - the ring is first turned clockwise as GDAL's OGRLinearRing::isClockwise judges it (the
//    lowest-rightmost vertex's turn, or the shoelace sum when that vertex is repeated or within
//    1e-5 of a neighbour); a horizontal edge lying exactly on a row's centre line and running
//    towards smaller x in that order also burns columns floor(x_end + 0.5) .. floor(x_start +
//    0.5) - 1 (this is how a zero-area ring along a centre line burns anything);
//  - doubles are turned into ints as x86-64 does it (GDAL casts without a range check): a
//    row or column beyond +-2^31 becomes INT_MIN, so a ring reaching y >= 2^31 burns nothing
//    and one reaching x >= 2^31 may burn column 0 only, as the client gets;
//  - rows and columns outside the image are dropped; the ring may lie partly or wholly outside.
// A ring is implicitly closed, as shapely closes it: a last vertex equal to the first is
// dropped when there are 4 or more, but A, B, A stays the zero-area ring A -> B -> A (shapely
// closes a 3-vertex ring once more). Rings with fewer than 3 vertices or a non-finite
// coordinate burn nothing (GDAL never sees them: shapely refuses the first, JSON cannot carry
// the second).
//
// Pure functions over the caller's image; thread-compatible (a Rasterizer is one thread's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "geometry/polygon.h"

namespace nucleus::geometry {

// A row-major image of segment indices; 0 is the background (rasterio's fill=0).
struct IndexImage {
  int32_t width = 0;
  int32_t height = 0;
  std::vector<int32_t> pixels;  // width * height values, row r at [r * width, (r + 1) * width)

  IndexImage() = default;
  // An image of `width` x `height` zeros; negative sizes count as 0.
  IndexImage(int32_t w, int32_t h);

  int32_t at(int32_t x, int32_t y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// Rasterises rings one after the other into the same image, later rings painting over earlier
// ones (rasterio's MergeAlg.replace). Keeps its scratch buffers between calls, so filling an
// image allocates only while a ring has more edges than any before it. Cost per ring:
// O(n log n) for n vertices plus O(active edges + pixels burned) per row the ring covers.
class Rasterizer {
 public:
  // Sets every pixel of `out` whose centre `ring` covers (see the file comment) to `value`.
  void Fill(std::span<const Point> ring, int32_t value, IndexImage& out);

  // Fills the box the client builds for a BoxAnnotation: the ring (x_min, y_min),
  // (x_max, y_min), (x_max, y_max), (x_min, y_max) in that order. The caller computes the
  // corners; the client computes x_min = x - width / 2, x_max = x + width / 2 (likewise y)
  // from a centre, docs/api/validate.md §9 says where our API reads x/y differently.
  void FillBox(double x_min, double y_min, double x_max, double y_max, int32_t value,
               IndexImage& out);

 private:
  struct Edge {
    double y_lo, y_hi, x_lo, x_hi;  // endpoints ordered by y (y_lo < y_hi)
    int32_t first_row, last_row;    // rows whose centre line the edge crosses, clipped
  };
  std::vector<Edge> edges_;
  std::vector<int32_t> active_;     // indices into edges_, in order of first_row
  std::vector<int32_t> crossings_;  // one row's crossing columns
};

// One-shot form of Rasterizer::Fill (allocates its scratch buffers each call).
void RasterizeFill(std::span<const Point> ring, int32_t value, IndexImage& out);

}  // namespace nucleus::geometry
