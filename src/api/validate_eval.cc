#include "api/validate_eval.h"

#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "api/validate_detection.h"
#include "api/validate_filters.h"
#include "api/validate_seg.h"
#include "api/validate_slices.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "eval/model_ci_metrics.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/validate.h"

namespace nucleus::api {
namespace {

std::string Quoted(std::string_view what, std::string_view id, std::string_view rest) {
  std::string message(what);
  message.append(" \"").append(id).append("\" ").append(rest);
  return message;
}

Status NotFoundAs(const Status& status, std::string_view what, std::string_view id) {
  if (status.code() == StatusCode::kNotFound) return NotFound(Quoted(what, id, "not found"));
  return status;
}

// One pending evaluation per metric of each test, created with the job (in its transaction).
std::vector<core::ScenarioTestEvaluation> PendingEvaluations(
    Context& ctx, const std::string& owner, const std::string& model_id,
    const std::vector<core::ScenarioTest>& tests) {
  std::vector<core::ScenarioTestEvaluation> out;
  const int64_t now = core::ToUnixMillis(ctx.clock.Now());
  for (const core::ScenarioTest& t : tests) {
    for (const core::ScenarioTestMetric& m : t.metrics) {
      out.push_back({.id = core::NewId("ute_"),
                     .owner = owner,
                     .test_rowid = t.rowid,
                     .scenario_test_id = t.id,
                     .eval_function_id = m.eval_function_id,
                     .eval_func_arguments_json = m.eval_func_arguments_json,
                     .model_id = model_id,
                     .threshold = m.threshold,
                     .threshold_comparison = m.threshold_comparison,
                     .created_at_ms = now});
    }
  }
  return out;
}

Result<store::Job> SubmitEvaluations(Context& ctx, const std::string& owner,
                                     const std::string& model_id, const std::string& type,
                                     const std::vector<core::ScenarioTest>& tests) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  std::vector<core::ScenarioTestEvaluation> pending =
      PendingEvaluations(ctx, owner, model_id, tests);
  core::JobRequest request;
  request.model_id = model_id;
  for (const core::ScenarioTestEvaluation& e : pending) request.reference_ids.push_back(e.id);
  return ctx.jobs->Submit(owner, "", type, request, [&](store::Tx& tx) -> Status {
    for (core::ScenarioTestEvaluation& e : pending) {
      NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertEvaluation(&e));
    }
    return Status::Ok();
  });
}

// The shapes a box/polygon function reads from packed geometry: boxes, and polygons when
// `polygons` (boxes first, then polygons, each in upload order, as the client lists them).
struct ShapeSource {
  std::string_view label;
  std::string_view geometry;
  std::optional<double> confidence;
  std::string_view identity = {};  // read for categories ("category:<taxonomy>")
  std::string_view payload = {};   // read when filters apply
};

// The sources that pass `filters` (validate.md §8.2; none: all).
Result<std::vector<ShapeSource>> Filtered(std::vector<ShapeSource> sources,
                                          const core::FilterDnf& filters,
                                          const core::ObjectFieldReader& fields) {
  if (filters.empty()) return sources;
  std::vector<ShapeSource> kept;
  for (const ShapeSource& s : sources) {
    NUCLEUS_ASSIGN_OR_RETURN(bool keep, PassesFilters(filters, s.payload, fields));
    if (keep) kept.push_back(s);
  }
  return kept;
}

std::vector<eval::CiCategory> ToCategories(std::span<const ShapeSource> sources) {
  std::vector<eval::CiCategory> out;
  constexpr std::string_view kPrefix = "category:";
  core::PackedGeometryView view;
  for (const ShapeSource& s : sources) {
    if (!view.Reset(s.geometry) || view.type() != core::AnnotationType::kCategory ||
        !s.identity.starts_with(kPrefix)) {
      continue;
    }
    out.push_back({.taxonomy = std::string(s.identity.substr(kPrefix.size())),
                   .label = std::string(s.label),
                   .confidence = s.confidence});
  }
  return out;
}
std::vector<eval::CiCuboid> ToCuboids(std::span<const ShapeSource> sources) {
  std::vector<eval::CiCuboid> out;
  core::PackedGeometryView view;
  for (const ShapeSource& s : sources) {
    if (!view.Reset(s.geometry) || view.type() != core::AnnotationType::kCuboid) continue;
    core::CuboidGeometry c = view.cuboid();
    out.push_back({.label = std::string(s.label),
                   .x = c.position.x,
                   .y = c.position.y,
                   .z = c.position.z,
                   .dx = c.dimensions.x,
                   .dy = c.dimensions.y,
                   .dz = c.dimensions.z,
                   .yaw = c.yaw,
                   .confidence = s.confidence});
  }
  return out;
}

