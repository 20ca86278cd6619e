#include "eval/segmentation_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include "eval/linear_assignment.h"
#include "geometry/pairwise_sum.h"

namespace nucleus::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The label of the extra class non_max_suppress_confusion adds (segmentation_utils.py).
constexpr std::string_view kFalsePositives = "__non_max_false_positive";

double Ratio(int64_t num, int64_t den) {  // numpy's int64 / int64: 0/0 is NaN
  return static_cast<double>(num) / static_cast<double>(den);
}

// np.nanmean: the mean of the values that are not NaN; NaN when there are none.
double NanMean(std::span<const double> values) {
  double sum = 0;
  int count = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++count;
  }
  return count == 0 ? kNaN : sum / count;
}
double NanToNum(double v) { return std::isnan(v) ? 0.0 : v; }

// numpy's sum of a reduce: the first value, plus the pairwise sum of the rest.
double NumpySum(std::span<const double> a) {
  if (a.empty()) return 0;
  return a[0] + geometry::PairwiseSumBlock(a.subspan(1));
}

// Labels in order of first appearance (the client's list(dict.fromkeys(...))).
std::vector<std::string> UniqueLabels(const std::vector<SegSegment>& segments) {
  std::vector<std::string> out;
  for (const SegSegment& s : segments) {
    if (std::find(out.begin(), out.end(), s.label) == out.end()) out.push_back(s.label);
  }
  return out;
}

// A label -> indexes map in order of first appearance (the client's defaultdict(set)).
using LabelIndexes = std::vector<std::pair<std::string, std::set<int64_t>>>;
LabelIndexes IndexesByLabel(const std::vector<SegSegment>& segments) {
  LabelIndexes out;
  for (const SegSegment& s : segments) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == s.label; });
    if (it == out.end()) {
      out.push_back({s.label, {}});
      it = out.end() - 1;
    }
    it->second.insert(s.index);
  }
  return out;
}
const std::set<int64_t>& IndexesOf(const LabelIndexes& map, const std::string& label) {
  static const std::set<int64_t> kNone;
  for (const auto& [l, indexes] : map) {
    if (l == label) return indexes;
  }
  return kNone;
}

// The class confusion and the classes left out of the means.
struct ItemConfusion {
  SegConfusion confusion;
  std::set<int64_t> non_taxonomy;
};

// convert_to_instance_seg_confusion: regroups the suppressed confusion by label when labels
// repeat (instance segmentation).
ItemConfusion InstanceConfusion(const SegConfusion& c, const std::vector<SegSegment>& gt,
                                const std::vector<SegSegment>& pred) {
  std::map<int64_t, std::string> pred_label;
  for (const SegSegment& s : pred) pred_label[s.index] = s.label;
  const LabelIndexes gt_map = IndexesByLabel(gt), pr_map = IndexesByLabel(pred);
  std::vector<std::string> labels;
  auto add = [&](const std::string& l) {
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  };
  for (size_t k = 0; k + 1 < pr_map.size(); ++k) add(pr_map[k].first);
  for (size_t k = 0; k + 1 < gt_map.size(); ++k) add(gt_map[k].first);
  labels.push_back(pr_map.back().first);
  const int n = static_cast<int>(labels.size());
  ItemConfusion out{.confusion = {.n = n, .cells = std::vector<int64_t>(size_t(n) * n, 0)},
                    .non_taxonomy = {n - 1}};
  auto row_sum = [&](int64_t row, const std::set<int64_t>& cols) {
    int64_t sum = 0;
    for (int64_t col : cols) sum += c.at(static_cast<int>(row), static_cast<int>(col));
    return sum;
  };
  for (int g = 0; g < n; ++g) {
    const std::string& from = labels[g];
    const std::set<int64_t>* from_indexes = &IndexesOf(gt_map, from);
    int64_t tp = 0, fp = 0;
    if (from_indexes->empty()) {
      out.non_taxonomy.insert(g);
      from_indexes = &IndexesOf(pr_map, from);
    }
    for (int64_t row : *from_indexes) {
      const int r = static_cast<int>(row);
      int max_col = 0;
      for (int j = 1; j < c.n; ++j) {
        if (c.at(r, j) > c.at(r, max_col)) max_col = j;
      }
      if (c.at(r, max_col) == 0) continue;
      for (int p = 0; p < n; ++p) {
        const std::set<int64_t>& to_indexes = IndexesOf(pr_map, labels[p]);
        if (labels[p] != from) {
          out.confusion.at(g, p) += row_sum(row, to_indexes);
          continue;
        }
        std::set<int64_t> fp_indexes = to_indexes;
        auto it = pred_label.find(max_col);
        if (it != pred_label.end() && it->second == from) {
          tp += c.at(r, max_col);
          fp_indexes.erase(max_col);
        }
        fp += row_sum(row, fp_indexes) + c.at(r, c.n - 1);
      }
    }
    out.confusion.at(g, g) = tp;
    out.confusion.at(g, n - 1) = fp;
  }
  return out;
}

