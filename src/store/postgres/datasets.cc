#include "store/datasets.h"

#include "store/postgres/json_text.h"
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
    while (stmt.Step()) {
      Slice s;
      s.id = stmt.Text(0);
      s.dataset_id = stmt.Text(1);
      s.name = stmt.Text(2);
      s.type = stmt.Text(3);
      s.reference_ids = DecodeStringList(stmt.Text(4));
      s.created_at_ms = stmt.Int(5);
      out.push_back(std::move(s));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

 private:
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
