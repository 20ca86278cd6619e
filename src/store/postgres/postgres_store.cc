#include "store/postgres/postgres_store.h"

#include <cstdlib>
#include <string_view>

#include "store/postgres/pg_repos.h"
#include "store/postgres/schema.h"

namespace nucleus::store::postgres {
namespace {

// Every Write takes this transaction-scoped advisory lock first: (space, hash of the schema),
// so stores on different schemas of one database (the tests) do not wait for each other.
// Migrate takes (space, 0).
constexpr const char* kBeginWrite =
    "BEGIN; SELECT pg_advisory_xact_lock(1314212684, hashtext(current_schema()))";
constexpr const char* kCommitWrite =
    "UPDATE nucleus_change_stamp SET value = value + 1 WHERE id = 1; COMMIT";
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

// The repositories of one unit of work, built on first use.
class PostgresTx final : public Tx {
 public:
  explicit PostgresTx(Conn& conn) : conn_(conn) {}

  KeyRepo& keys() override { return Lazy(keys_, NewKeyRepo); }
  DatasetRepo& datasets() override { return Lazy(datasets_, NewDatasetRepo); }
  ItemRepo& items() override { return Lazy(items_, NewItemRepo); }
  AnnotationRepo& annotations() override { return Lazy(annotations_, NewAnnotationRepo); }
  JobRepo& jobs() override { return Lazy(jobs_, NewJobRepo); }
  UploadRepo& uploads() override { return Lazy(uploads_, NewUploadRepo); }
  ModelRepo& models() override { return Lazy(models_, NewModelRepo); }
  PredictionRepo& predictions() override { return Lazy(predictions_, NewPredictionRepo); }
  SceneRepo& scenes() override { return Lazy(scenes_, NewSceneRepo); }
  MatchRepo& matches() override { return Lazy(matches_, NewMatchRepo); }
  EvaluationRepo& evaluations() override { return Lazy(evaluations_, NewEvaluationRepo); }
  ValidateRepo& validate() override { return Lazy(validate_, NewValidateRepo); }

 private:
  template <typename T>
  T& Lazy(std::unique_ptr<T>& slot, std::unique_ptr<T> (*make)(Conn&)) {
    if (!slot) slot = make(conn_);
    return *slot;
  }

  Conn& conn_;
  std::unique_ptr<KeyRepo> keys_;
  std::unique_ptr<DatasetRepo> datasets_;
  std::unique_ptr<ItemRepo> items_;
  std::unique_ptr<AnnotationRepo> annotations_;
  std::unique_ptr<JobRepo> jobs_;
  std::unique_ptr<UploadRepo> uploads_;
  std::unique_ptr<ModelRepo> models_;
  std::unique_ptr<PredictionRepo> predictions_;
  std::unique_ptr<SceneRepo> scenes_;
  std::unique_ptr<MatchRepo> matches_;
  std::unique_ptr<EvaluationRepo> evaluations_;
  std::unique_ptr<ValidateRepo> validate_;
};

// Runs `fn` in a transaction begun by `begin` and ended by `commit` (or ROLLBACK when `fn` or
// the commit fails).
Status RunTx(Conn& conn, const char* begin, const char* commit,
             const std::function<Status(Tx&)>& fn) {
  if (Status begun = conn.ExecScript(begin); !begun.ok()) {
    // BEGIN may have succeeded and the lock failed: the connection goes back to the pool
    // outside any transaction.
    (void)conn.ExecScript("ROLLBACK");
    return begun;
  }
  Status status;
  {
    PostgresTx tx(conn);
    status = fn(tx);
  }
  if (!status.ok()) {
    (void)conn.ExecScript("ROLLBACK");
    return status;
  }
  Status done = conn.ExecScript(commit);
  if (!done.ok()) (void)conn.ExecScript("ROLLBACK");
  return done;
}

}  // namespace

bool IsPostgresUri(const std::string& text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& uri,
                                                           PostgresOptions options) {
  if (options.pool_size < 1 || options.pool_size > PostgresOptions::kMaxPoolSize) {
    return InvalidArgument("postgres pool size must be between 1 and " +
                           std::to_string(PostgresOptions::kMaxPoolSize));
  }
  if (const char* bulk = std::getenv("NUCLEUS_PG_BULK_WRITE"); bulk != nullptr) {
    const std::string_view mode = bulk;
    if (mode == "copy") {
      options.bulk_write = PostgresOptions::BulkWrite::kCopy;
    } else if (mode == "unnest") {
      options.bulk_write = PostgresOptions::BulkWrite::kUnnest;
    } else {
      return InvalidArgument("NUCLEUS_PG_BULK_WRITE must be copy or unnest");
    }
  }
  std::unique_ptr<PostgresStore> store(new PostgresStore(uri, options));  // NOLINT: private
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, store->Take());
  Status migrated = Migrate(*conn);
  store->Give(std::move(conn));
  NUCLEUS_RETURN_IF_ERROR(migrated);
  store->blobs_ = NewPostgresBlobStore(*store);
  return store;
}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<Conn>> PostgresStore::Take() {
  {
    std::unique_lock<std::mutex> lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < options_.pool_size; });
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserved; connected below without the lock
  }
  Result<std::unique_ptr<Conn>> conn = Conn::Open(uri_);
  if (conn.ok() && options_.bulk_write == PostgresOptions::BulkWrite::kCopy) {
    if (Status staged = (*conn)->ExecScript(StagingTablesSql()); staged.ok()) {
      (*conn)->set_bulk_copy(true);
    } else {
      conn = staged;
    }
  }
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    --open_;
    pool_cv_.notify_one();
  }
  return conn;
}