int ClassCount(const std::vector<SegSegment>& gt, const std::vector<SegSegment>& pred) {
  int64_t max_index = 0;
  for (const SegSegment& s : gt) max_index = std::max(max_index, s.index);
  for (const SegSegment& s : pred) max_index = std::max(max_index, s.index);
  return static_cast<int>(max_index) + 1;
}

// FastConfusionMatrix at `n` from `counts`, the pixel counts at a larger n: its leading n × n
// block (a pixel counts at n exactly when both its indexes are below n).
SegConfusion Leading(const SegConfusion& counts, int n) {
  SegConfusion out{.n = n, .cells = std::vector<int64_t>(size_t(n) * n, 0)};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) out.at(i, j) = counts.at(i, j);
  }
  return out;
}

// _filter_confusion_matrix: zeros except the rows of `gt`'s indexes (`rows`) and the columns of
// `pred`'s (`cols`); unchanged when neither.
SegConfusion FilterConfusion(SegConfusion c, const std::vector<SegSegment>& gt,
                             const std::vector<SegSegment>& pred, bool rows, bool cols) {
  if (!rows && !cols) return c;
  SegConfusion out{.n = c.n, .cells = std::vector<int64_t>(c.cells.size(), 0)};
  if (rows) {
    for (const SegSegment& s : gt) {
      if (s.index < 0 || s.index >= c.n) continue;
      for (int j = 0; j < c.n; ++j) out.at(int(s.index), j) = c.at(int(s.index), j);
    }
  }
  if (cols) {
    for (const SegSegment& s : pred) {
      if (s.index < 0 || s.index >= c.n) continue;
      for (int i = 0; i < c.n; ++i) out.at(i, int(s.index)) = c.at(i, int(s.index));
    }
  }
  return out;
}

// SegmentationMaskMetric._calculate_confusion_matrix, from `counts`, the item's pixel counts at
// an n at least the lists' class count (counted once per item: seg_map's thresholds share it).
// Appends the false-positive segment to both lists as the client does (which a later call on
// the same lists sees: seg_map).
ItemConfusion CalculateConfusion(const SegConfusion& counts, std::vector<SegSegment>& gt,
                                 std::vector<SegSegment>& pred, double iou_threshold,
                                 const SegParams& params) {
  SegConfusion c =
      NonMaxSuppressConfusion(FilterConfusion(Leading(counts, ClassCount(gt, pred)), gt, pred,
                                              params.filtered_gt, params.filtered_pred),
                              iou_threshold);
  if (gt.back().label != kFalsePositives) {
    const SegSegment fp{c.n - 1, std::string(kFalsePositives)};
    gt.push_back(fp);
    pred.push_back(fp);
  }
  const std::vector<std::string> gt_labels = UniqueLabels(gt), pred_labels = UniqueLabels(pred);
  if (gt_labels.size() != gt.size() || pred_labels.size() != pred.size()) {
    return InstanceConfusion(c, gt, pred);
  }
  ItemConfusion out{.confusion = std::move(c), .non_taxonomy = {}};
  for (const SegSegment& s : gt) {
    if (std::find(pred_labels.begin(), pred_labels.end(), s.label) == pred_labels.end()) {
      out.non_taxonomy.insert(s.index);
    }
  }
  return out;
}

void PutNaN(std::vector<double>& values, const std::set<int64_t>& at, int64_t except = -1) {
  for (int64_t i : at) {
    if (i != except && i >= 0 && i < static_cast<int64_t>(values.size())) values[i] = kNaN;
  }
}

// SegmentationIOU._metric_impl (its value may be NaN).
CiScalar IouOf(const ItemConfusion& ic, int64_t image_size) {
  const SegConfusion& c = ic.confusion;
  const int k = c.n - 1;
  int64_t fp_total = 0;
  for (int i = 0; i < c.n; ++i) fp_total += c.at(i, k);
  std::vector<double> iou(k);
  for (int i = 0; i < k; ++i) {
    int64_t row = 0, col = 0;
    for (int j = 0; j < k; ++j) row += c.at(i, j), col += c.at(j, i);
    iou[i] = Ratio(c.at(i, i), row + col + fp_total - c.at(i, i));
  }
  PutNaN(iou, ic.non_taxonomy, k);
  return {NanMean(iou), static_cast<double>(image_size)};
}

