#include "store/models.h"

#include "store/json_text.h"
#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kModelColumns =
    "rowid, id, owner, name, reference_id, metadata, bundle_name, tags, trained_slice_ids, "
    "created_at_ms";

constexpr const char* kRunColumns =
    "r.rowid, r.id, r.owner, r.model_rowid, m.id, r.dataset_id, r.name, r.metadata, "
    "r.annotation_metadata_schema, r.trained_slice_id, r.status, r.commit_request, "
    "r.created_at_ms";

class PostgresModelRepo final : public ModelRepo {
 public:
  explicit PostgresModelRepo(Conn& db) : db_(db) {}

  Status Insert(Model* m) override {
    Stmt stmt =
        db_.Prepare("INSERT INTO models (id, owner, name, reference_id, metadata, bundle_name, "
                    "tags, trained_slice_ids, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING rowid");
    stmt.Bind(1, m->id)
            .Bind(2, m->owner)
            .Bind(3, m->name)
            .Bind(4, m->reference_id)
            .Bind(5, m->metadata_json)
            .Bind(6, m->bundle_name)
            .Bind(7, EncodeStringList(m->tags))
            .Bind(8, EncodeStringList(m->trained_slice_ids))
        .Bind(9, m->created_at_ms);
    if (stmt.Step()) m->rowid = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return Status::Ok();
  }

  Result<Model> Get(const std::string& owner, const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kModelColumns +
                            " FROM models WHERE id = ? AND owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("model " + id + " not found");
  }

  Result<std::optional<Model>> FindByRef(const std::string& owner,
                                         const std::string& reference_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kModelColumns +
                            " FROM models WHERE owner = ? AND reference_id = ?");
    stmt.Bind(1, owner).Bind(2, reference_id);
    if (stmt.Step()) return std::optional<Model>(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Model>();
  }

  Result<Model> GetByRowid(int64_t rowid) override {
    Stmt stmt =
        db_.Prepare(std::string("SELECT ") + kModelColumns + " FROM models WHERE rowid = ?");
    stmt.Bind(1, rowid);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("model not found");
  }