std::vector<eval::CiShape> ToShapes(std::span<const ShapeSource> sources, bool polygons) {
  std::vector<eval::CiShape> boxes, rings;
  core::PackedGeometryView view;
  for (const ShapeSource& s : sources) {
    if (!view.Reset(s.geometry)) continue;
    if (view.type() == core::AnnotationType::kBox) {
      core::BoxGeometry b = view.box();
      boxes.push_back(
          eval::BoxShape(std::string(s.label), b.x, b.y, b.width, b.height, s.confidence));
    } else if (polygons && view.type() == core::AnnotationType::kPolygon) {
      eval::CiShape shape{.label = std::string(s.label), .ring = {}, .confidence = s.confidence};
      for (size_t i = 0; i < view.vertex_count(); ++i) {
        core::Point2 p = view.vertex(i);
        shape.ring.push_back({p.x, p.y});
      }
      rings.push_back(std::move(shape));
    }
  }
  for (eval::CiShape& r : rings) boxes.push_back(std::move(r));
  return boxes;
}

// What one item contributes: its id and its shapes on both sides.
struct ItemShapes {
  std::string item_id;
  std::vector<eval::CiShape> ground_truth, predictions;
  std::vector<eval::CiCuboid> gt_cuboids, pred_cuboids;
  std::vector<eval::CiCategory> gt_categories, pred_categories;
};

// What one read needs: the shapes' kind, and the filters with the reader of their fields.
struct ReadSpec {
  bool polygons = false;
  bool cuboids = false;
  bool categories = false;
  bool rows = false;  // read whole prediction rows (identity, payload): categories or filters
  const core::FilterDnf* annotation_filters = nullptr;
  const core::FilterDnf* prediction_filters = nullptr;
  const core::ObjectFieldReader* fields = nullptr;
};

// Whether the function of `spec` reads objects of `type` (filters see only those: an object
// the metric never reads cannot fail a filter).
bool Reads(const ReadSpec& spec, core::AnnotationType type) {
  using T = core::AnnotationType;
  if (spec.categories) return type == T::kCategory;
  if (spec.cuboids) return type == T::kCuboid;
  return type == T::kBox || (spec.polygons && type == T::kPolygon);
}

// Fills one item's shapes from `sources`, filtered (§8.2).
Status SetShapes(std::vector<ShapeSource> sources, const ReadSpec& spec, bool predictions,
                 ItemShapes* item) {
  const core::FilterDnf* filters = predictions ? spec.prediction_filters : spec.annotation_filters;
  if (filters != nullptr && !filters->empty()) {
    core::PackedGeometryView view;
    std::erase_if(sources, [&](const ShapeSource& s) {
      return !view.Reset(s.geometry) || !Reads(spec, view.type());
    });
    NUCLEUS_ASSIGN_OR_RETURN(sources, Filtered(std::move(sources), *filters, *spec.fields));
  }
  (predictions ? item->predictions : item->ground_truth) = ToShapes(sources, spec.polygons);
  (predictions ? item->pred_cuboids : item->gt_cuboids) = ToCuboids(sources);
  (predictions ? item->pred_categories : item->gt_categories) = ToCategories(sources);
  return Status::Ok();
}

// Reads, in one snapshot, the slice's items with their ground truth and the model's predictions.
// The payload-free predictions of one run (label, packed geometry, confidence), read with one
// ScanRun and grouped by item: read once per job, whatever the number of tests on the run.
struct RunPredictions {
  std::string arena;  // labels and packed geometry, back to back
  struct Entry {
    size_t label_at, label_size, geometry_at, geometry_size;
    std::optional<double> confidence;
  };
  std::unordered_map<int64_t, std::vector<Entry>> by_item;  // upload order within an item

