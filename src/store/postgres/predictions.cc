#include "store/predictions.h"

#include <algorithm>
#include <string>

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kPredictionColumns =
    "rowid, id, run_rowid, item_rowid, type, identity, annotation_id, label, confidence, payload, "
    "geometry";

// Rows per statement of PutMany: a batch goes as one array per column (ArrayParam), unnested
// into one INSERT, in insertion order (WITH ORDINALITY ... ORDER BY): one round trip and one
// prepared statement whatever the batch's size. The cap bounds the statement's memory.
constexpr size_t kRowsPerStatement = 10000;

constexpr const char* kInsertSql =
    "INSERT INTO predictions (run_rowid, item_rowid, identity, id, type, annotation_id, label, "
    "confidence, payload, geometry) "
    "SELECT ?, u.item_rowid, u.identity, u.id, u.type, u.annotation_id, u.label, u.confidence, "
    "u.payload, u.geometry FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], "
    "?::text[], ?::float8[], ?::text[], ?::bytea[]) WITH ORDINALITY AS u(item_rowid, identity, "
    "id, type, annotation_id, label, confidence, payload, geometry, ord) ORDER BY u.ord ";
constexpr const char* kInsertSqlIgnore =
    " ON CONFLICT (run_rowid, item_rowid, identity) DO NOTHING";
constexpr const char* kInsertSqlUpdate =
    " ON CONFLICT (run_rowid, item_rowid, identity) DO UPDATE SET "
    "type = excluded.type, annotation_id = excluded.annotation_id, "
    "label = excluded.label, confidence = excluded.confidence, "
    "payload = excluded.payload, geometry = excluded.geometry";

// The COPY path (PostgresOptions::BulkWrite::kCopy): the batch is streamed in binary into the
// connection's staging table, then one statement moves it into predictions, in batch order
// (`ord`), with the same ON CONFLICT clause as above; the DELETE ... RETURNING empties the
// staging table for the next batch of the transaction (ON COMMIT DELETE ROWS empties it at
// the end of each one).
constexpr const char* kStagingSql =
    "CREATE TEMP TABLE IF NOT EXISTS nucleus_stage_predictions (ord bigint, item_rowid bigint, "
    "identity text, id text, type text, annotation_id text, label text, confidence float8, "
    "payload text, geometry bytea) ON COMMIT DELETE ROWS;";
constexpr const char* kCopySql =
    "COPY nucleus_stage_predictions (ord, item_rowid, identity, id, type, annotation_id, label, "
    "confidence, payload, geometry) FROM STDIN (FORMAT binary)";
constexpr int kCopyFields = 10;
constexpr const char* kMergeSql =
    "WITH s AS (DELETE FROM nucleus_stage_predictions RETURNING *) "
    "INSERT INTO predictions (run_rowid, item_rowid, identity, id, type, annotation_id, label, "
    "confidence, payload, geometry) "
    "SELECT ?, s.item_rowid, s.identity, s.id, s.type, s.annotation_id, s.label, s.confidence, "
    "s.payload, s.geometry FROM s ORDER BY s.ord ";

// The column arrays of one PutMany statement, reused from batch to batch.
struct PredictionColumns {
  ArrayParam item_rowid{ArrayParam::kInt8}, identity{ArrayParam::kText}, id{ArrayParam::kText},
      type{ArrayParam::kText}, annotation_id{ArrayParam::kText}, label{ArrayParam::kText},
      confidence{ArrayParam::kFloat8}, payload{ArrayParam::kText}, geometry{ArrayParam::kBytea};
  ArrayParam* all[9] = {&item_rowid, &identity,   &id,      &type,    &annotation_id,
                        &label,      &confidence, &payload, &geometry};
};

// ReadItem's working buffers: the rows' text, where each row lies in it, and the refs.
struct ItemSpan {
  int64_t rowid;
  size_t type_at, payload_at, end;
};
struct ItemBuffers {
  bool busy = false;
  std::string text;
  std::vector<ItemSpan> spans;
  std::vector<PredictionRef> refs;
};
// Above this a thread's ReadItem buffers are freed after use rather than kept.
constexpr size_t kKeptBytes = size_t{256} * 1024;

