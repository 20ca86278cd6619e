#include "api/job_handlers.h"

namespace nucleus::api {

void RegisterJobHandlers(JobService& jobs) {
  (void)jobs;  // areas register here: jobs.Register("uploadDatasetItems", RunItemUploadJob); ...
}

}  // namespace nucleus::api
