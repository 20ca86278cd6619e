// What every use case needs: the store, the clock, uploaded files and the job queue.
// Owned by the process (apps/nucleus); borrowed by everything else. Thread-safe members.
#pragma once

#include <string>

#include "core/clock.h"
#include "store/blobs.h"
#include "store/store.h"

namespace nucleus::api {

class JobService;

struct Context {
  store::Store& store;
  store::BlobStore& blobs;
  const core::Clock& clock;
  JobService* jobs = nullptr;  // null in tools that run no jobs (e.g. `nucleus keys`)
  std::string signing_key;     // HMAC key for signed upload URLs
};

}  // namespace nucleus::api
