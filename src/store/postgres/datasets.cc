#include "store/datasets.h"

#include "store/json_text.h"
#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kDatasetColumns =
    "id, owner, name, is_scene, use_privacy_mode, annotation_metadata_schema, "
    "item_metadata_schema, tags, created_at_ms";

class PostgresDatasetRepo final : public DatasetRepo {
 public:
  explicit PostgresDatasetRepo(Conn& db) : db_(db) {}

  Status Insert(const Dataset& d) override {
    return db_
        .Prepare(
            "INSERT INTO datasets (id, owner, name, is_scene, use_privacy_mode, "
            "annotation_metadata_schema, item_metadata_schema, tags, created_at_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, d.id)
        .Bind(2, d.owner)
        .Bind(3, d.name)
        .BindBool(4, d.is_scene)
        .BindBool(5, d.use_privacy_mode)
        .Bind(6, d.annotation_metadata_schema_json)
        .Bind(7, d.item_metadata_schema_json)
        .Bind(8, EncodeStringList(d.tags))
        .Bind(9, d.created_at_ms)
        .Exec();
  }

  Result<Dataset> Get(const std::string& owner, const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kDatasetColumns +
                            " FROM datasets WHERE id = ? AND owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("dataset " + id + " not found");
  }

  Result<std::vector<Dataset>> List(const std::string& owner) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kDatasetColumns +
                            " FROM datasets WHERE owner = ? ORDER BY created_at_ms DESC, id DESC");
    stmt.Bind(1, owner);
    std::vector<Dataset> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status Delete(const std::string& id) override {
    // Children go through ON DELETE CASCADE (items -> annotations, taxonomies, slices, ...).
    return db_.Prepare("DELETE FROM datasets WHERE id = ?").Bind(1, id).Exec();
  }

  Status SetTags(const std::string& id, const std::vector<std::string>& tags) override {
    return db_.Prepare("UPDATE datasets SET tags = ? WHERE id = ?")
        .Bind(1, EncodeStringList(tags))
        .Bind(2, id)
        .Exec();
  }

  Result<std::optional<Taxonomy>> GetTaxonomy(const std::string& dataset_id,
                                              const std::string& name) override {
    Stmt stmt = db_.Prepare(
        "SELECT dataset_id, name, type, labels FROM taxonomies WHERE dataset_id = ? AND name = ?");
    stmt.Bind(1, dataset_id).Bind(2, name);
    if (stmt.Step()) return std::optional<Taxonomy>(TaxonomyRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Taxonomy>();
  }

  Result<std::vector<Taxonomy>> ListTaxonomies(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT dataset_id, name, type, labels FROM taxonomies WHERE dataset_id = ? "
        "ORDER BY rowid");
    stmt.Bind(1, dataset_id);
    std::vector<Taxonomy> out;
    while (stmt.Step()) out.push_back(TaxonomyRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status PutTaxonomy(const Taxonomy& t) override {
    return db_
        .Prepare(
            "INSERT INTO taxonomies (dataset_id, name, type, labels) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (dataset_id, name) DO UPDATE SET type = excluded.type, "
            "labels = excluded.labels")
        .Bind(1, t.dataset_id)
        .Bind(2, t.name)
        .Bind(3, t.type)
        .Bind(4, EncodeStringList(t.labels))
        .Exec();
  }

  Result<bool> DeleteTaxonomy(const std::string& dataset_id, const std::string& name) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM taxonomies WHERE dataset_id = ? AND name = ?")
            .Bind(1, dataset_id)
            .Bind(2, name)
            .Exec());
    return db_.Changes() > 0;
  }

  Status InsertSlice(const Slice& s) override {
    return db_
        .Prepare(
            "INSERT INTO slices (id, dataset_id, name, type, reference_ids, created_at_ms) "
            "VALUES (?, ?, ?, ?, ?, ?)")
        .Bind(1, s.id)
        .Bind(2, s.dataset_id)
        .Bind(3, s.name)
        .Bind(4, s.type)
        .Bind(5, EncodeStringList(s.reference_ids))
        .Bind(6, s.created_at_ms)
        .Exec();
  }

