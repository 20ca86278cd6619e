#include "eval/model_ci_metrics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace nucleus::eval {
namespace {

constexpr double kEps = DBL_EPSILON;  // the client's sys.float_info.epsilon
using geometry::Point;

double SignedArea(std::span<const Point> ring) {
  double twice = 0;
  for (size_t i = 0, n = ring.size(); i < n; ++i) {
    const Point& a = ring[i];
    const Point& b = ring[(i + 1) % n];
    twice += a.x * b.y - b.x * a.y;
  }
  return twice / 2;
}

double Cross(const Point& o, const Point& a, const Point& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

bool IsConvex(std::span<const Point> ring) {
  if (ring.size() < 3) return false;
  int sign = 0;
  for (size_t i = 0, n = ring.size(); i < n; ++i) {
    double c = Cross(ring[i], ring[(i + 1) % n], ring[(i + 2) % n]);
    int s = c > 0 ? 1 : (c < 0 ? -1 : 0);
    if (s == 0) continue;
    if (sign != 0 && s != sign) return false;
    sign = s;
  }
  return sign != 0;
}

std::vector<Point> CounterClockwise(std::span<const Point> ring) {
  std::vector<Point> out(ring.begin(), ring.end());
  if (SignedArea(out) < 0) std::reverse(out.begin(), out.end());
  return out;
}

// Sutherland–Hodgman: `subject` clipped by the convex counter-clockwise `clip`.
std::vector<Point> ClipConvex(std::vector<Point> subject, const std::vector<Point>& clip) {
  for (size_t e = 0, n = clip.size(); e < n && !subject.empty(); ++e) {
    const Point& a = clip[e];
    const Point& b = clip[(e + 1) % n];
    std::vector<Point> out;
    for (size_t i = 0, m = subject.size(); i < m; ++i) {
      const Point& p = subject[i];
      const Point& q = subject[(i + 1) % m];
      double cp = Cross(a, b, p);
      double cq = Cross(a, b, q);
      if (cp >= 0) out.push_back(p);
      if ((cp >= 0) != (cq >= 0)) {
        double t = cp / (cp - cq);
        out.push_back({p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)});
      }
    }
    subject = std::move(out);
  }
  return subject;
}

// The IoU matrix (predictions × ground truth) with entries below `t` set to 0, then the optimal
// assignment's pairs with IoU >= t: (prediction, ground truth, IoU).
struct Match {
  int prediction;
  int ground_truth;
  double iou;
};
std::vector<Match> Assign(std::span<const CiShape> gt, std::span<const CiShape> preds, double t) {
  const int rows = static_cast<int>(preds.size());
  const int cols = static_cast<int>(gt.size());
  std::vector<Match> out;
  if (rows == 0 || cols == 0) return out;
  std::vector<double> iou(static_cast<size_t>(rows) * cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      double v = ShapeIou(gt[j], preds[i]);
      iou[static_cast<size_t>(i) * cols + j] = v < t ? 0.0 : v;
    }
  }
  for (auto [i, j] : MaxWeightAssignment(iou, rows, cols)) {
    double v = iou[static_cast<size_t>(i) * cols + j];
    if (v >= t) out.push_back({i, j, v});
  }
  return out;
}

double LabelAveragePrecision(std::span<const CiShape> gt, std::span<const CiShape> preds,
                             double t) {
  if (gt.empty()) return 0.0;
  std::vector<bool> tp(preds.size(), false);
  for (const Match& m : Assign(gt, preds, t)) tp[m.prediction] = true;
  std::vector<size_t> order(preds.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& ca = preds[a].confidence;
    const auto& cb = preds[b].confidence;
    if (!cb) return ca.has_value();
    return ca && *ca > *cb;
  });
  std::vector<double> precision, recall;
  double cum = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (tp[order[k]]) cum += 1;
    precision.push_back(cum / static_cast<double>(k + 1));
    recall.push_back(cum / static_cast<double>(gt.size()));
  }
  return AveragePrecision(recall, precision);
}

