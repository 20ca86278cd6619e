#include "api/validate_detection.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "api/label_table.h"
#include "api/validate_slices.h"
#include "core/packed_geometry.h"
#include "eval/model_ci_batch.h"
#include "eval/parallel.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/validate.h"

namespace nucleus::api {
namespace {

// The functions of this path: box and polygon functions, not cuboid or category ones.
std::optional<DetectionFunction> BoxOrPolygonFunction(std::string_view id) {
  std::optional<DetectionFunction> fn = DetectionFunctionOf(id);
  if (!fn || fn->cuboids || fn->categories) return std::nullopt;
  return fn;
}

// One box or polygon as read, payload-free (72 bytes).
struct ShapeRow {
  int64_t item_rowid = 0;
  int64_t rowid = 0;
  double x = 0, y = 0, width = 0, height = 0;  // a box (BoxShapeRef's inputs)
  double confidence = 0;
  uint32_t label = 0;                   // in the Part's labels, then in the job's
  uint32_t ring_at = 0, ring_size = 0;  // a polygon's vertices in `points`
  bool polygon = false;
  bool has_confidence = false;
};

// Rows read by one Read, with their labels and polygon vertices.
struct Part {
  std::vector<ShapeRow> rows;
  std::vector<geometry::Point> points;
  LabelTable labels;
  Status status;

  // Adds the object if it is a box or a polygon with packed geometry (the shapes ToShapes in
  // validate_eval.cc reads); others are not read by these functions.
  void Add(int64_t item_rowid, int64_t rowid, std::string_view label, std::string_view geometry,
           std::optional<double> confidence, core::PackedGeometryView& view) {
    if (!view.Reset(geometry)) return;
    ShapeRow r;
    if (view.type() == core::AnnotationType::kBox) {
      const core::BoxGeometry b = view.box();
      r.x = b.x, r.y = b.y, r.width = b.width, r.height = b.height;
    } else if (view.type() == core::AnnotationType::kPolygon) {
      r.polygon = true;
      r.ring_at = static_cast<uint32_t>(points.size());
      r.ring_size = static_cast<uint32_t>(view.vertex_count());
      for (size_t i = 0; i < view.vertex_count(); ++i) {
        const core::Point2 p = view.vertex(i);
        points.push_back({p.x, p.y});
      }
    } else {
      return;
    }
    r.item_rowid = item_rowid;
    r.rowid = rowid;
    r.label = labels.Intern(label);
    r.has_confidence = confidence.has_value();
    r.confidence = confidence.value_or(0);
    rows.push_back(r);
  }
};

// Shapes of many items, grouped by item: each item's boxes by rowid, then its polygons by
// rowid (the order validate_eval.cc's ToShapes gives: boxes first, each kind in upload order).
// The rows stay in the parts they were read into; only their labels are rewritten.
class ShapeTable {
 public:
  // Takes the part, its labels re-interned in `labels`.
  void Append(Part&& part, LabelTable& labels) {
    std::vector<uint32_t> ids(part.labels.size());
    for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = labels.Intern(part.labels[i]);
    for (ShapeRow& r : part.rows) r.label = ids[r.label];
    parts_.push_back(std::move(part));
  }

  // Groups the rows of the parts appended since the last call by item (a counting sort), for
  // items not grouped before.
  void Group() {
    struct Slot {
      uint32_t item;  // dense index of its item among the new ones
      RowRef row;
    };
    std::vector<Slot> slots;
    std::vector<int64_t> items;
    std::vector<uint32_t> counts;
    std::unordered_map<int64_t, uint32_t> dense;
    for (size_t p = grouped_parts_; p < parts_.size(); ++p) {
      const std::vector<ShapeRow>& rows = parts_[p].rows;
      slots.reserve(slots.size() + rows.size());
      for (uint32_t i = 0; i < rows.size(); ++i) {
        auto [it, inserted] = dense.try_emplace(rows[i].item_rowid, items.size());
        if (inserted) {
          items.push_back(rows[i].item_rowid);
          counts.push_back(0);
        }
        ++counts[it->second];
        slots.push_back({it->second, {static_cast<uint32_t>(p), i}});
      }
    }
    std::vector<uint32_t> at(items.size());
    uint32_t next = static_cast<uint32_t>(order_.size());
    for (size_t k = 0; k < items.size(); ++k) {
      at[k] = next;
      by_item_[items[k]] = {next, next + counts[k]};
      next += counts[k];
    }
    order_.resize(next);
    for (const Slot& s : slots) order_[at[s.item]++] = s.row;
    auto before = [&](RowRef a, RowRef b) {
      const ShapeRow& x = Row(a);
      const ShapeRow& y = Row(b);
      return std::tie(x.polygon, x.rowid) < std::tie(y.polygon, y.rowid);
    };
    for (size_t k = 0; k < items.size(); ++k) {
      auto [begin, end] = by_item_[items[k]];
      // Rows read in rowid order (a run's scan) are in order already unless polygons come
      // before boxes.
      if (!std::is_sorted(order_.begin() + begin, order_.begin() + end, before)) {
        std::sort(order_.begin() + begin, order_.begin() + end, before);
      }
    }
    grouped_parts_ = parts_.size();
  }

