#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_repos.h"

namespace nucleus::store::sqlite {
namespace {

// The repositories of one unit of work, built on first use.
class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(Db& db) : db_(db) {}

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
  T& Lazy(std::unique_ptr<T>& slot, std::unique_ptr<T> (*make)(Db&)) {
    if (!slot) slot = make(db_);
    return *slot;
  }

  Db& db_;
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

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));  // NOLINT: private constructor
  NUCLEUS_ASSIGN_OR_RETURN(store->writer_, Db::Open(path));
  NUCLEUS_RETURN_IF_ERROR(Migrate(*store->writer_));
  NUCLEUS_ASSIGN_OR_RETURN(store->checkpointer_, WalCheckpointer::Start(path, *store->writer_,
                                                                  store->write_mu_));
  return store;
}

struct SqliteStore::PendingWrite {
  const std::function<Status(Tx&)>* fn;
  Status status;
  bool done = false;  // guarded by queue_mu_
};

Status SqliteStore::Write(const std::function<Status(Tx&)>& fn) {
  PendingWrite mine{&fn, Status::Ok()};
  std::unique_lock<std::mutex> queue_lock(queue_mu_);
  queue_.push_back(&mine);
  while (!mine.done) {
    if (leading_) {
      queue_cv_.wait(queue_lock);
      continue;
    }
    // Lead the next group: the oldest waiting Writes (this one among them unless the queue was
    // longer than a group).
    leading_ = true;
    std::vector<PendingWrite*> group;
    while (!queue_.empty() && group.size() < kMaxGroup) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    queue_lock.unlock();
    CommitGroup(group);
    queue_lock.lock();
    for (PendingWrite* w : group) w->done = true;
    leading_ = false;
    queue_cv_.notify_all();
  }
  return mine.status;
}

void SqliteStore::CommitGroup(const std::vector<PendingWrite*>& group) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Db& db = *writer_;
  auto fail_all = [&](const Status& status) {
    for (PendingWrite* w : group) {
      if (w->status.ok()) w->status = status;
    }
  };
  Status begin = db.Prepare("BEGIN IMMEDIATE").Exec();
  if (!begin.ok()) return fail_all(begin);
  const bool alone = group.size() == 1;
  for (PendingWrite* w : group) {
    if (!alone) {
      Status savepoint = db.Prepare("SAVEPOINT write").Exec();
      if (!savepoint.ok()) {
        (void)db.ExecScript("ROLLBACK");
        return fail_all(savepoint);
      }
    }
    {
      SqliteTx tx(db);
      w->status = (*w->fn)(tx);
    }
    if (alone) break;
    Status end = w->status.ok() ? db.Prepare("RELEASE write").Exec()
                                : db.Prepare("ROLLBACK TO write").Exec();
    if (end.ok() && !w->status.ok()) end = db.Prepare("RELEASE write").Exec();
    // SQLite ends the whole transaction itself on some errors (a full disk, I/O): what the
    // group wrote before is gone too, so nothing of it may be reported as committed.
    if (!end.ok() || sqlite3_get_autocommit(db.raw()) != 0) {
      if (sqlite3_get_autocommit(db.raw()) == 0) (void)db.ExecScript("ROLLBACK");
      return fail_all(end.ok() ? Internal("sqlite: the write transaction was rolled back") : end);
    }
  }
  if (alone && !group.front()->status.ok()) {
    (void)db.ExecScript("ROLLBACK");
    return;
  }
  Status commit = db.Prepare("COMMIT").Exec();
  if (!commit.ok()) {
    (void)db.ExecScript("ROLLBACK");
    fail_all(commit);
  }
}

Status SqliteStore::Read(const std::function<Status(Tx&)>& fn) {
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, TakeReader());
  // Cached statements: parsing "BEGIN"/"COMMIT" again on every read was measurable per request.
  Status status = db->Prepare("BEGIN").Exec();
  if (status.ok()) {
    {
      SqliteTx tx(*db);
      status = fn(tx);
    }
    (void)db->Prepare("COMMIT").Exec();
  }
  ReturnReader(std::move(db));
  return status;
}

Result<std::unique_ptr<Db>> SqliteStore::TakeReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Db> db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return db;
    }
  }
  return Db::Open(path_);
}

std::optional<uint64_t> SqliteStore::ChangeStamp() {
  std::lock_guard<std::mutex> lock(stamp_mu_);
  if (!stamp_db_) {
    auto db = Db::Open(path_);
    if (!db.ok()) return std::nullopt;
    stamp_db_ = std::move(*db);
  }
  Stmt stmt = stamp_db_->Prepare("PRAGMA data_version");
  if (!stmt.Step()) return std::nullopt;
  return static_cast<uint64_t>(stmt.Int(0));
}

void SqliteStore::ReturnReader(std::unique_ptr<Db> db) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  idle_readers_.push_back(std::move(db));
}

}  // namespace nucleus::store::sqlite
