#include "api/job_handlers.h"

#include "api/items.h"

namespace nucleus::api {

void RegisterJobHandlers(JobService& jobs) {
  jobs.Register("uploadDatasetItems", RunItemUploadJob);
  jobs.Register("metadataUpdate", RunMetadataUpdateJob);
}

}  // namespace nucleus::api
