// Simple polygons (one ring) and their intersection over union, computed with Clipper.
//
// Pure functions; thread-safe.
#pragma once

#include <span>

namespace nucleus::geometry {

struct Point {
  double x = 0;
  double y = 0;
};

// Coordinates are snapped to a grid of 1/kPolygonGridScale (about 1e-6) before clipping, so
// results are exact up to that snapping; coordinates must stay within ±4e12.
inline constexpr double kPolygonGridScale = 1 << 20;

// Area enclosed by `ring` under the non-zero winding rule, >= 0, after snapping. Rings with
// fewer than 3 vertices or with a non-finite coordinate have area 0.
double PolygonArea(std::span<const Point> ring);

// IoU of the regions enclosed by two rings, in [0, 1]. Either orientation is accepted.
// Invalid input is defined, never an error and never NaN:
//  - fewer than 3 vertices, collinear vertices, or a non-finite coordinate: empty region;
//  - self-intersecting rings: the region is taken with the non-zero winding rule (a
//    figure-eight counts both lobes, a pentagram counts its centre once);
//  - an empty union (both regions empty) gives 0; polygons that only touch give 0.
double PolygonIou(std::span<const Point> a, std::span<const Point> b);

}  // namespace nucleus::geometry