// One group's result (all labels, or one label under enforce_label_match).
CiScalar EvalGroup(CiDetectionMetric metric, double t, std::span<const CiShape> gt,
                   std::span<const CiShape> preds) {
  const double n_gt = static_cast<double>(gt.size());
  const double n_p = static_cast<double>(preds.size());
  if (gt.empty() && preds.empty()) return {};
  std::vector<Match> matches = Assign(gt, preds, t);
  double iou_sum = 0;
  for (const Match& m : matches) iou_sum += m.iou;
  return DetectionGroupScalar(metric, n_gt, n_p, static_cast<double>(matches.size()), iou_sum);
}

// Ground truth and predictions split by label: labels in order of first appearance, ground
// truth first (the client's group_boxes_or_polygons_by_label).
struct LabelGroup {
  std::string label;
  std::vector<CiShape> gt, preds;
};
std::vector<LabelGroup> GroupByLabel(std::span<const CiShape> gt, std::span<const CiShape> preds) {
  std::vector<LabelGroup> groups;
  auto group_of = [&](const std::string& label) -> LabelGroup& {
    for (LabelGroup& g : groups) {
      if (g.label == label) return g;
    }
    groups.push_back({label, {}, {}});
    return groups.back();
  };
  for (const CiShape& s : gt) group_of(s.label).gt.push_back(s);
  for (const CiShape& s : preds) group_of(s.label).preds.push_back(s);
  return groups;
}

// The footprint's corners in the order the client builds its polygon (corners 1, 0, 4, 5 of
// get_batch_cuboid_corners, which rotates by yaw + π/2 with dy on its local x axis).
std::vector<Point> Footprint(const CiCuboid& c) {
  const double yaw = c.yaw + M_PI / 2;
  const double cy = std::cos(yaw), sy = std::sin(yaw);
  const double l = c.dy / 2, w = c.dx / 2;
  const double local[4][2] = {{l, -w}, {l, w}, {-l, w}, {-l, -w}};
  std::vector<Point> out;
  for (const auto& p : local) {
    out.push_back({cy * p[0] - sy * p[1] + c.x, sy * p[0] + cy * p[1] + c.y});
  }
  return out;
}

double ConvexIntersectionArea(std::span<const Point> a, std::span<const Point> b) {
  std::vector<Point> clipped = ClipConvex(CounterClockwise(a), CounterClockwise(b));
  return clipped.size() >= 3 ? std::abs(SignedArea(clipped)) : 0.0;
}

// The 3-D IoU matrix rows × cols of `rows` against `cols`, row-major.
std::vector<double> Iou3dMatrix(std::span<const CiCuboid> rows, std::span<const CiCuboid> cols) {
  std::vector<double> out;
  for (const CiCuboid& r : rows) {
    for (const CiCuboid& c : cols) out.push_back(CuboidIou3d2d(r, c).first);
  }
  return out;
}

CiScalar CuboidGroup(CiCuboidMetric metric, double t, std::span<const CiCuboid> gt,
                     std::span<const CiCuboid> preds) {
  const double n_gt = static_cast<double>(gt.size());
  const double n_p = static_cast<double>(preds.size());
  if (gt.empty() && preds.empty()) return {};
  if (metric == CiCuboidMetric::kIou3d || metric == CiCuboidMetric::kIou2d) {
    // detection_iou: each ground truth takes its best prediction (first on ties), many-to-one.
    double sum = 0;
    for (const CiCuboid& g : gt) {
      double best = -1;
      std::pair<double, double> chosen{0, 0};
      for (const CiCuboid& p : preds) {
        std::pair<double, double> iou = CuboidIou3d2d(g, p);
        if (iou.first > best) best = iou.first, chosen = iou;
      }
      if (!preds.empty() && best >= t) {
        sum += metric == CiCuboidMetric::kIou3d ? chosen.first : chosen.second;
      }
    }
    const double weight = std::max(n_gt, n_p);
    return {sum / std::max(weight, kEps), weight};
  }
  // recall_precision: predictions in order take their best ground truth if still free.
  std::vector<double> iou = Iou3dMatrix(preds, gt);
  std::vector<bool> free(gt.size(), true);
  double tp = 0;
  for (size_t i = 0; i < preds.size() && !gt.empty(); ++i) {
    size_t best = 0;
    for (size_t j = 1; j < gt.size(); ++j) {
      if (iou[i * gt.size() + j] > iou[i * gt.size() + best]) best = j;
    }
    if (iou[i * gt.size() + best] >= t && free[best]) {
      free[best] = false;
      tp += 1;
    }
  }
  if (metric == CiCuboidMetric::kPrecision) return {tp / std::max(n_p, kEps), n_p};
  return {tp / std::max(n_gt, kEps), n_gt};
}

}  // namespace

