#include "store/annotations.h"

#include <algorithm>
#include <span>
#include <unordered_set>

#include "store/json_text.h"
#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kAnnotationColumns =
    "a.rowid, a.id, a.dataset_id, a.item_rowid, a.type, a.identity, a.annotation_id, a.label, "
    "a.payload, a.labels, a.geometry";

// Rows per statement of PutMany: the batch goes as one array per column, unnested into one
// INSERT in insertion order (as predictions do, postgres/predictions.cc). Replaces keep the row
// and its id, as Put does.
constexpr size_t kRowsPerStatement = 10000;

constexpr const char* kInsertSql =
    "INSERT INTO annotations (id, dataset_id, item_rowid, type, identity, annotation_id, label, "
    "payload, labels, geometry) "
    "SELECT u.id, ?, u.item_rowid, u.type, u.identity, u.annotation_id, u.label, u.payload, "
    "u.labels, u.geometry FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], "
    "?::text[], ?::text[], ?::text[], ?::bytea[]) WITH ORDINALITY AS u(id, item_rowid, type, "
    "identity, annotation_id, label, payload, labels, geometry, ord) ORDER BY u.ord ";
constexpr const char* kInsertSqlIgnore = " ON CONFLICT (item_rowid, identity) DO NOTHING";
constexpr const char* kInsertSqlUpdate =
    " ON CONFLICT (item_rowid, identity) DO UPDATE SET type = excluded.type, "
    "annotation_id = excluded.annotation_id, label = excluded.label, "
    "payload = excluded.payload, labels = excluded.labels, geometry = excluded.geometry";

// The COPY path (PostgresOptions::BulkWrite::kCopy), as predictions': each statement's rows
// are streamed into the connection's staging table, then merged in order by one statement
// that also empties the staging table.
constexpr const char* kStagingSql =
    "CREATE TEMP TABLE IF NOT EXISTS nucleus_stage_annotations (ord bigint, id text, "
    "item_rowid bigint, type text, identity text, annotation_id text, label text, payload text, "
    "labels text, geometry bytea) ON COMMIT DELETE ROWS;";
constexpr const char* kCopySql =
    "COPY nucleus_stage_annotations (ord, id, item_rowid, type, identity, annotation_id, label, "
    "payload, labels, geometry) FROM STDIN (FORMAT binary)";
constexpr int kCopyFields = 10;
constexpr const char* kMergeSql =
    "WITH s AS (DELETE FROM nucleus_stage_annotations RETURNING *) "
    "INSERT INTO annotations (id, dataset_id, item_rowid, type, identity, annotation_id, label, "
    "payload, labels, geometry) "
    "SELECT s.id, ?, s.item_rowid, s.type, s.identity, s.annotation_id, s.label, s.payload, "
    "s.labels, s.geometry FROM s ORDER BY s.ord ";

// The column arrays of one PutMany statement, reused from batch to batch.
struct AnnotationColumns {
  ArrayParam id{ArrayParam::kText}, item_rowid{ArrayParam::kInt8}, type{ArrayParam::kText},
      identity{ArrayParam::kText}, annotation_id{ArrayParam::kText}, label{ArrayParam::kText},
      payload{ArrayParam::kText}, labels{ArrayParam::kText}, geometry{ArrayParam::kBytea};
  ArrayParam* all[9] = {&id,    &item_rowid, &type,   &identity,  &annotation_id,
                        &label, &payload,    &labels, &geometry};
};

// (item_rowid, identity) of a row, to find a repeat within one statement.
struct RowKey {
  int64_t item_rowid;
  std::string_view identity;
  bool operator==(const RowKey&) const = default;
};
struct RowKeyHash {
  size_t operator()(const RowKey& k) const {
    return std::hash<std::string_view>{}(k.identity) ^ static_cast<size_t>(k.item_rowid);
  }
};

class PostgresAnnotationRepo final : public AnnotationRepo {
 public:
  explicit PostgresAnnotationRepo(Conn& db) : db_(db) {}

