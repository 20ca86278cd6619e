#include "store/items.h"

#include <algorithm>

#include "store/sqlite/sqlite_repos.h"

namespace nucleus::store::sqlite {
namespace {

// Rows per multi-row INSERT of InsertMany: one sqlite3_step writes this many items, which
// amortises the per-statement cost over the batch (docs/benchmarks.md, "Item append").
constexpr size_t kRowsPerStatement = 64;
constexpr int kParamsPerRow = 10;

// Reference ids per lookup statement of ResolveRefs.
constexpr size_t kRefsPerLookup = 128;
// ResolveRefs walks the index between a batch's first and last id (ScanRefRange) for batches of
// at least this many ids, reading at most this many index entries per id before it gives up.
constexpr size_t kMinRefsForRangeScan = 32;
constexpr size_t kRangeScanRowsPerRef = 2;

std::string LookupSql(size_t refs) {
  std::string sql =
      "SELECT reference_id, rowid FROM items WHERE dataset_id = ? AND reference_id IN (";
  for (size_t i = 0; i < refs; ++i) sql += i > 0 ? ",?" : "?";
  sql += ")";
  return sql;
}

std::string InsertManySql(size_t rows) {
  std::string sql =
      "INSERT INTO items (rowid, id, dataset_id, seq, reference_id, image_url, pointcloud_url, "
      "metadata, extra, scene_id) VALUES ";
  sql += PlaceholderRows(kParamsPerRow, rows);
  return sql;
}

constexpr const char* kItemColumns =
    "rowid, id, dataset_id, seq, reference_id, image_url, pointcloud_url, metadata, extra, "
    "scene_id";

class SqliteItemRepo final : public ItemRepo {
 public:
  explicit SqliteItemRepo(Db& db) : db_(db) {}

  Status Insert(Item* item) override {
    int64_t seq = 1;
    {
      // The dataset's high-water mark, never MAX(seq) + 1: a deleted last position is not
      // handed out again (a pager holding `seq > token` would skip the new one).
      Stmt stmt = db_.Prepare(
          "UPDATE datasets SET item_seq_hwm = item_seq_hwm + 1 WHERE id = ? "
          "RETURNING item_seq_hwm");
      stmt.Bind(1, item->dataset_id);
      if (stmt.Step()) seq = stmt.Int(0);
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
    }
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("INSERT INTO items (id, dataset_id, seq, reference_id, image_url, "
                    "pointcloud_url, metadata, extra, scene_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .Bind(1, item->id)
            .Bind(2, item->dataset_id)
            .Bind(3, seq)
            .Bind(4, item->reference_id)
            .Bind(5, item->image_url)
            .Bind(6, item->pointcloud_url)
            .Bind(7, item->metadata_json)
            .Bind(8, item->extra_json)
            .Bind(9, item->scene_id)
            .Exec());
    item->rowid = db_.LastInsertRowid();
    item->seq = seq;
    return Status::Ok();
  }

  Status InsertMany(const std::string& dataset_id, std::span<Item> items) override {
    if (items.empty()) return Status::Ok();
    // All or nothing (store/items.h): a unique key refusing one row undoes the batch's rows and
    // its positions.
    NUCLEUS_RETURN_IF_ERROR(db_.Prepare("SAVEPOINT insert_many").Exec());
    Status status = InsertRows(dataset_id, items);
    if (!status.ok()) (void)db_.Prepare("ROLLBACK TO insert_many").Exec();
    Status released = db_.Prepare("RELEASE insert_many").Exec();
    return status.ok() ? released : status;
  }

