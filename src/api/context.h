// What every use case needs: the store, the clock, uploaded files, the job queue and the caps.
// Owned by the process (apps/nucleus); borrowed by everything else. Thread-safe members.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/jobs.h"
#include "store/blobs.h"
#include "core/limits.h"
#include "store/store.h"

namespace nucleus::api {

class JobService;

struct Context {
  store::Store& store;
  store::BlobStore& blobs;
  const core::Clock& clock;
  JobService* jobs = nullptr;  // null in tools that run no jobs (e.g. `nucleus keys`)
  std::string signing_key;     // HMAC key for signed upload URLs
  core::Limits limits;         // caps on requests and objects (core/limits.h), from serve flags
  // Job requests and messages <-> stored text (wire::JobCodec() in the server); JobService needs
  // it, and so does any use case that submits a job.
  const core::JobCodec* job_codec = nullptr;
};

}  // namespace nucleus::api