  Result<PutOutcome> Put(const Annotation& a, bool update) override {
    // One statement decides: insert, replace in place (keeping the row and its id), or ignore.
    Stmt stmt = db_.Prepare(
        update ? "INSERT INTO annotations (id, dataset_id, item_rowid, type, identity, "
                 "annotation_id, label, payload, labels, geometry) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (item_rowid, identity) DO UPDATE SET type = excluded.type, "
                 "annotation_id = excluded.annotation_id, label = excluded.label, "
                 "payload = excluded.payload, labels = excluded.labels, "
                 "geometry = excluded.geometry RETURNING (id = ?)"
               : "INSERT INTO annotations (id, dataset_id, item_rowid, type, identity, "
                 "annotation_id, label, payload, labels, geometry) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (item_rowid, identity) DO NOTHING RETURNING 1");
    stmt.Bind(1, a.id)
        .Bind(2, a.dataset_id)
        .Bind(3, a.item_rowid)
        .Bind(4, a.type)
        .Bind(5, a.identity)
        .Bind(6, a.annotation_id)
        .Bind(7, a.label)
        .Bind(8, a.payload_json)
        .Bind(9, EncodeStringList(a.labels));
    if (a.geometry.empty()) {
      stmt.BindNull(10);  // missing: the start-up backfill derives it
    } else {
      stmt.BindBlobStatic(10, a.geometry);
    }
    if (update) stmt.Bind(11, a.id);
    PutOutcome outcome = PutOutcome::kIgnored;
    if (stmt.Step()) {
      outcome = (!update || stmt.Int(0) != 0) ? PutOutcome::kInserted : PutOutcome::kReplaced;
      while (stmt.Step()) {
      }
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return outcome;
  }

  Result<int64_t> PutMany(const std::string& dataset_id, std::span<const AnnotationWrite> rows,
                          bool update) override {
    int64_t written = 0;
    size_t done = 0;
    while (done < rows.size()) {
      const size_t n = ChunkSize(rows.subspan(done), update);
      if (db_.bulk_copy()) {
        NUCLEUS_ASSIGN_OR_RETURN(int64_t merged,
                                 MergeByCopy(dataset_id, rows.subspan(done, n), update));
        written += merged;
        done += n;
        continue;
      }
      AnnotationColumns& c = columns_;
      for (ArrayParam* a : c.all) a->Clear();
      for (const AnnotationWrite& r : rows.subspan(done, n)) {
        EncodeStringList(r.labels, &labels_);
        c.id.Add(r.id);
        c.item_rowid.Add(r.item_rowid);
        c.type.Add(r.type);
        c.identity.Add(r.identity);
        c.annotation_id.Add(r.annotation_id);
        c.label.Add(r.label);
        c.payload.Add(r.payload_json);
        c.labels.Add(labels_);
        // Empty: missing (NULL), which the start-up backfill derives.
        r.geometry.empty() ? c.geometry.AddNull() : c.geometry.Add(r.geometry);
      }
      Stmt stmt = db_.Prepare(update ? insert_update_sql_ : insert_ignore_sql_);
      stmt.BindStatic(1, dataset_id);
      for (int i = 0; i < 9; ++i) stmt.BindStatic(i + 2, c.all[i]->Bytes());
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      written += db_.Changes();
      done += n;
    }
    return written;
  }

  // One statement's rows (no repeated identity) through the staging table.
  Result<int64_t> MergeByCopy(const std::string& dataset_id, std::span<const AnnotationWrite> rows,
                              bool update) {
    copy_.Clear();
    int64_t ord = 0;
    for (const AnnotationWrite& r : rows) {
      EncodeStringList(r.labels, &labels_);
      copy_.BeginRow(kCopyFields);
      copy_.Add(ord++);
      copy_.Add(r.id);
      copy_.Add(r.item_rowid);
      copy_.Add(r.type);
      copy_.Add(r.identity);
      copy_.Add(r.annotation_id);
      copy_.Add(r.label);
      copy_.Add(r.payload_json);
      copy_.Add(labels_);
      // Empty: missing (NULL), which the start-up backfill derives.
      r.geometry.empty() ? copy_.AddNull() : copy_.Add(r.geometry);
    }
    NUCLEUS_RETURN_IF_ERROR(db_.CopyIn(kCopySql, copy_.Finish()));
    Stmt merge = db_.Prepare(update ? merge_update_sql_ : merge_ignore_sql_);
    NUCLEUS_RETURN_IF_ERROR(merge.BindStatic(1, dataset_id).Exec());
    return db_.Changes();
  }

  Result<std::vector<Annotation>> ListByItem(int64_t item_rowid) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kAnnotationColumns +
                            " FROM annotations a WHERE a.item_rowid = ? ORDER BY a.rowid");
    stmt.Bind(1, item_rowid);
    return Many(stmt);
  }

  Result<std::optional<Annotation>> FindByAnnotationId(int64_t item_rowid,
                                                       std::string_view annotation_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kAnnotationColumns +
                            " FROM annotations a WHERE a.item_rowid = ? AND a.annotation_id = ? "
                            "ORDER BY a.rowid LIMIT 1");
    stmt.Bind(1, item_rowid).Bind(2, annotation_id);
    if (stmt.Step()) return std::optional<Annotation>(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Annotation>();
  }

  Result<std::vector<Annotation>> ListByDataset(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kAnnotationColumns +
                            " FROM annotations a JOIN items i ON i.rowid = a.item_rowid "
                            "WHERE a.dataset_id = ? ORDER BY i.seq, a.rowid");
    stmt.Bind(1, dataset_id);
    return Many(stmt);
  }

  Status ScanDataset(const std::string& dataset_id,
                     const std::function<Status(const AnnotationRef&)>& fn) override {
    // One join; PostgreSQL's planner picks the scan (SQLite needed a rowid-range hint).
    Stmt stmt = db_.Scan(
        "SELECT a.rowid, a.item_rowid, i.seq, a.type, a.label, a.geometry "
        "FROM annotations a JOIN items i ON i.rowid = a.item_rowid WHERE a.dataset_id = ?");
    stmt.Bind(1, dataset_id);
    AnnotationRef a;
    while (stmt.Step()) {
      a.rowid = stmt.Int(0);
      a.item_rowid = stmt.Int(1);
      a.item_seq = stmt.Int(2);
      a.type = stmt.View(3);
      a.label = stmt.View(4);
      a.geometry = stmt.BlobView(5);
      NUCLEUS_RETURN_IF_ERROR(fn(a));
    }
    return stmt.status();
  }

  Result<std::vector<PayloadRow>> PayloadsWithoutGeometry(int64_t after_rowid,
                                                          int64_t limit) override {
    // `geometry IS NULL` matches the partial index annotations_without_geometry (v10).
    Stmt stmt = db_.Prepare(
        "SELECT rowid, type, payload FROM annotations WHERE geometry IS NULL AND rowid > ? "
        "ORDER BY rowid LIMIT ?");
    stmt.Bind(1, after_rowid).Bind(2, limit);
    std::vector<PayloadRow> out;
    while (stmt.Step()) out.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2)});
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status SetGeometry(int64_t rowid, std::string_view packed) override {
    return db_.Prepare("UPDATE annotations SET geometry = ? WHERE rowid = ?")
        .BindBlobStatic(1, packed)
        .Bind(2, rowid)
        .Exec();
  }

  Result<int64_t> DeleteByItem(int64_t item_rowid) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM annotations WHERE item_rowid = ?").Bind(1, item_rowid).Exec());
    return static_cast<int64_t>(db_.Changes());
  }

  Result<int64_t> DeleteByIds(const std::vector<std::string>& ids) override {
    int64_t total = 0;
    Stmt stmt = db_.Prepare("DELETE FROM annotations WHERE id = ?");
    for (const std::string& id : ids) {
      stmt.Bind(1, id);
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      total += db_.Changes();
      stmt.Reset();
    }
    return total;
  }

  Result<int64_t> DeleteByIdentity(const std::string& dataset_id,
                                   const std::string& identity) override {
    // Category identities ("category:<taxonomy>", "multicategory:<taxonomy>") have a partial
    // index, which the planner uses only when the query repeats its WHERE term. Any other
    // identity is looked for among the dataset's rows.
    const bool category =
        identity.starts_with("category:") || identity.starts_with("multicategory:");
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare(category ? "DELETE FROM annotations WHERE dataset_id = ? AND identity = ? AND "
                               "(identity LIKE 'category:%' OR identity LIKE 'multicategory:%')"
                             : "DELETE FROM annotations WHERE dataset_id = ? AND identity = ?")
            .Bind(1, dataset_id)
            .Bind(2, identity)
            .Exec());
    return static_cast<int64_t>(db_.Changes());
  }

  Result<std::vector<std::string>> Labels(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT DISTINCT j.value COLLATE \"C\" FROM annotations a, "
        "json_array_elements_text(a.labels::json) AS j(value) WHERE a.dataset_id = ? ORDER BY 1");
    stmt.Bind(1, dataset_id);
    std::vector<std::string> out;
    while (stmt.Step()) out.push_back(stmt.Text(0));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

 private:
  Result<std::vector<Annotation>> Many(Stmt& stmt) {
    std::vector<Annotation> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  static Annotation Row(const Stmt& stmt) {
    Annotation a;
    a.rowid = stmt.Int(0);
    a.id = stmt.Text(1);
    a.dataset_id = stmt.Text(2);
    a.item_rowid = stmt.Int(3);
    a.type = stmt.Text(4);
    a.identity = stmt.Text(5);
    a.annotation_id = stmt.Text(6);
    a.label = stmt.Text(7);
    a.payload_json = stmt.Text(8);
    a.labels = DecodeStringList(stmt.Text(9));
    a.geometry = std::string(stmt.BlobView(10));
    return a;
  }

  // Rows of the next statement: up to kRowsPerStatement, and when `update`, ending before a
  // row whose (item_rowid, identity) an earlier row of the statement has. PostgreSQL refuses
  // to update one row twice in one INSERT ... ON CONFLICT DO UPDATE; run by the next
  // statement, the repeat meets the earlier row as existing, as the contract says.
  size_t ChunkSize(std::span<const AnnotationWrite> rows, bool update) {
    const size_t limit = std::min(kRowsPerStatement, rows.size());
    if (!update) return limit;  // DO NOTHING skips a repeat within the statement itself
    seen_.clear();
    for (size_t i = 0; i < limit; ++i) {
      if (!seen_.insert(RowKey{rows[i].item_rowid, rows[i].identity}).second) return i;
    }
    return limit;
  }


  Conn& db_;
  AnnotationColumns columns_;
  std::string labels_;  // one row's labels text, reused
  std::unordered_set<RowKey, RowKeyHash> seen_;  // ChunkSize's keys, reused
  const std::string insert_ignore_sql_ = std::string(kInsertSql) + kInsertSqlIgnore;
  const std::string insert_update_sql_ = std::string(kInsertSql) + kInsertSqlUpdate;
  CopyRows copy_;
  const std::string merge_ignore_sql_ = std::string(kMergeSql) + kInsertSqlIgnore;
  const std::string merge_update_sql_ = std::string(kMergeSql) + kInsertSqlUpdate;
};

}  // namespace

std::string AnnotationStagingSql() { return kStagingSql; }

std::unique_ptr<AnnotationRepo> NewAnnotationRepo(Conn& db) {
  return std::make_unique<PostgresAnnotationRepo>(db);
}

}  // namespace nucleus::store::postgres
