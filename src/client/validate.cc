// Model CI over NucleusClient::make_request (docs/api/validate.md).
#include "nucleus/validate.h"

namespace nucleus {
namespace {

std::string Str(const Json& o, std::string_view key) {
  const Json* v = o.find(key);
  return v != nullptr ? v->as_string() : std::string();
}

std::optional<double> OptNum(const Json& o, std::string_view key) {
  const Json* v = o.find(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->as_double();
}

bool Bool(const Json& o, std::string_view key, bool fallback) {
  const Json* v = o.find(key);
  return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
}

EvalFunctionEntry Entry(const Json& e) {
  return {.id = Str(e, "id"),
          .name = Str(e, "name"),
          .is_public = Bool(e, "is_public", false),
          .is_external_function = Bool(e, "is_external_function", false),
          .user_id = Str(e, "user_id")};
}

ScenarioTestEvaluation Evaluation(const Json& e) {
  return {.id = Str(e, "id"),
          .scenario_test_id = Str(e, "scenario_test_id"),
          .eval_function_id = Str(e, "eval_function_id"),
          .model_id = Str(e, "model_id"),
          .status = Str(e, "status"),
          .result = OptNum(e, "result"),
          .passed = Bool(e, "pass", false),
          .threshold = OptNum(e, "threshold"),
          .threshold_comparison = Str(e, "threshold_comparison"),
          .error = Str(e, "error")};
}

Json ThresholdJson(std::optional<double> v) { return v ? Json(*v) : Json(); }

}  // namespace

Result<EvalFunctionConfig> AvailableEvalFunctions::get(const std::string& name,
                                                       Json arguments) const {
  for (const EvalFunctionEntry& e : entries_) {
    if (e.name == name) return EvalFunctionConfig{e.id, std::move(arguments)};
  }
  return NotFound("eval function '" + name + "' is not available to the current user");
}

Status ScenarioTestMetric::set_threshold(std::optional<double> value) {
  if (!client_) return FailedPrecondition("metric not read from a server");
  auto answer = client_->make_request(
      "POST", "validate/metric/set_threshold/" + scenario_test_id + "/" + eval_function_id,
      Json::object({{"threshold", ThresholdJson(value)}}));
  if (!answer.ok()) return answer.status();
  threshold = OptNum(*answer, "threshold");
  return Status::Ok();
}

Result<ScenarioTestMetric> ScenarioTest::add_eval_function(const EvalFunctionConfig& function) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer, client_.make_request("POST", "validate/scenario_test_eval_function",
                                        Json::object({{"scenario_test_name", name_},
                                                      {"eval_function_id", function.id}})));
  ScenarioTestMetric m;
  m.scenario_test_id = Str(answer, "scenario_test_id");
  m.eval_function_id = Str(answer, "eval_function_id");
  m.threshold = OptNum(answer, "threshold");
  if (answer.contains("threshold_comparison")) {
    m.threshold_comparison = Str(answer, "threshold_comparison");
  }
  m.client_ = client_;
  return m;
}

Result<std::vector<ScenarioTestMetric>> ScenarioTest::get_eval_functions() {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer, client_.make_request("GET", "validate/scenario_test/" + id_ + "/metrics"));
  std::vector<ScenarioTestMetric> out;
  const Json* list = answer.find("scenario_test_metrics");
  if (list == nullptr) return out;
  for (const Json& e : list->as_array()) {
    ScenarioTestMetric m;
    m.scenario_test_id = Str(e, "scenario_test_id");
    m.eval_function_id = Str(e, "eval_function_id");
    m.threshold = OptNum(e, "threshold");
    m.threshold_comparison = Str(e, "threshold_comparison");
    if (const Json* args = e.find("eval_func_arguments")) m.eval_func_arguments = *args;
    m.client_ = client_;
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ScenarioTestEvaluation>> ScenarioTest::get_eval_history() {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      client_.make_request("GET", "validate/scenario_test/" + id_ + "/eval_history/details"));
  std::vector<ScenarioTestEvaluation> out;
  for (const Json& e : answer.as_array()) out.push_back(Evaluation(e));
  return out;
}

Result<std::string> ScenarioTest::set_baseline_model(const std::string& model_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      client_.make_request(
          "POST", "validate/scenario_test/" + id_ + "/set_baseline_model/" + model_id));
  baseline_model_id_ = Str(answer, "baseline_model_id");
  return *baseline_model_id_;
}

Result<Json> ScenarioTest::get_items() {
  return client_.make_request("GET", "validate/scenario_test/" + id_ + "/items");
}

