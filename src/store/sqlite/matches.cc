#include "store/matches.h"

#include <string>

#include "store/sqlite/repo_factories.h"

namespace nucleus::store::sqlite {
namespace {

// Rows per multi-row INSERT (as predictions.cc: one sqlite3_step writes a chunk).
constexpr size_t kRowsPerStatement = 64;
constexpr int kParamsPerRow = 21;

std::string InsertSql(size_t rows) {
  std::string sql =
      "INSERT INTO matches (set_rowid, seq, item_rowid, annotation_rowid, prediction_rowid, iou, "
      "labels_match, type, gt_label, pred_label, confidence, gt_x, gt_y, gt_w, gt_h, gt_area, "
      "pr_x, pr_y, pr_w, pr_h, pr_area) VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ',';
    sql += "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  }
  return sql;
}

constexpr const char* kRowColumns =
    "m.seq, m.item_rowid, m.annotation_rowid, m.prediction_rowid, m.iou, m.labels_match, m.type, "
    "m.gt_label, m.pred_label, m.confidence, m.gt_x, m.gt_y, m.gt_w, m.gt_h, m.gt_area, m.pr_x, "
    "m.pr_y, m.pr_w, m.pr_h, m.pr_area";

// Reads kRowColumns starting at column 0 into `out`; returns the seq.
int64_t FillRow(const Stmt& s, MatchRow* out) {
  out->item_rowid = s.Int(1);
  out->annotation_rowid = s.IsNull(2) ? 0 : s.Int(2);
  out->prediction_rowid = s.IsNull(3) ? 0 : s.Int(3);
  out->iou = s.Double(4);
  out->labels_match = s.Int(5) != 0;
  out->type.assign(s.View(6));
  out->gt_label.assign(s.View(7));
  out->pred_label.assign(s.View(8));
  out->confidence = s.IsNull(9) ? std::nullopt : std::optional<double>(s.Double(9));
  out->gt_box = {s.Double(10), s.Double(11), s.Double(12), s.Double(13)};
  out->gt_area = s.Double(14);
  out->pred_box = {s.Double(15), s.Double(16), s.Double(17), s.Double(18)};
  out->pred_area = s.Double(19);
  return s.Int(0);
}

// Columns 20..22 of a view: the public ids of the item, annotation and prediction.
constexpr const char* kViewJoins =
    ", i.id, a.id, p.id FROM matches m JOIN items i ON i.rowid = m.item_rowid "
    "LEFT JOIN annotations a ON a.rowid = m.annotation_rowid "
    "LEFT JOIN predictions p ON p.rowid = m.prediction_rowid ";

MatchView View(const Stmt& stmt) {
  MatchView v;
  v.seq = FillRow(stmt, &v.row);
  v.item_id = stmt.Text(20);
  if (!stmt.IsNull(21)) v.annotation_id = stmt.Text(21);
  if (!stmt.IsNull(22)) v.prediction_id = stmt.Text(22);
  return v;
}

class SqliteMatchRepo final : public MatchRepo {
 public:
  explicit SqliteMatchRepo(Db& db) : db_(db) {}

  Result<MatchSet> Replace(const std::string& key, int64_t run_rowid,
                           std::span<const MatchRow> rows, int64_t now_ms) override {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> existing, FindSet(key));
    MatchSet set;
    set.key = key;
    set.run_rowid = run_rowid;
    set.rows = static_cast<int64_t>(rows.size());
    set.created_at_ms = now_ms;
    if (existing) {
      set.rowid = existing->rowid;
      NUCLEUS_RETURN_IF_ERROR(db_.Prepare("DELETE FROM matches WHERE set_rowid = ?")
                                  .Bind(1, set.rowid)
                                  .Exec());
      NUCLEUS_RETURN_IF_ERROR(
          db_.Prepare("UPDATE match_sets SET run_rowid = ?, rows = ?, created_at_ms = ? "
                      "WHERE rowid = ?")
              .Bind(1, run_rowid)
              .Bind(2, set.rows)
              .Bind(3, now_ms)
              .Bind(4, set.rowid)
              .Exec());
    } else {
      NUCLEUS_RETURN_IF_ERROR(
          db_.Prepare("INSERT INTO match_sets (key, run_rowid, rows, created_at_ms) "
                      "VALUES (?, ?, ?, ?)")
              .Bind(1, key)
              .Bind(2, run_rowid)
              .Bind(3, set.rows)
              .Bind(4, now_ms)
              .Exec());
      set.rowid = db_.LastInsertRowid();
    }
    size_t done = 0;
    while (done < rows.size()) {
      const size_t n = std::min(kRowsPerStatement, rows.size() - done);
      std::string& sql = sql_[n];
      if (sql.empty()) sql = InsertSql(n);
      Stmt stmt = db_.Prepare(sql);
      int p = 1;
      for (size_t i = 0; i < n; ++i) {
        const MatchRow& r = rows[done + i];
        stmt.Bind(p, set.rowid).Bind(p + 1, static_cast<int64_t>(done + i));
        stmt.Bind(p + 2, r.item_rowid);
        if (r.annotation_rowid != 0) {
          stmt.Bind(p + 3, r.annotation_rowid);
        } else {
          stmt.BindNull(p + 3);
        }
        if (r.prediction_rowid != 0) {
          stmt.Bind(p + 4, r.prediction_rowid);
        } else {
          stmt.BindNull(p + 4);
        }
        stmt.Bind(p + 5, r.iou).BindBool(p + 6, r.labels_match).BindStatic(p + 7, r.type);
        stmt.BindStatic(p + 8, r.gt_label).BindStatic(p + 9, r.pred_label);
        if (r.confidence) {
          stmt.Bind(p + 10, *r.confidence);
        } else {
          stmt.BindNull(p + 10);
        }
        stmt.Bind(p + 11, r.gt_box.x).Bind(p + 12, r.gt_box.y).Bind(p + 13, r.gt_box.width);
        stmt.Bind(p + 14, r.gt_box.height).Bind(p + 15, r.gt_area);
        stmt.Bind(p + 16, r.pred_box.x).Bind(p + 17, r.pred_box.y);
        stmt.Bind(p + 18, r.pred_box.width).Bind(p + 19, r.pred_box.height);
        stmt.Bind(p + 20, r.pred_area);
        p += kParamsPerRow;
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      done += n;
    }
    return set;
  }