CiShape BoxShape(std::string label, double x, double y, double width, double height,
                 std::optional<double> confidence) {
  CiShape s{.label = std::move(label), .ring = {}, .confidence = confidence};
  s.ring = {{x, y}, {x + width, y}, {x + width, y + height}, {x, y + height}};
  s.is_box = width > 0 && height > 0;
  return s;
}

CiScalar AggregateScalars(std::span<const CiScalar> results) {
  double total_weight = 0;
  double total_value = 0;
  for (const CiScalar& r : results) {
    if (r.weight == 0) continue;
    total_weight += r.weight;
  }
  for (const CiScalar& r : results) {
    if (r.weight == 0) continue;
    total_value += r.value * r.weight;
  }
  return {total_value / std::max(total_weight, kEps), total_weight};
}

double ShapeIou(const CiShape& a, const CiShape& b) {
  if (a.is_box && b.is_box) {
    // Two axis-aligned rectangles (ring[0] the top-left, ring[2] the bottom-right corner).
    return BoxIou(a.ring[0].x, a.ring[0].y, a.ring[2].x, a.ring[2].y, b.ring[0].x, b.ring[0].y,
                  b.ring[2].x, b.ring[2].y);
  }
  return RingIou(a.ring, b.ring);
}

double RingIou(std::span<const Point> a, std::span<const Point> b) {
  if (!IsConvex(a) || !IsConvex(b)) return geometry::PolygonIou(a, b);
  std::vector<Point> pa = CounterClockwise(a);
  std::vector<Point> pb = CounterClockwise(b);
  const double area_a = SignedArea(pa);
  const double area_b = SignedArea(pb);
  std::vector<Point> clipped = ClipConvex(pa, pb);
  const double inter = clipped.size() >= 3 ? std::abs(SignedArea(clipped)) : 0.0;
  return inter / std::max(area_a + area_b - inter, kEps);
}

std::vector<std::pair<int, int>> MaxWeightAssignment(std::span<const double> weights, int rows,
                                                     int cols) {
  AssignmentScratch scratch;
  std::vector<std::pair<int, int>> out;
  MaxWeightAssignment(weights, rows, cols, scratch, &out);
  return out;
}

