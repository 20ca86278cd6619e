#include "store/validate.h"

#include <algorithm>
#include <string>

#include "store/sqlite/sqlite_repos.h"

namespace nucleus::store::sqlite {
namespace {

constexpr const char* kFunctionColumns = "rowid, id, owner, name, level, created_at_ms";
constexpr const char* kTestColumns =
    "rowid, id, owner, name, slice_id, baseline_model_id, created_at_ms";

EvalFunction FunctionRow(const Stmt& s) {
  EvalFunction fn;
  fn.rowid = s.Int(0);
  fn.id = s.Text(1);
  fn.user_id = s.Text(2);
  fn.name = s.Text(3);
  fn.level = s.Text(4);
  fn.created_at_ms = s.Int(5);
  fn.is_public = false;
  fn.is_external_function = true;
  return fn;
}

constexpr const char* kEvaluationColumns =
    "e.rowid, e.id, e.owner, e.test_rowid, t.id, e.eval_function_id, e.eval_func_arguments, "
    "e.model_id, e.status, e.result, e.pass, e.threshold, e.threshold_comparison, e.error, "
    "e.job_id, e.created_at_ms";

ScenarioTestEvaluation EvaluationRow(const Stmt& s) {
  ScenarioTestEvaluation e;
  e.rowid = s.Int(0);
  e.id = s.Text(1);
  e.owner = s.Text(2);
  e.test_rowid = s.Int(3);
  e.scenario_test_id = s.Text(4);
  e.eval_function_id = s.Text(5);
  e.eval_func_arguments_json = s.Text(6);
  e.model_id = s.Text(7);
  e.status = s.Text(8);
  if (!s.IsNull(9)) e.result = s.Double(9);
  e.pass = s.Int(10) != 0;
  if (!s.IsNull(11)) e.threshold = s.Double(11);
  e.threshold_comparison = s.Text(12);
  e.error = s.Text(13);
  e.job_id = s.Text(14);
  e.created_at_ms = s.Int(15);
  return e;
}

// Rows per multi-row INSERT of PutItemEvaluations.
constexpr size_t kItemRowsPerStatement = 64;

void BindOptional(Stmt& stmt, int index, std::optional<double> value) {
  if (value) {
    stmt.Bind(index, *value);
  } else {
    stmt.BindNull(index);
  }
}

ScenarioTest TestRow(const Stmt& s) {
  ScenarioTest t;
  t.rowid = s.Int(0);
  t.id = s.Text(1);
  t.owner = s.Text(2);
  t.name = s.Text(3);
  t.slice_id = s.Text(4);
  t.baseline_model_id = s.Text(5);
  t.created_at_ms = s.Int(6);
  return t;
}

class SqliteValidateRepo final : public ValidateRepo {
 public:
  explicit SqliteValidateRepo(Db& db) : db_(db) {}

  Status InsertEvalFunction(EvalFunction* fn) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO eval_functions (id, owner, name, level, created_at_ms) "
        "VALUES (?, ?, ?, ?, ?)");
    stmt.Bind(1, fn->id).Bind(2, fn->user_id).Bind(3, fn->name).Bind(4, fn->level);
    stmt.Bind(5, fn->created_at_ms);
    NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
    fn->rowid = db_.LastInsertRowid();
    return Status::Ok();
  }

