// Model CI use cases (docs/api/validate.md): the evaluation-function catalogue, scenario tests on
// slices, their metrics, thresholds and baseline model. Every call is scoped to `owner`: another
// owner's scenario test or function is NotFound, exactly like a missing one. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "core/items.h"
#include "core/validate.h"
#include "nucleus/result.h"

namespace nucleus::api {

// GET validate/eval_fn (§2.1): the built-ins of core::BuiltinEvalFunctions() in their order, then
// the owner's external functions, oldest first. Never empty (the client asserts it).
Result<std::vector<core::EvalFunction>> ListEvalFunctions(Context& ctx, const std::string& owner);

// POST validate/eval_fn (§2.3). InvalidArgument for an empty name, a name with a space or longer
// than 255 bytes, or a level other than item/scene/track; AlreadyExists when the owner has a
// function of that name.
Result<core::EvalFunction> CreateExternalEvalFunction(Context& ctx, const std::string& owner,
                                                      core::NewExternalEvalFunction input);

// POST validate/scenario_test (§3.1). `input.metrics` name built-ins ("ef_bbox_iou") or the
// owner's external functions; their arguments were checked by the decoder. NotFound for an
// unknown slice or function; InvalidArgument for no metric, an empty name, a comparison outside
// core::kThresholdComparisons, or external and built-in functions mixed; AlreadyExists for a
// name the owner already uses.
Result<core::ScenarioTest> CreateScenarioTest(Context& ctx, const std::string& owner,
                                              core::NewScenarioTest input);
// GET validate/scenario_test/{ut}[/info|/metrics] (§3.2, §3.3, §3.6): with its metrics.
Result<core::ScenarioTest> GetScenarioTest(Context& ctx, const std::string& owner,
                                           const std::string& id);
// GET validate/scenario_test/details (§3.4): oldest first.
Result<std::vector<core::ScenarioTest>> ListScenarioTests(Context& ctx, const std::string& owner);
// DELETE validate/scenario_test/{ut} (§3.11): the test and its metrics; the slice is untouched.
Status DeleteScenarioTest(Context& ctx, const std::string& owner, const std::string& id);

// GET validate/scenario_test/{ut}/items (§3.10): the items of the test's item slice in slice
// order (members no longer in the dataset are left out), the scenes of its scene slice (scenes
// no longer in the dataset left out), and the tracks of either: the track reference ids of the
// ground truth on their items, read through `fields` (the objects are stored as JSON). An object
// slice has none of these.
Result<core::ScenarioTestEntities> ListScenarioTestItems(Context& ctx, const std::string& owner,
                                                         const std::string& id,
                                                         const core::ObjectFieldReader& fields);

// POST validate/scenario_test_eval_function (§3.5): appends `eval_function_id` with no arguments
// ("{}") and no threshold to the owner's test named `test_name`; returns the new metric.
// NotFound for an unknown test or function; InvalidArgument when it would mix external and
// built-in functions.
Result<core::ScenarioTestMetric> AddScenarioTestFunction(Context& ctx, const std::string& owner,
                                                         const std::string& test_name,
                                                         const std::string& eval_function_id);
// POST validate/metric/set_threshold/{ut}/{ef} (§3.7): the first metric of that function; nullopt
// clears it. Returns the stored threshold. NotFound when the test has no such metric.
Result<std::optional<double>> SetMetricThreshold(Context& ctx, const std::string& owner,
                                                 const std::string& test_id,
                                                 const std::string& eval_function_id,
                                                 std::optional<double> threshold);
// POST validate/scenario_test/{ut}/set_baseline_model/{prj} (§3.8). NotFound ("model \"<id>\"
// not found") unless the owner has that model. Returns the model id.
Result<std::string> SetBaselineModel(Context& ctx, const std::string& owner,
                                     const std::string& test_id, const std::string& model_id);

}  // namespace nucleus::api
