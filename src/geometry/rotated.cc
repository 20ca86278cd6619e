#include "geometry/rotated.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace nucleus::geometry {
namespace {

struct Vec {
  double x;
  double y;
};

// At most 4 + 4 vertices survive clipping a quadrilateral by another convex quadrilateral.
struct ConvexPolygon {
  std::array<Vec, 16> v;
  int n = 0;
};

bool Valid(const RotatedBox& r) {
  return std::isfinite(r.cx) && std::isfinite(r.cy) && std::isfinite(r.angle) &&
         std::isfinite(r.width) && std::isfinite(r.height) && r.width > 0 && r.height > 0;
}

// Counter-clockwise corners.
ConvexPolygon Corners(const RotatedBox& r) {
  const double c = std::cos(r.angle), s = std::sin(r.angle);
  const double hw = r.width / 2, hh = r.height / 2;
  ConvexPolygon p;
  const double dx[4] = {-hw, hw, hw, -hw};
  const double dy[4] = {-hh, -hh, hh, hh};
  for (int i = 0; i < 4; ++i) {
    p.v[i] = {r.cx + dx[i] * c - dy[i] * s, r.cy + dx[i] * s + dy[i] * c};
  }
  p.n = 4;
  return p;
}

double Cross(Vec o, Vec a, Vec b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

// Sutherland–Hodgman: clips `subject` by the half-planes of the counter-clockwise `clip`.
ConvexPolygon Clip(const ConvexPolygon& subject, const ConvexPolygon& clip) {
  ConvexPolygon out = subject;
  for (int e = 0; e < clip.n && out.n > 0; ++e) {
    const Vec a = clip.v[e], b = clip.v[(e + 1) % clip.n];
    ConvexPolygon in = out;
    out.n = 0;
    for (int i = 0; i < in.n; ++i) {
      const Vec p = in.v[i], q = in.v[(i + 1) % in.n];
      const double cp = Cross(a, b, p), cq = Cross(a, b, q);
      const bool p_in = cp >= 0, q_in = cq >= 0;
      if (p_in && out.n < 16) out.v[out.n++] = p;
      if (p_in != q_in && out.n < 16) {
        const double t = cp / (cp - cq);
        out.v[out.n++] = {p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)};
      }
    }
  }
  return out;
}

double Area(const ConvexPolygon& p) {
  double twice = 0;
  for (int i = 0; i < p.n; ++i) {
    const Vec a = p.v[i], b = p.v[(i + 1) % p.n];
    twice += a.x * b.y - b.x * a.y;
  }
  return std::abs(twice) / 2;
}

RotatedBox Footprint(const Cuboid& c) { return RotatedBox{c.x, c.y, c.dx, c.dy, c.yaw}; }

}  // namespace

double RotatedIntersectionArea(const RotatedBox& a, const RotatedBox& b) {
  if (!Valid(a) || !Valid(b)) return 0.0;
  const double area = Area(Clip(Corners(a), Corners(b)));
  // Rounding can push the clipped area a hair past the smaller rectangle.
  return std::min({area, a.width * a.height, b.width * b.height});
}

double RotatedBoxIou(const RotatedBox& a, const RotatedBox& b) {
  const double inter = RotatedIntersectionArea(a, b);
  if (!(inter > 0)) return 0.0;
  const double uni = a.width * a.height + b.width * b.height - inter;
  if (!(uni > 0)) return 0.0;
  return std::clamp(inter / uni, 0.0, 1.0);
}

double CuboidBevIou(const Cuboid& a, const Cuboid& b) {
  return RotatedBoxIou(Footprint(a), Footprint(b));
}

double CuboidIou(const Cuboid& a, const Cuboid& b) {
  if (!std::isfinite(a.z) || !std::isfinite(b.z) || !std::isfinite(a.dz) || !std::isfinite(b.dz) ||
      !(a.dz > 0) || !(b.dz > 0)) {
    return 0.0;
  }
  const double z_overlap =
      std::min(a.z + a.dz / 2, b.z + b.dz / 2) - std::max(a.z - a.dz / 2, b.z - b.dz / 2);
  if (!(z_overlap > 0)) return 0.0;
  const double inter_area = RotatedIntersectionArea(Footprint(a), Footprint(b));
  if (!(inter_area > 0)) return 0.0;
  const double inter = inter_area * z_overlap;
  const double uni = a.dx * a.dy * a.dz + b.dx * b.dy * b.dz - inter;
  if (!(uni > 0)) return 0.0;
  return std::clamp(inter / uni, 0.0, 1.0);
}

}  // namespace nucleus::geometry
