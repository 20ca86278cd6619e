// JobRunner: a fixed pool of worker threads that repeatedly ask `poll` for one unit of work.
//
// `poll` runs one job if one is waiting and returns true, or returns false when there is nothing
// to do; an idle worker then sleeps until Notify() or `idle_wait` passes (so work submitted by
// another process is still picked up). An exception thrown by `poll` is logged and the worker
// goes on. Thread-safe. The destructor stops and joins the workers; a job in progress is
// finished first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nucleus::jobs {

class JobRunner {
 public:
  JobRunner(int num_workers, std::function<bool()> poll,
            std::chrono::milliseconds idle_wait = std::chrono::milliseconds(250));
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Wakes one idle worker.
  void Notify();
  // Stops accepting work and joins the workers (idempotent).
  void Stop();

 private:
  void WorkerLoop();

  std::function<bool()> poll_;
  std::chrono::milliseconds idle_wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  int pending_notifies_ = 0;  // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace nucleus::jobs