  Status Read(store::Tx& tx, int64_t run_rowid) {
    NUCLEUS_ASSIGN_OR_RETURN(store::RowidRange range, tx.predictions().RunRowidRange(run_rowid));
    return tx.predictions().ScanRun(
        run_rowid, range.first, range.last, [&](const store::PredictionRef& p) {
          Entry entry{arena.size(), p.label.size(), arena.size() + p.label.size(),
                      p.geometry.size(), p.confidence};
          arena.append(p.label).append(p.geometry);
          by_item[p.item_rowid].push_back(entry);
          return Status::Ok();
        });
  }
  std::vector<ShapeSource> Sources(int64_t item_rowid) const {
    std::vector<ShapeSource> out;
    auto it = by_item.find(item_rowid);
    if (it == by_item.end()) return out;
    const std::string_view bytes(arena);
    for (const Entry& e : it->second) {
      out.push_back({bytes.substr(e.label_at, e.label_size),
                     bytes.substr(e.geometry_at, e.geometry_size), e.confidence});
    }
    return out;
  }
};
using RunCache = std::map<int64_t, RunPredictions>;  // run rowid -> its predictions

Status ReadItemShapes(store::Tx& tx, const core::ScenarioTestEvaluation& e, const ReadSpec& spec,
                      RunCache& runs, std::vector<ItemShapes>* out) {
  NUCLEUS_ASSIGN_OR_RETURN(TestItems slice, ReadTestItems(tx, e.owner, e.scenario_test_id));
  std::map<int64_t, size_t> position;  // item rowid -> index in `out`
  for (const store::Item& item : slice.items) {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                             tx.annotations().ListByItem(item.rowid));
    std::vector<ShapeSource> sources;
    for (const store::Annotation& a : annotations) {
      sources.push_back({a.label, a.geometry, {}, a.identity, a.payload_json});
    }
    position[item.rowid] = out->size();
    out->push_back({.item_id = item.id});
    NUCLEUS_RETURN_IF_ERROR(SetShapes(std::move(sources), spec, false, &out->back()));
  }
  NUCLEUS_ASSIGN_OR_RETURN(store::Model model, tx.models().Get(e.owner, e.model_id));
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::ModelRun> run,
                           tx.models().LatestRun(model.rowid, slice.dataset_id));
  if (!run) return Status::Ok();
  if (!spec.rows) {
    // The run's predictions without their payloads, read once per job (RunPredictions).
    auto cached = runs.find(run->rowid);
    if (cached == runs.end()) {
      cached = runs.emplace(run->rowid, RunPredictions()).first;
      NUCLEUS_RETURN_IF_ERROR(cached->second.Read(tx, run->rowid));
    }
    for (const auto& [rowid, index] : position) {
      NUCLEUS_RETURN_IF_ERROR(SetShapes(cached->second.Sources(rowid), spec, true, &(*out)[index]));
    }
    return Status::Ok();
  }
  // With categories or filters, whole rows (identity, payload) are read for each test.
  struct Kept {
    size_t index;
    std::string label, geometry;
    std::optional<double> confidence;
    std::string identity, payload;
  };
  std::vector<Kept> kept;
  NUCLEUS_RETURN_IF_ERROR(tx.predictions().ForEachInRun(run->rowid, [&](const store::Prediction&
                                                                            p) {
    auto at = position.find(p.item_rowid);
    if (at != position.end()) {
      kept.push_back({at->second, p.label, p.geometry, p.confidence, p.identity, p.payload_json});
    }
    return Status::Ok();
  }));
  std::map<size_t, std::vector<ShapeSource>> predicted;
  for (const Kept& p : kept) {
    predicted[p.index].push_back({p.label, p.geometry, p.confidence, p.identity, p.payload});
  }
  for (auto& [index, sources] : predicted) {
    NUCLEUS_RETURN_IF_ERROR(SetShapes(std::move(sources), spec, true, &(*out)[index]));
  }
  return Status::Ok();
}

}  // namespace

