#include "eval/model_ci_batch.h"

#include <algorithm>
#include <numeric>

namespace nucleus::eval {
namespace {

// The ring ShapeIou reads: a box's four corners (BoxShape's order), or the polygon's vertices.
std::span<const geometry::Point> RingOf(const CiShapeRef& s, std::vector<geometry::Point>& buf) {
  if (!s.box) return s.ring;
  buf = {{s.x0, s.y0}, {s.x1, s.y0}, {s.x1, s.y1}, {s.x0, s.y1}};
  return buf;
}

bool Kept(const CiShapeRef& p, double confidence_threshold) {
  return !(confidence_threshold > 0 && p.confidence && *p.confidence < confidence_threshold);
}

}  // namespace

CiShapeRef BoxShapeRef(uint32_t label, double x, double y, double width, double height,
                       std::optional<double> confidence) {
  return {.label = label,
          .box = true,
          .is_box = width > 0 && height > 0,
          .x0 = x,
          .y0 = y,
          .x1 = x + width,
          .y1 = y + height,
          .ring = {},
          .confidence = confidence};
}

CiShapeRef PolygonShapeRef(uint32_t label, std::span<const geometry::Point> ring,
                           std::optional<double> confidence) {
  return {.label = label, .ring = ring, .confidence = confidence};
}

double CiItemEvaluator::Iou(size_t prediction, size_t ground_truth) {
  const size_t at = prediction * gt_.size() + ground_truth;
  if (!iou_known_[at]) {
    const CiShapeRef& a = gt_[ground_truth];  // ShapeIou(ground truth, prediction), as Assign
    const CiShapeRef& b = preds_[prediction];
    iou_[at] = a.is_box && b.is_box ? BoxIou(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0, b.x1, b.y1)
                                    : RingIou(RingOf(a, ring_a_), RingOf(b, ring_b_));
    iou_known_[at] = 1;
  }
  return iou_[at];
}

// model_ci_metrics.cc's Assign over the group: rows are its predictions, columns its ground
// truth, entries below `t` zeroed, then the optimal assignment's pairs with IoU >= t.
std::span<const CiItemEvaluator::Match> CiItemEvaluator::Assign(const Group& group,
                                                                double confidence_threshold,
                                                                double t) {
  for (const Assigned& a : assigned_) {
    if (a.confidence_threshold == confidence_threshold && a.label == group.label &&
        a.iou_threshold == t) {
      return std::span<const Match>(matches_).subspan(a.begin, a.end - a.begin);
    }
  }
  const size_t begin = matches_.size();
  const int rows = static_cast<int>(group.preds.size());
  const int cols = static_cast<int>(group.gt.size());
  if (rows != 0 && cols != 0) {
    weights_.resize(static_cast<size_t>(rows) * cols);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        const double v = Iou(group.preds[i], group.gt[j]);
        weights_[static_cast<size_t>(i) * cols + j] = v < t ? 0.0 : v;
      }
    }
    MaxWeightAssignment(weights_, rows, cols, assignment_, &pairs_);
    for (auto [i, j] : pairs_) {
      const double v = weights_[static_cast<size_t>(i) * cols + j];
      if (v >= t) matches_.push_back({i, j, v});
    }
  }
  assigned_.push_back({confidence_threshold, group.label, t, begin, matches_.size()});
  return std::span<const Match>(matches_).subspan(begin, matches_.size() - begin);
}

// The client's group_boxes_or_polygons_by_label over the ground truth and the kept
// predictions: labels in order of first appearance, ground truth first.
void CiItemEvaluator::GroupByLabel(std::span<const uint32_t> kept) {
  num_groups_ = 0;
  auto group_of = [&](uint32_t label) -> Group& {
    for (size_t g = 0; g < num_groups_; ++g) {
      if (groups_[g].label == label) return groups_[g];
    }
    if (num_groups_ == groups_.size()) groups_.emplace_back();
    Group& group = groups_[num_groups_++];
    group.label = label;
    group.gt.clear();
    group.preds.clear();
    return group;
  };
  for (uint32_t g = 0; g < gt_.size(); ++g) group_of(gt_[g].label).gt.push_back(g);
  for (uint32_t p : kept) group_of(preds_[p].label).preds.push_back(p);
}

