#include "store/annotations.h"

#include <algorithm>
#include <span>

#include "store/json_text.h"
#include "store/sqlite/sqlite_repos.h"

namespace nucleus::store::sqlite {
namespace {

constexpr const char* kAnnotationColumns =
    "a.rowid, a.id, a.dataset_id, a.item_rowid, a.type, a.identity, a.annotation_id, a.label, "
    "a.payload, a.labels, a.geometry";

// Rows per multi-row INSERT of PutMany: one sqlite3_step writes this many annotations, which
// amortises the per-statement cost over the batch (as predictions do; docs/benchmarks.md,
// "Ground-truth annotate").
constexpr size_t kRowsPerStatement = 64;
constexpr int kParamsPerRow = 10;

// "INSERT ... VALUES (?,...),(?,...) ON CONFLICT ..." for `rows` rows; replaces keep the row
// and its id, as Put does.
std::string InsertSql(size_t rows, bool update) {
  std::string sql =
      "INSERT INTO annotations (id, dataset_id, item_rowid, type, identity, annotation_id, label, "
      "payload, labels, geometry) VALUES ";
  sql += PlaceholderRows(kParamsPerRow, rows);
  sql += update ? " ON CONFLICT (item_rowid, identity) DO UPDATE SET type = excluded.type, "
                  "annotation_id = excluded.annotation_id, label = excluded.label, "
                  "payload = excluded.payload, labels = excluded.labels, "
                  "geometry = excluded.geometry"
                : " ON CONFLICT (item_rowid, identity) DO NOTHING";
  return sql;
}

class SqliteAnnotationRepo final : public AnnotationRepo {
 public:
  explicit SqliteAnnotationRepo(Db& db) : db_(db) {}

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
      const size_t n = std::min(kRowsPerStatement, rows.size() - done);
      // Full chunks share one cached statement; the tail gets its own (also cached by text).
      Stmt stmt = db_.Prepare(SqlFor(n, update));
      int p = 1;
      for (size_t i = 0; i < n; ++i) {
        const AnnotationWrite& r = rows[done + i];
        std::string& labels = labels_[i];
        EncodeStringList(r.labels, &labels);
        stmt.BindStatic(p, r.id).BindStatic(p + 1, dataset_id).Bind(p + 2, r.item_rowid);
        stmt.BindStatic(p + 3, r.type).BindStatic(p + 4, r.identity);
        stmt.BindStatic(p + 5, r.annotation_id).BindStatic(p + 6, r.label);
        stmt.BindStatic(p + 7, r.payload_json).BindStatic(p + 8, labels);
        if (r.geometry.empty()) {
          stmt.BindNull(p + 9);  // missing: the start-up backfill derives it
        } else {
          stmt.BindBlobStatic(p + 9, r.geometry);
        }
        p += kParamsPerRow;
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      written += db_.Changes();
      done += n;
    }
    return written;
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
    // The dataset's rowid range (index only). When its rows are most of that range (the usual
    // case: one upload after another), the table is read in rowid order over the range, rows
    // of other datasets skipped; otherwise row by row through the index.
    int64_t first = 0, last = -1, count = 0;
    {
      Stmt range = db_.Prepare(
          "SELECT MIN(rowid), MAX(rowid), COUNT(*) FROM annotations WHERE dataset_id = ?");
      range.Bind(1, dataset_id);
      if (range.Step() && !range.IsNull(0)) {
        first = range.Int(0), last = range.Int(1), count = range.Int(2);
      }
      NUCLEUS_RETURN_IF_ERROR(range.status());
    }
    if (count == 0) return Status::Ok();
    const bool by_range = last - first + 1 <= 4 * count;
    Stmt stmt = db_.Prepare(
        by_range ? "SELECT a.rowid, a.item_rowid, i.seq, a.type, a.label, a.geometry "
                   "FROM annotations a NOT INDEXED CROSS JOIN items i ON i.rowid = a.item_rowid "
                   "WHERE a.rowid BETWEEN ?1 AND ?2 AND a.dataset_id = ?3"
                 : "SELECT a.rowid, a.item_rowid, i.seq, a.type, a.label, a.geometry "
                   "FROM annotations a CROSS JOIN items i ON i.rowid = a.item_rowid "
                   "WHERE a.dataset_id = ?3");  // ?1, ?2 unused
    stmt.Bind(1, first).Bind(2, last).Bind(3, dataset_id);
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
    // Category identities ("category:<taxonomy>", "multicategory:<taxonomy>") have the partial
    // index of migration v9, which SQLite uses only when the query repeats its WHERE term. Any
    // other identity is looked for among the dataset's rows.
    const bool category =
        identity.starts_with("category:") || identity.starts_with("multicategory:");
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare(category ? "DELETE FROM annotations WHERE dataset_id = ? AND identity = ? AND "
                               "(identity GLOB 'category:*' OR identity GLOB 'multicategory:*')"
                             : "DELETE FROM annotations WHERE dataset_id = ? AND identity = ?")
            .Bind(1, dataset_id)
            .Bind(2, identity)
            .Exec());
    return static_cast<int64_t>(db_.Changes());
  }

  Result<std::vector<std::string>> Labels(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT DISTINCT j.value FROM annotations a, json_each(a.labels) j "
        "WHERE a.dataset_id = ? ORDER BY 1");
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

  const std::string& SqlFor(size_t rows, bool update) {
    std::string& slot = sql_[update ? 1 : 0][rows];
    if (slot.empty()) slot = InsertSql(rows, update);
    return slot;
  }

  Db& db_;
  std::string sql_[2][kRowsPerStatement + 1];
  // The labels text of the rows of one statement, bound without copies; reused across calls.
  std::string labels_[kRowsPerStatement];
};

}  // namespace

std::unique_ptr<AnnotationRepo> NewAnnotationRepo(Db& db) {
  return std::make_unique<SqliteAnnotationRepo>(db);
}

}  // namespace nucleus::store::sqlite
