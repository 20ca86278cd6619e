#include "api/dashboard.h"

#include "api/evaluations.h"

namespace nucleus::api {

Result<core::DashboardEvaluation> DashboardEvaluationSummary(
    Context& ctx, const std::string& owner, const std::string& evaluation_id,
    const core::DashboardEvaluationQuery& query) {
  core::ChartsQuery all;
  all.iou_threshold = query.iou_threshold;
  NUCLEUS_ASSIGN_OR_RETURN(core::Charts charts, EvaluationCharts(ctx, owner, evaluation_id, all));
  core::DashboardEvaluation out;
  out.coco_summary = std::move(charts.coco_summary);
  if (query.min_confidence > 0) {
    core::ChartsQuery above = all;
    above.filters.confidence = core::Range{.min = query.min_confidence};
    NUCLEUS_ASSIGN_OR_RETURN(charts, EvaluationCharts(ctx, owner, evaluation_id, above));
  }
  out.at = {.min_confidence = query.min_confidence, .tp = charts.tp, .fp = charts.fp,
            .fn = charts.fn, .precision = charts.precision, .recall = charts.recall,
            .f1 = charts.f1};
  return out;
}

}  // namespace nucleus::api
