// Typed request and result of the dashboard's read routes (docs/api/dashboard.md).
#pragma once

#include <cstdint>
#include <vector>

#include "core/evaluations.h"

namespace nucleus::core {

// GET dashboard/evaluation/{ev}: the charts route's IoU threshold, and the confidence the
// dashboard's slider is at.
struct DashboardEvaluationQuery {
  double iou_threshold = 0.5;
  double min_confidence = 0;
};

// Counts and ratios of the evaluation's matches once predictions below `min_confidence` are
// dropped (their ground truth becomes a false negative): the charts route's totalCounts with
// filters {"confidenceRange": {"min": min_confidence}}, and eval::ComputePrecisionRecall's ratios.
struct OperatingPoint {
  double min_confidence = 0;
  int64_t tp = 0, fp = 0, fn = 0;
  double precision = 0, recall = 0, f1 = 0;
};

// GET dashboard/dataset/{ds}/items: a page of items read from a position of the insertion order.
struct DashboardItemsQuery {
  int64_t index = 0;  // 0-based, as iloc counts
  int64_t page_size = 500;
};

struct DashboardEvaluation {
  Charts charts;                       // the charts route's answer for the IoU threshold
  std::vector<CocoStat> coco_summary;  // `nucleus eval`'s 12 lines; empty without boxes
  OperatingPoint at;
};

}  // namespace nucleus::core
