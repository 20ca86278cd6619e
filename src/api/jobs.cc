#include "api/jobs.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <new>

#include "core/ids.h"
#include "core/log.h"

namespace nucleus::api {
namespace {

bool IsTerminal(const std::string& status) {
  return status == "Completed" || status.rfind("Errored", 0) == 0 || status == "Cancelled";
}

// {"final_error": text}, the message of a job that failed.
std::string FinalError(const Context& ctx, const std::string& text) {
  core::JobMessage message;
  message.String("final_error", text);
  return ctx.job_codec->EncodeMessage(message);
}

// Runs the handler with every exception caught: a handler that throws (std::bad_alloc
// included) fails its job with kInternal instead of ending the process.
Status RunGuarded(const JobHandler& handler, JobRun& run) {
  try {
    return handler(run);
  } catch (const std::bad_alloc&) {
    return Internal("the job ran out of memory (std::bad_alloc) and was stopped");
  } catch (const std::exception& e) {
    return Internal(std::string("the job stopped on an exception: ") + e.what());
  } catch (...) {
    return Internal("the job stopped on an exception of unknown type");
  }
}

}  // namespace

Status JobRun::Progress(int64_t completed_steps, int64_t total_steps) {
  job_.completed_steps = completed_steps;
  job_.total_steps = total_steps;
  job_.updated_at_ms = core::ToUnixMillis(ctx_.clock.Now());
  return ctx_.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(ExtendLease(tx));
    return tx.jobs().Update(job_);
  });
}

Status JobRun::ExtendLease(store::Tx& tx) {
  if (lease_lost_) return CheckLease(tx);
  // RenewLease fails as HoldsLease does when the lease is another run's.
  return tx.jobs().RenewLease(job_.id, lease_owner_,
                              core::ToUnixMillis(ctx_.clock.Now()) + lease_ms_);
}

Status JobRun::CommitChunk(store::Tx& tx, const std::vector<std::string>& errors,
                           const JobChunk& chunk) {
  NUCLEUS_RETURN_IF_ERROR(ExtendLease(tx));
  if (!errors.empty()) NUCLEUS_RETURN_IF_ERROR(tx.jobs().AppendErrors(job_.id, errors));
  job_.checkpoint_position = chunk.position;
  job_.checkpoint_counters = chunk.counters;
  job_.completed_steps = chunk.completed_steps;
  job_.total_steps = chunk.total_steps;
  job_.updated_at_ms = core::ToUnixMillis(ctx_.clock.Now());
  return tx.jobs().Update(job_);
}

Status JobRun::CheckLease(store::Tx& tx) {
  if (lease_lost_) {  // the renewer saw it taken over: no need to wait for the store to say so
    return FailedPrecondition("lost the lease of job " + job_.id + ": another server took it over");
  }
  return tx.jobs().HoldsLease(job_.id, lease_owner_);
}

Status JobRun::AppendErrorsIn(store::Tx& tx, const std::vector<std::string>& errors) {
  NUCLEUS_RETURN_IF_ERROR(CheckLease(tx));
  if (errors.empty()) return Status::Ok();
  return tx.jobs().AppendErrors(job_.id, errors);
}

void JobRun::SetMessage(const core::JobMessage& message) {
  job_.message_json = ctx_.job_codec->EncodeMessage(message);
}

Status JobRun::AddErrors(const std::vector<std::string>& errors) {
  if (errors.empty()) return Status::Ok();
  return ctx_.store.Write([&](store::Tx& tx) { return AppendErrorsIn(tx, errors); });
}

JobService::JobService(Context& ctx, int64_t lease_ms)
    : ctx_(ctx), lease_ms_(std::max<int64_t>(lease_ms, 3)), lease_owner_(core::NewId("srv")) {}

JobService::~JobService() { Stop(); }

void JobService::Register(const std::string& type, JobHandler handler) {
  handlers_[type] = std::move(handler);
}

Status JobService::Start(int workers) {
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    renewer_stopping_ = false;
  }
  core::LogInfo("jobs: server " + lease_owner_ + " runs " + std::to_string(workers) +
                " worker(s), lease " + std::to_string(lease_ms_) + " ms");
  renewer_ = std::thread([this] { RenewLoop(); });
  runner_ = std::make_unique<jobs::JobRunner>(workers, [this] { return RunOne(); });
  return Status::Ok();
}