  bool Has(int64_t item_rowid) const { return by_item_.count(item_rowid) != 0; }
  void MarkEmpty(int64_t item_rowid) { by_item_.try_emplace(item_rowid, 0, 0); }

  // The item's boxes, and its polygons when `polygons`, as the evaluator reads them.
  void Refs(int64_t item_rowid, bool polygons, std::vector<eval::CiShapeRef>* out) const {
    out->clear();
    auto it = by_item_.find(item_rowid);
    if (it == by_item_.end()) return;
    for (uint32_t k = it->second.first; k < it->second.second; ++k) {
      const ShapeRow& r = Row(order_[k]);
      std::optional<double> confidence;
      if (r.has_confidence) confidence = r.confidence;
      if (!r.polygon) {
        out->push_back(eval::BoxShapeRef(r.label, r.x, r.y, r.width, r.height, confidence));
      } else if (polygons) {
        out->push_back(
            eval::PolygonShapeRef(r.label,
                                  std::span<const geometry::Point>(parts_[order_[k].part].points)
                                      .subspan(r.ring_at, r.ring_size),
                                  confidence));
      }
    }
  }

 private:
  struct RowRef {
    uint32_t part;
    uint32_t index;
  };
  const ShapeRow& Row(RowRef r) const { return parts_[r.part].rows[r.index]; }

  std::deque<Part> parts_;     // stable: rows are reached through order_
  std::vector<RowRef> order_;  // grouped by item
  std::unordered_map<int64_t, std::pair<uint32_t, uint32_t>> by_item_;  // [begin, end) of order_
  size_t grouped_parts_ = 0;
};

int Threads() { return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)); }

// Reads the run's box and polygon predictions in parts of its rowid range, each in its own Read,
// side by side (as the commit's ReadRun in run_matching.cc).
Status ReadRunShapes(Context& ctx, int64_t run_rowid, LabelTable& labels, ShapeTable* out) {
  store::RowidRange range;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(range, tx.predictions().RunRowidRange(run_rowid));
    return Status::Ok();
  }));
  const int threads = Threads();
  const int64_t span = range.last - range.first + 1;
  const int64_t num_parts = span < 65536 ? 1 : 2 * threads;
  std::vector<Part> parts(static_cast<size_t>(num_parts));
  eval::ParallelFor(parts.size(), threads, [&](size_t k, size_t) {
    const int64_t first = range.first + span * static_cast<int64_t>(k) / num_parts;
    const int64_t last = range.first + span * static_cast<int64_t>(k + 1) / num_parts - 1;
    Part& part = parts[k];
    part.rows.reserve(
        static_cast<size_t>(std::min(last - first + 1, range.count / num_parts + 1024)));
    core::PackedGeometryView view;
    part.status = ctx.store.Read([&](store::Tx& tx) -> Status {
      return tx.predictions().ScanRun(
          run_rowid, first, last, [&](const store::PredictionRef& p) -> Status {
            part.Add(p.item_rowid, p.rowid, p.label, p.geometry, p.confidence, view);
            return Status::Ok();
          });
    });
  });
  for (Part& part : parts) {
    NUCLEUS_RETURN_IF_ERROR(part.status);
    out->Append(std::move(part), labels);
  }
  out->Group();
  return Status::Ok();
}

// One metric of a test, with its values once computed.
struct Metric {
  bool polygons = false;
  eval::CiMetricSpec spec;
  bool computed = false;
  std::vector<eval::CiScalar> results;  // per item of the test
};

bool SameMetric(const Metric& m, bool polygons, const eval::CiMetricSpec& s) {
  return m.polygons == polygons && m.spec.metric == s.metric &&
         m.spec.params.enforce_label_match == s.params.enforce_label_match &&
         m.spec.params.iou_threshold == s.params.iou_threshold &&
         m.spec.params.confidence_threshold == s.params.confidence_threshold;
}

