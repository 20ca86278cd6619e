#include "eval/matching.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nucleus::eval {
namespace {

std::string PairKey(std::string_view gt, std::string_view pred) {
  std::string key(gt);
  key.push_back('\0');
  key.append(pred);
  return key;
}

}  // namespace

double ShapeIou(const Shape& ground_truth, const Shape& prediction) {
  if (ground_truth.index() != prediction.index()) return 0.0;
  return std::visit(
      [&](const auto& gt) -> double {
        using T = std::decay_t<decltype(gt)>;
        const T& pred = std::get<T>(prediction);
        if constexpr (std::is_same_v<T, geometry::Box>) {
          return geometry::BoxIou(pred, gt);
        } else if constexpr (std::is_same_v<T, std::vector<geometry::Point>>) {
          return geometry::PolygonIou(gt, pred);
        } else if constexpr (std::is_same_v<T, geometry::RotatedBox>) {
          return geometry::RotatedBoxIou(gt, pred);
        } else if constexpr (std::is_same_v<T, geometry::Cuboid>) {
          return geometry::CuboidIou(gt, pred);
        } else {
          return std::max(0.0, geometry::RleIou(pred, gt));
        }
      },
      ground_truth);
}

LabelPolicy::LabelPolicy(bool class_agnostic,
                         std::span<const AllowedLabelMatch> allowed_label_matches)
    : class_agnostic_(class_agnostic && allowed_label_matches.empty()),
      has_table_(!allowed_label_matches.empty()) {
  for (const AllowedLabelMatch& m : allowed_label_matches) {
    allowed_.insert(PairKey(m.ground_truth_label, m.model_prediction_label));
  }
}

bool LabelPolicy::Allows(std::string_view ground_truth_label,
                         std::string_view prediction_label) const {
  if (class_agnostic_) return true;
  if (!has_table_) return ground_truth_label == prediction_label;
  return allowed_.count(PairKey(ground_truth_label, prediction_label)) > 0;
}

namespace {

struct Candidate {
  double iou;
  uint32_t gt;
  uint32_t pred;
};

// Takes the candidates highest IoU first (ties: lowest ground truth, then lowest prediction),
// then lists the leftovers: MatchItem's result from its candidate pairs.
std::vector<Match> Greedy(std::vector<Candidate>& candidates, size_t num_ground_truth,
                          size_t num_predictions) {
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.iou != b.iou) return a.iou > b.iou;
    if (a.gt != b.gt) return a.gt < b.gt;
    return a.pred < b.pred;
  });
  std::vector<uint8_t> gt_used(num_ground_truth, 0), pred_used(num_predictions, 0);
  std::vector<Match> out;
  for (const Candidate& c : candidates) {
    if (gt_used[c.gt] || pred_used[c.pred]) continue;
    gt_used[c.gt] = pred_used[c.pred] = 1;
    out.push_back({static_cast<int32_t>(c.gt), static_cast<int32_t>(c.pred), c.iou});
  }
  for (size_t g = 0; g < num_ground_truth; ++g) {
    if (!gt_used[g]) out.push_back({static_cast<int32_t>(g), -1, 0.0});
  }
  for (size_t p = 0; p < num_predictions; ++p) {
    if (!pred_used[p]) out.push_back({-1, static_cast<int32_t>(p), 0.0});
  }
  return out;
}

// The extent (x0, y0)-(x1, y1) widened by a margin far above rounding error (the polygon
// clipper snaps to ~1e-6): a wider extent only adds pairs whose IoU is then computed.
std::optional<Extent> Padded(double x0, double y0, double x1, double y1) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) {
    return std::nullopt;
  }
  const double pad =
      1e-5 + 1e-9 * std::max({std::fabs(x0), std::fabs(y0), std::fabs(x1), std::fabs(y1)});
  return Extent{x0 - pad, y0 - pad, x1 + pad, y1 + pad};
}

}  // namespace

std::optional<Extent> ShapeExtent(const Shape& shape) {
  return std::visit(
      [](const auto& s) -> std::optional<Extent> {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, geometry::Box>) {
          // BoxIou is positive only where both open intervals overlap: the closed rectangle
          // is exact (a negative width or height never overlaps anything).
          const double x1 = s.x + s.width, y1 = s.y + s.height;
          if (!std::isfinite(s.x) || !std::isfinite(s.y) || !std::isfinite(x1) ||
              !std::isfinite(y1)) {
            return std::nullopt;
          }
          return Extent{std::min(s.x, x1), std::min(s.y, y1), std::max(s.x, x1), std::max(s.y, y1)};
        } else if constexpr (std::is_same_v<T, std::vector<geometry::Point>>) {
          if (s.empty()) return std::nullopt;
          double x0 = s[0].x, y0 = s[0].y, x1 = s[0].x, y1 = s[0].y;
          for (const geometry::Point& v : s) {
            if (!std::isfinite(v.x) || !std::isfinite(v.y)) return std::nullopt;
            x0 = std::min(x0, v.x), y0 = std::min(y0, v.y);
            x1 = std::max(x1, v.x), y1 = std::max(y1, v.y);
          }
          return Padded(x0, y0, x1, y1);
        } else if constexpr (std::is_same_v<T, geometry::RotatedBox>) {
          const double r = 0.5 * std::hypot(s.width, s.height);
          return Padded(s.cx - r, s.cy - r, s.cx + r, s.cy + r);
        } else if constexpr (std::is_same_v<T, geometry::Cuboid>) {
          const double r = 0.5 * std::hypot(s.dx, s.dy);  // the footprint, any yaw
          return Padded(s.x - r, s.y - r, s.x + r, s.y + r);
        } else {
          return std::nullopt;  // masks: compared with everything
        }
      },
      shape);
}

