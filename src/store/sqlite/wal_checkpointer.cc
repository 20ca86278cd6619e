#include "store/sqlite/wal_checkpointer.h"

#include <string>

#include "core/log.h"

namespace nucleus::store::sqlite {
namespace {

// How long a RESTART / TRUNCATE checkpoint may wait for the write lock and for readers. It holds
// the write lock while it waits for readers, so this also bounds how long it can stall a writer.
int BusyTimeoutMs(int mode) { return mode == SQLITE_CHECKPOINT_TRUNCATE ? 50 : 500; }

const char* ModeName(int mode) {
  switch (mode) {
    case SQLITE_CHECKPOINT_PASSIVE: return "passive";
    case SQLITE_CHECKPOINT_RESTART: return "restart";
    case SQLITE_CHECKPOINT_TRUNCATE: return "truncate";
    default: return "checkpoint";
  }
}

}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                Db& writer, std::mutex& writer_mu,
                                                                Options options) {
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path));
  std::unique_ptr<WalCheckpointer> self(  // NOLINT: private constructor
      new WalCheckpointer(std::move(db), writer, writer_mu, options));
  // Replaces SQLite's auto-checkpoint hook (wal_autocheckpoint is itself a WAL hook).
  sqlite3_wal_hook(writer.raw(), &WalCheckpointer::OnCommit, self.get());
  self->thread_ = std::thread([p = self.get()] { p->Run(); });
  return self;
}

WalCheckpointer::~WalCheckpointer() {
  Detach();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  if (writer_ == nullptr) return;
  sqlite3_wal_autocheckpoint(writer_->raw(), 1000);  // also removes our hook
  writer_ = nullptr;
}

int WalCheckpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  auto* p = static_cast<WalCheckpointer*>(self);
  {
    std::lock_guard<std::mutex> lock(p->mu_);
    p->wal_frames_ = frames;
    ++p->commits_;
  }
  p->cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t attempted_at = commits_;   // commits_ when we last checkpointed
  uint64_t truncated_at = ~commits_;  // commits_ when the WAL was last emptied (unknown: never)
  while (!stop_) {
    if (wal_frames_ < backfilled_) backfilled_ = 0;  // the writer restarted the WAL
    int mode = -1;
    bool catch_up = false;  // then a second PASSIVE holding the writer's mutex
    // At most one checkpoint per commit: a checkpoint held back by a reader is not retried in a
    // loop, only after the next commit (or when idle).
    if (commits_ != attempted_at) {
      if (wal_frames_ >= options_.cap_frames) {
        mode = SQLITE_CHECKPOINT_RESTART;
      } else if (wal_frames_ >= options_.restart_frames) {
        mode = SQLITE_CHECKPOINT_PASSIVE;
        catch_up = true;
      } else if (wal_frames_ - backfilled_ >= options_.passive_frames) {
        mode = SQLITE_CHECKPOINT_PASSIVE;
      }
    }
    if (mode < 0) {
      uint64_t before = commits_;
      auto woken = [&] { return stop_ || commits_ != before; };
      if (truncated_at == commits_) {
        cv_.wait(lock, woken);  // nothing to empty: sleep until the next commit
        continue;
      }
      if (cv_.wait_for(lock, options_.idle, woken)) continue;
      mode = SQLITE_CHECKPOINT_TRUNCATE;  // idle with frames in the WAL
    }
    attempted_at = commits_;
    lock.unlock();
    sqlite3* raw = db_->raw();
    sqlite3_busy_timeout(raw, BusyTimeoutMs(mode));
    int log = 0;
    int done = 0;
    int rc = sqlite3_wal_checkpoint_v2(raw, nullptr, mode, &log, &done);
    if (rc == SQLITE_OK && catch_up) {
      // No write transaction can run meanwhile, so this one completes the checkpoint (up to
      // the oldest reader's snapshot) and the next writer restarts the WAL.
      std::lock_guard<std::mutex> writer_lock(writer_mu_);
      rc = sqlite3_wal_checkpoint_v2(raw, nullptr, mode, &log, &done);
    }
    lock.lock();
    if (rc == SQLITE_OK) {
      backfilled_ = done;
      if (mode == SQLITE_CHECKPOINT_TRUNCATE) {
        truncated_at = attempted_at;
        if (commits_ == attempted_at) wal_frames_ = 0;
      }
    } else if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      core::LogWarning(std::string("wal ") + ModeName(mode) + " checkpoint: " +
                       sqlite3_errmsg(raw));
    }
    if (rc != SQLITE_OK && mode == SQLITE_CHECKPOINT_TRUNCATE) {
      // Held back by a reader: try again after another idle period (or the next commit).
      cv_.wait_for(lock, options_.idle, [&] { return stop_ || commits_ != attempted_at; });
    }
  }
}

}  // namespace nucleus::store::sqlite
