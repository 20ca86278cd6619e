// WalCheckpointer: runs the WAL checkpoints of one database file on a background thread with its
// own connection, so the committing writer never copies pages into the database file, nor fsyncs
// it, while it holds the write lock (SQLite's auto-checkpoint does exactly that, in-line, after
// every commit once the WAL passes 1,000 pages; see docs/benchmarks.md, "Prediction ingest").
//
// The writer connection gets `wal_autocheckpoint` off and a WAL hook that reports the WAL's frame
// count after each commit. The checkpointer then
//   - runs a PASSIVE checkpoint once `passive_frames` new frames are in the WAL (never blocks the
//     writer or readers);
//   - once the WAL holds `restart_frames`, catches up: a PASSIVE checkpoint, then a second one
//     holding the store's write mutex (`writer_mu`), which copies only the frames committed
//     meanwhile. With every frame copied when the next write transaction begins, SQLite restarts
//     the WAL from its beginning. Without this step a busy writer never finds the checkpoint
//     complete, the WAL grows, and every page read past the page cache goes through it;
//   - runs a RESTART checkpoint when the WAL holds more than `cap_frames` (readers pinning old
//     snapshots kept it from restarting; waits briefly for them);
//   - runs a TRUNCATE checkpoint after `idle` without commits, which empties the WAL file.
// Durability is unchanged: commits are made durable by the writer's WAL fsync (synchronous=FULL);
// a checkpoint only moves committed pages into the database file, and fsyncs it, as before.
//
// Thread-safe. The destructor stops the thread (after any checkpoint in progress) and joins it;
// Detach() must have been called with the writer idle before the writer connection is closed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nucleus/result.h"
#include "store/sqlite/db.h"

namespace nucleus::store::sqlite {

class WalCheckpointer {
 public:
  struct Options {
    int passive_frames = 1000;  // as SQLite's default auto-checkpoint
    int restart_frames = 4096;  // 16 MiB of 4 KiB pages
    int cap_frames = 65536;     // 256 MiB
    std::chrono::milliseconds idle{300};
  };

  // Opens a connection to `path`, hooks `writer` (which must be idle; used only to install and
  // remove the hook) and starts the thread. `writer_mu` is held by every write transaction on
  // `writer`; both must outlive the checkpointer.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, Db& writer,
                                                        std::mutex& writer_mu, Options options);
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, Db& writer,
                                                        std::mutex& writer_mu) {
    return Start(path, writer, writer_mu, Options());
  }
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Removes the hook from the writer and restores its auto-checkpoint; call with the writer idle.
  void Detach();

 private:
  WalCheckpointer(std::unique_ptr<Db> db, Db& writer, std::mutex& writer_mu, Options options)
      : db_(std::move(db)), writer_(&writer), writer_mu_(writer_mu), options_(options) {}
  static int OnCommit(void* self, sqlite3* db, const char* name, int frames);
  void Run();

  std::unique_ptr<Db> db_;  // used only by the thread
  Db* writer_;              // null once detached
  std::mutex& writer_mu_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;      // guarded by mu_
  int wal_frames_ = 0;     // frames in the WAL after the last commit; guarded by mu_
  uint64_t commits_ = 0;   // guarded by mu_
  int backfilled_ = 0;     // frames copied by our last checkpoint; thread only
  std::thread thread_;
};

}  // namespace nucleus::store::sqlite
