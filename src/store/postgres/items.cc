#include "store/items.h"

#include <algorithm>

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

// Rows per statement of InsertMany: the batch goes as one array per column, unnested into one
// INSERT (as predictions do, postgres/predictions.cc).
constexpr size_t kRowsPerStatement = 10000;

// Reference ids per lookup statement of ResolveRefs (one array parameter).
constexpr size_t kRefsPerLookup = 10000;

// One probe of the (dataset_id, reference_id) key per id, joined from the array: the shape
// that leaves the planner no seq-scan or wrong-index plan even before the table has statistics
// (an `IN (...)` list was planned over the (dataset_id, seq) index, walking the whole dataset).
constexpr const char* kLookupSql =
    "SELECT i.reference_id, i.rowid FROM unnest(?2::text[]) AS r(ref) "
    "JOIN items i ON i.dataset_id = ?1 AND i.reference_id = r.ref";

constexpr const char* kInsertManySql =
    "INSERT INTO items (rowid, id, dataset_id, seq, reference_id, image_url, pointcloud_url, "
    "metadata, extra, scene_id) SELECT u.rowid, u.id, ?, u.seq, u.reference_id, u.image_url, "
    "u.pointcloud_url, u.metadata, u.extra, u.scene_id FROM unnest(?::bigint[], ?::text[], "
    "?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS u(rowid, "
    "id, seq, reference_id, image_url, pointcloud_url, metadata, extra, scene_id)";

constexpr const char* kItemColumns =
    "rowid, id, dataset_id, seq, reference_id, image_url, pointcloud_url, metadata, extra, "
    "scene_id";

class PostgresItemRepo final : public ItemRepo {
 public:
  explicit PostgresItemRepo(Conn& db) : db_(db) {}

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
    Stmt stmt =
        db_.Prepare("INSERT INTO items (id, dataset_id, seq, reference_id, image_url, "
                    "pointcloud_url, metadata, extra, scene_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING rowid");
    stmt.Bind(1, item->id)
            .Bind(2, item->dataset_id)
            .Bind(3, seq)
            .Bind(4, item->reference_id)
            .Bind(5, item->image_url)
            .Bind(6, item->pointcloud_url)
            .Bind(7, item->metadata_json)
            .Bind(8, item->extra_json)
        .Bind(9, item->scene_id);
    if (stmt.Step()) item->rowid = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    item->seq = seq;
    return Status::Ok();
  }

  // All or nothing inside the caller's transaction: a reference id already stored fails the
  // INSERT (AlreadyExists) and the savepoint takes back the positions reserved for the batch, so
  // the caller's transaction goes on (PostgreSQL would refuse every later statement of a
  // transaction with a failed one in it).
  Status InsertMany(const std::string& dataset_id, std::span<Item> items) override {
    if (items.empty()) return Status::Ok();
    NUCLEUS_RETURN_IF_ERROR(db_.ExecScript("SAVEPOINT insert_many"));
    Status status = InsertBatch(dataset_id, items);
    if (status.ok()) return db_.ExecScript("RELEASE SAVEPOINT insert_many");
    NUCLEUS_RETURN_IF_ERROR(db_.ExecScript("ROLLBACK TO SAVEPOINT insert_many"));
    return status;
  }

  Status InsertBatch(const std::string& dataset_id, std::span<Item> items) {
    const auto n = static_cast<int64_t>(items.size());
    int64_t last_seq = 0;
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
      // The batch's rowids, drawn from the items' sequence up front (increasing, as one insert
      // after another would get them) so each item learns its own from a multi-row statement.
      Stmt stmt = db_.Prepare(
          "SELECT nextval(pg_get_serial_sequence('items', 'rowid')) FROM generate_series(1, ?)");
      stmt.Bind(1, n);
      for (int64_t i = 0; i < n && stmt.Step(); ++i) {
        items[static_cast<size_t>(i)].rowid = stmt.Int(0);
        items[static_cast<size_t>(i)].seq = last_seq - n + 1 + i;
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      if (stmt.rows() != n) return Internal("postgres: could not draw item rowids");
    }
    ArrayParam rowid(ArrayParam::kInt8), id(ArrayParam::kText), seq(ArrayParam::kInt8),
        reference_id(ArrayParam::kText), image_url(ArrayParam::kText),
        pointcloud_url(ArrayParam::kText), metadata(ArrayParam::kText), extra(ArrayParam::kText),
        scene_id(ArrayParam::kText);
    ArrayParam* all[] = {&rowid,          &id,       &seq,   &reference_id, &image_url,
                         &pointcloud_url, &metadata, &extra, &scene_id};
    for (size_t done = 0; done < items.size();) {
      const size_t rows = std::min(kRowsPerStatement, items.size() - done);
      for (ArrayParam* a : all) a->Clear();
      for (const Item& item : items.subspan(done, rows)) {
        rowid.Add(item.rowid);
        id.Add(item.id);
        seq.Add(item.seq);
        reference_id.Add(item.reference_id);
        image_url.Add(item.image_url);
        pointcloud_url.Add(item.pointcloud_url);
        metadata.Add(item.metadata_json);
        extra.Add(item.extra_json);
        scene_id.Add(item.scene_id);
      }
      Stmt stmt = db_.Prepare(kInsertManySql);
      stmt.BindStatic(1, dataset_id);
      for (int i = 0; i < 9; ++i) stmt.BindStatic(i + 2, all[i]->Bytes());
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
    // A walk over `index` entries of the (dataset_id, seq) index: seq has gaps after
    // deletions, so position `index` is not seq `index + 1` (the interface asks for a position,
    // so OFFSET it is).
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
    ArrayParam refs(ArrayParam::kText);
    for (size_t done = 0; done < reference_ids.size();) {
      const size_t n = std::min(kRefsPerLookup, reference_ids.size() - done);
      refs.Clear();
      for (size_t i = 0; i < n; ++i) refs.Add(reference_ids[done + i]);
      Stmt stmt = db_.Prepare(kLookupSql);
      stmt.BindStatic(1, dataset_id).BindStatic(2, refs.Bytes());
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
    return db_
        .Prepare(
            "WITH gone AS (DELETE FROM items WHERE rowid = ? RETURNING dataset_id) "
            "UPDATE datasets SET item_deletions = item_deletions + 1 "
            "WHERE id IN (SELECT dataset_id FROM gone)")
        .Bind(1, rowid)
        .Exec();
  }

 private:
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

  Conn& db_;
};

}  // namespace

std::unique_ptr<ItemRepo> NewItemRepo(Conn& db) { return std::make_unique<PostgresItemRepo>(db); }

}  // namespace nucleus::store::postgres
