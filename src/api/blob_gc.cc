#include "api/blob_gc.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_set>
#include <vector>

#include "api/uploads.h"
#include "core/log.h"
#include "store/uploads.h"

namespace nucleus::api {
namespace {

// Sessions are deleted this many per transaction, so the writer is never held long.
constexpr int kSessionBatch = 500;

}  // namespace

Result<GcStats> CollectGarbage(Context& ctx, int64_t delay_ms) {
  GcStats stats;
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  const int64_t cutoff_ms = now_ms - delay_ms;

  // 1. Sessions issued before the cutoff (a URL expires kSignedUrlLifetimeMs after issue).
  // Bounded: each batch deletes what it listed, and the table only shrinks below the cutoff.
  for (;;) {
    int64_t deleted = 0;
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
      deleted = 0;
      NUCLEUS_ASSIGN_OR_RETURN(
          std::vector<store::Upload> expired,
          tx.uploads().ListExpiringBefore(cutoff_ms + kSignedUrlLifetimeMs, kSessionBatch));
      for (const store::Upload& upload : expired) {
        NUCLEUS_RETURN_IF_ERROR(tx.uploads().Delete(upload.dataset_id, upload.request_id));
        ++deleted;
      }
      return Status::Ok();
    }));
    stats.sessions_deleted += deleted;
    if (deleted < kSessionBatch) break;
  }

  // 2. What rows still need, then 3. the old files they do not.
  std::unordered_set<std::string> referenced;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    referenced.clear();
    return tx.uploads().ForEachReferencedBlob(
        [&](std::string_view name) { referenced.emplace(name); });
  }));
  std::vector<std::string> candidates;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEach([&](const std::string& name, int64_t written_at_ms) {
    if (written_at_ms < cutoff_ms && referenced.count(name) == 0) candidates.push_back(name);
  }));
  for (const std::string& name : candidates) {
    Result<bool> removed = ctx.blobs.RemoveIfWrittenBefore(name, cutoff_ms);
    if (!removed.ok()) {
      core::LogWarning("blob gc: " + removed.status().message());
    } else if (*removed) {
      ++stats.blobs_deleted;
    }
  }
  return stats;
}

GarbageCollector::GarbageCollector(Context& ctx, int64_t delay_ms, int64_t interval_ms)
    : ctx_(ctx), delay_ms_(delay_ms), interval_ms_(interval_ms) {}

GarbageCollector::~GarbageCollector() { Stop(); }

int64_t GarbageCollector::IntervalFor(int64_t delay_ms) {
  return std::clamp<int64_t>(delay_ms / 4, 1000, 3600 * 1000);
}

void GarbageCollector::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void GarbageCollector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GarbageCollector::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; })) {
    lock.unlock();
    Result<GcStats> stats = CollectGarbage(ctx_, delay_ms_);
    if (!stats.ok()) {
      core::LogWarning("blob gc: " + stats.status().message());
    } else if (stats->sessions_deleted > 0 || stats->blobs_deleted > 0) {
      core::LogInfo("blob gc: deleted " + std::to_string(stats->sessions_deleted) +
                    " upload sessions and " + std::to_string(stats->blobs_deleted) + " blobs");
    }
    lock.lock();
  }
}

}  // namespace nucleus::api
