// Object keypoint similarity (OKS), as pycocotools' COCOeval.computeOks.
//
// Pure; thread-safe.
#pragma once

#include <span>

#include "geometry/box.h"

namespace nucleus::geometry {

// The 17 COCO person keypoint sigmas (pycocotools' kpt_oks_sigmas).
inline constexpr double kCocoKeypointSigmas[17] = {
    .26 / 10.0,  .25 / 10.0, .25 / 10.0, .35 / 10.0, .35 / 10.0, .79 / 10.0,
    .79 / 10.0,  .72 / 10.0, .72 / 10.0, .62 / 10.0, .62 / 10.0, 1.07 / 10.0,
    1.07 / 10.0, .87 / 10.0, .87 / 10.0, .89 / 10.0, .89 / 10.0};

// OKS between a ground truth and a detection, each given as x,y,v triples (k = sigmas.size()
// keypoints; extra values are ignored, missing ones count as (0,0,0)).
// With at least one visible (v > 0) ground-truth keypoint: mean over the visible ones of
//   exp(-(dx² + dy²) / (2σ)² / (gt_area + ε) / 2), ε = 2^-52.
// With none: the distance of each detected keypoint to the ground-truth box grown by its size
// on every side, averaged over all k keypoints (pycocotools' crowd-like rule).
// k == 0 gives 0.
double Oks(std::span<const double> gt_xyv, std::span<const double> dt_xyv, double gt_area,
           const Box& gt_box, std::span<const double> sigmas = kCocoKeypointSigmas);

}  // namespace nucleus::geometry
