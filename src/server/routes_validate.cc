// Routes of validate.md (Model CI): the evaluation-function catalogue, scenario tests, their
// metrics, thresholds and baseline model, evaluating a model on them (a job), the history and
// per-item results.
#include "api/validate.h"
#include "api/validate_eval.h"
#include "server/answered_error.h"
#include "server/job_answers.h"
#include "server/routes.h"
#include "wire/validate.h"

namespace nucleus::server {
namespace {

void ListEvalFunctions(api::Context& ctx, Request& req, Response& res) {
  auto functions = api::ListEvalFunctions(ctx, req.owner);
  if (AnsweredError(functions, res)) return;
  res.Json(wire::EncodeEvalFunctions(*functions));
}

void CreateExternalEvalFunction(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewExternalEvalFunction(req.body);
  if (AnsweredError(input, res)) return;
  auto created = api::CreateExternalEvalFunction(ctx, req.owner, std::move(*input));
  if (AnsweredError(created, res)) return;
  res.Json(wire::EncodeEvalFunctionCreated(*created));
}

void CreateScenarioTest(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewScenarioTest(req.body);
  if (AnsweredError(input, res)) return;
  auto created = api::CreateScenarioTest(ctx, req.owner, std::move(*input));
  if (AnsweredError(created, res)) return;
  res.Json(wire::EncodeScenarioTestCreated(*created));
}

void ListScenarioTests(api::Context& ctx, Request& req, Response& res) {
  auto tests = api::ListScenarioTests(ctx, req.owner);
  if (AnsweredError(tests, res)) return;
  res.Json(wire::EncodeScenarioTestList(*tests));
}

void GetScenarioTest(api::Context& ctx, Request& req, Response& res) {
  auto test = api::GetScenarioTest(ctx, req.owner, req.Param("ut"));
  if (AnsweredError(test, res)) return;
  res.Json(wire::EncodeScenarioTestWrapped(*test));
}

void GetScenarioTestInfo(api::Context& ctx, Request& req, Response& res) {
  auto test = api::GetScenarioTest(ctx, req.owner, req.Param("ut"));
  if (AnsweredError(test, res)) return;
  res.Json(wire::EncodeScenarioTest(*test));
}

void GetScenarioTestMetrics(api::Context& ctx, Request& req, Response& res) {
  auto test = api::GetScenarioTest(ctx, req.owner, req.Param("ut"));
  if (AnsweredError(test, res)) return;
  res.Json(wire::EncodeScenarioTestMetrics(*test));
}

void ListScenarioTestItems(api::Context& ctx, Request& req, Response& res) {
  auto items = api::ListScenarioTestItems(ctx, req.owner, req.Param("ut"), wire::ObjectFields());
  if (AnsweredError(items, res)) return;
  res.Json(wire::EncodeScenarioTestItems(*items));
}

void DeleteScenarioTest(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteScenarioTest(ctx, req.owner, req.Param("ut")), res)) return;
  res.Json(wire::EncodeScenarioTestDeleted());
}

void AddScenarioTestFunction(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeAddScenarioTestFunction(req.body);
  if (AnsweredError(input, res)) return;
  auto metric = api::AddScenarioTestFunction(ctx, req.owner, input->scenario_test_name,
                                             input->eval_function_id);
  if (AnsweredError(metric, res)) return;
  res.Json(wire::EncodeScenarioTestMetric(*metric));
}

void SetMetricThreshold(api::Context& ctx, Request& req, Response& res) {
  auto threshold = wire::DecodeThreshold(req.body);
  if (AnsweredError(threshold, res)) return;
  auto stored =
      api::SetMetricThreshold(ctx, req.owner, req.Param("ut"), req.Param("ef"), *threshold);
  if (AnsweredError(stored, res)) return;
  res.Json(wire::EncodeThreshold(*stored));
}

void SetBaselineModel(api::Context& ctx, Request& req, Response& res) {
  auto model = api::SetBaselineModel(ctx, req.owner, req.Param("ut"), req.Param("prj"));
  if (AnsweredError(model, res)) return;
  res.Json(wire::EncodeBaselineModel(*model));
}

void EvaluateModel(api::Context& ctx, Request& req, Response& res) {
  auto names = wire::DecodeTestNames(req.body);
  if (AnsweredError(names, res)) return;
  RespondJobSubmitted(res,
                      api::EvaluateModelOnScenarioTests(ctx, req.owner, req.Param("prj"), *names));
}

void EvaluateModelOnAllTests(api::Context& ctx, Request& req, Response& res) {
  auto jobs = api::EvaluateModelOnAllScenarioTests(ctx, req.owner, req.Param("prj"));
  if (AnsweredError(jobs, res)) return;
  res.Json(wire::EncodeSubmittedJobs(*jobs));
}

void GetEvaluationHistory(api::Context& ctx, Request& req, Response& res) {
  auto history = api::ListScenarioTestEvaluations(ctx, req.owner, req.Param("ut"));
  if (AnsweredError(history, res)) return;
  res.Json(wire::EncodeEvaluationHistory(*history));
}

void GetEvaluationInfo(api::Context& ctx, Request& req, Response& res) {
  auto info = api::GetScenarioTestEvaluation(ctx, req.owner, req.Param("ute"));
  if (AnsweredError(info, res)) return;
  res.Json(wire::EncodeEvaluationInfo(info->evaluation, info->items));
}

void UploadExternalResults(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeExternalResults(req.body);
  if (AnsweredError(input, res)) return;
  auto stored = api::UploadExternalResults(ctx, req.owner, *input);
  if (AnsweredError(stored, res)) return;
  res.Json(wire::EncodeExternalResultsStored(*stored));
}

constexpr RouteRow kValidateRoutes[] = {
    {"GET", "validate/eval_fn", ListEvalFunctions},
    {"POST", "validate/eval_fn", CreateExternalEvalFunction},
    {"POST", "validate/scenario_test", CreateScenarioTest},
    {"GET", "validate/scenario_test/details", ListScenarioTests},
    {"POST", "validate/scenario_test/upload_results", UploadExternalResults},
    {"GET", "validate/scenario_test/:ut", GetScenarioTest},
    {"GET", "validate/scenario_test/:ut/info", GetScenarioTestInfo},
    {"GET", "validate/scenario_test/:ut/metrics", GetScenarioTestMetrics},
    {"GET", "validate/scenario_test/:ut/items", ListScenarioTestItems},
    {"DELETE", "validate/scenario_test/:ut", DeleteScenarioTest},
    {"POST", "validate/scenario_test_eval_function", AddScenarioTestFunction},
    {"POST", "validate/metric/set_threshold/:ut/:ef", SetMetricThreshold},
    {"POST", "validate/scenario_test/:ut/set_baseline_model/:prj", SetBaselineModel},
    {"POST", "validate/:prj/evaluate", EvaluateModel},
    {"POST", "validate/:prj/metrics", EvaluateModelOnAllTests},
    {"GET", "validate/scenario_test/:ut/eval_history/details", GetEvaluationHistory},
    {"GET", "validate/eval/:ute/info", GetEvaluationInfo},
};

}  // namespace

void RegisterValidateRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kValidateRoutes);
}

}  // namespace nucleus::server
