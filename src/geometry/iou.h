// The geometry layer in one include: every IoU kind Nucleus matches on.
//
//   BoxIou          axis-aligned boxes, pycocotools' bbIou arithmetic  (geometry/box.h)
//   PolygonIou      simple polygons via Clipper                        (geometry/polygon.h)
//   RotatedBoxIou   rotated rectangles                                 (geometry/rotated.h)
//   CuboidIou       3D boxes with yaw, and CuboidBevIou                (geometry/rotated.h)
//   RleIou          COCO RLE masks, incl. crowd semantics              (geometry/rle.h)
//   Oks             keypoint similarity                                (geometry/keypoints.h)
//
// All are pure, thread-safe, and return a value in [0, 1] that is never NaN (RleIou alone
// returns -1 for masks of different sizes, as pycocotools does).
#pragma once

#include "geometry/box.h"        // IWYU pragma: export
#include "geometry/keypoints.h"  // IWYU pragma: export
#include "geometry/polygon.h"    // IWYU pragma: export
#include "geometry/rle.h"        // IWYU pragma: export
#include "geometry/rotated.h"    // IWYU pragma: export