// One (scenario test, model) of the job.
struct TestState {
  bool loaded = false;
  std::string dataset_id;
  std::optional<int64_t> run_rowid;
  std::vector<std::string> item_ids;  // slice order, each item once
  std::vector<int64_t> item_rowids;
  std::vector<Metric> metrics;
};

// The dataset's ground truth read so far.
struct GroundTruth {
  ShapeTable table;
  bool whole = false;  // every item of the dataset is in `table`
};

// A dataset's item ids by item rowid, listed once per job.
using ItemIndex = std::unordered_map<int64_t, std::string>;

Status ListItems(store::Tx& tx, const std::string& dataset_id, ItemIndex* out) {
  constexpr int64_t kPage = 10000;
  for (int64_t after = -1;;) {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<core::Item> page,
                             tx.items().List(dataset_id, after, kPage));
    for (core::Item& item : page) out->try_emplace(item.rowid, std::move(item.id));
    if (static_cast<int64_t>(page.size()) < kPage) return Status::Ok();
    after = page.back().seq;
  }
}

// A test "large" against its dataset (at least an eighth of its items) has its items and their
// ground truth read from whole-dataset reads kept for the job (a listed or scanned row costs far
// less than an item's lookup); a smaller one reads its own items one by one.
bool Large(size_t members, int64_t dataset_items) {
  return static_cast<int64_t>(members) * 8 >= dataset_items;
}

// Item results of one Signature: item rowid -> its results[at .. at + number of metrics).
struct SharedResults {
  std::unordered_map<int64_t, size_t> at;
  std::vector<eval::CiScalar> results;
};

// What an item's results depend on besides the item: the run, the dataset's ground truth, the
// shapes read and the metrics in their order (doubles by their bits).
std::string Signature(const TestState& test, bool polygons,
                      std::span<const eval::CiMetricSpec> specs) {
  auto bits = [](double d) {
    uint64_t u = 0;
    std::memcpy(&u, &d, sizeof u);
    return std::to_string(u);
  };
  std::string out = test.run_rowid ? std::to_string(*test.run_rowid) : std::string("-");
  out.append("|").append(test.dataset_id).append(polygons ? "|p" : "|b");
  for (const eval::CiMetricSpec& spec : specs) {
    out.append("|").append(std::to_string(static_cast<int>(spec.metric)));
    out.append(spec.params.enforce_label_match ? ",1," : ",0,");
    out.append(bits(spec.params.iou_threshold)).append(",");
    out.append(bits(spec.params.confidence_threshold));
  }
  return out;
}

}  // namespace

struct DetectionJob::Impl {
  LabelTable labels;  // shared by ground truth and predictions, so that equal labels have equal ids
  std::map<std::pair<std::string, std::string>, TestState> tests;  // (test id, model id)
  std::map<std::string, GroundTruth> ground_truth;                 // by dataset id
  std::map<int64_t, ShapeTable> runs;                              // by run rowid
  std::map<std::string, ItemIndex> items;                          // by dataset id (Large)
  std::map<std::string, SharedResults> shared;                     // by Signature

  Metric& MetricOf(TestState& test, std::string_view function_id, const core::EvalArguments& args) {
    const DetectionFunction fn = *BoxOrPolygonFunction(function_id);
    const eval::CiMetricSpec spec{.metric = fn.metric,
                                  .params = {.enforce_label_match = args.enforce_label_match,
                                             .iou_threshold = args.iou_threshold,
                                             .confidence_threshold = args.confidence_threshold}};
    for (Metric& m : test.metrics) {
      if (SameMetric(m, fn.polygons, spec)) return m;
    }
    test.metrics.push_back({.polygons = fn.polygons, .spec = spec});
    return test.metrics.back();
  }

  Status Load(JobRun& run, const core::ScenarioTestEvaluation& e, TestState* test);
  Status ReadGroundTruth(JobRun& run, const TestState& test, int64_t dataset_items);
  void ComputeMetrics(TestState& test);
};

