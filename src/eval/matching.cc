#include "eval/matching.h"

#include <algorithm>
#include <cmath>

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

std::vector<Match> MatchItem(std::span<const double> iou, size_t num_ground_truth,
                             size_t num_predictions,
                             std::span<const std::string> ground_truth_labels,
                             std::span<const std::string> prediction_labels,
                             const LabelPolicy& policy) {
  struct Candidate {
    double iou;
    uint32_t gt;
    uint32_t pred;
  };
  std::vector<Candidate> candidates;
  for (size_t g = 0; g < num_ground_truth; ++g) {
    for (size_t p = 0; p < num_predictions; ++p) {
      const double v = iou[g * num_predictions + p];
      if (!(v > 0)) continue;  // touching shapes, disjoint shapes and NaN never match
      if (!policy.Allows(ground_truth_labels[g], prediction_labels[p])) continue;
      candidates.push_back({v, static_cast<uint32_t>(g), static_cast<uint32_t>(p)});
    }
  }
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

std::vector<Match> MatchItemShapes(std::span<const Shape> ground_truth,
                                   std::span<const std::string> ground_truth_labels,
                                   std::span<const Shape> predictions,
                                   std::span<const std::string> prediction_labels,
                                   const LabelPolicy& policy) {
  std::vector<double> iou(ground_truth.size() * predictions.size(), 0.0);
  for (size_t g = 0; g < ground_truth.size(); ++g) {
    for (size_t p = 0; p < predictions.size(); ++p) {
      // Only pairs the policy allows need their IoU.
      if (!policy.Allows(ground_truth_labels[g], prediction_labels[p])) continue;
      iou[g * predictions.size() + p] = ShapeIou(ground_truth[g], predictions[p]);
    }
  }
  return MatchItem(iou, ground_truth.size(), predictions.size(), ground_truth_labels,
                   prediction_labels, policy);
}

}  // namespace nucleus::eval