CiScalar CiItemEvaluator::EvalGroup(CiDetectionMetric metric, const Group& group,
                                    double confidence_threshold, double t) {
  const double n_gt = static_cast<double>(group.gt.size());
  const double n_p = static_cast<double>(group.preds.size());
  if (group.gt.empty() && group.preds.empty()) return {};
  std::span<const Match> matches = Assign(group, confidence_threshold, t);
  double iou_sum = 0;
  for (const Match& m : matches) iou_sum += m.iou;
  return DetectionGroupScalar(metric, n_gt, n_p, static_cast<double>(matches.size()), iou_sum);
}

double CiItemEvaluator::LabelAveragePrecision(const Group& group, double confidence_threshold,
                                              double t) {
  if (group.gt.empty()) return 0.0;
  const size_t n = group.preds.size();
  tp_.assign(n, 0);
  for (const Match& m : Assign(group, confidence_threshold, t)) tp_[m.prediction] = 1;
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0);
  std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
    const auto& ca = preds_[group.preds[a]].confidence;
    const auto& cb = preds_[group.preds[b]].confidence;
    if (!cb) return ca.has_value();
    return ca && *ca > *cb;
  });
  // AveragePrecision(recall, precision), its sentinels framing the curves in reused buffers.
  mrec_.assign(1, 0.0);
  mpre_.assign(1, 0.0);
  double cum = 0;
  for (size_t k = 0; k < n; ++k) {
    if (tp_[order_[k]]) cum += 1;
    mpre_.push_back(cum / static_cast<double>(k + 1));
    mrec_.push_back(cum / static_cast<double>(group.gt.size()));
  }
  mrec_.push_back(1.0);
  mpre_.push_back(0.0);
  return FramedAveragePrecision(mrec_, mpre_);
}

void CiItemEvaluator::Evaluate(std::span<const CiMetricSpec> specs,
                               std::span<const CiShapeRef> ground_truth,
                               std::span<const CiShapeRef> predictions, std::span<CiScalar> out) {
  gt_ = ground_truth;
  preds_ = predictions;
  iou_.resize(gt_.size() * preds_.size());
  iou_known_.assign(gt_.size() * preds_.size(), 0);
  assigned_.clear();
  matches_.clear();
  for (size_t k = 0; k < specs.size(); ++k) {
    const CiDetectionMetric metric = specs[k].metric;
    const double confidence_threshold = specs[k].params.confidence_threshold;
    const double t = specs[k].params.iou_threshold;
    kept_.clear();
    for (uint32_t p = 0; p < preds_.size(); ++p) {
      if (Kept(preds_[p], confidence_threshold)) kept_.push_back(p);
    }
    if (metric != CiDetectionMetric::kMap && !specs[k].params.enforce_label_match) {
      all_.label = -1;
      all_.gt.resize(gt_.size());
      std::iota(all_.gt.begin(), all_.gt.end(), 0);
      all_.preds = kept_;
      out[k] = EvalGroup(metric, all_, confidence_threshold, t);
      continue;
    }
    GroupByLabel(kept_);
    per_label_.clear();
    for (size_t g = 0; g < num_groups_; ++g) {
      per_label_.push_back(
          metric == CiDetectionMetric::kMap
              ? CiScalar{LabelAveragePrecision(groups_[g], confidence_threshold, t), 1.0}
              : EvalGroup(metric, groups_[g], confidence_threshold, t));
    }
    out[k] = AggregateScalars(per_label_);
  }
}

}  // namespace nucleus::eval