// The test's items and run, and what of the ground truth and predictions the job lacks.
Status DetectionJob::Impl::Load(JobRun& run, const core::ScenarioTestEvaluation& e,
                                TestState* test) {
  int64_t dataset_items = 0;
  test->item_ids.clear();
  test->item_rowids.clear();
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(core::ScenarioTest t,
                             tx.validate().GetTest(e.owner, e.scenario_test_id));
    NUCLEUS_ASSIGN_OR_RETURN(SliceRowids slice, FindOwnersSliceRowids(tx, e.owner, t.slice_id));
    test->dataset_id = slice.dataset_id;
    NUCLEUS_ASSIGN_OR_RETURN(dataset_items, tx.items().Count(slice.dataset_id));
    ItemIndex* index = nullptr;
    if (Large(slice.item_rowids.size(), dataset_items)) {
      auto [it, inserted] = items.try_emplace(slice.dataset_id);
      if (inserted) {
        Status listed = ListItems(tx, slice.dataset_id, &it->second);
        if (!listed.ok()) {
          items.erase(it);
          return listed;
        }
      }
      index = &it->second;
    }
    std::unordered_map<int64_t, bool> seen;
    for (int64_t rowid : slice.item_rowids) {
      if (!seen.try_emplace(rowid, true).second) continue;
      std::string id;
      if (index != nullptr) {
        auto found = index->find(rowid);
        if (found == index->end()) continue;
        id = found->second;
      } else {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item, tx.items().FindByRowid(rowid));
        if (!item) continue;
        id = std::move(item->id);
      }
      test->item_ids.push_back(std::move(id));
      test->item_rowids.push_back(rowid);
    }
    NUCLEUS_ASSIGN_OR_RETURN(store::Model model, tx.models().Get(e.owner, e.model_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::ModelRun> latest,
                             tx.models().LatestRun(model.rowid, slice.dataset_id));
    if (latest) test->run_rowid = latest->rowid;
    return Status::Ok();
  }));
  NUCLEUS_RETURN_IF_ERROR(ReadGroundTruth(run, *test, dataset_items));
  if (test->run_rowid && !runs.count(*test->run_rowid)) {
    ShapeTable preds;
    NUCLEUS_RETURN_IF_ERROR(ReadRunShapes(run.ctx(), *test->run_rowid, labels, &preds));
    runs.emplace(*test->run_rowid, std::move(preds));
  }
  test->loaded = true;
  return Status::Ok();
}

// Reads the ground truth of the test's items the job has not read: the whole dataset in one scan
// for a Large test, else item by item.
Status DetectionJob::Impl::ReadGroundTruth(JobRun& run, const TestState& test,
                                           int64_t dataset_items) {
  GroundTruth& gt = ground_truth[test.dataset_id];
  if (gt.whole) return Status::Ok();
  Part part;
  core::PackedGeometryView view;
  const bool whole = Large(test.item_rowids.size(), dataset_items);
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Read([&](store::Tx& tx) -> Status {
    if (whole) {
      return tx.annotations().ScanDataset(test.dataset_id, [&](const store::AnnotationRef& a) {
        part.Add(a.item_rowid, a.rowid, a.label, a.geometry, std::nullopt, view);
        return Status::Ok();
      });
    }
    for (int64_t item : test.item_rowids) {
      if (gt.table.Has(item)) continue;
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                               tx.annotations().ListByItem(item));
      for (const store::Annotation& a : annotations) {
        part.Add(item, a.rowid, a.label, a.geometry, std::nullopt, view);
      }
    }
    return Status::Ok();
  }));
  if (whole) gt.table = ShapeTable();
  gt.table.Append(std::move(part), labels);
  gt.table.Group();
  gt.whole = whole;
  if (!whole) {
    for (int64_t item : test.item_rowids) gt.table.MarkEmpty(item);  // read, none
  }
  return Status::Ok();
}