std::vector<Match> MatchItem(std::span<const double> iou, size_t num_ground_truth,
                             size_t num_predictions,
                             std::span<const std::string> ground_truth_labels,
                             std::span<const std::string> prediction_labels,
                             const LabelPolicy& policy) {
  std::vector<Candidate> candidates;
  for (size_t g = 0; g < num_ground_truth; ++g) {
    for (size_t p = 0; p < num_predictions; ++p) {
      const double v = iou[g * num_predictions + p];
      if (!(v > 0)) continue;  // touching shapes, disjoint shapes and NaN never match
      if (!policy.Allows(ground_truth_labels[g], prediction_labels[p])) continue;
      candidates.push_back({v, static_cast<uint32_t>(g), static_cast<uint32_t>(p)});
    }
  }
  return Greedy(candidates, num_ground_truth, num_predictions);
}

ItemMatching MatchItemIndexed(std::span<const Shape> ground_truth,
                              std::span<const std::string> ground_truth_labels,
                              std::span<const Shape> predictions,
                              std::span<const std::string> prediction_labels,
                              const LabelPolicy& policy, size_t max_candidate_pairs) {
  ItemMatching result;
  std::vector<Candidate> candidates;
  const size_t max_examined_pairs = max_candidate_pairs > std::numeric_limits<size_t>::max() / 2
                                        ? std::numeric_limits<size_t>::max()
                                        : 2 * max_candidate_pairs;
  // Offers one pair; false once a limit is passed (the sweep then stops).
  auto offer = [&](uint32_t g, uint32_t p) -> bool {
    if (!policy.Allows(ground_truth_labels[g], prediction_labels[p])) return true;
    if (result.examined_pairs >= max_examined_pairs) {
      result.too_many_pairs = true;
      return false;
    }
    ++result.examined_pairs;
    const double v = ShapeIou(ground_truth[g], predictions[p]);
    if (!(v > 0)) return true;  // touching shapes, disjoint shapes and NaN never match
    if (candidates.size() >= max_candidate_pairs) {
      result.too_many_pairs = true;
      result.candidate_pairs = 1;  // the one over the limit (counted below with the rest)
      return false;
    }
    candidates.push_back({v, g, p});
    return true;
  };

  // Sort-and-sweep on x: every shape enters in order of its left edge; it is paired with the
  // shapes of the other side still open (right edge >= its left edge) whose y ranges meet its
  // own. Shapes whose right edge lies left of the current left edge close for good.
  struct Entry {
    Extent e;
    uint32_t index;
    bool gt;
  };
  std::vector<Entry> entries;
  entries.reserve(ground_truth.size() + predictions.size());
  std::vector<uint32_t> unbounded_gt, unbounded_pred;
  std::vector<uint8_t> gt_bounded(ground_truth.size(), 0);
  for (size_t g = 0; g < ground_truth.size(); ++g) {
    if (std::optional<Extent> e = ShapeExtent(ground_truth[g])) {
      entries.push_back({*e, static_cast<uint32_t>(g), true});
      gt_bounded[g] = 1;
    } else {
      unbounded_gt.push_back(static_cast<uint32_t>(g));
    }
  }
  for (size_t p = 0; p < predictions.size(); ++p) {
    if (std::optional<Extent> e = ShapeExtent(predictions[p])) {
      entries.push_back({*e, static_cast<uint32_t>(p), false});
    } else {
      unbounded_pred.push_back(static_cast<uint32_t>(p));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.e.x0 < b.e.x0; });
  std::vector<uint32_t> open_gt, open_pred;  // indices into entries
  bool go = true;
  for (uint32_t i = 0; go && i < entries.size(); ++i) {
    const Entry& cur = entries[i];
    std::vector<uint32_t>& others = cur.gt ? open_pred : open_gt;
    size_t kept = 0;
    for (size_t k = 0; k < others.size(); ++k) {
      const Entry& o = entries[others[k]];
      if (o.e.x1 < cur.e.x0) continue;  // closed: no later shape reaches it
      others[kept++] = others[k];
      if (!go || o.e.y1 < cur.e.y0 || cur.e.y1 < o.e.y0) continue;
      go = cur.gt ? offer(cur.index, o.index) : offer(o.index, cur.index);
    }
    others.resize(kept);
    (cur.gt ? open_gt : open_pred).push_back(i);
  }
  // Shapes without a finite extent meet every shape of the other side.
  for (size_t k = 0; go && k < unbounded_gt.size(); ++k) {
    for (uint32_t p = 0; go && p < predictions.size(); ++p) go = offer(unbounded_gt[k], p);
  }
  for (size_t k = 0; go && k < unbounded_pred.size(); ++k) {
    for (uint32_t g = 0; go && g < ground_truth.size(); ++g) {
      if (gt_bounded[g]) go = offer(g, unbounded_pred[k]);
    }
  }
  result.candidate_pairs += candidates.size();
  if (result.too_many_pairs) return result;
  result.matches = Greedy(candidates, ground_truth.size(), predictions.size());
  return result;
}

std::vector<Match> MatchItemShapes(std::span<const Shape> ground_truth,
                                   std::span<const std::string> ground_truth_labels,
                                   std::span<const Shape> predictions,
                                   std::span<const std::string> prediction_labels,
                                   const LabelPolicy& policy) {
  return MatchItemIndexed(ground_truth, ground_truth_labels, predictions, prediction_labels, policy,
                          std::numeric_limits<size_t>::max())
      .matches;
}

}  // namespace nucleus::eval