class PostgresPredictionRepo final : public PredictionRepo {
 public:
  explicit PostgresPredictionRepo(Conn& db) : db_(db) {}

  Result<int64_t> PutMany(int64_t run_rowid, std::span<const PredictionWrite> rows,
                          bool update) override {
    return db_.bulk_copy() ? PutManyByCopy(run_rowid, rows, update)
                           : PutManyByUnnest(run_rowid, rows, update);
  }

  Result<int64_t> PutManyByCopy(int64_t run_rowid, std::span<const PredictionWrite> rows,
                                bool update) {
    int64_t written = 0;
    for (size_t done = 0; done < rows.size();) {
      const size_t n = std::min(kRowsPerStatement, rows.size() - done);
      copy_.Clear();
      int64_t ord = 0;
      for (const PredictionWrite& r : rows.subspan(done, n)) {
        copy_.BeginRow(kCopyFields);
        copy_.Add(ord++);
        copy_.Add(r.item_rowid);
        copy_.Add(r.identity);
        copy_.Add(r.id);
        copy_.Add(r.type);
        copy_.Add(r.annotation_id);
        copy_.Add(r.label);
        r.confidence ? copy_.Add(*r.confidence) : copy_.AddNull();
        copy_.Add(r.payload_json);
        // Empty: missing (NULL), which the start-up backfill derives.
        r.geometry.empty() ? copy_.AddNull() : copy_.Add(r.geometry);
      }
      NUCLEUS_RETURN_IF_ERROR(db_.CopyIn(kCopySql, copy_.Finish()));
      Stmt merge = db_.Prepare(update ? merge_update_sql_ : merge_ignore_sql_);
      NUCLEUS_RETURN_IF_ERROR(merge.Bind(1, run_rowid).Exec());
      written += db_.Changes();
      done += n;
    }
    return written;
  }

  Result<int64_t> PutManyByUnnest(int64_t run_rowid, std::span<const PredictionWrite> rows,
                                  bool update) {
    int64_t written = 0;
    PredictionColumns& c = columns_;
    for (size_t done = 0; done < rows.size();) {
      const size_t n = std::min(kRowsPerStatement, rows.size() - done);
      for (ArrayParam* a : c.all) a->Clear();
      for (const PredictionWrite& r : rows.subspan(done, n)) {
        c.item_rowid.Add(r.item_rowid);
        c.identity.Add(r.identity);
        c.id.Add(r.id);
        c.type.Add(r.type);
        c.annotation_id.Add(r.annotation_id);
        c.label.Add(r.label);
        r.confidence ? c.confidence.Add(*r.confidence) : c.confidence.AddNull();
        // Empty: missing (NULL), which the start-up backfill derives.
        r.geometry.empty() ? c.geometry.AddNull() : c.geometry.Add(r.geometry);
        c.payload.Add(r.payload_json);
      }
      Stmt stmt = db_.Prepare(update ? insert_update_sql_ : insert_ignore_sql_);
      stmt.Bind(1, run_rowid);
      for (int i = 0; i < 9; ++i) stmt.BindStatic(i + 2, c.all[i]->Bytes());
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      written += db_.Changes();
      done += n;
    }
    return written;
  }

