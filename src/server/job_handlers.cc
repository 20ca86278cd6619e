#include "server/job_handlers.h"

namespace nucleus::server {

void RegisterServerJobHandlers(api::JobService& jobs) {
  RegisterAnnotationUploadJob(jobs);
  RegisterItemJobs(jobs);
  RegisterSceneJobs(jobs);
  RegisterPredictionUploadJob(jobs);
  RegisterValidateJobs(jobs);
}

}  // namespace nucleus::server