struct EvaluationReads::Impl {
  DetectionJob detection;  // bbox_* and poly_* without filters
  RunCache runs;
  // (scenario test id, model id, polygons, rows, the arguments when filtered) -> the items'
  // shapes.
  std::map<std::tuple<std::string, std::string, bool, bool, std::string>, std::vector<ItemShapes>>
      items;
  SegmentationReads seg;  // seg_*: the items' pixel counts (api/validate_seg.h)
};
EvaluationReads::EvaluationReads() : impl_(std::make_unique<Impl>()) {}
EvaluationReads::~EvaluationReads() = default;
void EvaluationReads::Expect(const core::ScenarioTestEvaluation& e,
                             const core::EvalArguments& args) {
  impl_->detection.Expect(e, args);
}

namespace {

Status SaveEvaluation(JobRun& run, const core::ScenarioTestEvaluation& e,
                      const std::vector<core::ItemEvaluation>* items) {
  return run.ctx().store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(run.CheckLease(tx));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().UpdateEvaluation(e));
    if (items == nullptr) return Status::Ok();
    return tx.validate().PutItemEvaluations(e.rowid, *items);
  });
}

Result<core::ScenarioTest> TestOf(store::Tx& tx, const std::string& owner, const std::string& id) {
  auto test = tx.validate().GetTest(owner, id);
  if (!test.ok()) return NotFoundAs(test.status(), "scenario test", id);
  return test;
}

}  // namespace

Result<store::Job> EvaluateModelOnScenarioTests(Context& ctx, const std::string& owner,
                                                const std::string& model_id,
                                                const std::vector<std::string>& test_names) {
  if (test_names.empty()) {
    return InvalidArgument("field \"test_names\" of evaluation: must name at least one test");
  }
  std::vector<core::ScenarioTest> tests;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    auto model = tx.models().Get(owner, model_id);
    if (!model.ok()) return NotFoundAs(model.status(), "model", model_id);
    for (const std::string& name : test_names) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::ScenarioTest> test,
                               tx.validate().FindTestByName(owner, name));
      if (!test) return NotFound(Quoted("scenario test", name, "not found"));
      tests.push_back(std::move(*test));
    }
    return Status::Ok();
  }));
  return SubmitEvaluations(ctx, owner, model_id, kTestEvaluationJobType, tests);
}

Result<std::vector<store::Job>> EvaluateModelOnAllScenarioTests(Context& ctx,
                                                                const std::string& owner,
                                                                const std::string& model_id) {
  std::vector<core::ScenarioTest> tests;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    auto model = tx.models().Get(owner, model_id);
    if (!model.ok()) return NotFoundAs(model.status(), "model", model_id);
    NUCLEUS_ASSIGN_OR_RETURN(tests, tx.validate().ListTests(owner));
    return Status::Ok();
  }));
  std::vector<store::Job> jobs;
  for (const core::ScenarioTest& t : tests) {
    NUCLEUS_ASSIGN_OR_RETURN(store::Job job,
                             SubmitEvaluations(ctx, owner, model_id, kModelMetricsJobType, {t}));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Result<core::ScenarioTestEvaluation> StartScenarioTestEvaluation(JobRun& run,
                                                                 const std::string& id) {
  core::ScenarioTestEvaluation e;
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(run.CheckLease(tx));
    auto got = tx.validate().GetEvaluation(run.job().owner, id);
    if (!got.ok()) return NotFoundAs(got.status(), "scenario test evaluation", id);
    e = std::move(*got);
    e.status = "started";
    return tx.validate().UpdateEvaluation(e);
  }));
  return e;
}