  Status ReadItem(int64_t run_rowid, int64_t item_rowid,
                  const std::function<Status(std::span<const PredictionRef>)>& fn) override {
    // The identity index yields the rows in (run, item, identity) order, not rowid order; as in
    // store/sqlite, the rows' text goes into one buffer and the few refs are sorted by rowid
    // here rather than by the server.
    Stmt stmt = db_.Prepare(
        "SELECT rowid, type, payload FROM predictions WHERE run_rowid = ? AND item_rowid = ?");
    stmt.Bind(1, run_rowid).Bind(2, item_rowid);
    // The buffers are the thread's, reused across calls: a fresh 8 KiB buffer per request is a
    // "large" malloc, and each of those makes glibc consolidate its fast bins (a few % of the
    // server's CPU on refloc). A nested call (from `fn`) gets its own.
    thread_local ItemBuffers reused;
    ItemBuffers own;
    ItemBuffers& buf = reused.busy ? own : reused;
    buf.busy = true;
    struct Release {
      ItemBuffers& buf;
      ~Release() {
        buf.busy = false;
        if (buf.text.capacity() > kKeptBytes) buf = ItemBuffers();  // an unusually large item
      }
    } release{buf};
    std::vector<ItemSpan>& spans = buf.spans;
    std::vector<PredictionRef>& refs = buf.refs;
    std::string& text = buf.text;
    spans.clear();
    text.clear();
    while (stmt.Step()) {
      const size_t type_at = text.size();
      text += stmt.View(1);
      const size_t payload_at = text.size();
      text += stmt.View(2);
      spans.push_back(ItemSpan{stmt.Int(0), type_at, payload_at, text.size()});
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    std::sort(spans.begin(), spans.end(),
              [](const ItemSpan& a, const ItemSpan& b) { return a.rowid < b.rowid; });
    refs.assign(spans.size(), PredictionRef());
    const std::string_view all(text);
    for (size_t i = 0; i < spans.size(); ++i) {
      const ItemSpan& s = spans[i];
      refs[i].rowid = s.rowid;
      refs[i].item_rowid = item_rowid;
      refs[i].type = all.substr(s.type_at, s.payload_at - s.type_at);
      refs[i].payload_json = all.substr(s.payload_at, s.end - s.payload_at);
    }
    return fn(refs);
  }

  Result<std::optional<std::string>> FindPayloadByAnnotationId(
      int64_t run_rowid, int64_t item_rowid, std::string_view annotation_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT payload FROM predictions WHERE run_rowid = ? AND item_rowid = ? AND "
        "annotation_id = ? ORDER BY rowid LIMIT 1");
    stmt.Bind(1, run_rowid).Bind(2, item_rowid).Bind(3, annotation_id);
    if (stmt.Step()) return std::optional<std::string>(stmt.Text(0));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<std::string>();
  }

  Status ForEachInRun(int64_t run_rowid,
                      const std::function<Status(const Prediction&)>& fn) override {
    // Through a cursor (as ScanRun, ScanDataset, match sets): a run of millions of rows is
    // read a batch at a time.
    Stmt stmt = db_.Scan(std::string("SELECT ") + kPredictionColumns +
                         " FROM predictions WHERE run_rowid = ? ORDER BY item_rowid, rowid");
    stmt.Bind(1, run_rowid);
    Prediction p;
    while (stmt.Step()) {
      Fill(stmt, &p);
      NUCLEUS_RETURN_IF_ERROR(fn(p));
    }
    return stmt.status();
  }

  Result<RowidRange> RunRowidRange(int64_t run_rowid) override {
    // An index-only scan of the run's entries.
    Stmt stmt = db_.Prepare(
        "SELECT MIN(rowid), MAX(rowid), COUNT(*) FROM predictions WHERE run_rowid = ?");
    stmt.Bind(1, run_rowid);
    RowidRange range;
    if (stmt.Step() && !stmt.IsNull(0)) range = {stmt.Int(0), stmt.Int(1), stmt.Int(2)};
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return range;
  }

