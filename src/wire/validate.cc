#include "wire/validate.h"

#include <algorithm>

#include "core/clock.h"
#include "wire/bodies.h"
#include "wire/items.h"
#include "wire/jobs.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"
#include "wire/scenes.h"

namespace nucleus::wire {
namespace {

using core::EvalParamKind;

void WriteEvalFunction(JsonWriter& w, const core::EvalFunction& fn) {
  w.BeginObject();
  w.Key("id").String(fn.id).Key("name").String(fn.name);
  w.Key("is_public").Bool(fn.is_public);
  w.Key("is_external_function").Bool(fn.is_external_function);
  w.Key("user_id").String(fn.user_id);
  w.Key("serialized_fn").Null().Key("raw_source").Null();
  w.EndObject();
}

void WriteScenarioTest(JsonWriter& w, const core::ScenarioTest& t) {
  w.BeginObject();
  w.Key("id").String(t.id).Key("name").String(t.name).Key("slice_id").String(t.slice_id);
  w.Key("baseline_model_id");
  if (t.baseline_model_id.empty()) {
    w.Null();
  } else {
    w.String(t.baseline_model_id);
  }
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(t.created_at_ms)));
  w.EndObject();
}

void WriteMetric(JsonWriter& w, const core::ScenarioTestMetric& m) {
  w.BeginObject();
  w.Key("scenario_test_id").String(m.scenario_test_id);
  w.Key("eval_function_id").String(m.eval_function_id);
  w.Key("threshold");
  if (m.threshold) {
    w.Double(*m.threshold);
  } else {
    w.Null();
  }
  w.Key("threshold_comparison").String(m.threshold_comparison);
  w.Key("eval_func_arguments").Raw(m.eval_func_arguments_json);
  w.EndObject();
}

bool InUnitInterval(JsonValue v) {
  double d = 0;
  return ToDouble(v, &d) && d >= 0.0 && d <= 1.0;
}

bool IsOneOf(JsonValue v, std::initializer_list<std::string_view> allowed) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

// [key, op, value, allow_missing, type] (validate.md §2.2, "Filters").
bool IsFilter(JsonValue v) {
  JsonArray parts;
  if (v.get_array().get(parts) != simdjson::SUCCESS || parts.size() != 5) return false;
  JsonValue part[5];
  size_t n = 0;
  for (JsonValue p : parts) part[n++] = p;
  if (!part[0].is_string()) return false;
  if (!IsOneOf(part[1], {">", ">=", "<", "<=", "=", "==", "!=", "in", "not in"})) return false;
  if (IsOneOf(part[1], {"in", "not in"}) && !part[2].is_array()) return false;
  if (!part[3].is_bool()) return false;
  return IsOneOf(part[4], {"field", "metadata", "segment_field", "segment_metadata"});
}

// null, an AND-list of filters or a list of AND-lists.
bool IsFilterList(JsonValue v) {
  if (v.is_null()) return true;
  JsonArray list;
  if (v.get_array().get(list) != simdjson::SUCCESS) return false;
  for (JsonValue element : list) {
    if (IsFilter(element)) continue;
    JsonArray branch;
    if (element.get_array().get(branch) != simdjson::SUCCESS) return false;
    for (JsonValue inner : branch) {
      if (!IsFilter(inner)) return false;
    }
  }
  return true;
}

bool IsIouThresholds(JsonValue v) {
  if (v.is_string()) return IsOneOf(v, {"coco"});
  JsonArray list;
  if (v.get_array().get(list) != simdjson::SUCCESS || list.size() == 0) return false;
  for (JsonValue t : list) {
    if (!InUnitInterval(t)) return false;
  }
  return true;
}

// "" when `v` suits `kind`, else what it must be.
std::string_view ParamProblem(EvalParamKind kind, JsonValue v) {
  switch (kind) {
    case EvalParamKind::kBool:
      return v.is_bool() ? "" : "must be a boolean";
    case EvalParamKind::kUnitInterval:
      return InUnitInterval(v) ? "" : "must be a number in [0, 1]";
    case EvalParamKind::kOptUnitInterval:
      return v.is_null() || InUnitInterval(v) ? "" : "must be null or a number in [0, 1]";
    case EvalParamKind::kFilters:
      return IsFilterList(v) ? ""
                             : "must be null, a list of [key, op, value, allow_missing, type] "
                               "filters or a list of such lists";
    case EvalParamKind::kIouThresholds:
      return IsIouThresholds(v) ? "" : "must be \"coco\" or a non-empty list of numbers in [0, 1]";
    case EvalParamKind::kF1Method:
      return v.is_null() || IsOneOf(v, {"micro", "macro", "weighted"})
                 ? ""
                 : "must be null, \"micro\", \"macro\" or \"weighted\"";
    case EvalParamKind::kString:
      return v.is_string() ? "" : "must be a string";
  }
  return "is not a known parameter";
}

