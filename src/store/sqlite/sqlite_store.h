// SqliteStore: the embedded Store backend, one database file (WAL) in the data directory.
//
// One writer connection serialised by a mutex (BEGIN IMMEDIATE ... COMMIT) and a pool of reader
// connections, so reads never wait for a long write. Thread-safe.
//
// Group commit: Writes that arrive while another one runs queue up, and the next of them to run
// takes the whole queue (up to kMaxGroup) into one SQLite transaction, each function inside its
// own SAVEPOINT, and commits once. A function that fails is rolled back to its savepoint alone
// and gets its own status; the others commit together, so the WAL is written and synced once for
// the group instead of once per Write (on this machine's disk a sync is 3-13 ms, most of a 5,000
// object ingest request's time under the lock: docs/benchmarks.md). Nothing changes for the
// caller: Write returns once its function's effects are durable, or with the error that undid
// them.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nucleus/result.h"
#include "store/store.h"
#include "store/sqlite/db.h"
#include "store/sqlite/wal_checkpointer.h"

namespace nucleus::store::sqlite {

class SqliteStore final : public Store {
 public:
  // Opens or creates `path` and applies pending migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);

  Status Write(const std::function<Status(Tx&)>& fn) override;
  Status Read(const std::function<Status(Tx&)>& fn) override;
  // SQLite's PRAGMA data_version on a connection that never writes: it moves on every commit
  // of any other connection, in this process or another.
  std::optional<uint64_t> ChangeStamp() override;

 private:
  // Writes one group may take: bounds a transaction's size and the first writer's wait.
  static constexpr size_t kMaxGroup = 16;
  struct PendingWrite;

  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  // Runs `group`'s functions in one transaction on the writer and sets each one's status.
  void CommitGroup(const std::vector<PendingWrite*>& group);
  Result<std::unique_ptr<Db>> TakeReader();
  void ReturnReader(std::unique_ptr<Db> db);

  const std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Db> writer_;  // guarded by write_mu_
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingWrite*> queue_;  // guarded by queue_mu_: Writes waiting for a group
  bool leading_ = false;             // guarded by queue_mu_: a group is being committed
  // Checkpoints the WAL off the writer's path; declared after writer_ so it stops first.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;  // guarded by readers_mu_
  std::mutex stamp_mu_;
  std::unique_ptr<Db> stamp_db_;  // guarded by stamp_mu_; opened on first use
};

}  // namespace nucleus::store::sqlite
