#include "api/job_handlers.h"

#include "api/annotations.h"
#include "api/dashboard.h"
#include "api/evaluations.h"
#include "api/model_runs.h"
#include "api/models.h"

namespace nucleus::api {

void RegisterJobHandlers(JobService& jobs) {
  jobs.Register(kAnnotationDeletionJobType, RunAnnotationDeletionJob);
  jobs.Register(kModelRunCommitJobType, RunCommitJob);
  jobs.Register(kEvaluationJobType, RunEvaluationJobWarmingDashboard);
  jobs.Register(kModelDeletionJobType, RunModelDeletionJob);
}

}  // namespace nucleus::api
