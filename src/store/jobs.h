// Persisted async jobs. A job is created Queued, claimed by a worker (Running), and ends
// Completed, Errored_User or Errored_Server. Clients see Queued as "Running" (api/jobs.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/jobs.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The records live in core/ (core/jobs.h) so that wire/ can encode them.
using Job = core::Job;
using JobFilter = core::JobFilter;

// What RequeueRunning did.
struct RecoveredJobs {
  int64_t requeued = 0;   // back to Queued
  int64_t abandoned = 0;  // out of attempts: now Errored_Server
};

class JobRepo {
 public:
  virtual ~JobRepo() = default;
  virtual Status Insert(const Job& job) = 0;
  virtual Result<Job> Get(const std::string& owner, const std::string& id) = 0;
  virtual Result<Job> GetAny(const std::string& id) = 0;
  // Writes status, message, steps and updated_at.
  virtual Status Update(const Job& job) = 0;
  virtual Status IncrementStatusReads(const std::string& id) = 0;
  // The oldest Queued job, now marked Running with `attempts` one higher; nullopt when none
  // waits.
  virtual Result<std::optional<Job>> ClaimNext(int64_t now_ms) = 0;
  // Jobs left Running by a process that died: those claimed fewer than `max_attempts` times go
  // back to Queued so they run again; the others end Errored_Server with `abandoned_message_json`
  // as their message (a job that keeps taking the process down is not run forever).
  virtual Result<RecoveredJobs> RequeueRunning(int64_t max_attempts,
                                               const std::string& abandoned_message_json,
                                               int64_t now_ms) = 0;
  virtual Result<std::vector<Job>> List(const JobFilter& filter) = 0;  // newest first
  virtual Status AppendErrors(const std::string& job_id, const std::vector<std::string>& errors) = 0;
  // The most recent `limit` errors, oldest first.
  virtual Result<std::vector<std::string>> Errors(const std::string& job_id, int64_t limit) = 0;
};

}  // namespace nucleus::store
