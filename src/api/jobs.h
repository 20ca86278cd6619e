// JobService: async work persisted in the store and run by a JobRunner.
//
// Submit() records a Queued job in the store (durable before the client hears of it); workers
// claim jobs oldest first and run the handler registered for the job's type. A handler reports
// progress, per-object errors and its final message through JobRun; returning a non-ok Status
// ends the job Errored_User (kInvalidArgument, kNotFound) or Errored_Server (others). A handler
// that throws (std::bad_alloc included) ends its job Errored_Server with the exception in
// `final_error`; the worker and the process carry on.
// Several processes may run a JobService over one store: each claims jobs under a lease
// (store/jobs.h, "Leases"; docs/design/jobs.md) that a renewer thread extends every lease/3
// while the handler runs. A job whose process died is taken over by any process once its lease
// lapses (handlers resume from the job's checkpoint, or tolerate a re-run), up to
// kMaxJobAttempts runs in all; a job still Running after its last attempt ends Errored_Server
// with a `final_error` saying so, so a job that crashes its process cannot crash every server.
// Every write of a run checks, in its transaction, that the run still holds the lease: a
// process that lost it (paused past the lease) writes nothing more for the job.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/context.h"
#include "jobs/job_runner.h"
#include "nucleus/result.h"
#include "store/jobs.h"

namespace nucleus::api {

// Where a chunk of an upload leaves the job: committed with the chunk (JobRun::CommitChunk).
struct JobChunk {
  int64_t position = 0;           // payload lines consumed so far (a takeover resumes there)
  std::vector<int64_t> counters;  // the handler's tallies so far, in its own order
  int64_t completed_steps = 0;
  int64_t total_steps = 0;
};

class JobRun {
 public:
  // `lease_owner`: the token of the claim (JobService::lease_owner() + "/" + a claim number);
  // `lease_ms`: how far each progress write extends the lease.
  JobRun(Context& ctx, store::Job job, std::string lease_owner, int64_t lease_ms)
      : ctx_(ctx),
        job_(std::move(job)),
        lease_owner_(std::move(lease_owner)),
        lease_ms_(lease_ms) {}
  const store::Job& job() const { return job_; }
  // The job's request, decoded before the handler runs.
  const core::JobRequest& request() const { return request_; }
  Context& ctx() { return ctx_; }
  // Where an earlier run of this job stopped ({0, {}} on a first run): job().checkpoint_*.
  int64_t resume_position() const { return job_.checkpoint_position; }
  const std::vector<int64_t>& resume_counters() const { return job_.checkpoint_counters; }
  // Persists progress (and the message so far) in its own transaction, and extends the lease
  // (a job that progresses keeps its lease even while the renewer waits for the store).
  // kFailedPrecondition when this run lost the job's lease (nothing is written), as for every
  // write below.
  Status Progress(int64_t completed_steps, int64_t total_steps);
  // Persists per-object error strings (job/{id}/errors).
  Status AddErrors(const std::vector<std::string>& errors);
  // Inside the caller's transaction `tx` that wrote a chunk of the job's work: checks and extends
  // the lease, appends `errors`, and records `chunk` and the message set so far, so that the
  // chunk, its errors and the checkpoint a takeover resumes from commit together or not at all.
  Status CommitChunk(store::Tx& tx, const std::vector<std::string>& errors, const JobChunk& chunk);
  // As AddErrors, inside the caller's transaction (with the lease check).
  Status AppendErrorsIn(store::Tx& tx, const std::vector<std::string>& errors);
  // The lease check alone, for a write of the job's work in the caller's transaction `tx`.
  Status CheckLease(store::Tx& tx);
  // The `message` object shown with the status (compact JSON).
  void SetMessage(const core::JobMessage& message);
  // A message already in its stored text (tests).
  void SetMessage(std::string message_json) { job_.message_json = std::move(message_json); }
  // True once the renewer found the lease taken over: the handler may stop early (its writes
  // fail anyway).
  bool lease_lost() const { return lease_lost_.load(); }