Status CheckArguments(const core::BuiltinEvalFunction& fn, JsonObject args) {
  std::string what = "evaluation function ";
  what.append(fn.name);
  for (auto field : args) {
    const std::string_view key = field.key;
    const core::EvalParam* param = nullptr;
    for (const core::EvalParam& p : fn.params) {
      if (p.name == key) param = &p;
    }
    if (param == nullptr) {
      if (fn.accepts_extra_params) continue;
      return FieldError(what, key, "is not a parameter of this function");
    }
    std::string_view problem = ParamProblem(param->kind, field.value);
    if (!problem.empty()) return FieldError(what, key, problem);
  }
  return Status::Ok();
}

Status DecodeMetric(JsonValue value, size_t index, core::ScenarioTestMetric* out) {
  std::string what = "evaluation function ";
  what.append(std::to_string(index));
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, what, &obj));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "id", what, &out->eval_function_id));
  JsonValue args;
  if (Find(obj, "eval_func_arguments", &args)) {
    if (!args.is_object()) return FieldError(what, "eval_func_arguments", "must be an object");
    const core::BuiltinEvalFunction* fn = core::FindBuiltinEvalFunction(out->eval_function_id);
    JsonObject args_obj;
    if (args.get_object().get(args_obj) != simdjson::SUCCESS) {
      return FieldError(what, "eval_func_arguments", "must be an object");
    }
    if (fn != nullptr) NUCLEUS_RETURN_IF_ERROR(CheckArguments(*fn, args_obj));
    out->eval_func_arguments_json = Minify(args);
  }
  NUCLEUS_RETURN_IF_ERROR(OptNumber(obj, "threshold", what, &out->threshold));
  return OptString(obj, "threshold_comparison", what, &out->threshold_comparison);
}

void WriteOptionalDouble(JsonWriter& w, std::optional<double> value) {
  if (value) {
    w.Double(*value);
  } else {
    w.Null();
  }
}

void WriteEvaluation(JsonWriter& w, const core::ScenarioTestEvaluation& e) {
  w.BeginObject();
  w.Key("id").String(e.id).Key("scenario_test_id").String(e.scenario_test_id);
  w.Key("eval_function_id").String(e.eval_function_id).Key("model_id").String(e.model_id);
  w.Key("status").String(e.status).Key("result");
  WriteOptionalDouble(w, e.result);
  w.Key("pass").Bool(e.pass).Key("threshold");
  WriteOptionalDouble(w, e.threshold);
  w.Key("threshold_comparison").String(e.threshold_comparison);
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(e.created_at_ms)));
  w.Key("error");
  if (e.error.empty()) {
    w.Null();
  } else {
    w.String(e.error);
  }
  w.EndObject();
}

// The defaults of the client's configuration classes (available_eval_functions.py).
core::EvalArguments DefaultArguments(std::string_view id) {
  core::EvalArguments args;
  const bool cuboid = id.starts_with("ef_cuboid_");
  args.enforce_label_match = cuboid;
  if (id.ends_with("_iou") || id.ends_with("_iou_2d") || id.ends_with("_iou_3d") || cuboid) {
    args.iou_threshold = 0.0;
  }
  args.iou_2d = id == "ef_cuboid_iou_2d";
  return args;
}

core::FilterScalar ToScalar(JsonValue v) {
  core::FilterScalar out;
  bool b = false;
  std::string_view text;
  if (v.get_bool().get(b) == simdjson::SUCCESS) {
    out.kind = core::FilterScalar::Kind::kBool;
    out.number = b ? 1 : 0;
  } else if (ToDouble(v, &out.number)) {
    out.kind = core::FilterScalar::Kind::kNumber;
  } else if (v.get_string().get(text) == simdjson::SUCCESS) {
    out.kind = core::FilterScalar::Kind::kString;
    out.text = std::string(text);
  }
  return out;
}

