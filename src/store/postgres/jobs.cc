#include "store/jobs.h"

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kJobColumns =
    "id, owner, dataset_id, type, status, request, message, completed_steps, total_steps, "
    "created_at_ms, updated_at_ms, status_reads, attempts, lease_owner, lease_expires_at_ms, "
    "checkpoint_position, checkpoint_counters";

// Checkpoint counters as stored: decimal integers separated by single spaces ("" for none).
std::string CountersText(const std::vector<int64_t>& counters) {
  std::string text;
  for (int64_t c : counters) {
    if (!text.empty()) text += ' ';
    text += std::to_string(c);
  }
  return text;
}

std::vector<int64_t> CountersOf(std::string_view text) {
  std::vector<int64_t> counters;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    counters.push_back(std::stoll(std::string(text.substr(at, end - at))));
    at = end + 1;
  }
  return counters;
}

class PostgresJobRepo final : public JobRepo {
 public:
  explicit PostgresJobRepo(Conn& db) : db_(db) {}

  Status Insert(const Job& j) override {
    return db_
        .Prepare(
            "INSERT INTO jobs (id, owner, dataset_id, type, status, request, message, "
            "completed_steps, total_steps, created_at_ms, updated_at_ms, status_reads) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, j.id)
        .Bind(2, j.owner)
        .Bind(3, j.dataset_id)
        .Bind(4, j.type)
        .Bind(5, j.status)
        .Bind(6, j.request_json)
        .Bind(7, j.message_json)
        .Bind(8, j.completed_steps)
        .Bind(9, j.total_steps)
        .Bind(10, j.created_at_ms)
        .Bind(11, j.updated_at_ms)
        .Bind(12, j.status_reads)
        .Exec();
  }

  Result<Job> Get(const std::string& owner, const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kJobColumns +
                            " FROM jobs WHERE id = ? AND owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("job " + id + " not found");
  }

  Result<Job> GetAny(const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
    stmt.Bind(1, id);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("job " + id + " not found");
  }

  Status Update(const Job& j) override {
    return db_
        .Prepare(
            "UPDATE jobs SET status = ?1, message = ?2, completed_steps = ?3, total_steps = ?4, "
            "updated_at_ms = ?5, checkpoint_position = ?6, checkpoint_counters = ?7, "
            "lease_owner = CASE WHEN ?1 = 'Running' THEN lease_owner ELSE '' END, "
            "lease_expires_at_ms = CASE WHEN ?1 = 'Running' THEN lease_expires_at_ms ELSE 0 END "
            "WHERE id = ?8")
        .Bind(1, j.status)
        .Bind(2, j.message_json)
        .Bind(3, j.completed_steps)
        .Bind(4, j.total_steps)
        .Bind(5, j.updated_at_ms)
        .Bind(6, j.checkpoint_position)
        .Bind(7, CountersText(j.checkpoint_counters))
        .Bind(8, j.id)
        .Exec();
  }

  Status IncrementStatusReads(const std::string& id) override {
    return db_.Prepare("UPDATE jobs SET status_reads = status_reads + 1 WHERE id = ?")
        .Bind(1, id)
        .Exec();
  }

  Result<std::optional<Job>> ClaimNext(const std::string& lease_owner, int64_t now_ms,
                                       int64_t lease_ms) override {
    // One statement; the oldest queued row is locked with SKIP LOCKED (store/jobs.h), so two
    // claims never hand out one job and neither waits for the other's row. (Write transactions
    // are serialised by PostgresStore's advisory lock as well.)
    Stmt stmt = db_.Prepare(
        "UPDATE jobs SET status = 'Running', updated_at_ms = ?1::bigint, "
        "attempts = attempts + 1, lease_owner = ?2, "
        "lease_expires_at_ms = ?1::bigint + ?3::bigint "
        "WHERE id = (SELECT id FROM jobs WHERE status = 'Queued' ORDER BY created_at_ms, id "
        "LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING " +
        std::string(kJobColumns));
    stmt.Bind(1, now_ms).Bind(2, lease_owner).Bind(3, lease_ms);
    std::optional<Job> job;
    if (stmt.Step()) {
      job = Row(stmt);
      while (stmt.Step()) {
      }
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return job;
  }

  Result<RecoveredJobs> RecoverExpired(int64_t max_attempts,
                                       const std::string& abandoned_message_json,
                                       int64_t now_ms) override {
    RecoveredJobs out;
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("UPDATE jobs SET status = 'Errored_Server', message = ?1, updated_at_ms = ?2, "
                    "lease_owner = '', lease_expires_at_ms = 0 "
                    "WHERE status = 'Running' AND lease_expires_at_ms <= ?2 AND attempts >= ?3")
            .Bind(1, abandoned_message_json)
            .Bind(2, now_ms)
            .Bind(3, max_attempts)
            .Exec());
    out.abandoned = static_cast<int64_t>(db_.Changes());
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("UPDATE jobs SET status = 'Queued', lease_owner = '', lease_expires_at_ms = 0 "
                    "WHERE status = 'Running' AND lease_expires_at_ms <= ?1")
            .Bind(1, now_ms)
            .Exec());
    out.requeued = static_cast<int64_t>(db_.Changes());
    return out;
  }

