// Answering a call that submitted an async job (jobs.md). Thread-safe.
#pragma once

#include "nucleus/result.h"
#include "server/http.h"
#include "store/jobs.h"
#include "wire/jobs.h"

namespace nucleus::server {

// jobs.md §1: the job object, written by wire/jobs.h.
using wire::WriteJobObject;

// Answers an `?async=1` call with the job it submitted, or with the error. A new job always
// reads "Running" (jobs.md §3: "Queued" would end the client's wait at once).
void RespondJobSubmitted(Response& res, const Result<store::Job>& job);

}  // namespace nucleus::server