// One [key, op, value, allow_missing, type] array that IsFilter accepted.
void DecodeFilter(JsonValue v, core::FilterCondition* out) {
  JsonValue part[5];
  size_t n = 0;
  for (JsonValue p : JsonArray(v.get_array().value_unsafe())) part[n++] = p;
  out->key = std::string(part[0].get_string().value_unsafe());
  out->op = std::string(part[1].get_string().value_unsafe());
  JsonArray values;
  if (part[2].get_array().get(values) == simdjson::SUCCESS) {
    for (JsonValue m : values) out->values.push_back(ToScalar(m));
  } else {
    out->values.push_back(ToScalar(part[2]));
  }
  out->allow_missing = part[3].get_bool().value_unsafe();
  out->type = std::string(part[4].get_string().value_unsafe());
}

// An AND-list becomes one branch; a list of AND-lists stays (filtering.py ensureDNFFilters).
Status DecodeFilters(JsonValue v, std::string_view what, core::FilterDnf* out) {
  JsonArray list;
  if (v.get_array().get(list) != simdjson::SUCCESS || !IsFilterList(v)) {
    return FieldError("eval_func_arguments", what,
                      "must be null, a list of [key, op, value, allow_missing, type] filters or a "
                      "list of such lists");
  }
  std::vector<core::FilterCondition> and_list;
  for (JsonValue element : list) {
    if (IsFilter(element)) {
      DecodeFilter(element, &and_list.emplace_back());
      continue;
    }
    std::vector<core::FilterCondition> branch;
    for (JsonValue inner : JsonArray(element.get_array().value_unsafe())) {
      DecodeFilter(inner, &branch.emplace_back());
    }
    out->push_back(std::move(branch));
  }
  if (!and_list.empty()) out->push_back(std::move(and_list));
  return Status::Ok();
}

// Attributes of a stored annotation or prediction payload: top-level members, then those of its
// "geometry" (a box's x, y, width, height...); metadata keys from its "metadata".
class StoredObjectFields final : public core::ObjectFieldReader {
 public:
  std::optional<core::FilterScalar> Read(std::string_view object_json, std::string_view key,
                                         bool metadata) const override {
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(object_json);
    JsonObject obj;
    if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    JsonValue v;
    if (metadata) {
      JsonObject meta;
      if (obj.at_key("metadata").get_object().get(meta) != simdjson::SUCCESS) return std::nullopt;
      if (meta.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
      return ToScalar(v);
    }
    if (obj.at_key(key).get(v) == simdjson::SUCCESS) return ToScalar(v);
    JsonObject geometry;
    if (obj.at_key("geometry").get_object().get(geometry) == simdjson::SUCCESS &&
        geometry.at_key(key).get(v) == simdjson::SUCCESS) {
      return ToScalar(v);
    }
    return std::nullopt;
  }

  std::vector<std::string> Segments(std::string_view object_json) const override {
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(object_json);
    JsonObject obj;
    std::vector<std::string> out;
    if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) return out;
    simdjson::dom::array segments;
    if (obj.at_key("annotations").get_array().get(segments) != simdjson::SUCCESS) return out;
    for (JsonValue s : segments) out.push_back(simdjson::minify(s));
    return out;
  }
};

}  // namespace

Result<core::EvalArguments> DecodeEvalArguments(std::string_view eval_function_id,
                                                std::string_view arguments_json) {
  core::EvalArguments args = DefaultArguments(eval_function_id);
  JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(arguments_json, "eval_func_arguments"));
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(doc.root(), "eval_func_arguments", &obj));
  constexpr std::string_view kWhat = "eval_func_arguments";
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "enforce_label_match", kWhat, &args.enforce_label_match));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "iou_2d", kWhat, &args.iou_2d));
  std::optional<double> number;
  NUCLEUS_RETURN_IF_ERROR(OptNumber(obj, "iou_threshold", kWhat, &number));
  if (number) args.iou_threshold = *number;
  number.reset();
  NUCLEUS_RETURN_IF_ERROR(OptNumber(obj, "confidence_threshold", kWhat, &number));
  if (number) args.confidence_threshold = *number;
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "f1_method", kWhat, &args.f1_method));
  JsonValue thresholds;
  JsonArray list;
  if (Find(obj, "iou_thresholds", &thresholds) &&
      thresholds.get_array().get(list) == simdjson::SUCCESS) {
    for (JsonValue t : list) {
      double v = 0;
      if (!ToDouble(t, &v)) return FieldError(kWhat, "iou_thresholds", "must be a list of numbers");
      args.iou_thresholds.push_back(v);
    }
  }
  JsonValue filters;
  if (Find(obj, "annotation_filters", &filters)) {
    NUCLEUS_RETURN_IF_ERROR(DecodeFilters(filters, "annotation_filters", &args.annotation_filters));
  }
  if (Find(obj, "prediction_filters", &filters)) {
    NUCLEUS_RETURN_IF_ERROR(DecodeFilters(filters, "prediction_filters", &args.prediction_filters));
  }
  return args;
}