Result<AvailableEvalFunctions> Validate::eval_functions() {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer, client_.make_request("GET", "validate/eval_fn"));
  std::vector<EvalFunctionEntry> entries;
  if (const Json* list = answer.find("eval_functions")) {
    for (const Json& e : list->as_array()) entries.push_back(Entry(e));
  }
  return AvailableEvalFunctions(std::move(entries));
}

Result<ScenarioTest> Validate::create_scenario_test(
    const std::string& name, const std::string& slice_id,
    const std::vector<EvalFunctionConfig>& functions) {
  if (functions.empty()) {
    return InvalidArgument(
        "Must pass an evaluation_function to the scenario test! I.e. "
        "evaluation_functions=[client.validate.eval_functions.bbox_iou()]");
  }
  Json::Array list;
  for (const EvalFunctionConfig& f : functions) {
    list.push_back(Json::object({{"id", f.id}, {"eval_func_arguments", f.eval_func_arguments}}));
  }
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      client_.make_request("POST", "validate/scenario_test",
                           Json::object({{"name", name},
                                         {"slice_id", slice_id},
                                         {"evaluation_functions", Json(std::move(list))}})));
  return get_scenario_test(Str(answer, "scenario_test_id"));
}

Result<ScenarioTest> Validate::get_scenario_test(const std::string& scenario_test_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json info,
      client_.make_request("GET", "validate/scenario_test/" + scenario_test_id + "/info"));
  ScenarioTest test(client_);
  test.id_ = scenario_test_id;
  test.name_ = Str(info, "name");
  test.slice_id_ = Str(info, "slice_id");
  if (const Json* b = info.find("baseline_model_id"); b != nullptr && b->is_string()) {
    test.baseline_model_id_ = b->as_string();
  }
  return test;
}

Result<std::vector<ScenarioTest>> Validate::scenario_tests() {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           client_.make_request("GET", "validate/scenario_test/details"));
  std::vector<ScenarioTest> out;
  for (const Json& e : answer.as_array()) {
    ScenarioTest test(client_);
    test.id_ = Str(e, "id");
    test.name_ = Str(e, "name");
    test.slice_id_ = Str(e, "slice_id");
    if (const Json* b = e.find("baseline_model_id"); b != nullptr && b->is_string()) {
      test.baseline_model_id_ = b->as_string();
    }
    out.push_back(std::move(test));
  }
  return out;
}

Result<bool> Validate::delete_scenario_test(const std::string& scenario_test_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      client_.make_request("DELETE", "validate/scenario_test/" + scenario_test_id));
  return Bool(answer, "success", false);
}

Result<AsyncJob> Validate::evaluate_model_on_scenario_tests(
    const std::string& model_id, const std::vector<std::string>& test_names) {
  Json::Array names(test_names.begin(), test_names.end());
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer, client_.make_request("POST", "validate/" + model_id + "/evaluate",
                                        Json::object({{"test_names", Json(std::move(names))}})));
  return client_.get_job(Str(answer, "job_id"));
}

Result<std::vector<AsyncJob>> Validate::metrics(const std::string& model_id) {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           client_.make_request("POST", "validate/" + model_id + "/metrics"));
  std::vector<AsyncJob> out;
  for (const Json& e : answer.as_array()) {
    NUCLEUS_ASSIGN_OR_RETURN(AsyncJob job, client_.get_job(Str(e, "job_id")));
    out.push_back(std::move(job));
  }
  return out;
}

Result<EvalFunctionEntry> Validate::create_external_eval_function(const std::string& name,
                                                                  const std::string& level) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      client_.make_request("POST", "validate/eval_fn",
                           Json::object({{"name", name},
                                         {"is_external_function", true},
                                         {"serialized_fn", Json()},
                                         {"raw_source", Json()},
                                         {"level", level}})));
  const Json* fn = answer.find("eval_fn");
  return fn != nullptr ? Entry(*fn) : EvalFunctionEntry{};
}

Result<std::vector<ScenarioTestItemEvaluation>> Validate::item_evaluations(
    const std::string& evaluation_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer, client_.make_request("GET", "validate/eval/" + evaluation_id + "/info"));
  std::vector<ScenarioTestItemEvaluation> out;
  if (const Json* list = answer.find("scenario_test_item_evaluations")) {
    for (const Json& e : list->as_array()) {
      out.push_back({.evaluation_id = Str(e, "evaluation_id"),
                     .dataset_item_id = Str(e, "dataset_item_id"),
                     .result = OptNum(e, "result"),
                     .passed = Bool(e, "pass", true)});
    }
  }
  return out;
}

}  // namespace nucleus
