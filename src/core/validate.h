// Model CI (docs/api/validate.md) as values: the evaluation-function catalogue, scenario tests and
// their metrics. Plain values and a constant table; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/items.h"
#include "core/scenes.h"

namespace nucleus::core {

// How one configuration parameter of a built-in function is checked (validate.md §2.2).
enum class EvalParamKind {
  kBool,             // a JSON boolean
  kUnitInterval,     // a number in [0, 1]
  kOptUnitInterval,  // null or a number in [0, 1] (cat_f1's confidence_threshold)
  kFilters,          // null, an AND-list or a DNF list of 5-element filter arrays
  kIouThresholds,    // "coco" or a non-empty list of numbers in [0, 1]
  kF1Method,         // null, "micro", "macro" or "weighted"
  kString,           // any string (segmentation_to_poly_ap's label)
};

struct EvalParam {
  std::string_view name;
  EvalParamKind kind;
};

// One function of the built-in catalogue: the name the client binds to an attribute of
// `client.validate.eval_functions`, and the parameters its configuration class sends.
struct BuiltinEvalFunction {
  std::string_view name;
  std::span<const EvalParam> params;
  // The segmentation classes pass any extra keyword argument through (validate.md §2.2); the
  // others refuse keys they do not know.
  bool accepts_extra_params = false;
};

inline constexpr std::string_view kEvalFunctionIdPrefix = "ef_";

// The 23 built-ins, in the order GET validate/eval_fn lists them. Their ids are "ef_" + name, so
// they are the same on every server and database.
std::span<const BuiltinEvalFunction> BuiltinEvalFunctions();
// The built-in with id "ef_<name>", or nullptr.
const BuiltinEvalFunction* FindBuiltinEvalFunction(std::string_view id);
std::string BuiltinEvalFunctionId(const BuiltinEvalFunction& fn);

// An entry of the catalogue as GET validate/eval_fn shows it: a built-in (public, user "public")
// or an owner's external function (stored: rowid, level and created_at_ms are set).
struct EvalFunction {
  int64_t rowid = 0;  // store-internal key; 0 for built-ins and until inserted
  std::string id;     // "ef_..."
  std::string name;
  bool is_public = false;
  bool is_external_function = false;
  std::string user_id;         // "public" for built-ins, else the owner
  std::string level = "item";  // external functions: "item", "scene" or "track"
  int64_t created_at_ms = 0;
};

// POST validate/eval_fn (§2.3): an external function of the caller.
struct NewExternalEvalFunction {
  std::string name;
  std::string level = "item";
};

// The comparisons of the client's ThresholdComparison enum, by their wire strings.
inline constexpr std::string_view kThresholdComparisons[] = {
    "greater_than", "greater_than_equal_to", "less_than", "less_than_equal_to"};
inline constexpr std::string_view kDefaultThresholdComparison = "greater_than_equal_to";

// One evaluation function of a scenario test with its arguments and pass criterion (§3.6).
struct ScenarioTestMetric {
  std::string scenario_test_id;  // filled on read
  std::string eval_function_id;
  // The arguments as sent (a minified JSON object); defaults are applied when evaluating.
  std::string eval_func_arguments_json = "{}";
  std::optional<double> threshold;
  std::string threshold_comparison = std::string(kDefaultThresholdComparison);
};

// A scenario test: a slice plus metrics (§3). Names are unique per owner.
struct ScenarioTest {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "ut_..."
  std::string owner;
  std::string name;
  std::string slice_id;
  std::string baseline_model_id;  // "" when none
  int64_t created_at_ms = 0;
  std::vector<ScenarioTestMetric> metrics;  // creation order
};

// POST validate/scenario_test (§3.1). Each metric's threshold is optional (our SDK may send one).
struct NewScenarioTest {
  std::string name;
  std::string slice_id;
  std::vector<ScenarioTestMetric> metrics;
};

inline constexpr std::string_view kPublicEvalFunctionUser = "public";

// One evaluation of a model on one metric of a scenario test (§5.1): created "pending" when the
// job is accepted; the threshold and comparison are copied from the metric then, so later
// set_threshold calls do not rewrite history.
struct ScenarioTestEvaluation {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "ute_..."
  std::string owner;
  int64_t test_rowid = 0;
  std::string scenario_test_id;
  std::string eval_function_id;
  std::string eval_func_arguments_json = "{}";
  std::string model_id;
  std::string status = "pending";  // "pending", "started", "completed" or "errored"
  std::optional<double> result;    // null: nothing measured, or not completed
  bool pass = false;
  std::optional<double> threshold;
  std::string threshold_comparison = std::string(kDefaultThresholdComparison);
  std::string error;  // "" unless errored
  std::string job_id;
  int64_t created_at_ms = 0;
};

// One item's value in an evaluation (§5.2).
struct ItemEvaluation {
  std::string dataset_item_id;   // "di_..."
  std::optional<double> result;  // null: the item has nothing to measure
  bool pass = true;
};

// GET validate/scenario_test/{ut}/items (§3.10): the entities of a scenario test's slice.
struct ScenarioTestEntities {
  std::string dataset_id;
  std::vector<Item> items;        // an item slice's items, in slice order
  std::vector<SceneView> scenes;  // a scene slice's scenes (with their frames), in slice order
  // The distinct track_reference_id of the ground truth on the slice's items (a scene slice:
  // its scenes' frames), in order of first appearance: the tracks the slice holds.
  std::vector<std::string> track_reference_ids;
};

// A value a filter compares (§8.2): a JSON scalar, or kOther for null, an array or an object
// (equal to no filter value, and not ordered).
struct FilterScalar {
  enum class Kind { kBool, kNumber, kString, kOther };
  Kind kind = Kind::kOther;
  double number = 0;  // kNumber; kBool: 0 or 1 (Python's bool is an int)
  std::string text;   // kString
};

// One condition [key, op, value, allow_missing, type] of annotation_filters /
// prediction_filters (§2.2, §8.2).
struct FilterCondition {
  std::string key;
  std::string op;                    // ">", ">=", "<", "<=", "=", "==", "!=", "in", "not in"
  std::vector<FilterScalar> values;  // one, or the members for "in" / "not in"
  bool allow_missing = false;
  std::string type;  // "field", "metadata", "segment_field", "segment_metadata"
};

// Disjunctive normal form: an object is kept when any branch has all its conditions true. An
// AND-list is one branch; empty (null filters) keeps everything.
using FilterDnf = std::vector<std::vector<FilterCondition>>;

// Reads an annotation's or prediction's attribute (`metadata` false: a member of the stored
// object, or of its "geometry"; true: a key of its "metadata") for the filters: the server
// provides it (wire/), as the objects are stored as JSON. nullopt when absent.
class ObjectFieldReader {
 public:
  virtual ~ObjectFieldReader() = default;
  virtual std::optional<FilterScalar> Read(std::string_view object_json, std::string_view key,
                                           bool metadata) const = 0;
  // The JSON text of each element of the stored object's "annotations" (a mask's segments:
  // "label", "index", "metadata"), in order; empty when it has none. Read then reads them.
  virtual std::vector<std::string> Segments(std::string_view object_json) const {
    (void)object_json;
    return {};
  }
};

// The arguments of a built-in function with the client's defaults applied (§2.2); decoded from
// the stored JSON by wire/.
struct EvalArguments {
  bool enforce_label_match = false;
  double iou_threshold = 0.5;
  double confidence_threshold = 0.0;  // cat_f1: null is 0.0
  bool iou_2d = false;
  std::string f1_method = "macro";     // cat_f1: "macro", "micro" or "weighted" (null: "macro")
  std::vector<double> iou_thresholds;  // seg_map: the list sent; empty: "coco"
  FilterDnf annotation_filters;        // empty: none
  FilterDnf prediction_filters;
  bool has_filters() const { return !annotation_filters.empty() || !prediction_filters.empty(); }
};

// POST validate/scenario_test/upload_results (§3.9): an external function's results, computed
// and aggregated by the client.
struct ExternalResults {
  std::string scenario_test_id;
  std::string eval_function_id;
  std::string model_id;
  std::string level = "item";                                     // "item", "scene" or "track"
  std::vector<std::pair<std::string, double>> result_per_ref_id;  // as sent, in order
  double overall_metric = 0;
};

// Whether `result` passes `threshold` under `comparison` (§5.3): no threshold passes; no result
// with a threshold fails.
bool PassesThreshold(std::optional<double> result, std::optional<double> threshold,
                     std::string_view comparison);

}  // namespace nucleus::core