void JobService::Stop() {
  if (runner_) runner_->Stop();  // the running handlers finish first, under renewed leases
  runner_.reset();
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    renewer_stopping_ = true;
  }
  lease_cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
}

void JobService::RenewLoop() {
  const auto every = std::chrono::milliseconds(std::max<int64_t>(lease_ms_ / 3, 1));
  std::unique_lock<std::mutex> lock(lease_mu_);
  while (!lease_cv_.wait_for(lock, every, [this] { return renewer_stopping_; })) {
    std::vector<std::pair<std::string, std::string>> leases;  // (token, job id)
    for (const auto& [token, run] : held_) {
      if (!run->lease_lost_) leases.emplace_back(token, run->job_.id);
    }
    lock.unlock();
    std::vector<std::string> lost;
    for (const auto& [token, id] : leases) {
      const int64_t expires = core::ToUnixMillis(ctx_.clock.Now()) + lease_ms_;
      Status renewed =
          ctx_.store.Write([&](store::Tx& tx) { return tx.jobs().RenewLease(id, token, expires); });
      if (renewed.code() == StatusCode::kFailedPrecondition) {
        lost.push_back(token);
        core::LogWarning("jobs: " + id + " was taken over by another run; this one stops");
      } else if (!renewed.ok()) {
        core::LogWarning("jobs: cannot renew the lease of " + id + ": " + renewed.ToString());
      }
    }
    lock.lock();
    for (const std::string& token : lost) {
      auto it = held_.find(token);
      if (it != held_.end()) it->second->lease_lost_ = true;  // else it finished meanwhile
    }
  }
}

void JobService::Hold(JobRun* run) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  held_[run->lease_owner_] = run;
}

void JobService::Release(JobRun* run) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  held_.erase(run->lease_owner_);
}

Result<store::Job> JobService::Submit(const std::string& owner, const std::string& dataset_id,
                                      const std::string& type, const core::JobRequest& request,
                                      const std::function<Status(store::Tx&)>& also) {
  return SubmitEncoded(owner, dataset_id, type, ctx_.job_codec->EncodeRequest(request), also);
}

Result<store::Job> JobService::SubmitEncoded(const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::string& type, std::string request_text,
                                             const std::function<Status(store::Tx&)>& also) {
  store::Job job;
  job.id = core::NewId("job");
  job.owner = owner;
  job.dataset_id = dataset_id;
  job.type = type;
  job.status = "Queued";
  job.request_json = std::move(request_text);
  job.created_at_ms = job.updated_at_ms = core::ToUnixMillis(ctx_.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx_.store.Write([&](store::Tx& tx) -> Status {
    if (also) NUCLEUS_RETURN_IF_ERROR(also(tx));
    return tx.jobs().Insert(job);
  }));
  if (runner_) runner_->Notify();
  return job;
}

Result<JobView> JobService::GetOf(Context& ctx, const std::string& owner, const std::string& id) {
  JobView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(view.job, tx.jobs().Get(owner, id));
    return Status::Ok();
  }));
  view.visible_status = view.job.status == "Queued" ? "Running" : view.job.status;
  return view;
}

Result<JobView> JobService::ReadStatusOf(Context& ctx, const std::string& owner,
                                         const std::string& id) {
  JobView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(view.job, tx.jobs().Get(owner, id));
    return tx.jobs().IncrementStatusReads(id);
  }));
  // The client stops polling at anything but "Running"; a job that finished before anyone looked
  // still shows "Running" once, so a caller that checks right after submitting sees it running
  // (jobs.md §3). The client waits 5 s between reads, so this costs nothing.
  bool first_read = view.job.status_reads == 0;
  if (view.job.status == "Queued" || (first_read && IsTerminal(view.job.status))) {
    view.visible_status = "Running";
  } else {
    view.visible_status = view.job.status;
  }
  return view;
}

Result<std::vector<std::string>> JobErrors(Context& ctx, const std::string& owner,
                                           const std::string& id) {
  std::vector<std::string> errors;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Get(owner, id).status());
    NUCLEUS_ASSIGN_OR_RETURN(errors, tx.jobs().Errors(id, 10000));
    return Status::Ok();
  }));
  return errors;
}