void PostgresStore::Give(std::unique_ptr<Conn> conn) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // closed as `conn` goes; the next Take opens a new one
  }
  pool_cv_.notify_one();
}

Status PostgresStore::Write(const std::function<Status(Tx&)>& fn) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
  Status status = RunTx(*conn, kBeginWrite, kCommitWrite, fn);
  Give(std::move(conn));
  if (status.ok()) {
    std::lock_guard<std::mutex> lock(stamp_mu_);
    stamp_.reset();  // this store's own commit shows at once
  }
  return status;
}

Status PostgresStore::Read(const std::function<Status(Tx&)>& fn) {
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
  Status status = RunTx(*conn, kBeginRead, "COMMIT", fn);
  Give(std::move(conn));
  return status;
}

Status PostgresStore::WithConnection(const std::function<Status(Conn&)>& fn) {
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
  Status status = fn(*conn);
  Give(std::move(conn));
  return status;
}

Result<std::string> PostgresStore::SharedSecret(const std::string& name,
                                                const std::string& fresh) {
  std::string value;
  NUCLEUS_RETURN_IF_ERROR(WithConnection([&](Conn& conn) -> Status {
    // One statement: the insert that loses a race to another server's sees nothing to return,
    // so the stored value is read in a second statement, after the winner committed.
    Stmt insert = conn.Prepare(
        "INSERT INTO nucleus_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING");
    insert.Bind(1, name).Bind(2, fresh);
    NUCLEUS_RETURN_IF_ERROR(insert.Exec());
    Stmt select = conn.Prepare("SELECT value FROM nucleus_secrets WHERE name = ?");
    select.Bind(1, name);
    if (!select.Step()) {
      NUCLEUS_RETURN_IF_ERROR(select.status());
      return Internal("secret " + name + " vanished after it was stored");
    }
    value = select.Text(0);
    return Status::Ok();
  }));
  return value;
}

std::optional<uint64_t> PostgresStore::ChangeStamp() {
  std::lock_guard<std::mutex> lock(stamp_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (stamp_ && now - stamp_at_ < options_.stamp_interval) return stamp_;
  Result<std::unique_ptr<Conn>> conn = Take();
  if (!conn.ok()) return std::nullopt;
  std::optional<uint64_t> value;
  {
    Stmt stmt = (*conn)->Prepare("SELECT value FROM nucleus_change_stamp WHERE id = 1");
    if (stmt.Step()) value = static_cast<uint64_t>(stmt.Int(0));
  }
  Give(std::move(*conn));
  stamp_ = value;
  stamp_at_ = now;
  return value;
}

}  // namespace nucleus::store::postgres