// SegmentationPrecision._metric_impl.
CiScalar PrecisionOf(const ItemConfusion& ic) {
  const SegConfusion& c = ic.confusion;
  const int k = c.n - 1;
  std::vector<double> precision(k);
  for (int i = 0; i < k; ++i) {
    int64_t col = 0;
    for (int j = 0; j < k; ++j) col += c.at(j, i);
    precision[i] = Ratio(c.at(i, i), c.at(i, k) + col);
  }
  PutNaN(precision, ic.non_taxonomy, k);
  return {NanToNum(NanMean(precision)), static_cast<double>(c.Total())};
}

// SegmentationRecall._metric_impl.
CiScalar RecallOf(const ItemConfusion& ic, int64_t image_size) {
  const SegConfusion& c = ic.confusion;
  std::vector<double> recall(c.n);
  for (int i = 0; i < c.n; ++i) recall[i] = Ratio(c.at(i, i), c.RowSum(i));
  PutNaN(recall, ic.non_taxonomy);
  return {NanToNum(NanMean(recall)), static_cast<double>(image_size)};
}

// SegmentationFWAVACC._metric_impl.
CiScalar FwavaccOf(const ItemConfusion& ic) {
  const SegConfusion& c = ic.confusion;
  std::vector<double> iu(c.n), counts(c.n);
  for (int i = 0; i < c.n; ++i) {
    iu[i] = Ratio(c.at(i, i), c.RowSum(i) + c.ColSum(i) - c.at(i, i));
    counts[i] = static_cast<double>(c.ColSum(i));
  }
  PutNaN(counts, ic.non_taxonomy);
  PutNaN(iu, ic.non_taxonomy);
  double total = 0;
  for (double v : counts) total += std::isnan(v) ? 0 : v;
  double sum = 0;
  for (int i = 0; i < c.n; ++i) {
    const double freq = counts[i] / total;
    if (freq > 0) sum += NanToNum(freq) * NanToNum(iu[i]);
  }
  return {NanToNum(sum), static_cast<double>(c.Total())};
}

// SegmentationMAP._metric_impl: SegmentationPrecision at each threshold, each called through
// Metric.__call__, whose filter_annotation_list / filter_prediction_list deep-copy the lists:
// no threshold sees the false-positive segment another appended.
CiScalar MapOf(const SegParams& params, const SegConfusion& counts, std::vector<SegSegment> gt,
               std::vector<SegSegment> pred) {
  std::vector<double> thresholds = params.iou_thresholds;
  if (thresholds.empty()) {
    const double step = (0.5 + 0.05) - 0.5;  // np.arange(0.5, 1.0, 0.05) fills start + i·step
    for (int i = 0; i < 10; ++i) thresholds.push_back(0.5 + i * step);
  }
  std::vector<double> ap;
  double weight = 0;
  for (double t : thresholds) {
    std::vector<SegSegment> g = gt, p_segments = pred;  // each threshold: fresh copies
    CiScalar p = PrecisionOf(CalculateConfusion(counts, g, p_segments, t, params));
    ap.push_back(p.value);
    weight += p.weight;
  }
  ap.push_back(ap.back());
  std::vector<double> weighted;
  double previous = 0;
  for (size_t i = 0; i < ap.size(); ++i) {
    const double next = i < thresholds.size() ? thresholds[i] : 1.0;
    weighted.push_back(ap[i] * (next - previous));
    previous = next;
  }
  return {NumpySum(weighted), weight};
}

Status CheckSegments(const std::vector<SegSegment>& segments) {
  for (const SegSegment& s : segments) {
    if (s.index < 0 || s.index > kMaxSegmentIndex) {
      return InvalidArgument("segment index " + std::to_string(s.index) + " (label \"" + s.label +
                             "\") is outside 0.." + std::to_string(kMaxSegmentIndex));
    }
  }
  return Status::Ok();
}

}  // namespace

int64_t SegConfusion::RowSum(int i) const {
  int64_t sum = 0;
  for (int j = 0; j < n; ++j) sum += at(i, j);
  return sum;
}
int64_t SegConfusion::ColSum(int j) const {
  int64_t sum = 0;
  for (int i = 0; i < n; ++i) sum += at(i, j);
  return sum;
}
int64_t SegConfusion::Total() const {
  int64_t sum = 0;
  for (int64_t v : cells) sum += v;
  return sum;
}