namespace {

// One value per item (weight 0: no value) and the aggregate (§8.1); cat_f1 is §8.6.
struct Computed {
  std::vector<std::optional<double>> values;
  std::optional<double> result;
};

Computed ComputeDetection(const DetectionFunction& fn, const core::EvalArguments& args,
                          const std::vector<ItemShapes>& items) {
  const eval::CiDetectionParams params{.enforce_label_match = args.enforce_label_match,
                                       .iou_threshold = args.iou_threshold,
                                       .confidence_threshold = args.confidence_threshold};
  eval::CiCuboidMetric cuboid_metric = fn.cuboid_metric;
  if (fn.metric == eval::CiDetectionMetric::kIou && fn.cuboids) {
    cuboid_metric = args.iou_2d ? eval::CiCuboidMetric::kIou2d : eval::CiCuboidMetric::kIou3d;
  }
  std::vector<eval::CiScalar> results;
  Computed out;
  for (const ItemShapes& item : items) {
    eval::CiScalar r =
        fn.cuboids
            ? eval::CuboidItemResult(cuboid_metric, params, item.gt_cuboids, item.pred_cuboids)
            : eval::DetectionItemResult(fn.metric, params, item.ground_truth, item.predictions);
    results.push_back(r);
    out.values.push_back(r.weight != 0 ? std::optional<double>(r.value) : std::nullopt);
  }
  eval::CiScalar total = eval::AggregateScalars(results);
  if (total.weight != 0) out.result = total.value;
  return out;
}

Computed ComputeCategories(const core::EvalArguments& args, const std::vector<ItemShapes>& items) {
  eval::CiF1Method method = eval::CiF1Method::kMacro;
  if (args.f1_method == "micro") method = eval::CiF1Method::kMicro;
  if (args.f1_method == "weighted") method = eval::CiF1Method::kWeighted;
  std::vector<std::pair<std::string, std::string>> all;
  Computed out;
  for (const ItemShapes& item : items) {
    auto pairs =
        eval::CategoryPairs(item.gt_categories, item.pred_categories, args.confidence_threshold);
    out.values.push_back(eval::F1Score(pairs, eval::CiF1Method::kMacro));
    all.insert(all.end(), pairs.begin(), pairs.end());
  }
  out.result = eval::F1Score(all, method);
  return out;
}

// Stores the item results and the aggregate with its pass/fail, "completed".
Status CompleteEvaluation(JobRun& run, core::ScenarioTestEvaluation& e,
                          const std::vector<std::string>& item_ids,
                          const std::vector<std::optional<double>>& values,
                          std::optional<double> result) {
  std::vector<core::ItemEvaluation> item_results;
  item_results.reserve(item_ids.size());
  for (size_t i = 0; i < item_ids.size(); ++i) {
    const std::optional<double>& value = values[i];
    bool pass = !value || core::PassesThreshold(value, e.threshold, e.threshold_comparison);
    item_results.push_back({item_ids[i], value, pass});
  }
  e.result = result;
  e.pass = core::PassesThreshold(e.result, e.threshold, e.threshold_comparison);
  e.status = "completed";
  return SaveEvaluation(run, e, &item_results);
}

Status RunBatchedDetection(JobRun& run, core::ScenarioTestEvaluation e,
                           const core::EvalArguments& args, DetectionJob& detection) {
  NUCLEUS_ASSIGN_OR_RETURN(DetectionValues values, detection.Compute(run, e, args));
  return CompleteEvaluation(run, e, *values.item_ids, values.values, values.result);
}

}  // namespace

Status RunScenarioTestEvaluation(JobRun& run, core::ScenarioTestEvaluation e,
                                 const core::EvalArguments& args, EvaluationReads& reads,
                                 const core::ObjectFieldReader& fields) {
  if (IsSegmentationFunction(e.eval_function_id)) {  // seg_* (api/validate_seg.h)
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<core::ItemEvaluation> items,
                             EvaluateSegmentation(run.ctx(), &e, args, fields, &reads.impl().seg));
    return SaveEvaluation(run, e, &items);
  }
  std::optional<DetectionFunction> fn = DetectionFunctionOf(e.eval_function_id);
  if (!fn) {
    return InvalidArgument(
        Quoted("evaluation function", e.eval_function_id, "is not computed by this server yet"));
  }
  if (IsBatchedDetection(e.eval_function_id, args)) {
    return RunBatchedDetection(run, std::move(e), args, reads.impl().detection);
  }
  const ReadSpec spec{.polygons = fn->polygons,
                      .cuboids = fn->cuboids,
                      .categories = fn->categories,
                      .rows = fn->categories || args.has_filters(),
                      .annotation_filters = &args.annotation_filters,
                      .prediction_filters = &args.prediction_filters,
                      .fields = &fields};
  auto key = std::make_tuple(
      e.scenario_test_id, e.model_id, spec.polygons, spec.rows,
      args.has_filters() ? e.eval_function_id + e.eval_func_arguments_json : std::string());
  auto cached = reads.impl().items.find(key);
  if (cached == reads.impl().items.end()) {
    std::vector<ItemShapes> read;
    NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Read(
        [&](store::Tx& tx) { return ReadItemShapes(tx, e, spec, reads.impl().runs, &read); }));
    cached = reads.impl().items.emplace(key, std::move(read)).first;
  }
  const std::vector<ItemShapes>& items = cached->second;
  Computed computed =
      fn->categories ? ComputeCategories(args, items) : ComputeDetection(*fn, args, items);
  std::vector<std::string> item_ids;
  for (const ItemShapes& item : items) item_ids.push_back(item.item_id);
  return CompleteEvaluation(run, e, item_ids, computed.values, computed.result);
}