void MaxWeightAssignment(std::span<const double> weights, int rows, int cols,
                         AssignmentScratch& scratch, std::vector<std::pair<int, int>>* out) {
  const bool transposed = rows > cols;
  const int n = transposed ? cols : rows;
  const int m = transposed ? rows : cols;
  auto cost = [&](int i, int j) {  // 1-based, minimised
    size_t at = transposed ? static_cast<size_t>(j - 1) * cols + (i - 1)
                           : static_cast<size_t>(i - 1) * cols + (j - 1);
    return -weights[at];
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double>& u = scratch.u;
  std::vector<double>& v = scratch.v;
  std::vector<double>& minv = scratch.minv;
  std::vector<int>& p = scratch.p;
  std::vector<int>& way = scratch.way;
  std::vector<char>& used = scratch.used;
  u.assign(n + 1, 0);
  v.assign(m + 1, 0);
  p.assign(m + 1, 0);
  way.assign(m + 1, 0);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    minv.assign(m + 1, inf);
    used.assign(m + 1, 0);
    do {
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      double delta = inf;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) minv[j] = cur, way[j] = j0;
        if (minv[j] < delta) delta = minv[j], j1 = j;
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  out->clear();
  for (int j = 1; j <= m; ++j) {
    if (p[j] == 0) continue;
    if (transposed) {
      out->emplace_back(j - 1, p[j] - 1);
    } else {
      out->emplace_back(p[j] - 1, j - 1);
    }
  }
  std::sort(out->begin(), out->end());
}

std::pair<double, double> CuboidIou3d2d(const CiCuboid& a, const CiCuboid& b) {
  const double bottom = std::max(a.z - a.dz / 2, b.z - b.dz / 2);
  const double top = std::min(a.z + a.dz / 2, b.z + b.dz / 2);
  const double height = std::max(0.0, top - bottom);
  const double ddx = a.x - b.x, ddy = a.y - b.y, ddz = a.z - b.z;
  double area = 0;
  if (std::sqrt(ddx * ddx + ddy * ddy + ddz * ddz) < 25) {
    // The client keeps intersection areas in a float32 matrix.
    area = static_cast<float>(ConvexIntersectionArea(Footprint(a), Footprint(b)));
  }
  const double intersection = height * area;
  const double area_a = a.dx * a.dy, area_b = b.dx * b.dy;
  const double union_3d = (area_a * a.dz + area_b * b.dz) - intersection;
  const double union_2d = (area_a + area_b) - area;
  return {union_3d > 0 ? intersection / union_3d : 0.0, union_2d > 0 ? area / union_2d : 0.0};
}

CiScalar CuboidItemResult(CiCuboidMetric metric, const CiDetectionParams& params,
                          std::span<const CiCuboid> ground_truth,
                          std::span<const CiCuboid> predictions) {
  std::vector<CiCuboid> preds;
  for (const CiCuboid& p : predictions) {
    if (params.confidence_threshold > 0 && p.confidence &&
        *p.confidence < params.confidence_threshold) {
      continue;
    }
    preds.push_back(p);
  }
  const double t = params.iou_threshold;
  if (!params.enforce_label_match) return CuboidGroup(metric, t, ground_truth, preds);
  std::vector<std::string> labels;
  for (const CiCuboid& c : ground_truth) labels.push_back(c.label);
  for (const CiCuboid& c : preds) labels.push_back(c.label);
  std::vector<std::string> seen;
  std::vector<CiScalar> per_label;
  for (const std::string& label : labels) {
    if (std::find(seen.begin(), seen.end(), label) != seen.end()) continue;
    seen.push_back(label);
    std::vector<CiCuboid> g, p;
    for (const CiCuboid& c : ground_truth) {
      if (c.label == label) g.push_back(c);
    }
    for (const CiCuboid& c : preds) {
      if (c.label == label) p.push_back(c);
    }
    per_label.push_back(CuboidGroup(metric, t, g, p));
  }
  return AggregateScalars(per_label);
}

CiScalar DetectionGroupScalar(CiDetectionMetric metric, double n_gt, double n_p, double tp,
                              double iou_sum) {
  switch (metric) {
    case CiDetectionMetric::kIou: {
      double weight = std::max(n_gt, n_p);
      return {iou_sum / std::max(weight, kEps), weight};
    }
    case CiDetectionMetric::kPrecision:
      return {tp / std::max(n_p, kEps), n_p};
    case CiDetectionMetric::kRecall:
      return {tp / std::max(n_gt + kEps, kEps), n_gt + kEps};
    case CiDetectionMetric::kMap:
      break;
  }
  return {};
}

double AveragePrecision(std::span<const double> recall, std::span<const double> precision) {
  std::vector<double> mrec{0.0}, mpre{0.0};
  mrec.insert(mrec.end(), recall.begin(), recall.end());
  mpre.insert(mpre.end(), precision.begin(), precision.end());
  mrec.push_back(1.0);
  mpre.push_back(0.0);
  return FramedAveragePrecision(mrec, mpre);
}

double FramedAveragePrecision(std::span<const double> mrec, std::span<double> mpre) {
  for (size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  double ap = 0;
  for (size_t i = 0; i + 1 < mrec.size(); ++i) {
    if (mrec[i + 1] != mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
  }
  return ap;
}

CiScalar DetectionItemResult(CiDetectionMetric metric, const CiDetectionParams& params,
                             std::span<const CiShape> ground_truth,
                             std::span<const CiShape> predictions) {
  std::vector<CiShape> preds;
  for (const CiShape& p : predictions) {
    if (params.confidence_threshold > 0 && p.confidence &&
        *p.confidence < params.confidence_threshold) {
      continue;
    }
    preds.push_back(p);
  }
  const double t = params.iou_threshold;
  std::vector<CiScalar> per_label;
  if (metric == CiDetectionMetric::kMap) {
    for (const LabelGroup& g : GroupByLabel(ground_truth, preds)) {
      per_label.push_back({LabelAveragePrecision(g.gt, g.preds, t), 1.0});
    }
    return AggregateScalars(per_label);
  }
  if (!params.enforce_label_match) return EvalGroup(metric, t, ground_truth, preds);
  for (const LabelGroup& g : GroupByLabel(ground_truth, preds)) {
    per_label.push_back(EvalGroup(metric, t, g.gt, g.preds));
  }
  return AggregateScalars(per_label);
}

std::vector<std::pair<std::string, std::string>> CategoryPairs(
    std::span<const CiCategory> ground_truth, std::span<const CiCategory> predictions,
    double confidence_threshold) {
  auto label_string = [](const CiCategory& c) {
    if (c.taxonomy.empty()) return c.label;
    std::string out = c.taxonomy;
    return out.append("->").append(c.label);
  };
  std::vector<std::pair<std::string, std::string>> pairs;
  std::set<std::string> seen;
  for (const CiCategory& gt : ground_truth) {
    if (!seen.insert(gt.taxonomy).second) continue;
    for (const CiCategory& p : predictions) {
      if (p.taxonomy != gt.taxonomy) continue;
      if (confidence_threshold > 0 && p.confidence && *p.confidence < confidence_threshold) {
        continue;
      }
      pairs.emplace_back(label_string(gt), label_string(p));
      break;
    }
  }
  return pairs;
}

std::optional<double> F1Score(std::span<const std::pair<std::string, std::string>> pairs,
                              CiF1Method method) {
  if (pairs.empty()) return std::nullopt;
  struct Counts {
    double tp = 0, fp = 0, fn = 0, support = 0;
  };
  std::map<std::string, Counts> labels;  // sorted, as sklearn's unique_labels
  for (const auto& [truth, predicted] : pairs) {
    labels[truth].support += 1;
    if (truth == predicted) {
      labels[truth].tp += 1;
    } else {
      labels[truth].fn += 1;
      labels[predicted].fp += 1;
    }
  }
  auto f1 = [](double tp, double fp, double fn) {
    const double denominator = 2 * tp + fp + fn;
    return denominator == 0 ? 0.0 : 2 * tp / denominator;
  };
  double sum = 0, tp = 0, fp = 0, fn = 0, weighted = 0, support = 0;
  for (const auto& [label, c] : labels) {
    const double value = f1(c.tp, c.fp, c.fn);
    sum += value;
    weighted += value * c.support;
    support += c.support;
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
  }
  switch (method) {
    case CiF1Method::kMacro:
      return sum / static_cast<double>(labels.size());
    case CiF1Method::kMicro:
      return f1(tp, fp, fn);
    case CiF1Method::kWeighted:
      return support == 0 ? 0.0 : weighted / support;
  }
  return std::nullopt;
}

}  // namespace nucleus::eval
