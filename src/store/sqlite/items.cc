#include "store/items.h"

#include "store/sqlite/sqlite_repos.h"

namespace nucleus::store::sqlite {
namespace {

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
      Stmt stmt = db_.Prepare("UPDATE datasets SET item_seq_hwm = item_seq_hwm + 1 WHERE id = ? "
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
    Stmt stmt = db_.Prepare(
        "SELECT rowid FROM items WHERE dataset_id = ? ORDER BY seq LIMIT 1 OFFSET ?");
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
    Stmt stmt = db_.Prepare("SELECT rowid FROM items WHERE dataset_id = ? AND reference_id = ?");
    for (const std::string& ref : reference_ids) {
      if (out.count(ref) != 0) continue;
      stmt.Bind(1, dataset_id).Bind(2, ref);
      if (stmt.Step()) out.emplace(ref, stmt.Int(0));
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      stmt.Reset();
    }
    return out;
  }

  Status Delete(int64_t rowid) override {
    return db_.Prepare("DELETE FROM items WHERE rowid = ?").Bind(1, rowid).Exec();
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

  Db& db_;
};

}  // namespace

std::unique_ptr<ItemRepo> NewItemRepo(Db& db) { return std::make_unique<SqliteItemRepo>(db); }

}  // namespace nucleus::store::sqlite
