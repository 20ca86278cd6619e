#include "server/job_handlers.h"

namespace nucleus::server {

void RegisterServerJobHandlers(api::JobService& jobs) {
  // Each area adds one line here, e.g. RegisterPredictionUploadJob(jobs);
  RegisterAnnotationUploadJob(jobs);

  RegisterItemJobs(jobs);
  RegisterSceneJobs(jobs);
}

}  // namespace nucleus::server