  Result<std::optional<MatchSet>> FindSet(const std::string& key) override {
    Stmt stmt = db_.Prepare(
        "SELECT rowid, key, run_rowid, rows, created_at_ms FROM match_sets WHERE key = ?");
    stmt.Bind(1, key);
    if (stmt.Step()) {
      MatchSet s;
      s.rowid = stmt.Int(0);
      s.key = stmt.Text(1);
      s.run_rowid = stmt.Int(2);
      s.rows = stmt.Int(3);
      s.created_at_ms = stmt.Int(4);
      return std::optional<MatchSet>(std::move(s));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<MatchSet>();
  }

  Status ForEach(int64_t set_rowid,
                 const std::function<Status(int64_t, const MatchRow&)>& fn) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRowColumns +
                            " FROM matches m JOIN items i ON i.rowid = m.item_rowid "
                            "WHERE m.set_rowid = ? ORDER BY m.seq");
    stmt.Bind(1, set_rowid);
    MatchRow row;
    while (stmt.Step()) {
      const int64_t seq = FillRow(stmt, &row);
      NUCLEUS_RETURN_IF_ERROR(fn(seq, row));
    }
    return stmt.status();
  }

  Result<std::vector<MatchView>> ViewsAt(int64_t set_rowid,
                                         std::span<const int64_t> seqs) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRowColumns + kViewJoins +
                            "WHERE m.set_rowid = ? AND m.seq = ?");
    std::vector<MatchView> out;
    for (int64_t seq : seqs) {
      stmt.Bind(1, set_rowid).Bind(2, seq);
      if (stmt.Step()) out.push_back(View(stmt));
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      stmt.Reset();
    }
    return out;
  }

  Result<std::vector<MatchView>> Page(int64_t set_rowid, MatchKind kind, int64_t from_seq,
                                      int64_t limit) override {
    const char* where = "";
    switch (kind) {
      case MatchKind::kAll: where = ""; break;
      case MatchKind::kPairs:
        where = " AND m.annotation_rowid IS NOT NULL AND m.prediction_rowid IS NOT NULL";
        break;
      case MatchKind::kFalsePositives: where = " AND m.annotation_rowid IS NULL"; break;
      case MatchKind::kFalseNegatives: where = " AND m.prediction_rowid IS NULL"; break;
    }
    Stmt stmt = db_.Prepare(
        std::string("SELECT ") + kRowColumns + kViewJoins + "WHERE m.set_rowid = ? AND m.seq >= ?" +
        where + " ORDER BY m.seq LIMIT ?");
    stmt.Bind(1, set_rowid).Bind(2, from_seq).Bind(3, limit);
    std::vector<MatchView> out;
    while (stmt.Step()) out.push_back(View(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status DeleteSet(const std::string& key) override {
    return db_.Prepare("DELETE FROM match_sets WHERE key = ?").Bind(1, key).Exec();
  }

 private:
  Db& db_;
  std::string sql_[kRowsPerStatement + 1];
};

}  // namespace

std::unique_ptr<MatchRepo> NewMatchRepo(Db& db) { return std::make_unique<SqliteMatchRepo>(db); }

}  // namespace nucleus::store::sqlite