 private:
  friend class JobService;
  Context& ctx_;
  store::Job job_;
  core::JobRequest request_;
  // Checks the lease and extends it to now + lease_ms_.
  Status ExtendLease(store::Tx& tx);

  std::string lease_owner_;
  int64_t lease_ms_;
  std::atomic<bool> lease_lost_{false};
};

using JobHandler = std::function<Status(JobRun&)>;

// Runs of one job at most: the first and two retries after the process died during it.
inline constexpr int64_t kMaxJobAttempts = 3;
// How long a claim lasts without renewal (`nucleus serve --job-lease-seconds`).
inline constexpr int64_t kDefaultJobLeaseMs = 30000;

using core::JobView;

class JobService {
 public:
  // `lease_ms`: how long a claim lasts unless renewed (> 0); renewed every lease_ms / 3.
  explicit JobService(Context& ctx, int64_t lease_ms = kDefaultJobLeaseMs);
  ~JobService();

  // Registers before Start(); `type` is the job_type string.
  void Register(const std::string& type, JobHandler handler);
  // Starts `workers` threads and the lease renewer. Jobs interrupted by a process that died are
  // taken over by the claims once their lease lapses.
  Status Start(int workers);
  // Waits for the running jobs to finish, then stops the workers and the renewer.
  void Stop();
  // This service's id ("srv_<id>"). Each claim holds its lease under a token of its own, this id
  // + "/" + a claim number, so even a run of this process whose lease lapsed and that this
  // process claimed again is fenced off from the new run.
  const std::string& lease_owner() const { return lease_owner_; }

  // Submits a job of `type` with a typed request (encoded by ctx.job_codec). `also`, when given,
  // runs in the same write transaction: the job is recorded if and only if `also` succeeds (its
  // error is returned and nothing is written).
  Result<store::Job> Submit(const std::string& owner, const std::string& dataset_id,
                            const std::string& type, const core::JobRequest& request,
                            const std::function<Status(store::Tx&)>& also = nullptr);
  // As Submit, with the request already in its stored text: tests use it to replay the rows of
  // earlier versions.
  Result<store::Job> SubmitEncoded(const std::string& owner, const std::string& dataset_id,
                                   const std::string& type, std::string request_text,
                                   const std::function<Status(store::Tx&)>& also = nullptr);

  // Recovers jobs whose lease lapsed, then runs at most one queued job on the calling thread
  // (renewing its lease only when Start() ran); false when none was waiting.
  bool RunOne();

  // The same reads without a running service (they only need the store).
  static Result<JobView> ReadStatusOf(Context& ctx, const std::string& owner,
                                      const std::string& id);
  static Result<JobView> GetOf(Context& ctx, const std::string& owner, const std::string& id);

 private:
  Result<std::optional<store::Job>> Claim();
  void Finish(JobRun& run, const Status& result);
  void RenewLoop();
  void Hold(JobRun* run);
  void Release(JobRun* run);

  Context& ctx_;
  const int64_t lease_ms_;
  const std::string lease_owner_;
  std::map<std::string, JobHandler> handlers_;
  std::unique_ptr<jobs::JobRunner> runner_;

  // The renewer's state, protected by lease_mu_: the runs of this process that hold a lease, by
  // claim token. The renewer copies the tokens and job ids, renews without the lock, and marks a
  // run whose lease was taken over (if it is still held) under the lock; a run leaves `held_`
  // before it is destroyed.
  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  std::map<std::string, JobRun*> held_;
  std::atomic<int64_t> claims_{0};
  bool renewer_stopping_ = false;
  std::thread renewer_;
};

// The most recent 10,000 per-object errors of a job, oldest first.
Result<std::vector<std::string>> JobErrors(Context& ctx, const std::string& owner,
                                           const std::string& id);
// Jobs matching `filter`, newest first, with their visible status.
Result<std::vector<JobView>> ListJobs(Context& ctx, const store::JobFilter& filter);

}  // namespace nucleus::api
