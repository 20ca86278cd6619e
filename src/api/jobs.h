// JobService: async work persisted in the store and run by a JobRunner.
//
// Submit() records a Queued job in the store (durable before the client hears of it); workers
// claim jobs oldest first and run the handler registered for the job's type. A handler reports
// progress, per-object errors and its final message through JobRun; returning a non-ok Status
// ends the job Errored_User (kInvalidArgument, kNotFound) or Errored_Server (others). A handler
// that throws (std::bad_alloc included) ends its job Errored_Server with the exception in
// `final_error`; the worker and the process carry on.
// A job left Running by a crash is queued again at start (handlers must tolerate a re-run), up
// to kMaxJobAttempts runs in all; a job still Running after its last attempt ends
// Errored_Server with a `final_error` saying so, so a job that crashes the process cannot crash
// every restart.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/context.h"
#include "jobs/job_runner.h"
#include "nucleus/result.h"
#include "store/jobs.h"

namespace nucleus::api {

class JobRun {
 public:
  JobRun(Context& ctx, store::Job job) : ctx_(ctx), job_(std::move(job)) {}
  const store::Job& job() const { return job_; }
  // The job's request, decoded before the handler runs.
  const core::JobRequest& request() const { return request_; }
  Context& ctx() { return ctx_; }
  // Persists progress (and the message so far) in its own transaction.
  Status Progress(int64_t completed_steps, int64_t total_steps);
  // Persists per-object error strings (job/{id}/errors).
  Status AddErrors(const std::vector<std::string>& errors);
  // The `message` object shown with the status (compact JSON).
  void SetMessage(const core::JobMessage& message);
  // A message already in its stored text (tests).
  void SetMessage(std::string message_json) { job_.message_json = std::move(message_json); }

 private:
  friend class JobService;
  Context& ctx_;
  store::Job job_;
  core::JobRequest request_;
};

using JobHandler = std::function<Status(JobRun&)>;

// Runs of one job at most: the first and two retries after the process died during it.
inline constexpr int64_t kMaxJobAttempts = 3;

using core::JobView;

class JobService {
 public:
  explicit JobService(Context& ctx) : ctx_(ctx) {}
  ~JobService();

  // Registers before Start(); `type` is the job_type string.
  void Register(const std::string& type, JobHandler handler);
  // Requeues jobs interrupted by a previous process, then starts `workers` threads.
  Status Start(int workers);
  void Stop();

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

  // Runs at most one queued job on the calling thread; false when none was waiting.
  bool RunOne();

  // The same reads without a running service (they only need the store).
  static Result<JobView> ReadStatusOf(Context& ctx, const std::string& owner,
                                      const std::string& id);
  static Result<JobView> GetOf(Context& ctx, const std::string& owner, const std::string& id);

 private:
  Context& ctx_;
  std::map<std::string, JobHandler> handlers_;
  std::unique_ptr<jobs::JobRunner> runner_;
};

// The most recent 10,000 per-object errors of a job, oldest first.
Result<std::vector<std::string>> JobErrors(Context& ctx, const std::string& owner,
                                           const std::string& id);
// Jobs matching `filter`, newest first, with their visible status.
Result<std::vector<JobView>> ListJobs(Context& ctx, const store::JobFilter& filter);

}  // namespace nucleus::api
