// Registers the handler of every async job type (each area adds its own in job_handlers.cc).
#pragma once

#include "api/jobs.h"

namespace nucleus::api {

void RegisterJobHandlers(JobService& jobs);

}  // namespace nucleus::api
