// Persisted async jobs. A job is created Queued, claimed by a worker (Running), and ends
// Completed, Errored_User or Errored_Server. Clients see Queued as "Running" (api/jobs.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::store {

struct Job {
  std::string id;  // "job_..."
  std::string owner;
  std::string dataset_id;  // "" when not tied to a dataset
  std::string type;        // "uploadDatasetItems", "uploadAnnotations", ...
  std::string status;      // "Queued", "Running", "Completed", "Errored_User", "Errored_Server"
  std::string request_json = "{}";  // what the worker needs to run it
  std::string message_json = "{}";  // shown as `message` in job status
  int64_t completed_steps = 0;
  int64_t total_steps = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t status_reads = 0;  // how often a client has read the status (see JobService)
  int64_t attempts = 0;      // how often a worker has claimed it (ClaimNext counts)
};

// What RequeueRunning did.
struct RecoveredJobs {
  int64_t requeued = 0;   // back to Queued
  int64_t abandoned = 0;  // out of attempts: now Errored_Server
};

struct JobFilter {
  std::string owner;
  std::optional<std::string> dataset_id;
  std::vector<std::string> types;  // empty = all
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // inclusive
  bool show_completed = false;
  int64_t limit = 50000;
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
