// Bodies of the job routes (jobs.md): the job object every `?async=1` answer and listing shows,
// the status read, and the listing filter. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/jobs.h"
#include "nucleus/result.h"
#include "wire/json_writer.h"

namespace nucleus::wire {

// jobs.md §1: {"job_id", "job_last_known_status", "job_type", "job_creation_time"}.
void WriteJobObject(JsonWriter& w, const core::Job& job, std::string_view status);
// The same fields, into an object the caller has begun (to add fields of its own).
void WriteJobFields(JsonWriter& w, const core::Job& job, std::string_view status);
std::string EncodeJobObject(const core::Job& job, std::string_view status);
// The answer of a call that submitted `job`: a new job always reads "Running" (jobs.md §3:
// "Queued" would end the client's wait at once).
std::string EncodeJobSubmitted(const core::Job& job);
// GET job/{id}: status, message, progress ("0.50"), steps, type, creation time.
std::string EncodeJobStatus(const core::JobView& view);
// POST jobs: [job object...]
std::string EncodeJobList(const std::vector<core::JobView>& jobs);
// GET job/{id}/errors: [string...]
std::string EncodeJobErrors(const std::vector<std::string>& errors);

// POST jobs: {"dataset_id"?, "job_types"?, "from_date"?, "to_date"?, "limit"?,
// "show_completed"?}; a bare `to_date` (a day) includes the whole day.
Result<core::JobFilter> DecodeJobFilter(std::string_view body, std::string owner);

}  // namespace nucleus::wire
