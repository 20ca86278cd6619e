// The COCO detection protocol, exactly as pycocotools' COCOeval (evaluate + accumulate +
// summarize), for bbox, segm and keypoints.
//
// Pure and deterministic: the same inputs give bit-identical results for any thread count.
// Thread-safe (no shared state); EvaluateCoco may use `threads` worker threads internally.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/coco_dataset.h"

namespace nucleus::eval {

// pycocotools' Params for one iouType.
struct CocoParams {
  IouType iou_type = IouType::kBbox;
  std::vector<double> iou_thresholds;     // np.linspace(.5, .95, 10): index 8 is 0.8999999999999999
  std::vector<double> recall_thresholds;  // np.linspace(0, 1, 101)
  std::vector<int> max_dets;              // ascending; the last one caps detections per cell
  std::vector<std::array<double, 2>> area_ranges;  // inclusive [lo, hi]; the first is "all"
  std::vector<std::string> area_labels;
};

// pycocotools' defaults: bbox/segm use maxDets 1/10/100 and areas all/small/medium/large;
// keypoints use maxDets 20 and areas all/medium/large.
CocoParams DefaultCocoParams(IouType iou_type);

// np.linspace(start, stop, num) as numpy computes it (i * step + start, last = stop).
std::vector<double> NumpyLinspace(double start, double stop, int num);

// The accumulated arrays of COCOeval.eval, -1 where undefined. Stored category-major (each
// category's block is written by one thread, contiguously); use Precision()/Recall() to read them
// with pycocotools' indices.
struct CocoEvalResult {
  int num_iou = 0, num_recall = 0, num_categories = 0, num_areas = 0, num_max_dets = 0;
  // Precision is kept for the maxDets indices m >= first_precision_max_det only: 0, or the last
  // one with CocoPrecision::kLastMaxDet.
  int first_precision_max_det = 0;
  // precision[k][a][m - first_precision_max_det][t][r]: pycocotools' eval['precision'][t, r, k,
  // a, m].
  std::vector<double> precision;
  // recall[k][a][m][t]: pycocotools' eval['recall'][t, k, a, m].
  std::vector<double> recall;

  // m >= first_precision_max_det.
  size_t PrecisionIndex(int t, int r, int k, int a, int m) const {
    const int kept = num_max_dets - first_precision_max_det;
    return (((static_cast<size_t>(k) * num_areas + a) * kept + (m - first_precision_max_det)) *
                num_iou +
            t) *
               num_recall +
           r;
  }
  size_t RecallIndex(int t, int k, int a, int m) const {
    return ((static_cast<size_t>(k) * num_areas + a) * num_max_dets + m) * num_iou + t;
  }
  // -1 (as undefined) for an m whose precision was not kept.
  double Precision(int t, int r, int k, int a, int m) const {
    return m < first_precision_max_det ? -1.0 : precision[PrecisionIndex(t, r, k, a, m)];
  }
  double Recall(int t, int k, int a, int m) const { return recall[RecallIndex(t, k, a, m)]; }
};

// Which precision EvaluateCoco keeps. summarize (SummarizeCoco) and PerCategoryAp read the
// last maxDets' only: kLastMaxDet keeps just that (a third of the array for bbox: 5.2 MB less
// for 80 categories, and no precision curves for maxDets 1 and 10; nucleus eval).
enum class CocoPrecision { kAllMaxDets, kLastMaxDet };

// evaluate() + accumulate(). `gt` and `dt` must refer to the same images and categories
// (dt.image and dt.category index gt.image_ids and gt.category_ids); masks must be present
// for segm and keypoints for keypoints. `threads` < 1 counts as 1.
CocoEvalResult EvaluateCoco(const CocoGroundTruth& gt, const CocoDetections& dt,
                            const CocoParams& params, int threads = 1,
                            CocoPrecision precision = CocoPrecision::kAllMaxDets);

// The same result, consuming `dt`: on one thread its scores, areas, boxes and image arrays are
// reordered in place for the evaluation (by category and image) and its category array is
// released, where the const overload copies them (56 bytes per detection of fresh memory:
// nucleus eval, issue 15). `dt` is left valid but unspecified.
CocoEvalResult EvaluateCoco(const CocoGroundTruth& gt, CocoDetections&& dt,
                            const CocoParams& params, int threads = 1,
                            CocoPrecision precision = CocoPrecision::kAllMaxDets);

// One line of COCOeval.summarize: what it averages and the value.
struct CocoSummaryLine {
  bool is_ap = true;
  double iou_threshold = -1;  // -1: averaged over all thresholds
  std::string area_label;
  int max_dets = 0;
  double value = -1;
};

// The stats of COCOeval.summarize: 12 lines for bbox/segm, 10 for keypoints. Means are numpy's
// (pairwise summation) over the entries > -1; -1 when there are none.
std::vector<CocoSummaryLine> SummarizeCoco(const CocoEvalResult& result, const CocoParams& params);

// A summary line formatted exactly as pycocotools prints it, without the newline, e.g.
// " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.777".
std::string FormatSummaryLine(const CocoSummaryLine& line, const CocoParams& params);

// Per category (index into gt.category_ids): mean of precision[:, :, k, area all, last maxDet]
// over entries > -1, -1 when none (the fixtures' per_category_AP).
std::vector<double> PerCategoryAp(const CocoEvalResult& result);

}  // namespace nucleus::eval