SegConfusion FastConfusionMatrix(const IndexImage& gt, const IndexImage& pred, int n_class) {
  SegConfusion out{.n = n_class, .cells = std::vector<int64_t>(size_t(n_class) * n_class, 0)};
  const size_t size = std::min(gt.pixels.size(), pred.pixels.size());
  const uint16_t* g = gt.pixels.data();
  const uint16_t* p = pred.pixels.data();
  // Masks are runs of equal pixels: count a run in a register and add it to its cell once (one
  // increment of the same cell per pixel would wait on the previous one).
  const size_t kNone = SIZE_MAX;
  size_t cell = kNone;
  int64_t run = 0;
  for (size_t k = 0; k < size; ++k) {
    const size_t c = g[k] < n_class && p[k] < n_class ? size_t{g[k]} * n_class + p[k] : kNone;
    if (c == cell) {
      ++run;
      continue;
    }
    if (cell != kNone) out.cells[cell] += run;
    cell = c;
    run = 1;
  }
  if (cell != kNone) out.cells[cell] += run;
  return out;
}

SegConfusion NonMaxSuppressConfusion(const SegConfusion& confusion, double iou_threshold) {
  const int n = confusion.n;
  std::vector<int64_t> rows(n, 0), cols(n, 0);
  for (int i = 0; i < n; ++i) rows[i] = confusion.RowSum(i), cols[i] = confusion.ColSum(i);
  std::vector<double> cost(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const int64_t inter = confusion.at(i, j);
      const int64_t uni = rows[i] + cols[j] - inter;
      cost[size_t(i) * n + j] = -(uni > 0 ? Ratio(inter, uni) : 0.0);
    }
  }
  std::vector<bool> assigned_to_itself(n, false);
  for (auto [i, j] : LinearSumAssignment(cost, n, n)) {
    if (i == j) assigned_to_itself[i] = true;
  }
  SegConfusion out{.n = n + 1, .cells = std::vector<int64_t>(size_t(n + 1) * (n + 1), 0)};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j) out.at(i, j) = confusion.at(i, j);
    }
    // A class kept on the diagonal needs its IoU at the threshold and the assignment's pair;
    // otherwise its pixels are false positives.
    const bool keep = -cost[size_t(i) * n + i] >= iou_threshold && assigned_to_itself[i];
    (keep ? out.at(i, i) : out.at(i, n)) = confusion.at(i, i);
  }
  return out;
}

Result<SegPixelCounts> SegmentationPixelCounts(const SegMask& gt, const SegMask& pred) {
  const IndexImage& gi = *gt.image;
  const IndexImage& pi = *pred.image;
  if (gi.width != pi.width || gi.height != pi.height) {
    return InvalidArgument("the ground-truth mask is " + std::to_string(gi.width) + " x " +
                           std::to_string(gi.height) + " pixels, the predicted one " +
                           std::to_string(pi.width) + " x " + std::to_string(pi.height));
  }
  NUCLEUS_RETURN_IF_ERROR(CheckSegments(gt.segments));
  NUCLEUS_RETURN_IF_ERROR(CheckSegments(pred.segments));
  // One class more than the lists name (room for the false-positive segment's index).
  return SegPixelCounts{
      .counts = FastConfusionMatrix(gi, pi, ClassCount(gt.segments, pred.segments) + 1),
      .gt_pixels = gi.size()};
}

CiScalar SegmentationResultFromCounts(SegMetric metric, const SegParams& params,
                                      const SegPixelCounts& counts,
                                      const std::vector<SegSegment>& gt_segments,
                                      const std::vector<SegSegment>& pred_segments) {
  std::vector<SegSegment> gs = gt_segments, ps = pred_segments;
  const SegConfusion& c = counts.counts;
  const double t = params.iou_threshold;
  switch (metric) {
    case SegMetric::kIou: {
      CiScalar r = IouOf(CalculateConfusion(c, gs, ps, t, params), counts.gt_pixels);
      if (std::isnan(r.value)) return CiScalar{};  // D17
      return r;
    }
    case SegMetric::kPrecision:
      return PrecisionOf(CalculateConfusion(c, gs, ps, t, params));
    case SegMetric::kRecall:
      return RecallOf(CalculateConfusion(c, gs, ps, t, params), counts.gt_pixels);
    case SegMetric::kFwavacc:
      return FwavaccOf(CalculateConfusion(c, gs, ps, t, params));
    case SegMetric::kMap:
      return MapOf(params, c, std::move(gs), std::move(ps));
  }
  return CiScalar{};
}

Result<CiScalar> SegmentationItemResult(SegMetric metric, const SegParams& params,
                                        const SegMask* gt, const SegMask* pred) {
  if (gt == nullptr || pred == nullptr || gt->image == nullptr || pred->image == nullptr ||
      gt->segments.empty() || pred->segments.empty()) {
    return CiScalar{};
  }
  NUCLEUS_ASSIGN_OR_RETURN(SegPixelCounts counts, SegmentationPixelCounts(*gt, *pred));
  return SegmentationResultFromCounts(metric, params, counts, gt->segments, pred->segments);
}

}  // namespace nucleus::eval