Result<std::vector<core::ScenarioTestEvaluation>> ListJobEvaluations(
    JobRun& run, const std::vector<std::string>& ids) {
  std::vector<core::ScenarioTestEvaluation> out;
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Read([&](store::Tx& tx) -> Status {
    for (const std::string& id : ids) {
      auto e = tx.validate().GetEvaluation(run.job().owner, id);
      if (!e.ok()) return NotFoundAs(e.status(), "scenario test evaluation", id);
      out.push_back(std::move(*e));
    }
    return Status::Ok();
  }));
  return out;
}

Status FailScenarioTestEvaluation(JobRun& run, core::ScenarioTestEvaluation e,
                                  const std::string& message) {
  e.status = "errored";
  e.error = message;
  e.result = std::nullopt;
  e.pass = false;
  return SaveEvaluation(run, e, nullptr);
}

Result<core::ScenarioTestEvaluation> UploadExternalResults(Context& ctx, const std::string& owner,
                                                           const core::ExternalResults& input) {
  core::ScenarioTestEvaluation e{.id = core::NewId("ute_"),
                                 .owner = owner,
                                 .eval_function_id = input.eval_function_id,
                                 .model_id = input.model_id,
                                 .status = "completed",
                                 .result = input.overall_metric,
                                 .created_at_ms = core::ToUnixMillis(ctx.clock.Now())};
  std::vector<core::ItemEvaluation> items;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(core::ScenarioTest test, TestOf(tx, owner, input.scenario_test_id));
    auto model = tx.models().Get(owner, input.model_id);
    if (!model.ok()) return NotFoundAs(model.status(), "model", input.model_id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::EvalFunction> fn,
                             tx.validate().FindEvalFunction(owner, input.eval_function_id));
    const core::ScenarioTestMetric* metric = nullptr;
    for (const core::ScenarioTestMetric& m : test.metrics) {
      if (m.eval_function_id == input.eval_function_id && metric == nullptr) metric = &m;
    }
    if (!fn || metric == nullptr) {
      return InvalidArgument(Quoted("evaluation function", input.eval_function_id,
                                    "is not an external function of this scenario test"));
    }
    e.test_rowid = test.rowid;
    e.scenario_test_id = test.id;
    e.threshold = metric->threshold;
    e.threshold_comparison = metric->threshold_comparison;
    e.pass = core::PassesThreshold(e.result, e.threshold, e.threshold_comparison);
    for (const auto& [ref, score] : input.result_per_ref_id) {
      items.push_back(
          {ref, score, core::PassesThreshold(score, e.threshold, e.threshold_comparison)});
    }
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertEvaluation(&e));
    return tx.validate().PutItemEvaluations(e.rowid, items);
  }));
  return e;
}

Result<std::vector<core::ScenarioTestEvaluation>> ListScenarioTestEvaluations(
    Context& ctx, const std::string& owner, const std::string& test_id) {
  std::vector<core::ScenarioTestEvaluation> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(core::ScenarioTest test, TestOf(tx, owner, test_id));
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.validate().ListEvaluations(test.rowid));
    return Status::Ok();
  }));
  return out;
}

Result<EvaluationWithItems> GetScenarioTestEvaluation(Context& ctx, const std::string& owner,
                                                      const std::string& id) {
  EvaluationWithItems out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    auto e = tx.validate().GetEvaluation(owner, id);
    if (!e.ok()) return NotFoundAs(e.status(), "scenario test evaluation", id);
    out.evaluation = std::move(*e);
    NUCLEUS_ASSIGN_OR_RETURN(out.items, tx.validate().ListItemEvaluations(out.evaluation.rowid));
    return Status::Ok();
  }));
  return out;
}

}  // namespace nucleus::api
