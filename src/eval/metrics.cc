#include "eval/metrics.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "eval/coco_eval.h"

namespace nucleus::eval {
namespace {

bool IsTruePositive(const MatchRecord& r, double threshold, bool class_agnostic) {
  return r.has_ground_truth && r.has_prediction && r.iou >= threshold &&
         (class_agnostic || r.ground_truth_label == r.prediction_label);
}

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

PrecisionRecall ComputePrecisionRecall(std::span<const MatchRecord> records, double iou_threshold,
                                       bool class_agnostic) {
  PrecisionRecall out;
  int64_t predictions = 0, ground_truth = 0;
  for (const MatchRecord& r : records) {
    predictions += r.has_prediction;
    ground_truth += r.has_ground_truth;
    out.true_positives += IsTruePositive(r, iou_threshold, class_agnostic);
  }
  out.false_positives = predictions - out.true_positives;
  out.false_negatives = ground_truth - out.true_positives;
  out.precision = Ratio(out.true_positives, predictions);
  out.recall = Ratio(out.true_positives, ground_truth);
  const double sum = out.precision + out.recall;
  out.f1 = sum > 0 ? 2 * out.precision * out.recall / sum : 0.0;
  return out;
}

std::vector<PrPoint> PrecisionRecallCurve(std::span<const MatchRecord> records,
                                          const std::string& label, double iou_threshold) {
  std::vector<uint32_t> order;
  int64_t positives = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const MatchRecord& r = records[i];
    if (r.has_ground_truth && r.ground_truth_label == label) ++positives;
    if (r.has_prediction && r.prediction_label == label) order.push_back(static_cast<uint32_t>(i));
  }
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return records[a].confidence > records[b].confidence;
  });
  std::vector<PrPoint> curve;
  int64_t tp = 0, seen = 0;
  for (uint32_t i : order) {
    ++seen;
    tp += IsTruePositive(records[i], iou_threshold, false);
    curve.push_back({records[i].confidence, Ratio(tp, seen), Ratio(tp, positives)});
  }
  return curve;
}

double AveragePrecision(std::span<const MatchRecord> records, const std::string& label,
                        double iou_threshold) {
  bool has_positive = false;
  for (const MatchRecord& r : records) {
    has_positive = has_positive || (r.has_ground_truth && r.ground_truth_label == label);
  }
  if (!has_positive) return -1;
  std::vector<PrPoint> curve = PrecisionRecallCurve(records, label, iou_threshold);
  // Precision made monotone from the right, sampled at recall 0, 0.01, ..., 1 (first point
  // whose recall reaches the sample), as COCOeval.accumulate does.
  for (size_t i = curve.size(); i-- > 1;) {
    curve[i - 1].precision = std::max(curve[i - 1].precision, curve[i].precision);
  }
  const std::vector<double> samples = NumpyLinspace(0.0, 1.0, 101);
  double sum = 0;
  size_t j = 0;
  for (double s : samples) {
    while (j < curve.size() && curve[j].recall < s) ++j;
    sum += j < curve.size() ? curve[j].precision : 0.0;
  }
  return sum / static_cast<double>(samples.size());
}

MeanAp ComputeMeanAp(std::span<const MatchRecord> records) {
  std::set<std::string> labels, with_gt;
  for (const MatchRecord& r : records) {
    if (r.has_ground_truth)
      labels.insert(r.ground_truth_label), with_gt.insert(r.ground_truth_label);
    if (r.has_prediction) labels.insert(r.prediction_label);
  }
  MeanAp out;
  const std::vector<double> thresholds = NumpyLinspace(.5, .95, 10);
  double sum50 = 0, sum75 = 0, sum_all = 0;
  for (const std::string& label : labels) {
    const double ap50 = AveragePrecision(records, label, thresholds[0]);
    out.ap50_by_label[label] = ap50;
    if (!with_gt.count(label)) continue;
    sum50 += ap50;
    sum75 += AveragePrecision(records, label, thresholds[5]);
    double per_label = 0;
    for (double t : thresholds) per_label += AveragePrecision(records, label, t);
    sum_all += per_label / static_cast<double>(thresholds.size());
  }
  if (!with_gt.empty()) {
    const double n = static_cast<double>(with_gt.size());
    out.map50 = sum50 / n;
    out.map75 = sum75 / n;
    out.map50_95 = sum_all / n;
  }
  return out;
}

ConfusionMatrix ComputeConfusionMatrix(std::span<const MatchRecord> records, double iou_threshold) {
  std::set<std::string> labels;
  for (const MatchRecord& r : records) {
    if (r.has_ground_truth) labels.insert(r.ground_truth_label);
    if (r.has_prediction) labels.insert(r.prediction_label);
  }
  ConfusionMatrix out;
  out.labels.assign(labels.begin(), labels.end());
  const size_t n = out.labels.size();
  out.counts.assign(n + 1, std::vector<int64_t>(n + 1, 0));
  auto index = [&](const std::string& label) {
    return static_cast<size_t>(std::lower_bound(out.labels.begin(), out.labels.end(), label) -
                               out.labels.begin());
  };
  for (const MatchRecord& r : records) {
    if (r.has_ground_truth && r.has_prediction && r.iou >= iou_threshold) {
      ++out.counts[index(r.ground_truth_label)][index(r.prediction_label)];
      continue;
    }
    if (r.has_ground_truth) ++out.counts[index(r.ground_truth_label)][n];
    if (r.has_prediction) ++out.counts[n][index(r.prediction_label)];
  }
  return out;
}

TideErrors ComputeTideErrors(std::span<const MatchRecord> records, double fg, double bg) {
  TideErrors out;
  for (const MatchRecord& r : records) {
    if (!r.has_prediction) {
      ++out.missed;
      continue;
    }
    if (!r.has_ground_truth || r.iou < bg) {
      ++out.background;
      if (r.has_ground_truth) ++out.missed;
      continue;
    }
    const bool same = r.ground_truth_label == r.prediction_label;
    if (r.iou >= fg) {
      same ? ++out.true_positives : ++out.classification;
    } else {
      same ? ++out.localization : ++out.both;
    }
  }
  return out;
}

}  // namespace nucleus::eval
