// Bodies of the Model CI routes (docs/api/validate.md). Errors name the object and the field
// (`field "name" of scenario test: ...`). Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/items.h"
#include "core/jobs.h"
#include "core/validate.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// {"eval_functions": [{"id", "name", "is_public", "is_external_function", "user_id",
//  "serialized_fn": null, "raw_source": null}...]} (§2.1)
std::string EncodeEvalFunctions(const std::vector<core::EvalFunction>& functions);

// POST validate/eval_fn (§2.3): {"name", "is_external_function": true, "level"?}. Only external
// functions can be created ("field \"is_external_function\" ... must be true").
Result<core::NewExternalEvalFunction> DecodeNewExternalEvalFunction(std::string_view body);
// {"eval_fn": <entry of §2.1>}
std::string EncodeEvalFunctionCreated(const core::EvalFunction& fn);

// POST validate/scenario_test (§3.1): {"name", "slice_id", "evaluation_functions": [{"id",
// "eval_func_arguments", "threshold"?, "threshold_comparison"?}...]}. The arguments of a built-in
// are checked against its parameters (core::BuiltinEvalFunction: types and ranges, unknown keys);
// they are kept as sent (minified).
Result<core::NewScenarioTest> DecodeNewScenarioTest(std::string_view body);
// {"scenario_test_id": "ut_..."}
std::string EncodeScenarioTestCreated(const core::ScenarioTest& test);
// The scenario-test object {"id", "name", "slice_id", "baseline_model_id", "created_at"}.
std::string EncodeScenarioTest(const core::ScenarioTest& test);
// {"unit_test": <object>} (§3.2)
std::string EncodeScenarioTestWrapped(const core::ScenarioTest& test);
// [<object>...] (§3.4)
std::string EncodeScenarioTestList(const std::vector<core::ScenarioTest>& tests);
// {"scenario_test_metrics": [{"scenario_test_id", "eval_function_id", "threshold",
//  "threshold_comparison", "eval_func_arguments"}...]} — exactly these keys (§3.6).
std::string EncodeScenarioTestMetrics(const core::ScenarioTest& test);
// {"success": true} (§3.11)
std::string EncodeScenarioTestDeleted();

// {"dataset_items": [item...], "scenes": [scene...], (a lidar scene as GET dataset/{ds}/scene/{ref}
//  writes it; a video scene without its frames: {"id", "reference_id", "type", "metadata"})
//  "tracks": [{"reference_id", "dataset_id", "metadata": {}}...]} (§3.10)
std::string EncodeScenarioTestItems(const core::ScenarioTestEntities& entities);

// POST validate/scenario_test_eval_function (§3.5): {"scenario_test_name", "eval_function_id"}.
struct AddScenarioTestFunctionRequest {
  std::string scenario_test_name;
  std::string eval_function_id;
};
Result<AddScenarioTestFunctionRequest> DecodeAddScenarioTestFunction(std::string_view body);
// The new metric, with the keys of §3.6.
std::string EncodeScenarioTestMetric(const core::ScenarioTestMetric& metric);

// The stored arguments of built-in `eval_function_id` with the client's defaults for what is
// missing (validate.md §2.2): enforce_label_match false (cuboids: true), iou_threshold 0.5
// (*_iou: 0.0, cuboid precision/recall: 0.0), confidence_threshold 0.0 (also for null),
// f1_method "macro" (also for null), annotation_filters / prediction_filters in DNF (null: none).
Result<core::EvalArguments> DecodeEvalArguments(std::string_view eval_function_id,
                                                std::string_view arguments_json);

// The filters' view of a stored annotation or prediction payload (validate.md §8.2): a
// member of the object or of its "geometry", or a key of its "metadata". Thread-safe.
const core::ObjectFieldReader& ObjectFields();

// POST validate/scenario_test/upload_results (§3.9): {"unit_test_id", "eval_function_id",
// "result_per_ref_id": {ref: number}, "weight_per_ref_id", "overall_metric", "model_id",
// "slice_id", "level"}.
Result<core::ExternalResults> DecodeExternalResults(std::string_view body);
// {"evaluation_id": "ute_..."}
std::string EncodeExternalResultsStored(const core::ScenarioTestEvaluation& evaluation);

// POST validate/{prj}/evaluate (§4.1): {"test_names": [...]}.
Result<std::vector<std::string>> DecodeTestNames(std::string_view body);
// [{"id", "scenario_test_id", "eval_function_id", "model_id", "status", "result", "pass",
//   "threshold", "threshold_comparison", "created_at", "error"}...] (§5.1)
std::string EncodeEvaluationHistory(const std::vector<core::ScenarioTestEvaluation>& history);
// {"scenario_test_evaluation": <element of §5.1>, "scenario_test_item_evaluations":
//  [{"evaluation_id", "scenario_test_id", "eval_function_id", "dataset_item_id", "result",
//    "pass"}...]} (§5.2)
std::string EncodeEvaluationInfo(const core::ScenarioTestEvaluation& evaluation,
                                 const std::vector<core::ItemEvaluation>& items);

// [<job object of jobs.md §1, "Running">...] (§4.2)
std::string EncodeSubmittedJobs(const std::vector<core::Job>& jobs);

// POST validate/metric/set_threshold (§3.7): {"threshold": number | null}.
Result<std::optional<double>> DecodeThreshold(std::string_view body);
std::string EncodeThreshold(std::optional<double> threshold);
// {"baseline_model_id": "prj_..."} (§3.8)
std::string EncodeBaselineModel(const std::string& model_id);

}  // namespace nucleus::wire
