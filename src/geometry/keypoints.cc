#include "geometry/keypoints.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "geometry/pairwise_sum.h"

namespace nucleus::geometry {

double Oks(std::span<const double> gt_xyv, std::span<const double> dt_xyv, double gt_area,
           const Box& gt_box, std::span<const double> sigmas) {
  const size_t k = sigmas.size();
  if (k == 0) return 0.0;
  auto at = [](std::span<const double> xyv, size_t i) { return i < xyv.size() ? xyv[i] : 0.0; };
  size_t visible = 0;
  for (size_t i = 0; i < k; ++i) visible += at(gt_xyv, 3 * i + 2) > 0 ? 1 : 0;
  const double x0 = gt_box.x - gt_box.width, x1 = gt_box.x + gt_box.width * 2;
  const double y0 = gt_box.y - gt_box.height, y1 = gt_box.y + gt_box.height * 2;
  const double eps = std::numeric_limits<double>::epsilon();
  std::vector<double> terms;
  terms.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    const double xd = at(dt_xyv, 3 * i), yd = at(dt_xyv, 3 * i + 1);
    double dx, dy;
    if (visible > 0) {
      if (!(at(gt_xyv, 3 * i + 2) > 0)) continue;
      dx = xd - at(gt_xyv, 3 * i);
      dy = yd - at(gt_xyv, 3 * i + 1);
    } else {
      dx = std::max(0.0, x0 - xd) + std::max(0.0, xd - x1);
      dy = std::max(0.0, y0 - yd) + std::max(0.0, yd - y1);
    }
    const double var = (sigmas[i] * 2) * (sigmas[i] * 2);
    const double e = (dx * dx + dy * dy) / var / (gt_area + eps) / 2;
    terms.push_back(std::exp(-e));
  }
  return PairwiseSum(terms) / static_cast<double>(terms.size());
}

}  // namespace nucleus::geometry
