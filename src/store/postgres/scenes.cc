#include "store/scenes.h"

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kSceneColumns =
    "rowid, id, dataset_id, seq, reference_id, kind, frame_rate, video_url, upload_to_scale, "
    "metadata";
constexpr const char* kCategoryColumns =
    "rowid, id, dataset_id, scene_rowid, run_id, taxonomy_key, label, payload";

class PostgresSceneRepo final : public SceneRepo {
 public:
  explicit PostgresSceneRepo(Conn& db) : db_(db) {}

  Status Insert(Scene* scene) override {
    int64_t seq = 1;
    {
      // The dataset's high-water mark, never MAX(seq) + 1: a deleted last position is not
      // handed out again (a pager holding `seq > token` would skip the new one).
      Stmt stmt = db_.Prepare("UPDATE datasets SET scene_seq_hwm = scene_seq_hwm + 1 WHERE id = ? "
                              "RETURNING scene_seq_hwm");
      stmt.Bind(1, scene->dataset_id);
      if (stmt.Step()) seq = stmt.Int(0);
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
    }
    Stmt stmt = db_.Prepare(
        "INSERT INTO scenes (id, dataset_id, seq, reference_id, kind, frame_rate, video_url, "
        "upload_to_scale, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rowid");
    stmt.Bind(1, scene->id)
        .Bind(2, scene->dataset_id)
        .Bind(3, seq)
        .Bind(4, scene->reference_id)
        .Bind(5, scene->kind);
    BindKindFields(stmt, 6, *scene);
    stmt.Bind(9, scene->metadata_json);
    if (stmt.Step()) scene->rowid = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    scene->seq = seq;
    return Status::Ok();
  }

  Status Update(const Scene& scene) override {
    Stmt stmt = db_.Prepare(
        "UPDATE scenes SET kind = ?, frame_rate = ?, video_url = ?, upload_to_scale = ?, "
        "metadata = ? WHERE rowid = ?");
    stmt.Bind(1, scene.kind);
    BindKindFields(stmt, 2, scene);
    stmt.Bind(5, scene.metadata_json).Bind(6, scene.rowid);
    return stmt.Exec();
  }

  Status UpdateMetadata(int64_t rowid, const std::string& metadata_json) override {
    return db_.Prepare("UPDATE scenes SET metadata = ? WHERE rowid = ?")
        .Bind(1, metadata_json)
        .Bind(2, rowid)
        .Exec();
  }

  Result<std::optional<Scene>> FindByRef(const std::string& dataset_id,
                                         std::string_view reference_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kSceneColumns +
                            " FROM scenes WHERE dataset_id = ? AND reference_id = ?");
    stmt.Bind(1, dataset_id).Bind(2, reference_id);
    if (stmt.Step()) return std::optional<Scene>(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Scene>();
  }

  Result<std::optional<Scene>> FindById(const std::string& dataset_id,
                                        std::string_view scene_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kSceneColumns +
                            " FROM scenes WHERE dataset_id = ? AND id = ?");
    stmt.Bind(1, dataset_id).Bind(2, scene_id);
    if (stmt.Step()) return std::optional<Scene>(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<Scene>();
  }

  Result<std::vector<Scene>> List(const std::string& dataset_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kSceneColumns +
                            " FROM scenes WHERE dataset_id = ? ORDER BY seq");
    stmt.Bind(1, dataset_id);
    std::vector<Scene> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status Delete(int64_t rowid) override {
    // scene_frames and scene_categories follow through ON DELETE CASCADE.
    return db_.Prepare("DELETE FROM scenes WHERE rowid = ?").Bind(1, rowid).Exec();
  }