  Status ScanRun(int64_t run_rowid, int64_t first_rowid, int64_t last_rowid,
                 const std::function<Status(const PredictionRef&)>& fn) override {
    // The (run_rowid, rowid) index yields the range in order. The payload is not read: the
    // packed geometry stands for it.
    Stmt stmt = db_.Scan(
        "SELECT rowid, item_rowid, type, label, confidence, geometry FROM predictions "
        "WHERE run_rowid = ? AND rowid BETWEEN ? AND ? ORDER BY rowid");
    stmt.Bind(1, run_rowid).Bind(2, first_rowid).Bind(3, last_rowid);
    PredictionRef p;
    while (stmt.Step()) {
      p.rowid = stmt.Int(0);
      p.item_rowid = stmt.Int(1);
      p.type = stmt.View(2);
      p.label = stmt.View(3);
      p.confidence = stmt.IsNull(4) ? std::nullopt : std::optional<double>(stmt.Double(4));
      p.geometry = stmt.BlobView(5);
      NUCLEUS_RETURN_IF_ERROR(fn(p));
    }
    return stmt.status();
  }

  Result<std::vector<PayloadRow>> PayloadsWithoutGeometry(int64_t after_rowid,
                                                          int64_t limit) override {
    // `geometry IS NULL` matches the partial index predictions_without_geometry (v10).
    Stmt stmt = db_.Prepare(
        "SELECT rowid, type, payload FROM predictions WHERE geometry IS NULL AND rowid > ? "
        "ORDER BY rowid LIMIT ?");
    stmt.Bind(1, after_rowid).Bind(2, limit);
    std::vector<PayloadRow> out;
    while (stmt.Step()) out.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2)});
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status SetGeometry(int64_t rowid, std::string_view packed) override {
    return db_.Prepare("UPDATE predictions SET geometry = ? WHERE rowid = ?")
        .BindBlobStatic(1, packed)
        .Bind(2, rowid)
        .Exec();
  }

  Result<int64_t> CountByRun(int64_t run_rowid) override {
    Stmt stmt = db_.Prepare("SELECT COUNT(*) FROM predictions WHERE run_rowid = ?");
    stmt.Bind(1, run_rowid);
    int64_t n = 0;
    if (stmt.Step()) n = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return n;
  }

  Result<int64_t> DeleteByRun(int64_t run_rowid) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM predictions WHERE run_rowid = ?").Bind(1, run_rowid).Exec());
    return static_cast<int64_t>(db_.Changes());
  }

  Result<int64_t> DeleteSomeOfRun(int64_t run_rowid, int64_t limit) override {
    NUCLEUS_RETURN_IF_ERROR(db_.Prepare("DELETE FROM predictions WHERE rowid IN (SELECT rowid FROM "
                                        "predictions WHERE run_rowid = ? LIMIT ?)")
                                .Bind(1, run_rowid)
                                .Bind(2, limit)
                                .Exec());
    return static_cast<int64_t>(db_.Changes());
  }

 private:

  static void Fill(const Stmt& stmt, Prediction* p) {
    p->rowid = stmt.Int(0);
    p->id.assign(stmt.View(1));
    p->run_rowid = stmt.Int(2);
    p->item_rowid = stmt.Int(3);
    p->type.assign(stmt.View(4));
    p->identity.assign(stmt.View(5));
    p->annotation_id.assign(stmt.View(6));
    p->label.assign(stmt.View(7));
    p->confidence = stmt.IsNull(8) ? std::nullopt : std::optional<double>(stmt.Double(8));
    p->payload_json.assign(stmt.View(9));
    p->geometry.assign(stmt.BlobView(10));
  }

  Conn& db_;
  PredictionColumns columns_;
  const std::string insert_ignore_sql_ = std::string(kInsertSql) + kInsertSqlIgnore;
  const std::string insert_update_sql_ = std::string(kInsertSql) + kInsertSqlUpdate;
  CopyRows copy_;
  const std::string merge_ignore_sql_ = std::string(kMergeSql) + kInsertSqlIgnore;
  const std::string merge_update_sql_ = std::string(kMergeSql) + kInsertSqlUpdate;
};

}  // namespace

std::string StagingTablesSql() { return kStagingSql + AnnotationStagingSql(); }

std::unique_ptr<PredictionRepo> NewPredictionRepo(Conn& db) {
  return std::make_unique<PostgresPredictionRepo>(db);
}

}  // namespace nucleus::store::postgres