const core::ObjectFieldReader& ObjectFields() {
  static const StoredObjectFields reader;
  return reader;
}

Result<core::ExternalResults> DecodeExternalResults(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "external evaluation results";
  core::ExternalResults input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "unit_test_id", kWhat, &input.scenario_test_id));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "eval_function_id", kWhat, &input.eval_function_id));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "model_id", kWhat, &input.model_id));
  NUCLEUS_RETURN_IF_ERROR(GetNumber(obj, "overall_metric", kWhat, &input.overall_metric));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "level", kWhat, &input.level));
  JsonObject per_ref;
  NUCLEUS_RETURN_IF_ERROR(GetObject(obj, "result_per_ref_id", kWhat, &per_ref));
  for (auto field : per_ref) {
    const std::string_view ref = field.key;
    double score = 0;
    if (!ToDouble(field.value, &score)) {
      std::string key = "result_per_ref_id.";
      key.append(ref);
      return FieldError(kWhat, key, "must be a number");
    }
    input.result_per_ref_id.emplace_back(std::string(ref), score);
  }
  return input;
}

std::string EncodeExternalResultsStored(const core::ScenarioTestEvaluation& evaluation) {
  return JsonWriter().BeginObject().Key("evaluation_id").String(evaluation.id).EndObject().Take();
}

Result<std::vector<std::string>> DecodeTestNames(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  std::vector<std::string> names;
  JsonValue list;
  if (!Find(obj, "test_names", &list)) {
    return FieldError("evaluation", "test_names", "is required");
  }
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(obj, "test_names", "evaluation", &names));
  return names;
}

std::string EncodeSubmittedJobs(const std::vector<core::Job>& jobs) {
  JsonWriter w;
  w.BeginArray();
  for (const core::Job& job : jobs) WriteJobObject(w, job, "Running");
  return w.EndArray().Take();
}

std::string EncodeEvaluationHistory(const std::vector<core::ScenarioTestEvaluation>& history) {
  JsonWriter w;
  w.BeginArray();
  for (const core::ScenarioTestEvaluation& e : history) WriteEvaluation(w, e);
  return w.EndArray().Take();
}

std::string EncodeEvaluationInfo(const core::ScenarioTestEvaluation& evaluation,
                                 const std::vector<core::ItemEvaluation>& items) {
  JsonWriter w;
  w.BeginObject().Key("scenario_test_evaluation");
  WriteEvaluation(w, evaluation);
  w.Key("scenario_test_item_evaluations").BeginArray();
  for (const core::ItemEvaluation& item : items) {
    w.BeginObject();
    w.Key("evaluation_id").String(evaluation.id);
    w.Key("scenario_test_id").String(evaluation.scenario_test_id);
    w.Key("eval_function_id").String(evaluation.eval_function_id);
    w.Key("dataset_item_id").String(item.dataset_item_id).Key("result");
    WriteOptionalDouble(w, item.result);
    w.Key("pass").Bool(item.pass);
    w.EndObject();
  }
  return w.EndArray().EndObject().Take();
}

std::string EncodeEvalFunctions(const std::vector<core::EvalFunction>& functions) {
  JsonWriter w;
  w.BeginObject().Key("eval_functions").BeginArray();
  for (const core::EvalFunction& fn : functions) WriteEvalFunction(w, fn);
  return w.EndArray().EndObject().Take();
}

Result<core::NewExternalEvalFunction> DecodeNewExternalEvalFunction(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "evaluation function";
  core::NewExternalEvalFunction input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kWhat, &input.name));
  bool external = false;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "is_external_function", kWhat, &external));
  if (!external) {
    return FieldError(kWhat, "is_external_function",
                      "must be true (only external functions can be created)");
  }
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "level", kWhat, &input.level));
  return input;
}

