#include "geometry/rasterize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

// Built with -ffp-contract=off (src/geometry/CMakeLists.txt): GDAL's own build for x86-64 has
// no fused multiply-add, and a fused `a * b - c * d` in the orientation test would turn some
// nearly degenerate rings the other way round.

namespace nucleus::geometry {
namespace {

constexpr int32_t kIntMin = std::numeric_limits<int32_t>::min();

// `(int)d` as x86-64 computes it (cvttsd2si): truncation towards zero, and INT_MIN for NaN or
// a result outside int32. GDAL converts rows and columns this way, unchecked.
int32_t TruncToInt(double d) {
  if (d > -2147483649.0 && d < 2147483648.0) return static_cast<int32_t>(d);
  return kIntMin;
}

// The column a crossing or a horizontal edge's end rounds to: floor(x + 0.5).
int32_t RoundToColumn(double x) { return TruncToInt(std::floor(x + 0.5)); }

bool NearlyEqual(const Point& a, const Point& b) {
  constexpr double kEpsilon = 1e-5;
  return std::fabs(a.x - b.x) < kEpsilon && std::fabs(a.y - b.y) < kEpsilon;
}

// OGRLinearRing::isClockwise on the closed ring `ring` + ring[0] (m = ring.size() + 1 points,
// the last one the first again), in GDAL's y-up sense: the turn at the lowest (then
// rightmost) vertex, unless that vertex is repeated or within 1e-5 of a neighbour, or the turn
// is straight, in which case the sign of the shoelace sum decides.
bool IsClockwise(std::span<const Point> ring) {
  const size_t n = ring.size();  // m - 1: the closing point is ring[0]
  bool use_fallback = false;
  size_t v = 0;
  for (size_t i = 1; i < n; ++i) {
    if (ring[i].y < ring[v].y || (ring[i].y == ring[v].y && ring[i].x > ring[v].x)) {
      v = i;
      use_fallback = false;
    } else if (ring[i].y == ring[v].y && ring[i].x == ring[v].x) {
      use_fallback = true;  // the pivot is repeated: its neighbours say nothing
    }
  }
  const Point& pivot = ring[v];
  const Point& prev = ring[v == 0 ? n - 1 : v - 1];
  const Point& next = ring[v + 1 >= n ? 0 : v + 1];
  if (NearlyEqual(prev, pivot) || NearlyEqual(next, pivot)) use_fallback = true;
  const double dx0 = prev.x - pivot.x;
  const double dy0 = prev.y - pivot.y;
  const double dx1 = next.x - pivot.x;
  const double dy1 = next.y - pivot.y;
  const double cross = dx1 * dy0 - dx0 * dy1;
  if (!use_fallback) {
    if (cross > 0) return false;
    if (cross < 0) return true;
  }
  // Shoelace over the closed ring p[0..n] with p[n] == p[0], summed in GDAL's order.
  auto at = [&](size_t i) -> const Point& { return ring[i == n ? 0 : i]; };
  double sum = at(0).x * (at(1).y - at(n).y);
  for (size_t i = 1; i < n; ++i) sum += at(i).x * (at(i + 1).y - at(i - 1).y);
  sum += at(n).x * (at(0).y - at(n - 1).y);
  return sum < 0;
}

// Burns columns [first, last] of `row`, clipped to the image (GDAL's gvBurnScanline).
void BurnSpan(IndexImage& out, int32_t row, int32_t first, int32_t last, int32_t value) {
  if (first > last) return;
  first = std::max(first, 0);
  last = std::min(last, out.width - 1);
  if (first > last) return;
  int32_t* line = out.pixels.data() + static_cast<size_t>(row) * out.width;
  std::fill(line + first, line + last + 1, value);
}

// Burns the crossing pair [a, b) the way GDAL's scanline loop does: only when it reaches into
// the image, as columns a .. b-1.
void BurnPair(IndexImage& out, int32_t row, int32_t a, int32_t b, int32_t value) {
  if (a <= out.width - 1 && b > 0) BurnSpan(out, row, a, b - 1, value);
}

// First row in [min_row, max_row] whose centre line r + 0.5 is >= y (max_row + 1 if none).
int32_t FirstRowAtOrBelow(double y, int32_t min_row, int32_t max_row) {
  if (y <= min_row + 0.5) return min_row;
  if (y > max_row + 0.5) return max_row + 1;
  auto r = static_cast<int32_t>(std::ceil(y - 0.5));  // |y| is small here: no overflow
  while (r > min_row && (r - 1) + 0.5 >= y) --r;
  while (r + 0.5 < y) ++r;
  return r;
}

// Last row in [min_row, max_row] whose centre line r + 0.5 is < y (min_row - 1 if none).
int32_t LastRowAbove(double y, int32_t min_row, int32_t max_row) {
  if (y > max_row + 0.5) return max_row;
  if (y <= min_row + 0.5) return min_row - 1;
  auto r = static_cast<int32_t>(std::floor(y - 0.5));
  while (r + 0.5 >= y) --r;
  while (r < max_row && (r + 1) + 0.5 < y) ++r;
  return r;
}

}  // namespace

IndexImage::IndexImage(int32_t w, int32_t h)
    : width(std::max(w, 0)),
      height(std::max(h, 0)),
      pixels(static_cast<size_t>(width) * static_cast<size_t>(height), 0) {}

void Rasterizer::Fill(std::span<const Point> ring, int32_t value, IndexImage& out) {
  // shapely refuses fewer than 3 vertices; it closes a ring of 3 even when already closed.
  if (ring.size() < 3 || out.width <= 0 || out.height <= 0) return;
  if (ring.size() >= 4 && ring.back().x == ring.front().x && ring.back().y == ring.front().y) {
    ring = ring.first(ring.size() - 1);  // the closing vertex adds only a zero-length edge
  }
  double min_y = ring[0].y;
  double max_y = ring[0].y;
  for (const Point& p : ring) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  // GDAL's row range: truncated (not floored) extremes, then clipped to the image.
  const int32_t min_row = std::max(TruncToInt(min_y), 0);
  const int32_t max_row = std::min(TruncToInt(max_y), out.height - 1);
  if (min_row > max_row) return;

  // GDAL walks the ring clockwise; only a horizontal edge's direction depends on it.
  const bool clockwise = IsClockwise(ring);
  edges_.clear();
  const size_t n = ring.size();
  for (size_t i = 0; i < n; ++i) {
    const Point& a = ring[i == 0 ? n - 1 : i - 1];
    const Point& b = ring[i];
    if (a.y == b.y) {
      // Burned only on a centre line and when it runs towards smaller x once clockwise.
      const bool leftwards = clockwise ? a.x > b.x : b.x > a.x;
      const double row = std::floor(a.y);
      if (!leftwards || row < min_row || row > max_row) continue;
      const auto r = static_cast<int32_t>(row);
      if (r + 0.5 != a.y) continue;
      const int32_t x1 = RoundToColumn(std::min(a.x, b.x));
      const int32_t x2 = RoundToColumn(std::max(a.x, b.x));
      if (x1 > out.width - 1 || x2 <= 0) continue;
      BurnSpan(out, r, x1, x2 - 1, value);
      continue;
    }
    Edge e = a.y < b.y ? Edge{a.y, b.y, a.x, b.x, 0, 0} : Edge{b.y, a.y, b.x, a.x, 0, 0};
    e.first_row = FirstRowAtOrBelow(e.y_lo, min_row, max_row);
    e.last_row = LastRowAbove(e.y_hi, min_row, max_row);
    if (e.first_row <= e.last_row) edges_.push_back(e);
  }
  if (edges_.empty()) return;
  std::sort(edges_.begin(), edges_.end(),
            [](const Edge& l, const Edge& r) { return l.first_row < r.first_row; });

  // Active-edge sweep: every row meets only the edges spanning it.
  active_.clear();
  size_t next_edge = 0;
  for (int32_t row = edges_[0].first_row; row <= max_row;) {
    while (next_edge < edges_.size() && edges_[next_edge].first_row == row) {
      active_.push_back(static_cast<int32_t>(next_edge++));
    }
    std::erase_if(active_, [&](int32_t k) { return edges_[k].last_row < row; });
    if (active_.empty()) {
      if (next_edge == edges_.size()) break;
      row = edges_[next_edge].first_row;
      continue;
    }
    const double dy = row + 0.5;
    crossings_.clear();
    for (int32_t k : active_) {
      const Edge& e = edges_[k];
      const double x = (dy - e.y_lo) * (e.x_hi - e.x_lo) / (e.y_hi - e.y_lo) + e.x_lo;
      crossings_.push_back(RoundToColumn(x));
    }
    std::sort(crossings_.begin(), crossings_.end());
    for (size_t i = 0; i + 1 < crossings_.size(); i += 2) {
      BurnPair(out, row, crossings_[i], crossings_[i + 1], value);
    }
    ++row;
  }
}

void Rasterizer::FillBox(double x_min, double y_min, double x_max, double y_max, int32_t value,
                         IndexImage& out) {
  const Point ring[4] = {{x_min, y_min}, {x_max, y_min}, {x_max, y_max}, {x_min, y_max}};
  Fill(ring, value, out);
}

void RasterizeFill(std::span<const Point> ring, int32_t value, IndexImage& out) {
  Rasterizer rasterizer;
  rasterizer.Fill(ring, value, out);
}

}  // namespace nucleus::geometry