  Status InsertRows(const std::string& dataset_id, std::span<Item> items) {
    const auto n = static_cast<int64_t>(items.size());
    int64_t last_seq = 0, last_rowid = 0;
    {
      // One bump of the high-water mark (see Insert) reserves the batch's positions.
      Stmt stmt = db_.Prepare(
          "UPDATE datasets SET item_seq_hwm = item_seq_hwm + ? WHERE id = ? "
          "RETURNING item_seq_hwm");
      stmt.Bind(1, n).Bind(2, dataset_id);
      if (stmt.Step()) last_seq = stmt.Int(0);
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      if (last_seq == 0) return NotFound("no dataset " + dataset_id);
    }
    {
      // The rowids SQLite would pick for one insert after another (largest + 1), named here so
      // each item learns its own from a multi-row statement.
      Stmt stmt = db_.Prepare("SELECT COALESCE(MAX(rowid), 0) FROM items");
      if (stmt.Step()) last_rowid = stmt.Int(0);
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
    }
    for (int64_t i = 0; i < n; ++i) {
      items[static_cast<size_t>(i)].rowid = last_rowid + 1 + i;
      items[static_cast<size_t>(i)].seq = last_seq - n + 1 + i;
    }
    for (size_t done = 0; done < items.size();) {
      const size_t rows = std::min(kRowsPerStatement, items.size() - done);
      std::string& sql = insert_sql_[rows];
      if (sql.empty()) sql = InsertManySql(rows);
      Stmt stmt = db_.Prepare(sql);
      int p = 1;
      for (size_t i = done; i < done + rows; ++i, p += kParamsPerRow) {
        const Item& item = items[i];
        stmt.Bind(p, item.rowid).BindStatic(p + 1, item.id).BindStatic(p + 2, dataset_id);
        stmt.Bind(p + 3, item.seq).BindStatic(p + 4, item.reference_id);
        stmt.BindStatic(p + 5, item.image_url).BindStatic(p + 6, item.pointcloud_url);
        stmt.BindStatic(p + 7, item.metadata_json).BindStatic(p + 8, item.extra_json);
        stmt.BindStatic(p + 9, item.scene_id);
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      done += rows;
    }
    return Status::Ok();
  }

  Status Replace(const Item& item) override {
    return db_
        .Prepare(
            "UPDATE items SET reference_id = ?, image_url = ?, pointcloud_url = ?, metadata = ?, "
            "extra = ?, scene_id = ? WHERE rowid = ?")
        .Bind(1, item.reference_id)
        .Bind(2, item.image_url)
        .Bind(3, item.pointcloud_url)
        .Bind(4, item.metadata_json)
        .Bind(5, item.extra_json)
        .Bind(6, item.scene_id)
        .Bind(7, item.rowid)
        .Exec();
  }

  Status UpdateMetadata(int64_t rowid, const std::string& metadata_json) override {
    return db_.Prepare("UPDATE items SET metadata = ? WHERE rowid = ?")
        .Bind(1, metadata_json)
        .Bind(2, rowid)
        .Exec();
  }

  Result<std::optional<Item>> FindByRef(const std::string& dataset_id,
                                        std::string_view reference_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kItemColumns +
                            " FROM items WHERE dataset_id = ? AND reference_id = ?");
    stmt.Bind(1, dataset_id).Bind(2, reference_id);
    return One(stmt);
  }

  Result<std::optional<Item>> FindById(const std::string& dataset_id,
                                       std::string_view item_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kItemColumns +
                            " FROM items WHERE dataset_id = ? AND id = ?");
    stmt.Bind(1, dataset_id).Bind(2, item_id);
    return One(stmt);
  }