  Result<std::vector<Model>> List(const std::string& owner) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kModelColumns +
                            " FROM models WHERE owner = ? ORDER BY rowid");
    stmt.Bind(1, owner);
    std::vector<Model> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status SetTags(int64_t rowid, const std::vector<std::string>& tags) override {
    return db_.Prepare("UPDATE models SET tags = ? WHERE rowid = ?")
        .Bind(1, EncodeStringList(tags))
        .Bind(2, rowid)
        .Exec();
  }

  Status SetTrainedSliceIds(int64_t rowid, const std::vector<std::string>& ids) override {
    return db_.Prepare("UPDATE models SET trained_slice_ids = ? WHERE rowid = ?")
        .Bind(1, EncodeStringList(ids))
        .Bind(2, rowid)
        .Exec();
  }

  Status Delete(int64_t rowid) override {
    // Runs go through ON DELETE CASCADE, their predictions through the model_runs trigger.
    return db_.Prepare("DELETE FROM models WHERE rowid = ?").Bind(1, rowid).Exec();
  }

  Status Retire(int64_t rowid) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("UPDATE models SET owner = ? || id WHERE rowid = ?")
            .Bind(1, kRetiredOwnerPrefix)
            .Bind(2, rowid)
            .Exec());
    return db_.Prepare("UPDATE model_runs SET owner = ? || (SELECT id FROM models WHERE rowid = ?) "
                       "WHERE model_rowid = ?")
        .Bind(1, kRetiredOwnerPrefix)
        .Bind(2, rowid)
        .Bind(3, rowid)
        .Exec();
  }

  Status InsertRun(ModelRun* r) override {
    Stmt stmt =
        db_.Prepare("INSERT INTO model_runs (id, owner, model_rowid, dataset_id, name, metadata, "
                    "annotation_metadata_schema, trained_slice_id, status, commit_request, "
                    "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rowid");
    stmt.Bind(1, r->id)
            .Bind(2, r->owner)
            .Bind(3, r->model_rowid)
            .Bind(4, r->dataset_id)
            .Bind(5, r->name)
            .Bind(6, r->metadata_json)
            .Bind(7, r->annotation_metadata_schema_json)
            .Bind(8, r->trained_slice_id)
            .Bind(9, r->status)
            .Bind(10, r->commit_request_json)
        .Bind(11, r->created_at_ms);
    if (stmt.Step()) r->rowid = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return Status::Ok();
  }

  Result<ModelRun> GetRun(const std::string& owner, const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRunColumns +
                            " FROM model_runs r JOIN models m ON m.rowid = r.model_rowid "
                            "WHERE r.id = ? AND r.owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return RunRow(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("model run " + id + " not found");
  }

  Result<std::optional<ModelRun>> LatestRun(int64_t model_rowid,
                                            const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRunColumns +
                            " FROM model_runs r JOIN models m ON m.rowid = r.model_rowid "
                            "WHERE r.model_rowid = ? AND r.dataset_id = ? "
                            "ORDER BY r.rowid DESC LIMIT 1");
    stmt.Bind(1, model_rowid).Bind(2, dataset_id);
    if (stmt.Step()) return std::optional<ModelRun>(RunRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<ModelRun>();
  }

  Result<std::vector<ModelRun>> ListRuns(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRunColumns +
                            " FROM model_runs r JOIN models m ON m.rowid = r.model_rowid "
                            "WHERE r.dataset_id = ? AND substr(r.owner, 1, ?) <> ? "
                            "ORDER BY r.rowid");
    stmt.Bind(1, dataset_id)
        .Bind(2, static_cast<int64_t>(kRetiredOwnerPrefix.size()))
        .Bind(3, kRetiredOwnerPrefix);
    std::vector<ModelRun> out;
    while (stmt.Step()) out.push_back(RunRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<std::vector<ModelRun>> ListRunsOfModel(int64_t model_rowid) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kRunColumns +
                            " FROM model_runs r JOIN models m ON m.rowid = r.model_rowid "
                            "WHERE r.model_rowid = ? ORDER BY r.rowid");
    stmt.Bind(1, model_rowid);
    std::vector<ModelRun> out;
    while (stmt.Step()) out.push_back(RunRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status UpdateRun(const ModelRun& r) override {
    return db_
        .Prepare("UPDATE model_runs SET status = ?, commit_request = ?, trained_slice_id = ? "
                 "WHERE rowid = ?")
        .Bind(1, r.status)
        .Bind(2, r.commit_request_json)
        .Bind(3, r.trained_slice_id)
        .Bind(4, r.rowid)
        .Exec();
  }

  Status DeleteRun(int64_t rowid) override {
    return db_.Prepare("DELETE FROM model_runs WHERE rowid = ?").Bind(1, rowid).Exec();
  }

 private:
  static Model Row(const Stmt& stmt) {
    Model m;
    m.rowid = stmt.Int(0);
    m.id = stmt.Text(1);
    m.owner = stmt.Text(2);
    m.name = stmt.Text(3);
    m.reference_id = stmt.Text(4);
    m.metadata_json = stmt.Text(5);
    m.bundle_name = stmt.Text(6);
    m.tags = DecodeStringList(stmt.Text(7));
    m.trained_slice_ids = DecodeStringList(stmt.Text(8));
    m.created_at_ms = stmt.Int(9);
    return m;
  }

  static ModelRun RunRow(const Stmt& stmt) {
    ModelRun r;
    r.rowid = stmt.Int(0);
    r.id = stmt.Text(1);
    r.owner = stmt.Text(2);
    r.model_rowid = stmt.Int(3);
    r.model_id = stmt.Text(4);
    r.dataset_id = stmt.Text(5);
    r.name = stmt.Text(6);
    r.metadata_json = stmt.Text(7);
    r.annotation_metadata_schema_json = stmt.Text(8);
    r.trained_slice_id = stmt.Text(9);
    r.status = stmt.Text(10);
    r.commit_request_json = stmt.Text(11);
    r.created_at_ms = stmt.Int(12);
    return r;
  }

  Conn& db_;
};

}  // namespace

std::unique_ptr<ModelRepo> NewModelRepo(Conn& db) { return std::make_unique<PostgresModelRepo>(db); }

}  // namespace nucleus::store::postgres
