// Rotated rectangles and 3D cuboids with yaw, and their IoU.
//
// Pure functions; thread-safe. Angles are in radians; any finite value is accepted (±π are the
// same orientation). Non-finite input gives IoU 0.
#pragma once

namespace nucleus::geometry {

// A rectangle of full extents `width` (along its heading) x `height`, centred at (cx, cy) and
// turned counter-clockwise by `angle` radians.
struct RotatedBox {
  double cx = 0;
  double cy = 0;
  double width = 0;
  double height = 0;
  double angle = 0;
};

// A 3D box: centre (x, y, z), full extents dx (along the heading), dy, dz, turned
// counter-clockwise by `yaw` radians about the z axis. This is Nucleus' cuboid:
// position = centre, dimensions = full extents with x along the heading.
struct Cuboid {
  double x = 0;
  double y = 0;
  double z = 0;
  double dx = 0;
  double dy = 0;
  double dz = 0;
  double yaw = 0;
};

// Area of the intersection of two rotated rectangles (convex clipping in double precision).
// Rectangles with a non-positive side are empty.
double RotatedIntersectionArea(const RotatedBox& a, const RotatedBox& b);

// IoU in [0, 1]; 0 when the union is empty or the shapes only touch.
double RotatedBoxIou(const RotatedBox& a, const RotatedBox& b);

// Bird's-eye-view IoU: the cuboids' footprints on the x-y plane.
double CuboidBevIou(const Cuboid& a, const Cuboid& b);

// 3D IoU = footprint intersection x z overlap / (volume a + volume b - that). 0 when either
// volume is empty or they only touch.
double CuboidIou(const Cuboid& a, const Cuboid& b);

}  // namespace nucleus::geometry