std::string EncodeEvalFunctionCreated(const core::EvalFunction& fn) {
  JsonWriter w;
  w.BeginObject().Key("eval_fn");
  WriteEvalFunction(w, fn);
  return w.EndObject().Take();
}

Result<core::NewScenarioTest> DecodeNewScenarioTest(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "scenario test";
  core::NewScenarioTest input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kWhat, &input.name));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "slice_id", kWhat, &input.slice_id));
  JsonArray functions;
  NUCLEUS_RETURN_IF_ERROR(GetArray(obj, "evaluation_functions", kWhat, &functions));
  for (JsonValue value : functions) {
    core::ScenarioTestMetric metric;
    NUCLEUS_RETURN_IF_ERROR(DecodeMetric(value, input.metrics.size(), &metric));
    input.metrics.push_back(std::move(metric));
  }
  return input;
}

std::string EncodeScenarioTestCreated(const core::ScenarioTest& test) {
  return JsonWriter().BeginObject().Key("scenario_test_id").String(test.id).EndObject().Take();
}

std::string EncodeScenarioTest(const core::ScenarioTest& test) {
  JsonWriter w;
  WriteScenarioTest(w, test);
  return w.Take();
}

std::string EncodeScenarioTestWrapped(const core::ScenarioTest& test) {
  JsonWriter w;
  w.BeginObject().Key("unit_test");
  WriteScenarioTest(w, test);
  return w.EndObject().Take();
}

std::string EncodeScenarioTestList(const std::vector<core::ScenarioTest>& tests) {
  JsonWriter w;
  w.BeginArray();
  for (const core::ScenarioTest& t : tests) WriteScenarioTest(w, t);
  return w.EndArray().Take();
}

std::string EncodeScenarioTestMetrics(const core::ScenarioTest& test) {
  JsonWriter w;
  w.BeginObject().Key("scenario_test_metrics").BeginArray();
  for (const core::ScenarioTestMetric& m : test.metrics) WriteMetric(w, m);
  return w.EndArray().EndObject().Take();
}

std::string EncodeScenarioTestItems(const core::ScenarioTestEntities& entities) {
  JsonWriter w;
  w.BeginObject().Key("dataset_items").BeginArray();
  for (const core::Item& item : entities.items) WriteItem(w, item);
  w.EndArray().Key("scenes").BeginArray();
  for (const core::SceneView& view : entities.scenes) {
    // The client reads each frame as a {sensor: item} map (Scene.from_json): a lidar scene's
    // frames are; a video scene's frames are single items, so they are left out.
    if (view.scene.kind == "lidar") {
      w.Raw(EncodeScene(view));
      continue;
    }
    const core::Scene& s = view.scene;
    w.BeginObject().Key("id").String(s.id).Key("reference_id").String(s.reference_id);
    w.Key("type").String(s.kind).Key("metadata").Raw(s.metadata_json).EndObject();
  }
  w.EndArray().Key("tracks").BeginArray();
  for (const std::string& track : entities.track_reference_ids) {
    w.BeginObject().Key("reference_id").String(track);
    w.Key("dataset_id").String(entities.dataset_id).Key("metadata").Raw("{}").EndObject();
  }
  return w.EndArray().EndObject().Take();
}

std::string EncodeScenarioTestDeleted() { return "{\"success\":true}"; }

Result<AddScenarioTestFunctionRequest> DecodeAddScenarioTestFunction(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "scenario test function";
  AddScenarioTestFunctionRequest request;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "scenario_test_name", kWhat, &request.scenario_test_name));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "eval_function_id", kWhat, &request.eval_function_id));
  return request;
}

std::string EncodeScenarioTestMetric(const core::ScenarioTestMetric& metric) {
  JsonWriter w;
  WriteMetric(w, metric);
  return w.Take();
}

Result<std::optional<double>> DecodeThreshold(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  std::optional<double> threshold;
  NUCLEUS_RETURN_IF_ERROR(OptNumber(obj, "threshold", "scenario test metric", &threshold));
  return threshold;
}

std::string EncodeThreshold(std::optional<double> threshold) {
  JsonWriter w;
  w.BeginObject().Key("threshold");
  if (threshold) {
    w.Double(*threshold);
  } else {
    w.Null();
  }
  return w.EndObject().Take();
}

std::string EncodeBaselineModel(const std::string& model_id) {
  return JsonWriter().BeginObject().Key("baseline_model_id").String(model_id).EndObject().Take();
}

}  // namespace nucleus::wire