  Status RenewLease(const std::string& job_id, const std::string& lease_owner,
                    int64_t expires_at_ms) override {
    NUCLEUS_RETURN_IF_ERROR(db_.Prepare("UPDATE jobs SET lease_expires_at_ms = ?1 "
                                        "WHERE id = ?2 AND status = 'Running' AND lease_owner = ?3")
                                .Bind(1, expires_at_ms)
                                .Bind(2, job_id)
                                .Bind(3, lease_owner)
                                .Exec());
    if (db_.Changes() == 0) return LostLease(job_id);
    return Status::Ok();
  }

  // No row lock is needed: PostgresStore::Write serialises write transactions (an advisory lock),
  // so a takeover commits before this check or after the transaction that passed it, as with
  // SQLite (store/jobs.h's contract). A Read may call it too.
  Status HoldsLease(const std::string& job_id, const std::string& lease_owner) override {
    Stmt stmt =
        db_.Prepare("SELECT 1 FROM jobs WHERE id = ? AND status = 'Running' AND lease_owner = ?");
    stmt.Bind(1, job_id).Bind(2, lease_owner);
    if (stmt.Step()) return Status::Ok();
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return LostLease(job_id);
  }

  Result<std::vector<Job>> List(const JobFilter& f) override {
    // Placeholders are numbered in order of appearance: each optional term binds the next one
    // (PostgreSQL wants every numbered parameter used).
    std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE owner = ?";
    if (f.dataset_id) sql += " AND dataset_id = ?";
    if (f.from_ms) sql += " AND created_at_ms >= ?";
    if (f.to_ms) sql += " AND created_at_ms <= ?";
    if (!f.show_completed) sql += " AND status != 'Completed'";
    sql += " ORDER BY created_at_ms DESC, id DESC";
    Stmt stmt = db_.Prepare(sql);
    int p = 1;
    stmt.Bind(p++, f.owner);
    if (f.dataset_id) stmt.Bind(p++, *f.dataset_id);
    if (f.from_ms) stmt.Bind(p++, *f.from_ms);
    if (f.to_ms) stmt.Bind(p++, *f.to_ms);
    std::vector<Job> out;
    while (stmt.Step()) {
      if (static_cast<int64_t>(out.size()) >= f.limit) break;
      Job job = Row(stmt);
      if (!f.types.empty()) {
        bool wanted = false;
        for (const std::string& t : f.types) wanted = wanted || t == job.type;
        if (!wanted) continue;
      }
      out.push_back(std::move(job));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status AppendErrors(const std::string& job_id, const std::vector<std::string>& errors) override {
    Stmt stmt = db_.Prepare("INSERT INTO job_errors (job_id, error) VALUES (?, ?)");
    for (const std::string& e : errors) {
      stmt.Bind(1, job_id).Bind(2, e);
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      stmt.Reset();
    }
    return Status::Ok();
  }

  Result<std::vector<std::string>> Errors(const std::string& job_id, int64_t limit) override {
    Stmt stmt = db_.Prepare(
        "SELECT error FROM (SELECT seq, error FROM job_errors WHERE job_id = ? "
        "ORDER BY seq DESC LIMIT ?) recent ORDER BY seq");
    stmt.Bind(1, job_id).Bind(2, limit);
    std::vector<std::string> out;
    while (stmt.Step()) out.push_back(stmt.Text(0));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

 private:
  static Job Row(const Stmt& stmt) {
    Job j;
    j.id = stmt.Text(0);
    j.owner = stmt.Text(1);
    j.dataset_id = stmt.Text(2);
    j.type = stmt.Text(3);
    j.status = stmt.Text(4);
    j.request_json = stmt.Text(5);
    j.message_json = stmt.Text(6);
    j.completed_steps = stmt.Int(7);
    j.total_steps = stmt.Int(8);
    j.created_at_ms = stmt.Int(9);
    j.updated_at_ms = stmt.Int(10);
    j.status_reads = stmt.Int(11);
    j.attempts = stmt.Int(12);
    j.lease_owner = stmt.Text(13);
    j.lease_expires_at_ms = stmt.Int(14);
    j.checkpoint_position = stmt.Int(15);
    j.checkpoint_counters = CountersOf(stmt.View(16));
    return j;
  }

  static Status LostLease(const std::string& job_id) {
    return FailedPrecondition("lost the lease of job " + job_id +
                              ": another server took it over, or it ended");
  }

  Conn& db_;
};

// One row of "SELECT dataset_id, request_id, owner, blob_path, size_bytes, expires_at_ms,
// uploaded FROM uploads".
Upload ReadUpload(Stmt& stmt) {
  Upload u;
  u.dataset_id = stmt.Text(0);
  u.request_id = stmt.Text(1);
  u.owner = stmt.Text(2);
  u.blob_path = stmt.Text(3);
  u.size_bytes = stmt.Int(4);
  u.expires_at_ms = stmt.Int(5);
  u.uploaded = stmt.Int(6) != 0;
  return u;
}

class PostgresUploadRepo final : public UploadRepo {
 public:
  explicit PostgresUploadRepo(Conn& db) : db_(db) {}

  Status Put(const Upload& u) override {
    return db_
        .Prepare(
            "INSERT INTO uploads (dataset_id, request_id, owner, blob_path, size_bytes, "
            "expires_at_ms, uploaded) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (dataset_id, request_id) DO UPDATE SET expires_at_ms = "
            "excluded.expires_at_ms")
        .Bind(1, u.dataset_id)
        .Bind(2, u.request_id)
        .Bind(3, u.owner)
        .Bind(4, u.blob_path)
        .Bind(5, u.size_bytes)
        .Bind(6, u.expires_at_ms)
        .BindBool(7, u.uploaded)
        .Exec();
  }

  Result<std::optional<Upload>> Get(const std::string& dataset_id,
                                    const std::string& request_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT dataset_id, request_id, owner, blob_path, size_bytes, expires_at_ms, uploaded "
        "FROM uploads WHERE dataset_id = ? AND request_id = ?");
    stmt.Bind(1, dataset_id).Bind(2, request_id);
    if (stmt.Step()) return std::optional<Upload>(ReadUpload(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Upload>();
  }

  Status MarkUploaded(const std::string& dataset_id, const std::string& request_id,
                      const std::string& blob_path, int64_t size_bytes) override {
    return db_
        .Prepare(
            "UPDATE uploads SET blob_path = ?, size_bytes = ?, uploaded = 1 "
            "WHERE dataset_id = ? AND request_id = ?")
        .Bind(1, blob_path)
        .Bind(2, size_bytes)
        .Bind(3, dataset_id)
        .Bind(4, request_id)
        .Exec();
  }

  Result<std::vector<Upload>> ListExpiringBefore(int64_t expires_before_ms, int limit) override {
    Stmt stmt = db_.Prepare(
        "SELECT dataset_id, request_id, owner, blob_path, size_bytes, expires_at_ms, uploaded "
        "FROM uploads WHERE expires_at_ms < ? ORDER BY expires_at_ms LIMIT ?");
    stmt.Bind(1, expires_before_ms).Bind(2, static_cast<int64_t>(limit));
    std::vector<Upload> out;
    while (stmt.Step()) out.push_back(ReadUpload(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status Delete(const std::string& dataset_id, const std::string& request_id) override {
    return db_.Prepare("DELETE FROM uploads WHERE dataset_id = ? AND request_id = ?")
        .Bind(1, dataset_id)
        .Bind(2, request_id)
        .Exec();
  }

  Status ForEachReferencedBlob(const std::function<void(std::string_view name)>& fn) override {
    auto each = [&](const char* sql, const std::function<void(std::string_view)>& row) {
      Stmt stmt = db_.Prepare(sql);
      while (stmt.Step()) row(stmt.View(0));
      return stmt.status();
    };
    NUCLEUS_RETURN_IF_ERROR(each("SELECT blob_path FROM uploads WHERE blob_path <> ''", fn));
    // Job requests are JSON written by the api layer that name their payload as a string
    // "uploads/..." (under "payload" or "blob"); blob names never need escaping.
    NUCLEUS_RETURN_IF_ERROR(
        each("SELECT request FROM jobs WHERE status IN ('Queued', 'Running') "
             "AND request LIKE '%\"uploads/%'",
             [&](std::string_view request) {
               for (size_t at = request.find("\"uploads/"); at != std::string_view::npos;
                    at = request.find("\"uploads/", at + 1)) {
                 size_t end = request.find('"', at + 1);
                 if (end != std::string_view::npos) fn(request.substr(at + 1, end - at - 1));
               }
             }));
    // Served blobs appear in stored URLs as ".../blob/<name>"; a name ends at a quote.
    auto served = [&](std::string_view text, std::string_view marker) {
      for (size_t at = text.find(marker); at != std::string_view::npos;
           at = text.find(marker, at + 1)) {
        size_t start = at + std::string_view("/blob/").size();
        size_t end = text.find_first_of("\"\\", start);
        fn(text.substr(start, end == std::string_view::npos ? end : end - start));
      }
    };
    NUCLEUS_RETURN_IF_ERROR(each("SELECT image_url FROM items WHERE image_url LIKE '%/blob/img/%'",
                                 [&](std::string_view url) { served(url, "/blob/img/"); }));
    for (const char* sql : {"SELECT payload FROM annotations WHERE payload LIKE '%/blob/mask/%'",
                            "SELECT payload FROM predictions WHERE payload LIKE '%/blob/mask/%'"}) {
      NUCLEUS_RETURN_IF_ERROR(
          each(sql, [&](std::string_view payload) { served(payload, "/blob/mask/"); }));
    }
    return Status::Ok();
  }

 private:
  Conn& db_;
};

}  // namespace

std::unique_ptr<JobRepo> NewJobRepo(Conn& db) { return std::make_unique<PostgresJobRepo>(db); }
std::unique_ptr<UploadRepo> NewUploadRepo(Conn& db) {
  return std::make_unique<PostgresUploadRepo>(db);
}

}  // namespace nucleus::store::postgres
