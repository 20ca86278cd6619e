// Garbage collection of uploaded files. Signed-URL payloads, multipart images and local masks
// are written before the row that points at them commits, and nothing deletes them when that
// row goes (a deleted item, dataset or run; a payload whose async call never came; a PUT that
// lost a race). A sweep removes, after a delay (default 24 h, `nucleus serve --blob-gc-delay-s`):
//   1. upload sessions whose signed URL was issued more than `delay` ago, claimed or not (an
//      `?async=1` call naming such a request id is refused as if nothing had been uploaded);
//   2. blob files last written more than `delay` ago that no stored row references
//      (store::UploadRepo::ForEachReferencedBlob), temporary files of abandoned writes included.
// Safe against concurrent writes: a row can only come to reference a blob by writing it first
// (content-addressed names are rewritten, refreshing their write time), and the delete re-checks
// the write time atomically with writers' renames (BlobStore::RemoveIfWrittenBefore), so a blob
// whose referencing write is in flight is never older than the delay.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "api/context.h"
#include "nucleus/result.h"

namespace nucleus::api {

inline constexpr int64_t kDefaultBlobGcDelayMs = 24LL * 3600 * 1000;

struct GcStats {
  int64_t sessions_deleted = 0;
  int64_t blobs_deleted = 0;
};

// One sweep at ctx.clock's now (compared with file write times, which are wall-clock: use the
// system clock outside tests). Errors on single files are skipped (the next sweep retries);
// a store error ends the sweep early and is returned.
Result<GcStats> CollectGarbage(Context& ctx, int64_t delay_ms);

// Runs CollectGarbage every `interval_ms` on its own thread, from Start() until Stop() (or the
// destructor), logging what each sweep deleted. `ctx` must outlive it. Start/Stop from one
// thread; Stop returns once the current sweep, if any, has finished.
class GarbageCollector {
 public:
  GarbageCollector(Context& ctx, int64_t delay_ms, int64_t interval_ms);
  ~GarbageCollector();
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  void Start();
  void Stop();

  // How often a server sweeps for a given delay: a quarter of it, between 1 s and 1 h, so a
  // file is gone at most 25% (or an hour) after its delay.
  static int64_t IntervalFor(int64_t delay_ms);

 private:
  void Loop();

  Context& ctx_;
  const int64_t delay_ms_;
  const int64_t interval_ms_;
  std::thread thread_;
  // stop_ is protected by mu_.
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace nucleus::api
