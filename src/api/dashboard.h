// The dashboard's read use cases (docs/api/dashboard.md): numbers the API's own routes do not
// answer in one piece, computed by the same code as those routes so the pages and the API agree.
// Scoped to `owner` like every use case (another owner's evaluation is NotFound). Thread-safe.
#pragma once

#include <string>

#include "api/context.h"
#include "api/jobs.h"
#include "core/dashboard.h"
#include "nucleus/result.h"

namespace nucleus::api {

// An evaluation's charts and COCO summary (EvaluationCharts over all its matches) and its
// operating point at `query.min_confidence` (EvaluationCharts with a confidenceRange filter: the
// same counts the charts route answers for that filter). Results are cached per evaluation (its
// match set is fixed once it succeeded): a large run's page is computed once, not per visit.
// FailedPrecondition until the evaluation has succeeded.
Result<core::DashboardEvaluation> DashboardEvaluationSummary(
    Context& ctx, const std::string& owner, const std::string& evaluation_id,
    const core::DashboardEvaluationQuery& query);

// The "evaluationV2" job: RunEvaluationJob, then, once the evaluation has succeeded, the run
// page's first read (DashboardEvaluationSummary with the default query) computed into the cache,
// so that the first visit of a large run's page reads it instead of computing it (docs/design/
// dashboard.md). The evaluation is "succeeded" before the warming starts (a visit meanwhile
// computes its own answer); the job completes after it. A failed warming fails nothing: the job's
// status and message are RunEvaluationJob's.
Status RunEvaluationJobWarmingDashboard(JobRun& job);

// Whether this process's cache holds the summary of `evaluation_id` at `iou_threshold` (with no
// confidence filter): what the first visit of its run page would read.
bool DashboardEvaluationCached(const std::string& evaluation_id, double iou_threshold);

}  // namespace nucleus::api