// Computes every metric of the test not computed yet, in one pass over its items; an item
// already computed for an earlier test of the job with the same metrics on the same run (slices
// overlap) is taken from `shared`.
void DetectionJob::Impl::ComputeMetrics(TestState& test) {
  const ShapeTable* preds = test.run_rowid ? &runs.at(*test.run_rowid) : nullptr;
  const ShapeTable& gt = ground_truth.at(test.dataset_id).table;
  const size_t n = test.item_rowids.size();
  const int threads = Threads();
  struct Worker {
    eval::CiItemEvaluator evaluator;
    std::vector<eval::CiShapeRef> gt, preds;
  };
  std::vector<Worker> workers(static_cast<size_t>(threads));
  for (int polygons = 0; polygons < 2; ++polygons) {
    std::vector<Metric*> todo;
    std::vector<eval::CiMetricSpec> specs;
    for (Metric& m : test.metrics) {
      if (m.computed || m.polygons != (polygons != 0)) continue;
      todo.push_back(&m);
      specs.push_back(m.spec);
      m.results.resize(n);
    }
    if (todo.empty()) continue;
    const size_t width = specs.size();
    SharedResults& known = shared[Signature(test, polygons != 0, specs)];
    std::vector<size_t> missing;
    for (size_t i = 0; i < n; ++i) {
      auto it = known.at.find(test.item_rowids[i]);
      if (it == known.at.end()) {
        missing.push_back(i);
        continue;
      }
      for (size_t k = 0; k < width; ++k) todo[k]->results[i] = known.results[it->second + k];
    }
    std::vector<eval::CiScalar> computed(missing.size() * width);
    constexpr size_t kChunk = 256;
    eval::ParallelFor((missing.size() + kChunk - 1) / kChunk, threads, [&](size_t chunk, size_t w) {
      Worker& worker = workers[w];
      for (size_t j = chunk * kChunk; j < std::min(missing.size(), (chunk + 1) * kChunk); ++j) {
        const int64_t item = test.item_rowids[missing[j]];
        gt.Refs(item, polygons != 0, &worker.gt);
        worker.preds.clear();
        if (preds != nullptr) preds->Refs(item, polygons != 0, &worker.preds);
        worker.evaluator.Evaluate(specs, worker.gt, worker.preds,
                                  std::span(computed).subspan(j * width, width));
      }
    });
    for (size_t j = 0; j < missing.size(); ++j) {
      known.at.try_emplace(test.item_rowids[missing[j]], known.results.size());
      for (size_t k = 0; k < width; ++k) {
        known.results.push_back(computed[j * width + k]);
        todo[k]->results[missing[j]] = computed[j * width + k];
      }
    }
  }
  for (Metric& m : test.metrics) m.computed = true;
}

std::optional<DetectionFunction> DetectionFunctionOf(std::string_view id) {
  using M = eval::CiDetectionMetric;
  static const std::map<std::string_view, DetectionFunction> kFunctions = {
      {"ef_bbox_iou", {M::kIou, false}},
      {"ef_bbox_precision", {M::kPrecision, false}},
      {"ef_bbox_recall", {M::kRecall, false}},
      {"ef_bbox_map", {M::kMap, false}},
      {"ef_poly_iou", {M::kIou, true}},
      {"ef_poly_precision", {M::kPrecision, true}},
      {"ef_poly_recall", {M::kRecall, true}},
      {"ef_poly_map", {M::kMap, true}},
      // cuboid_iou_2d / _3d pick 2-D or 3-D by their iou_2d argument (RunScenarioTestEvaluation).
      {"ef_cuboid_iou_2d", {M::kIou, false, true, eval::CiCuboidMetric::kIou2d}},
      {"ef_cuboid_iou_3d", {M::kIou, false, true, eval::CiCuboidMetric::kIou3d}},
      {"ef_cuboid_precision", {M::kPrecision, false, true, eval::CiCuboidMetric::kPrecision}},
      {"ef_cuboid_recall", {M::kRecall, false, true, eval::CiCuboidMetric::kRecall}},
      {"ef_cat_f1", {M::kIou, false, false, eval::CiCuboidMetric::kIou3d, true}},
  };
  auto it = kFunctions.find(id);
  if (it == kFunctions.end()) return std::nullopt;
  return it->second;
}

bool IsBatchedDetection(std::string_view function_id, const core::EvalArguments& args) {
  return BoxOrPolygonFunction(function_id).has_value() && !args.has_filters();
}

DetectionJob::DetectionJob() : impl_(std::make_unique<Impl>()) {}
DetectionJob::~DetectionJob() = default;

void DetectionJob::Expect(const core::ScenarioTestEvaluation& e, const core::EvalArguments& args) {
  if (!IsBatchedDetection(e.eval_function_id, args)) return;
  impl_->MetricOf(impl_->tests[{e.scenario_test_id, e.model_id}], e.eval_function_id, args);
}

Result<DetectionValues> DetectionJob::Compute(JobRun& run, const core::ScenarioTestEvaluation& e,
                                              const core::EvalArguments& args) {
  TestState& test = impl_->tests[{e.scenario_test_id, e.model_id}];
  Metric& metric = impl_->MetricOf(test, e.eval_function_id, args);
  if (!metric.computed) {
    if (!test.loaded) NUCLEUS_RETURN_IF_ERROR(impl_->Load(run, e, &test));
    impl_->ComputeMetrics(test);
  }
  DetectionValues out;
  out.item_ids = &test.item_ids;
  for (const eval::CiScalar& r : metric.results) {
    out.values.push_back(r.weight != 0 ? std::optional<double>(r.value) : std::nullopt);
  }
  const eval::CiScalar total = eval::AggregateScalars(metric.results);
  if (total.weight != 0) out.result = total.value;
  return out;
}

}  // namespace nucleus::api