Result<std::vector<JobView>> ListJobs(Context& ctx, const store::JobFilter& filter) {
  std::vector<JobView> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Job> jobs, tx.jobs().List(filter));
    for (store::Job& j : jobs) {
      std::string visible = j.status == "Queued" ? "Running" : j.status;
      out.push_back(JobView{std::move(j), std::move(visible)});
    }
    return Status::Ok();
  }));
  return out;
}

// Recovers the jobs whose lease lapsed (their process died), then claims the oldest queued job,
// in one transaction.
Result<std::optional<store::Job>> JobService::Claim() {
  const std::string abandoned =
      FinalError(ctx_, "Internal: the server stopped while this job was running, " +
                           std::to_string(kMaxJobAttempts) + " times (the first run and " +
                           std::to_string(kMaxJobAttempts - 1) + " retries); it is not run again");
  const int64_t now_ms = core::ToUnixMillis(ctx_.clock.Now());
  const std::string token = lease_owner_ + "/" + std::to_string(++claims_);
  std::optional<store::Job> claimed;
  store::RecoveredJobs recovered;
  NUCLEUS_RETURN_IF_ERROR(ctx_.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(recovered,
                             tx.jobs().RecoverExpired(kMaxJobAttempts, abandoned, now_ms));
    NUCLEUS_ASSIGN_OR_RETURN(claimed, tx.jobs().ClaimNext(token, now_ms, lease_ms_));
    return Status::Ok();
  }));
  if (recovered.requeued > 0) {
    core::LogInfo("jobs: resuming " + std::to_string(recovered.requeued) +
                  " interrupted job(s) whose lease lapsed");
  }
  if (recovered.abandoned > 0) {
    core::LogWarning("jobs: " + std::to_string(recovered.abandoned) + " job(s) interrupted " +
                     std::to_string(kMaxJobAttempts) + " times end Errored_Server");
  }
  return claimed;
}

bool JobService::RunOne() {
  Result<std::optional<store::Job>> claimed = Claim();
  if (!claimed.ok()) {
    core::LogError("jobs: claim failed: " + claimed.status().ToString());
    return false;
  }
  if (!*claimed) return false;

  std::string token = (*claimed)->lease_owner;
  JobRun run(ctx_, std::move(**claimed), std::move(token), lease_ms_);
  if (run.job_.checkpoint_position > 0) {
    core::LogInfo("jobs: " + run.job_.id + " (" + run.job_.type + ") resumes at line " +
                  std::to_string(run.job_.checkpoint_position));
  }
  Hold(&run);
  auto it = handlers_.find(run.job_.type);
  Result<core::JobRequest> request =
      ctx_.job_codec->DecodeRequest(run.job_.type, run.job_.request_json);
  Status result;
  if (it == handlers_.end()) {
    result = Internal("no handler for job type " + run.job_.type);
  } else if (!request.ok()) {
    result = Internal("the stored job request does not decode: " + request.status().message());
  } else {
    run.request_ = std::move(*request);
    result = RunGuarded(it->second, run);
  }
  Finish(run, result);
  Release(&run);
  return true;
}

// Records the outcome of a run, unless the run lost its lease: then the job is another
// process's, which records its own outcome.
void JobService::Finish(JobRun& run, const Status& result) {
  store::Job& job = run.job_;
  if (result.ok()) {
    job.status = "Completed";
    job.completed_steps = job.total_steps = std::max<int64_t>(job.total_steps, 1);
  } else {
    bool user = result.code() == StatusCode::kInvalidArgument ||
                result.code() == StatusCode::kNotFound;
    job.status = user ? "Errored_User" : "Errored_Server";
    job.message_json =
        FinalError(ctx_, std::string(StatusCodeName(result.code())) + ": " + result.message());
  }
  job.updated_at_ms = core::ToUnixMillis(ctx_.clock.Now());
  Status saved = ctx_.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(run.CheckLease(tx));
    return tx.jobs().Update(job);
  });
  if (saved.code() == StatusCode::kFailedPrecondition) {
    core::LogWarning("jobs: " + job.id + " (" + job.type + "): " + saved.message() +
                     "; this run's outcome is dropped");
    return;
  }
  if (!result.ok()) {
    core::LogWarning("jobs: " + job.id + " (" + job.type + ") failed: " + result.ToString());
  }
  if (!saved.ok())
    core::LogError("jobs: cannot record result of " + job.id + ": " + saved.ToString());
}

}  // namespace nucleus::api
