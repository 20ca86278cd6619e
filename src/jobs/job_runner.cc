#include "jobs/job_runner.h"

#include <exception>

#include "core/log.h"

namespace nucleus::jobs {

JobRunner::JobRunner(int num_workers, std::function<bool()> poll,
                     std::chrono::milliseconds idle_wait)
    : poll_(std::move(poll)), idle_wait_(idle_wait) {
  for (int i = 0; i < num_workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_notifies_;
  }
  cv_.notify_one();
}

void JobRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void JobRunner::WorkerLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    bool worked = false;
    try {
      worked = poll_();
    } catch (const std::exception& e) {
      // The last line of defence (JobService already turns a handler's exception into an
      // Errored job): the worker survives, and so does the process.
      core::LogError(std::string("jobs: worker caught an exception: ") + e.what());
    } catch (...) {
      core::LogError("jobs: worker caught an exception of unknown type");
    }
    if (worked) continue;  // there may be more work right away
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, idle_wait_, [this] { return stopping_ || pending_notifies_ > 0; });
    if (pending_notifies_ > 0) --pending_notifies_;
  }
}

}  // namespace nucleus::jobs
