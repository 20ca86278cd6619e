#include "geometry/polygon.h"

#include <cmath>
#include <polyclipping/clipper.hpp>

namespace nucleus::geometry {
namespace {

// Returns false (and an empty path) when the ring cannot describe a region.
bool ToPath(std::span<const Point> ring, ClipperLib::Path& path) {
  path.clear();
  if (ring.size() < 3) return false;
  constexpr double kLimit = 4e12;
  path.reserve(ring.size());
  for (const Point& p : ring) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || std::abs(p.x) > kLimit ||
        std::abs(p.y) > kLimit) {
      path.clear();
      return false;
    }
    path.emplace_back(static_cast<ClipperLib::cInt>(std::llround(p.x * kPolygonGridScale)),
                      static_cast<ClipperLib::cInt>(std::llround(p.y * kPolygonGridScale)));
  }
  return true;
}

double AreaOf(const ClipperLib::Paths& paths) {
  double area = 0;
  for (const ClipperLib::Path& path : paths) area += ClipperLib::Area(path);
  return std::abs(area) / (kPolygonGridScale * kPolygonGridScale);
}

double Combine(const ClipperLib::Path& a, const ClipperLib::Path& b, ClipperLib::ClipType type) {
  ClipperLib::Clipper clipper;
  if (!a.empty()) clipper.AddPath(a, ClipperLib::ptSubject, true);
  if (!b.empty()) clipper.AddPath(b, ClipperLib::ptClip, true);
  ClipperLib::Paths out;
  clipper.Execute(type, out, ClipperLib::pftNonZero, ClipperLib::pftNonZero);
  return AreaOf(out);
}

}  // namespace

double PolygonArea(std::span<const Point> ring) {
  ClipperLib::Path path;
  if (!ToPath(ring, path)) return 0.0;
  return Combine(path, ClipperLib::Path{}, ClipperLib::ctUnion);
}

double PolygonIou(std::span<const Point> a, std::span<const Point> b) {
  ClipperLib::Path pa, pb;
  const bool ok_a = ToPath(a, pa);
  const bool ok_b = ToPath(b, pb);
  if (!ok_a || !ok_b) return 0.0;  // one region is empty: no intersection
  const double inter = Combine(pa, pb, ClipperLib::ctIntersection);
  if (!(inter > 0)) return 0.0;
  const double uni = Combine(pa, pb, ClipperLib::ctUnion);
  if (!(uni > 0)) return 0.0;
  return std::min(1.0, inter / uni);
}

}  // namespace nucleus::geometry
