#include "store/evaluations.h"

#include <string>

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

constexpr const char* kColumns =
    "rowid, id, owner, run_rowid, model_run_id, dataset_id, name, status, job_id, error_message, "
    "allowed_label_matches, allowed_label_matches_id, created_at_ms";

void BindOptional(Stmt& stmt, int index, const std::optional<std::string>& value) {
  if (value) {
    stmt.Bind(index, *value);
  } else {
    stmt.BindNull(index);
  }
}

std::optional<std::string> OptionalText(const Stmt& stmt, int col) {
  if (stmt.IsNull(col)) return std::nullopt;
  return stmt.Text(col);
}

Evaluation Row(const Stmt& s) {
  Evaluation e;
  e.rowid = s.Int(0);
  e.id = s.Text(1);
  e.owner = s.Text(2);
  e.run_rowid = s.Int(3);
  e.model_run_id = s.Text(4);
  e.dataset_id = s.Text(5);
  e.name = OptionalText(s, 6);
  e.status = s.Text(7);
  e.job_id = s.Text(8);
  e.error_message = OptionalText(s, 9);
  e.allowed_label_matches_json = s.Text(10);
  e.allowed_label_matches_id = OptionalText(s, 11);
  e.created_at_ms = s.Int(12);
  return e;
}

class PostgresEvaluationRepo final : public EvaluationRepo {
 public:
  explicit PostgresEvaluationRepo(Conn& db) : db_(db) {}

  Status Insert(Evaluation* e) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO evaluations (id, owner, run_rowid, model_run_id, dataset_id, name, status, "
        "job_id, error_message, allowed_label_matches, allowed_label_matches_id, created_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rowid");
    stmt.Bind(1, e->id).Bind(2, e->owner).Bind(3, e->run_rowid).Bind(4, e->model_run_id);
    stmt.Bind(5, e->dataset_id);
    BindOptional(stmt, 6, e->name);
    stmt.Bind(7, e->status).Bind(8, e->job_id);
    BindOptional(stmt, 9, e->error_message);
    stmt.Bind(10, e->allowed_label_matches_json);
    BindOptional(stmt, 11, e->allowed_label_matches_id);
    stmt.Bind(12, e->created_at_ms);
    if (stmt.Step()) e->rowid = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return Status::Ok();
  }

  Result<Evaluation> Get(const std::string& owner, const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kColumns +
                            " FROM evaluations WHERE id = ? AND owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("evaluation " + id + " not found");
  }

  Result<std::vector<Evaluation>> ListByRun(int64_t run_rowid) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kColumns +
                            " FROM evaluations WHERE run_rowid = ? "
                            "ORDER BY created_at_ms DESC, rowid DESC");
    stmt.Bind(1, run_rowid);
    std::vector<Evaluation> out;
    while (stmt.Step()) out.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status Update(const Evaluation& e) override {
    Stmt stmt = db_.Prepare(
        "UPDATE evaluations SET status = ?, job_id = ?, error_message = ? WHERE rowid = ?");
    stmt.Bind(1, e.status).Bind(2, e.job_id);
    BindOptional(stmt, 3, e.error_message);
    stmt.Bind(4, e.rowid);
    return stmt.Exec();
  }

  Status Delete(int64_t rowid) override {
    return db_.Prepare("DELETE FROM evaluations WHERE rowid = ?").Bind(1, rowid).Exec();
  }

 private:
  Conn& db_;
};

}  // namespace

std::unique_ptr<EvaluationRepo> NewEvaluationRepo(Conn& db) {
  return std::make_unique<PostgresEvaluationRepo>(db);
}

}  // namespace nucleus::store::postgres
