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

// What RecoverExpired did.
struct RecoveredJobs {
  int64_t requeued = 0;   // back to Queued
  int64_t abandoned = 0;  // out of attempts: now Errored_Server
};

// Leases. Several server processes may share one store (two on one SQLite file, or any number
// on one PostgreSQL database), so a Running job belongs to the process that claimed it only
// while that process keeps its lease: `lease_owner` (a token unique to the claim, e.g.
// "srv_<id>/7": the process and its claim number) and `lease_expires_at_ms`. The runner renews the
// lease while the job runs; a process that dies stops renewing, the lease lapses, and any process
// takes the job over with RecoverExpired + ClaimNext. A process whose lease lapsed (paused,
// partitioned) must not write for that job any more: every write a run makes (progress, errors, a
// chunk of its work, the final status) checks HoldsLease in the same transaction and is rolled back
// when it fails. Time is the callers' (`now_ms`), compared with `lease_expires_at_ms` as stored:
// servers' clocks must agree to well within a lease.
//
// Concurrency contract for a backend with row locks (PostgreSQL): ClaimNext picks its row with
// `SELECT id FROM jobs WHERE status = 'Queued' ORDER BY created_at_ms, id LIMIT 1
// FOR UPDATE SKIP LOCKED` and updates it in the same statement or transaction, so two claims
// never hand out one job and neither waits for the other; RecoverExpired may use SKIP LOCKED
// too (a row another process is recovering is skipped, not recovered twice); HoldsLease and
// RenewLease lock the job's row (`SELECT ... FOR UPDATE` / `UPDATE ... WHERE lease_owner = ?`)
// so a takeover commits either before the lease check (which then fails) or after the
// transaction that passed it. SQLite serialises writers, which gives the same guarantees.
class JobRepo {
 public:
  virtual ~JobRepo() = default;
  virtual Status Insert(const Job& job) = 0;
  virtual Result<Job> Get(const std::string& owner, const std::string& id) = 0;
  virtual Result<Job> GetAny(const std::string& id) = 0;
  // Writes status, message, steps, updated_at and the checkpoint (position and counters). A job
  // that leaves Running (any other status) also loses its lease.
  virtual Status Update(const Job& job) = 0;
  virtual Status IncrementStatusReads(const std::string& id) = 0;
  // The oldest Queued job, now Running under a lease of `lease_owner` until
  // now_ms + lease_ms, with `attempts` one higher; nullopt when none waits. The returned job
  // carries the checkpoint of an earlier run, if any.
  virtual Result<std::optional<Job>> ClaimNext(const std::string& lease_owner, int64_t now_ms,
                                               int64_t lease_ms) = 0;
  // Running jobs whose lease lapsed (lease_expires_at_ms <= now_ms: their process died or
  // stopped renewing): those claimed fewer than `max_attempts` times go back to Queued, keeping
  // their checkpoint, so ClaimNext hands them out again; the others end Errored_Server with
  // `abandoned_message_json` as their message (a job that keeps taking its process down is not
  // run forever).
  virtual Result<RecoveredJobs> RecoverExpired(int64_t max_attempts,
                                               const std::string& abandoned_message_json,
                                               int64_t now_ms) = 0;
  // Extends the lease of `job_id` to `expires_at_ms` if `lease_owner` still holds it (Running,
  // same owner; an expired lease not yet taken over may be renewed), else kFailedPrecondition.
  virtual Status RenewLease(const std::string& job_id, const std::string& lease_owner,
                            int64_t expires_at_ms) = 0;
  // OK when `lease_owner` holds the lease of `job_id` (the job is Running under that owner),
  // else kFailedPrecondition "lost the lease of job ...": another process took it over, or it
  // ended. Call it in the transaction whose writes depend on it.
  virtual Status HoldsLease(const std::string& job_id, const std::string& lease_owner) = 0;
  virtual Result<std::vector<Job>> List(const JobFilter& filter) = 0;  // newest first
  virtual Status AppendErrors(const std::string& job_id, const std::vector<std::string>& errors) = 0;
  // The most recent `limit` errors, oldest first.
  virtual Result<std::vector<std::string>> Errors(const std::string& job_id, int64_t limit) = 0;
};

}  // namespace nucleus::store