  Result<std::optional<Item>> FindByRowid(int64_t rowid) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kItemColumns + " FROM items WHERE rowid = ?");
    stmt.Bind(1, rowid);
    return One(stmt);
  }

  Result<std::optional<Item>> FindByIndex(const std::string& dataset_id, int64_t index) override {
    if (index < 0) return std::optional<Item>();
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kItemColumns +
                            " FROM items WHERE dataset_id = ? ORDER BY seq LIMIT 1 OFFSET ?");
    stmt.Bind(1, dataset_id).Bind(2, index);
    return One(stmt);
  }

  Result<std::optional<int64_t>> FindRowidByRef(const std::string& dataset_id,
                                                std::string_view reference_id) override {
    Stmt stmt = db_.Prepare("SELECT rowid FROM items WHERE dataset_id = ? AND reference_id = ?");
    stmt.Bind(1, dataset_id).Bind(2, reference_id);
    return OneRowid(stmt);
  }

  Result<std::optional<int64_t>> FindRowidByIndex(const std::string& dataset_id,
                                                  int64_t index) override {
    if (index < 0) return std::optional<int64_t>();
    // Still a walk over `index` entries of the (dataset_id, seq) index: seq has gaps after
    // deletions, so position `index` is not seq `index + 1`. The walk stays in that index
    // (it holds the rowid), never touching the table.
    Stmt stmt =
        db_.Prepare("SELECT rowid FROM items WHERE dataset_id = ? ORDER BY seq LIMIT 1 OFFSET ?");
    stmt.Bind(1, dataset_id).Bind(2, index);
    return OneRowid(stmt);
  }

  Result<std::vector<Item>> List(const std::string& dataset_id, int64_t after_seq,
                                 int64_t limit) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kItemColumns +
                            " FROM items WHERE dataset_id = ? AND seq > ? ORDER BY seq LIMIT ?");
    stmt.Bind(1, dataset_id).Bind(2, after_seq).Bind(3, limit);
    std::vector<Item> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<int64_t> CountBefore(const std::string& dataset_id, int64_t seq) override {
    // A range of the (dataset_id, seq) index, counted without reading the rows.
    Stmt stmt = db_.Prepare("SELECT COUNT(*) FROM items WHERE dataset_id = ? AND seq < ?");
    stmt.Bind(1, dataset_id).Bind(2, seq);
    int64_t n = 0;
    if (stmt.Step()) n = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return n;
  }

  Result<int64_t> Count(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare("SELECT COUNT(*) FROM items WHERE dataset_id = ?");
    stmt.Bind(1, dataset_id);
    int64_t n = 0;
    if (stmt.Step()) n = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return n;
  }

  Result<std::unordered_map<std::string, int64_t>> ResolveRefs(
      const std::string& dataset_id, const std::vector<std::string>& reference_ids) override {
    std::unordered_map<std::string, int64_t> out;
    out.reserve(reference_ids.size());
    std::vector<std::string_view> sorted(reference_ids.begin(), reference_ids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    if (sorted.size() >= kMinRefsForRangeScan) {
      std::vector<char> decided(sorted.size(), 0);
      NUCLEUS_ASSIGN_OR_RETURN(bool complete, ScanRefRange(dataset_id, sorted, &out, &decided));
      if (complete) return out;
      size_t kept = 0;  // the ids the walk did not reach, looked up below
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (!decided[i]) sorted[kept++] = sorted[i];
      }
      sorted.resize(kept);
    }
    // Up to kRefsPerLookup ids per statement: one step per found item instead of a statement
    // (bind, step, reset) per id.
    for (size_t done = 0; done < sorted.size();) {
      const size_t n = std::min(kRefsPerLookup, sorted.size() - done);
      std::string& sql = lookup_sql_[n];
      if (sql.empty()) sql = LookupSql(n);
      Stmt stmt = db_.Prepare(sql);
      stmt.BindStatic(1, dataset_id);
      for (size_t i = 0; i < n; ++i) {
        stmt.BindStatic(static_cast<int>(i) + 2, sorted[done + i]);
      }
      while (stmt.Step()) out.emplace(stmt.View(0), stmt.Int(1));
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      done += n;
    }
    return out;
  }

  Result<int64_t> DeletionCount(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare("SELECT item_deletions FROM datasets WHERE id = ?");
    stmt.Bind(1, dataset_id);
    int64_t n = 0;
    if (stmt.Step()) n = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return n;
  }

  Status Delete(int64_t rowid) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("UPDATE datasets SET item_deletions = item_deletions + 1 WHERE id = "
                    "(SELECT dataset_id FROM items WHERE rowid = ?)")
            .Bind(1, rowid)
            .Exec());
    return db_.Prepare("DELETE FROM items WHERE rowid = ?").Bind(1, rowid).Exec();
  }

 private:
  // The sorted, distinct `refs` looked for by walking the dataset's reference-id index once from
  // the first to the last of them, as a merge join: far cheaper per id than a lookup each when
  // the batch is dense in that order (items uploaded together share a prefix or a zero-padded
  // counter), and new ids cost nothing when no stored id falls among them. The walk stops after
  // a few entries per id (kRangeScanRowsPerRef): false then, with `out` holding what was found
  // and `decided[i]` set for each id the walk reached (found, or known absent); the caller looks
  // the others up one by one.
  Result<bool> ScanRefRange(const std::string& dataset_id, const std::vector<std::string_view>& refs,
                            std::unordered_map<std::string, int64_t>* out,
                            std::vector<char>* decided) {
    const auto limit = static_cast<int64_t>(refs.size() * kRangeScanRowsPerRef);
    Stmt stmt = db_.Prepare(
        "SELECT reference_id, rowid FROM items WHERE dataset_id = ?1 AND reference_id >= ?2 AND "
        "reference_id <= ?3 ORDER BY reference_id LIMIT ?4");
    stmt.BindStatic(1, dataset_id).BindStatic(2, refs.front()).BindStatic(3, refs.back());
    stmt.Bind(4, limit);
    int64_t rows = 0;
    size_t next = 0;  // refs[next] is the smallest id not yet passed by the walk
    while (stmt.Step()) {
      ++rows;
      const std::string_view ref = stmt.View(0);
      while (next < refs.size() && refs[next] < ref) (*decided)[next++] = 1;  // absent
      if (next < refs.size() && refs[next] == ref) {
        out->emplace(ref, stmt.Int(1));
        (*decided)[next++] = 1;
      }
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return rows < limit;
  }

  Result<std::optional<Item>> One(Stmt& stmt) {
    if (stmt.Step()) return std::optional<Item>(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Item>();
  }

  static Result<std::optional<int64_t>> OneRowid(Stmt& stmt) {
    if (stmt.Step()) return std::optional<int64_t>(stmt.Int(0));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<int64_t>();
  }

  static Item Row(const Stmt& stmt) {
    Item item;
    item.rowid = stmt.Int(0);
    item.id = stmt.Text(1);
    item.dataset_id = stmt.Text(2);
    item.seq = stmt.Int(3);
    item.reference_id = stmt.Text(4);
    item.image_url = stmt.Text(5);
    item.pointcloud_url = stmt.Text(6);
    item.metadata_json = stmt.Text(7);
    item.extra_json = stmt.Text(8);
    item.scene_id = stmt.Text(9);
    return item;
  }

  Db& db_;
  std::string insert_sql_[kRowsPerStatement + 1];  // InsertManySql(n), built on first use
  std::string lookup_sql_[kRefsPerLookup + 1];     // LookupSql(n), likewise
};

}  // namespace

std::unique_ptr<ItemRepo> NewItemRepo(Db& db) { return std::make_unique<SqliteItemRepo>(db); }

}  // namespace nucleus::store::sqlite
