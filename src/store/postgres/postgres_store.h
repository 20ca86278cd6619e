// PostgresStore: the shared Store backend, for several servers on one PostgreSQL database
// (docs/design/postgres.md). libpq is used here and nowhere else.
//
// Each store keeps a bounded pool of connections. Write() runs in one transaction that first
// takes a transaction-scoped advisory lock, so writers are serialised across every server as
// SQLite's single writer serialises them in one process (api/ relies on it); Read() runs in a
// REPEATABLE READ READ ONLY transaction: one consistent snapshot. Migrations run at Open.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nucleus/result.h"
#include "store/blobs.h"
#include "store/postgres/conn.h"
#include "store/store.h"

namespace nucleus::store::postgres {

struct PostgresOptions {
  // Connections this store opens at most (readers and the writer together); a caller that
  // finds them all busy waits for one. 1..kMaxPoolSize. The default lets ten servers share a
  // cluster of PostgreSQL's default max_connections (100, 3 reserved): 10 x 9 = 90.
  int pool_size = 9;
  static constexpr int kMaxPoolSize = 32;
  // How long ChangeStamp() reuses the counter it read (another server's commit is seen within
  // this long; this store's own commits at once).
  std::chrono::milliseconds stamp_interval{200};
  // How bulk writes (PredictionRepo::PutMany, AnnotationRepo::PutMany) reach their table. kCopy:
  // each batch is streamed with COPY (binary) into a staging table of the connection (TEMP, created
  // when the connection opens) and merged by one INSERT ... SELECT ... ON CONFLICT. kUnnest: one
  // binary array per column, unnested by one INSERT ... ON CONFLICT. Same rows, ids and order
  // either way. The environment variable NUCLEUS_PG_BULK_WRITE (copy|unnest), when set, overrides
  // this (to compare both paths with one binary: bench/ingest). kUnnest is the default: COPY
  // measured slower (docs/design/postgres.md, "Bulk writes: COPY or unnest").
  enum class BulkWrite { kUnnest, kCopy };
  BulkWrite bulk_write = BulkWrite::kUnnest;
};

// True for the URIs PostgresStore::Open takes ("postgresql://..." or "postgres://...").
bool IsPostgresUri(const std::string& text);

class PostgresStore;
// The blob store of postgres/blobs.cc on `store`'s pool (PostgresStore::blobs() owns one).
std::unique_ptr<BlobStore> NewPostgresBlobStore(PostgresStore& store);

class PostgresStore final : public Store {
 public:
  // Connects to `uri` (a libpq URI: postgresql://USER@HOST:PORT/DB, or ?host=/socket/dir) and
  // applies pending migrations. InvalidArgument for a bad pool size; Unavailable when the
  // database cannot be reached.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& uri,
                                                     PostgresOptions options = {});
  ~PostgresStore() override;

  Status Write(const std::function<Status(Tx&)>& fn) override;
  Status Read(const std::function<Status(Tx&)>& fn) override;
  // The counter in nucleus_change_stamp, which every Write bumps in its own transaction; read
  // again at most every options.stamp_interval, and at once after a Write through this store.
  std::optional<uint64_t> ChangeStamp() override;

  // The blob store kept in this database (postgres/blobs.cc; docs/design/blobs.md, "Where blobs
  // live"): chunked rows, written and read through this store's pool, so every server on the
  // database serves every blob. Valid as long as this store.
  BlobStore& blobs() { return *blobs_; }

  // The value of the server-wide secret `name` (e.g. the signing key of upload URLs), shared by
  // every server on the database: the first caller stores `fresh`, and every caller, that one
  // included, gets what was stored first.
  Result<std::string> SharedSecret(const std::string& name, const std::string& fresh);

  // Runs `fn` on a connection of the pool outside any transaction (each statement commits on
  // its own unless `fn` begins one, which it must end).
  Status WithConnection(const std::function<Status(Conn&)>& fn);

 private:
  PostgresStore(std::string uri, PostgresOptions options)
      : uri_(std::move(uri)), options_(options) {}
  // A connection from the pool (opening one while fewer than pool_size exist, else waiting).
  Result<std::unique_ptr<Conn>> Take();
  // Back to the pool; a broken connection is closed instead.
  void Give(std::unique_ptr<Conn> conn);

  const std::string uri_;
  const PostgresOptions options_;
  std::unique_ptr<BlobStore> blobs_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // guarded by pool_mu_
  int open_ = 0;                             // guarded by pool_mu_: idle and taken

  // Only one of this process's writers waits on the database's lock at a time, so writers
  // queue here rather than each holding a pooled connection.
  std::mutex write_mu_;

  std::mutex stamp_mu_;
  std::optional<uint64_t> stamp_;                   // guarded by stamp_mu_
  std::chrono::steady_clock::time_point stamp_at_;  // guarded by stamp_mu_
};

}  // namespace nucleus::store::postgres