  Result<std::vector<EvalFunction>> ListEvalFunctions(const std::string& owner) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kFunctionColumns +
                            " FROM eval_functions WHERE owner = ? ORDER BY rowid");
    stmt.Bind(1, owner);
    std::vector<EvalFunction> out;
    while (stmt.Step()) out.push_back(FunctionRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Result<std::optional<EvalFunction>> FindEvalFunction(const std::string& owner,
                                                       const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kFunctionColumns +
                            " FROM eval_functions WHERE owner = ? AND id = ?");
    stmt.Bind(1, owner).Bind(2, id);
    if (stmt.Step()) return std::optional<EvalFunction>(FunctionRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<EvalFunction>();
  }

  Status InsertTest(ScenarioTest* t) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO scenario_tests (id, owner, name, slice_id, baseline_model_id, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, ?)");
    stmt.Bind(1, t->id).Bind(2, t->owner).Bind(3, t->name).Bind(4, t->slice_id);
    stmt.Bind(5, t->baseline_model_id).Bind(6, t->created_at_ms);
    NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
    t->rowid = db_.LastInsertRowid();
    for (const ScenarioTestMetric& m : t->metrics) NUCLEUS_RETURN_IF_ERROR(AddMetric(t->rowid, m));
    return Status::Ok();
  }

  Result<ScenarioTest> GetTest(const std::string& owner, const std::string& id) override {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ScenarioTest> found, Select("id = ?", owner, id));
    if (found.empty()) return NotFound("scenario test " + id + " not found");
    return std::move(found.front());
  }

  Result<std::optional<ScenarioTest>> FindTestByName(const std::string& owner,
                                                     const std::string& name) override {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ScenarioTest> found, Select("name = ?", owner, name));
    if (found.empty()) return std::optional<ScenarioTest>();
    return std::optional<ScenarioTest>(std::move(found.front()));
  }

  Result<std::vector<ScenarioTest>> ListTests(const std::string& owner) override {
    return Select("", owner, "");
  }

  Status AddMetric(int64_t test_rowid, const ScenarioTestMetric& m) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO scenario_test_metrics (test_rowid, seq, eval_function_id, "
        "eval_func_arguments, threshold, threshold_comparison) VALUES (?, "
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM scenario_test_metrics WHERE test_rowid = ?), "
        "?, ?, ?, ?)");
    stmt.Bind(1, test_rowid).Bind(2, test_rowid).Bind(3, m.eval_function_id);
    stmt.Bind(4, m.eval_func_arguments_json);
    BindOptional(stmt, 5, m.threshold);
    stmt.Bind(6, m.threshold_comparison);
    return stmt.Exec();
  }

  Status SetThreshold(int64_t test_rowid, const std::string& eval_function_id,
                      std::optional<double> threshold) override {
    Stmt stmt = db_.Prepare(
        "UPDATE scenario_test_metrics SET threshold = ? WHERE test_rowid = ? AND seq = "
        "(SELECT MIN(seq) FROM scenario_test_metrics WHERE test_rowid = ? "
        "AND eval_function_id = ?) RETURNING seq");
    BindOptional(stmt, 1, threshold);
    stmt.Bind(2, test_rowid).Bind(3, test_rowid).Bind(4, eval_function_id);
    bool updated = stmt.Step();
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    if (!updated) return NotFound("scenario test has no metric " + eval_function_id);
    return Status::Ok();
  }

  Status SetBaselineModel(int64_t test_rowid, const std::string& model_id) override {
    return db_.Prepare("UPDATE scenario_tests SET baseline_model_id = ? WHERE rowid = ?")
        .Bind(1, model_id)
        .Bind(2, test_rowid)
        .Exec();
  }

  Status DeleteTest(int64_t test_rowid) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scenario_test_item_evaluations WHERE evaluation_rowid IN "
                    "(SELECT rowid FROM scenario_test_evaluations WHERE test_rowid = ?)")
            .Bind(1, test_rowid)
            .Exec());
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scenario_test_evaluations WHERE test_rowid = ?")
            .Bind(1, test_rowid)
            .Exec());
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scenario_test_metrics WHERE test_rowid = ?")
            .Bind(1, test_rowid)
            .Exec());
    return db_.Prepare("DELETE FROM scenario_tests WHERE rowid = ?").Bind(1, test_rowid).Exec();
  }

  Status InsertEvaluation(ScenarioTestEvaluation* e) override {
    Stmt stmt = db_.Prepare(
        "INSERT INTO scenario_test_evaluations (id, owner, test_rowid, eval_function_id, "
        "eval_func_arguments, model_id, status, result, pass, threshold, threshold_comparison, "
        "error, job_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    stmt.Bind(1, e->id).Bind(2, e->owner).Bind(3, e->test_rowid).Bind(4, e->eval_function_id);
    stmt.Bind(5, e->eval_func_arguments_json).Bind(6, e->model_id).Bind(7, e->status);
    BindOptional(stmt, 8, e->result);
    stmt.BindBool(9, e->pass);
    BindOptional(stmt, 10, e->threshold);
    stmt.Bind(11, e->threshold_comparison).Bind(12, e->error).Bind(13, e->job_id);
    stmt.Bind(14, e->created_at_ms);
    NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
    e->rowid = db_.LastInsertRowid();
    return Status::Ok();
  }

  Status UpdateEvaluation(const ScenarioTestEvaluation& e) override {
    Stmt stmt = db_.Prepare(
        "UPDATE scenario_test_evaluations SET status = ?, result = ?, pass = ?, error = ? "
        "WHERE rowid = ?");
    stmt.Bind(1, e.status);
    BindOptional(stmt, 2, e.result);
    stmt.BindBool(3, e.pass).Bind(4, e.error).Bind(5, e.rowid);
    return stmt.Exec();
  }

  Result<ScenarioTestEvaluation> GetEvaluation(const std::string& owner,
                                               const std::string& id) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kEvaluationColumns +
                            " FROM scenario_test_evaluations e JOIN scenario_tests t "
                            "ON t.rowid = e.test_rowid WHERE e.id = ? AND e.owner = ?");
    stmt.Bind(1, id).Bind(2, owner);
    if (stmt.Step()) return EvaluationRow(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("scenario test evaluation " + id + " not found");
  }

  Result<std::vector<ScenarioTestEvaluation>> ListEvaluations(int64_t test_rowid) override {
    Stmt stmt = db_.Prepare(std::string("SELECT ") + kEvaluationColumns +
                            " FROM scenario_test_evaluations e JOIN scenario_tests t "
                            "ON t.rowid = e.test_rowid WHERE e.test_rowid = ? "
                            "ORDER BY e.rowid DESC");
    stmt.Bind(1, test_rowid);
    std::vector<ScenarioTestEvaluation> out;
    while (stmt.Step()) out.push_back(EvaluationRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

  Status PutItemEvaluations(int64_t evaluation_rowid,
                            const std::vector<ItemEvaluation>& items) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("DELETE FROM scenario_test_item_evaluations WHERE evaluation_rowid = ?")
            .Bind(1, evaluation_rowid)
            .Exec());
    // Multi-row statements: one sqlite3_step writes up to kItemRowsPerStatement rows (a Model CI
    // job writes one row per item of a test for each of its metrics).
    for (size_t done = 0; done < items.size();) {
      const size_t rows = std::min(kItemRowsPerStatement, items.size() - done);
      std::string sql =
          "INSERT INTO scenario_test_item_evaluations (evaluation_rowid, seq, dataset_item_id, "
          "result, pass) VALUES ";
      sql += PlaceholderRows(5, rows);
      Stmt stmt = db_.Prepare(sql);
      int p = 1;
      for (size_t i = done; i < done + rows; ++i) {
        stmt.Bind(p, evaluation_rowid);
        stmt.Bind(p + 1, static_cast<int64_t>(i));
        stmt.BindStatic(p + 2, items[i].dataset_item_id);  // `items` outlives the Exec
        BindOptional(stmt, p + 3, items[i].result);
        stmt.BindBool(p + 4, items[i].pass);
        p += 5;
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      done += rows;
    }
    return Status::Ok();
  }

  Result<std::vector<ItemEvaluation>> ListItemEvaluations(int64_t evaluation_rowid) override {
    Stmt stmt = db_.Prepare(
        "SELECT dataset_item_id, result, pass FROM scenario_test_item_evaluations "
        "WHERE evaluation_rowid = ? ORDER BY seq");
    stmt.Bind(1, evaluation_rowid);
    std::vector<ItemEvaluation> out;
    while (stmt.Step()) {
      ItemEvaluation item;
      item.dataset_item_id = stmt.Text(0);
      if (!stmt.IsNull(1)) item.result = stmt.Double(1);
      item.pass = stmt.Int(2) != 0;
      out.push_back(std::move(item));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return out;
  }

 private:
  // The owner's tests (where `condition` on `value` holds, when given), oldest first, with
  // their metrics.
  Result<std::vector<ScenarioTest>> Select(const char* condition, const std::string& owner,
                                           const std::string& value) {
    std::string sql = std::string("SELECT ") + kTestColumns + " FROM scenario_tests WHERE owner = ?";
    if (*condition != '\0') sql.append(" AND ").append(condition);
    sql.append(" ORDER BY rowid");
    Stmt stmt = db_.Prepare(sql);
    stmt.Bind(1, owner);
    if (*condition != '\0') stmt.Bind(2, value);
    std::vector<ScenarioTest> out;
    while (stmt.Step()) out.push_back(TestRow(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    for (ScenarioTest& t : out) NUCLEUS_RETURN_IF_ERROR(LoadMetrics(&t));
    return out;
  }

  Status LoadMetrics(ScenarioTest* t) {
    Stmt stmt = db_.Prepare(
        "SELECT eval_function_id, eval_func_arguments, threshold, threshold_comparison "
        "FROM scenario_test_metrics WHERE test_rowid = ? ORDER BY seq");
    stmt.Bind(1, t->rowid);
    while (stmt.Step()) {
      ScenarioTestMetric m;
      m.scenario_test_id = t->id;
      m.eval_function_id = stmt.Text(0);
      m.eval_func_arguments_json = stmt.Text(1);
      if (!stmt.IsNull(2)) m.threshold = stmt.Double(2);
      m.threshold_comparison = stmt.Text(3);
      t->metrics.push_back(std::move(m));
    }
    return stmt.status();
  }

  Db& db_;
};

}  // namespace

std::unique_ptr<ValidateRepo> NewValidateRepo(Db& db) {
  return std::make_unique<SqliteValidateRepo>(db);
}

}  // namespace nucleus::store::sqlite
