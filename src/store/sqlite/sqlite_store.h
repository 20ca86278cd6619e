// SqliteStore: the embedded Store backend, one database file (WAL) in the data directory.
//
// One writer connection serialised by a mutex (BEGIN IMMEDIATE ... COMMIT) and a pool of reader
// connections, so reads never wait for a long write. Thread-safe.
#pragma once

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
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  Result<std::unique_ptr<Db>> TakeReader();
  void ReturnReader(std::unique_ptr<Db> db);

  const std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Db> writer_;  // guarded by write_mu_
  // Checkpoints the WAL off the writer's path; declared after writer_ so it stops first.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;  // guarded by readers_mu_
  std::mutex stamp_mu_;
  std::unique_ptr<Db> stamp_db_;  // guarded by stamp_mu_; opened on first use
};

}  // namespace nucleus::store::sqlite