  Status AddFrames(int64_t scene_rowid, const std::vector<SceneFrame>& frames) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO scene_frames (scene_rowid, item_rowid, item_reference_id, frame_index, "
        "position, sensor) VALUES (?, ?, ?, ?, ?, ?)");
    for (const SceneFrame& f : frames) {
      stmt.Bind(1, scene_rowid)
          .Bind(2, f.item_rowid)
          .Bind(3, f.item_reference_id)
          .Bind(4, f.frame_index)
          .Bind(5, f.position)
          .Bind(6, f.sensor);
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      stmt.Reset();
    }
    return Status::Ok();
  }

  Result<std::vector<SceneFrame>> Frames(int64_t scene_rowid) override {
    Stmt stmt = db_.Prepare(
        "SELECT item_rowid, item_reference_id, frame_index, position, sensor FROM scene_frames "
        "WHERE scene_rowid = ? ORDER BY frame_index, position");
    stmt.Bind(1, scene_rowid);
    std::vector<SceneFrame> out;
    while (stmt.Step()) {
      SceneFrame f;
      f.item_rowid = stmt.Int(0);
      f.item_reference_id = stmt.Text(1);
      f.frame_index = stmt.Int(2);
      f.position = stmt.Int(3);
      f.sensor = stmt.Text(4);
      out.push_back(std::move(f));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<PutOutcome> PutCategory(const SceneCategory& c, bool update) override {
    // Same shape as AnnotationRepo::Put: one statement inserts, replaces in place or ignores.
    Stmt stmt = db_.Prepare(
        update ? "INSERT INTO scene_categories (id, dataset_id, scene_rowid, run_id, taxonomy_key, "
                 "label, payload) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (scene_rowid, run_id, taxonomy_key) DO UPDATE SET "
                 "label = excluded.label, payload = excluded.payload RETURNING (id = ?)"
               : "INSERT INTO scene_categories (id, dataset_id, scene_rowid, run_id, taxonomy_key, "
                 "label, payload) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (scene_rowid, run_id, taxonomy_key) DO NOTHING RETURNING 1");
    stmt.Bind(1, c.id)
        .Bind(2, c.dataset_id)
        .Bind(3, c.scene_rowid)
        .Bind(4, c.run_id)
        .Bind(5, c.taxonomy_key)
        .Bind(6, c.label)
        .Bind(7, c.payload_json);
    if (update) stmt.Bind(8, c.id);
    PutOutcome outcome = PutOutcome::kIgnored;
    if (stmt.Step()) {
      outcome = (!update || stmt.Int(0) != 0) ? PutOutcome::kInserted : PutOutcome::kReplaced;
      while (stmt.Step()) {
      }
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return outcome;
  }

  Result<std::vector<SceneCategory>> Categories(int64_t scene_rowid,
                                                const std::string& run_id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kCategoryColumns +
                            " FROM scene_categories WHERE scene_rowid = ? AND run_id = ? "
                            "ORDER BY rowid");
    stmt.Bind(1, scene_rowid).Bind(2, run_id);
    std::vector<SceneCategory> out;
    while (stmt.Step()) {
      SceneCategory c;
      c.rowid = stmt.Int(0);
      c.id = stmt.Text(1);
      c.dataset_id = stmt.Text(2);
      c.scene_rowid = stmt.Int(3);
      c.run_id = stmt.Text(4);
      c.taxonomy_key = stmt.Text(5);
      c.label = stmt.Text(6);
      c.payload_json = stmt.Text(7);
      out.push_back(std::move(c));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<int64_t> DeleteCategories(int64_t scene_rowid, const std::string& run_id) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scene_categories WHERE scene_rowid = ? AND run_id = ?")
            .Bind(1, scene_rowid)
            .Bind(2, run_id)
            .Exec());
    return static_cast<int64_t>(db_.Changes());
  }

  Result<int64_t> DeleteCategoriesOfRun(const std::string& run_id) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scene_categories WHERE run_id = ?").Bind(1, run_id).Exec());
    return static_cast<int64_t>(db_.Changes());
  }

 private:
  // Binds frame_rate, video_url, upload_to_scale at `first`, `first + 1`, `first + 2`.
  static void BindKindFields(Stmt& stmt, int first, const Scene& scene) {
    if (scene.frame_rate) {
      stmt.Bind(first, *scene.frame_rate);
    } else {
      stmt.BindNull(first);
    }
    if (scene.video_url) {
      stmt.Bind(first + 1, *scene.video_url);
    } else {
      stmt.BindNull(first + 1);
    }
    stmt.BindBool(first + 2, scene.upload_to_scale);
  }

  static Scene Row(const Stmt& stmt) {
    Scene s;
    s.rowid = stmt.Int(0);
    s.id = stmt.Text(1);
    s.dataset_id = stmt.Text(2);
    s.seq = stmt.Int(3);
    s.reference_id = stmt.Text(4);
    s.kind = stmt.Text(5);
    if (!stmt.IsNull(6)) s.frame_rate = stmt.Int(6);
    if (!stmt.IsNull(7)) s.video_url = stmt.Text(7);
    s.upload_to_scale = stmt.Int(8) != 0;
    s.metadata_json = stmt.Text(9);
    return s;
  }

  Conn& db_;
};

}  // namespace

std::unique_ptr<SceneRepo> NewSceneRepo(Conn& db) { return std::make_unique<PostgresSceneRepo>(db); }

}  // namespace nucleus::store::postgres