  Result<std::vector<Slice>> ListSlices(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT id, dataset_id, name, type, reference_ids, created_at_ms FROM slices "
        "WHERE dataset_id = ? ORDER BY created_at_ms, id");
    stmt.Bind(1, dataset_id);
    std::vector<Slice> out;
    while (stmt.Step()) out.push_back(SliceRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<std::optional<Slice>> GetSlice(const std::string& slice_id) override {
    Stmt stmt = db_.Prepare(
        "SELECT id, dataset_id, name, type, reference_ids, created_at_ms FROM slices "
        "WHERE id = ?");
    stmt.Bind(1, slice_id);
    if (stmt.Step()) return std::optional<Slice>(SliceRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Slice>();
  }

  Status SetSliceReferenceIds(const std::string& slice_id,
                              const std::vector<std::string>& ids) override {
    return db_.Prepare("UPDATE slices SET reference_ids = ? WHERE id = ?")
        .Bind(1, EncodeStringList(ids))
        .Bind(2, slice_id)
        .Exec();
  }

  // slice_items goes with it (ON DELETE CASCADE).
  Result<bool> DeleteSlice(const std::string& slice_id) override {
    NUCLEUS_RETURN_IF_ERROR(db_.Prepare("DELETE FROM slices WHERE id = ?").Bind(1, slice_id).Exec());
    return db_.Changes() > 0;
  }

  // One statement per row: a request appends at most 10,000 (api/slices.h). A row already a
  // member is left where it is (the primary key refuses it) and takes no position.
  Result<int64_t> AppendSliceItems(const std::string& slice_id,
                                   std::span<const int64_t> item_rowids) override {
    Stmt last = db_.Prepare("SELECT COALESCE(MAX(position), 0) FROM slice_items WHERE slice_id = ?");
    last.Bind(1, slice_id);
    int64_t position = last.Step() ? last.Int(0) : 0;
    NUCLEUS_RETURN_IF_ERROR(last.status());
    int64_t added = 0;
    for (int64_t rowid : item_rowids) {
      NUCLEUS_RETURN_IF_ERROR(
          db_.Prepare("INSERT INTO slice_items (slice_id, position, item_rowid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
              .Bind(1, slice_id)
              .Bind(2, position + 1)
              .Bind(3, rowid)
              .Exec());
      if (db_.Changes() > 0) {
        ++position;
        ++added;
      }
    }
    return added;
  }

  Result<std::vector<SliceMember>> ListSliceItems(const std::string& slice_id,
                                                  int64_t after_position,
                                                  int64_t limit) override {
    Stmt stmt = db_.Prepare(
        "SELECT position, item_rowid FROM slice_items WHERE slice_id = ? AND position > ? "
        "ORDER BY position LIMIT ?");
    stmt.Bind(1, slice_id).Bind(2, after_position).Bind(3, limit);
    std::vector<SliceMember> out;
    while (stmt.Step()) out.push_back(SliceMember{stmt.Int(0), stmt.Int(1)});
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

 private:
  static Slice SliceRow(const Stmt& stmt) {
    Slice s;
    s.id = stmt.Text(0);
    s.dataset_id = stmt.Text(1);
    s.name = stmt.Text(2);
    s.type = stmt.Text(3);
    s.reference_ids = DecodeStringList(stmt.Text(4));
    s.created_at_ms = stmt.Int(5);
    return s;
  }

  static Dataset Row(const Stmt& stmt) {
    Dataset d;
    d.id = stmt.Text(0);
    d.owner = stmt.Text(1);
    d.name = stmt.Text(2);
    d.is_scene = stmt.Int(3) != 0;
    d.use_privacy_mode = stmt.Int(4) != 0;
    d.annotation_metadata_schema_json = stmt.Text(5);
    d.item_metadata_schema_json = stmt.Text(6);
    d.tags = DecodeStringList(stmt.Text(7));
    d.created_at_ms = stmt.Int(8);
    return d;
  }

  static Taxonomy TaxonomyRow(const Stmt& stmt) {
    Taxonomy t;
    t.dataset_id = stmt.Text(0);
    t.name = stmt.Text(1);
    t.type = stmt.Text(2);
    t.labels = DecodeStringList(stmt.Text(3));
    return t;
  }

  Conn& db_;
};

}  // namespace

std::unique_ptr<DatasetRepo> NewDatasetRepo(Conn& db) {
  return std::make_unique<PostgresDatasetRepo>(db);
}

}  // namespace nucleus::store::postgres
