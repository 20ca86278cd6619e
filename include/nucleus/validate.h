// Model CI in the C++ client SDK, the shape of the Python client's `client.validate`
// (scale-nucleus 0.18): evaluation functions, scenario tests on slices, their metrics and
// thresholds, evaluating a model on them, the history. Wire contract: docs/api/validate.md.
//
//   nucleus::Validate validate(client);
//   auto fns = validate.eval_functions();                       // client.validate.eval_functions
//   auto test = validate.create_scenario_test("night", slice_id,
//       {fns->get("bbox_iou", nucleus::Json::object({{"iou_threshold", 0.5}}))});
//   auto metrics = test->get_eval_functions();
//   (*metrics)[0].set_threshold(0.6);
//   auto job = validate.evaluate_model_on_scenario_tests(model_id, {"night"});
//   job->sleep_until_complete();
//   auto history = test->get_eval_history();
//
// Handles share the client's transport; thread-safe like NucleusClient.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nucleus/client.h"
#include "nucleus/json.h"
#include "nucleus/result.h"

namespace nucleus {

// An entry of GET validate/eval_fn.
struct EvalFunctionEntry {
  std::string id;  // "ef_..."
  std::string name;
  bool is_public = false;
  bool is_external_function = false;
  std::string user_id;
};

// A function with its arguments, as `eval_functions.bbox_iou(iou_threshold=0.5)` makes it.
struct EvalFunctionConfig {
  std::string id;
  Json eval_func_arguments = Json::object();
};

// client.validate.eval_functions: the catalogue, by name.
class AvailableEvalFunctions {
 public:
  explicit AvailableEvalFunctions(std::vector<EvalFunctionEntry> entries)
      : entries_(std::move(entries)) {}
  const std::vector<EvalFunctionEntry>& entries() const { return entries_; }
  // The function `name` (a built-in such as "bbox_iou" or an external one) with `arguments`;
  // kNotFound when the catalogue has no such name (the Python client's
  // EvalFunctionNotAvailableError).
  Result<EvalFunctionConfig> get(const std::string& name,
                                 Json arguments = Json::object()) const;

 private:
  std::vector<EvalFunctionEntry> entries_;
};

// One evaluation of a model on one metric (eval_history/details).
struct ScenarioTestEvaluation {
  std::string id;  // "ute_..."
  std::string scenario_test_id;
  std::string eval_function_id;
  std::string model_id;
  std::string status;  // "pending", "started", "completed" or "errored"
  std::optional<double> result;
  bool passed = false;
  std::optional<double> threshold;
  std::string threshold_comparison;
  std::string error;
};

// One item's value of an evaluation (validate/eval/{ute}/info).
struct ScenarioTestItemEvaluation {
  std::string evaluation_id;
  std::string dataset_item_id;
  std::optional<double> result;
  bool passed = true;
};

// A metric of a scenario test: a function, its arguments and its pass criterion.
class ScenarioTestMetric {
 public:
  std::string scenario_test_id;
  std::string eval_function_id;
  std::optional<double> threshold;
  std::string threshold_comparison = "greater_than_equal_to";
  Json eval_func_arguments = Json::object();

  // POST validate/metric/set_threshold/{ut}/{ef}; nullopt clears it. Updates `threshold`.
  Status set_threshold(std::optional<double> value);

 private:
  friend class ScenarioTest;
  friend class Validate;
  std::optional<NucleusClient> client_;
};

class ScenarioTest {
 public:
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& slice_id() const { return slice_id_; }
  const std::optional<std::string>& baseline_model_id() const { return baseline_model_id_; }

  // Adds `function` without arguments (as the Python client does), by the test's name.
  Result<ScenarioTestMetric> add_eval_function(const EvalFunctionConfig& function);
  Result<std::vector<ScenarioTestMetric>> get_eval_functions();
  // Newest first.
  Result<std::vector<ScenarioTestEvaluation>> get_eval_history();
  // Returns the model id; kNotFound for a model the caller does not have.
  Result<std::string> set_baseline_model(const std::string& model_id);
  // GET validate/scenario_test/{ut}/items: {"dataset_items", "scenes", "tracks"}.
  Result<Json> get_items();

 private:
  friend class Validate;
  explicit ScenarioTest(NucleusClient client) : client_(std::move(client)) {}
  NucleusClient client_;
  std::string id_, name_, slice_id_;
  std::optional<std::string> baseline_model_id_;
};

class Validate {
 public:
  explicit Validate(NucleusClient client) : client_(std::move(client)) {}

  Result<AvailableEvalFunctions> eval_functions();
  // kInvalidArgument without functions (the Python client's CreateScenarioTestError).
  Result<ScenarioTest> create_scenario_test(const std::string& name, const std::string& slice_id,
                                            const std::vector<EvalFunctionConfig>& functions);
  Result<ScenarioTest> get_scenario_test(const std::string& scenario_test_id);
  Result<std::vector<ScenarioTest>> scenario_tests();
  Result<bool> delete_scenario_test(const std::string& scenario_test_id);
  Result<AsyncJob> evaluate_model_on_scenario_tests(const std::string& model_id,
                                                    const std::vector<std::string>& test_names);
  // POST validate/{prj}/metrics: one job per scenario test.
  Result<std::vector<AsyncJob>> metrics(const std::string& model_id);
  // `level`: "item", "scene" or "track".
  Result<EvalFunctionEntry> create_external_eval_function(const std::string& name,
                                                          const std::string& level = "item");
  // ScenarioTestEvaluation.item_evals of the Python client.
  Result<std::vector<ScenarioTestItemEvaluation>> item_evaluations(
      const std::string& evaluation_id);

 private:
  NucleusClient client_;
};

}  // namespace nucleus
