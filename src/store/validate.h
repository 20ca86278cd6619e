// Model CI records (docs/api/validate.md): owners' external evaluation functions, scenario tests
// and their metrics. A scenario test names its slice by id and owns its metrics (deleting it
// deletes them); slices and models are never touched from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/validate.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The records live in core/ (core/validate.h) so that wire/ can encode them.
using EvalFunction = core::EvalFunction;
using ScenarioTest = core::ScenarioTest;
using ScenarioTestMetric = core::ScenarioTestMetric;
using ScenarioTestEvaluation = core::ScenarioTestEvaluation;
using ItemEvaluation = core::ItemEvaluation;

class ValidateRepo {
 public:
  virtual ~ValidateRepo() = default;

  // Assigns `fn->rowid`. AlreadyExists when `fn->user_id` has a function of that name.
  virtual Status InsertEvalFunction(EvalFunction* fn) = 0;
  // The owner's external functions, oldest first.
  virtual Result<std::vector<EvalFunction>> ListEvalFunctions(const std::string& owner) = 0;
  // The owner's external function `id`, if any.
  virtual Result<std::optional<EvalFunction>> FindEvalFunction(const std::string& owner,
                                                               const std::string& id) = 0;

  // Inserts the test with its metrics (in their order); assigns `test->rowid`. AlreadyExists
  // when the owner has a test of that name.
  virtual Status InsertTest(ScenarioTest* test) = 0;
  // NotFound unless it exists and belongs to `owner`. Metrics filled, creation order.
  virtual Result<ScenarioTest> GetTest(const std::string& owner, const std::string& id) = 0;
  virtual Result<std::optional<ScenarioTest>> FindTestByName(const std::string& owner,
                                                             const std::string& name) = 0;
  // The owner's tests with their metrics, oldest first.
  virtual Result<std::vector<ScenarioTest>> ListTests(const std::string& owner) = 0;
  // Appends a metric to the test.
  virtual Status AddMetric(int64_t test_rowid, const ScenarioTestMetric& metric) = 0;
  // Sets (nullopt: clears) the threshold of the test's first metric of `eval_function_id`.
  // NotFound when the test has no metric of that function.
  virtual Status SetThreshold(int64_t test_rowid, const std::string& eval_function_id,
                              std::optional<double> threshold) = 0;
  virtual Status SetBaselineModel(int64_t test_rowid, const std::string& model_id) = 0;
  // Removes the test, its metrics and its evaluations.
  virtual Status DeleteTest(int64_t test_rowid) = 0;

  // Assigns `evaluation->rowid`.
  virtual Status InsertEvaluation(ScenarioTestEvaluation* evaluation) = 0;
  // Writes status, result, pass and error.
  virtual Status UpdateEvaluation(const ScenarioTestEvaluation& evaluation) = 0;
  // NotFound unless it exists and belongs to `owner`.
  virtual Result<ScenarioTestEvaluation> GetEvaluation(const std::string& owner,
                                                       const std::string& id) = 0;
  // The test's evaluations, newest first.
  virtual Result<std::vector<ScenarioTestEvaluation>> ListEvaluations(int64_t test_rowid) = 0;
  // Replaces the evaluation's item results with `items` (kept in this order).
  virtual Status PutItemEvaluations(int64_t evaluation_rowid,
                                    const std::vector<ItemEvaluation>& items) = 0;
  virtual Result<std::vector<ItemEvaluation>> ListItemEvaluations(int64_t evaluation_rowid) = 0;
};

}  // namespace nucleus::store
