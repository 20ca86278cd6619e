#include "api/run_matching.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "eval/matching.h"
#include "eval/parallel.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/matches.h"
#include "store/models.h"
#include "store/predictions.h"
#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace nucleus::api {
namespace {

// The matchable objects of one item, struct-of-arrays so spans reach eval::MatchItemShapes.
struct Objects {
  std::vector<int64_t> rowids;
  std::vector<eval::Shape> shapes;
  std::vector<std::string> labels;
  std::vector<std::string_view> types;  // static strings
  std::vector<store::MatchBox> boxes;
  std::vector<double> areas;
  std::vector<std::optional<double>> confidences;  // predictions only
  bool seen = false;                               // ground truth: the item had predictions
  int64_t item_seq = 0;                            // ground truth: the item's insertion seq

  size_t size() const { return rowids.size(); }
  void Clear() {
    rowids.clear();
    shapes.clear();
    labels.clear();
    types.clear();
    boxes.clear();
    areas.clear();
    confidences.clear();
  }
};

// The geometry of a stored object of a matchable type, parsed.
struct Geometry {
  eval::Shape shape;
  store::MatchBox extent;
  double area = 0;
  std::string_view type_name;  // static string
};

// Parses the geometry of a stored object of a matchable type. False for other types or payloads
// that do not parse (such objects are left out of matching).
bool ParseGeometry(std::string_view type, std::string_view payload, bool prediction,
                   wire::JsonDoc& scratch, Geometry* out) {
  // Fast path for the payloads our own writer produced (the full parser below otherwise).
  store::PredictionBox box;
  if (type == "box" && store::ScanPayloadBox(payload, &box)) {
    out->shape = geometry::Box{box.x, box.y, box.width, box.height};
    out->extent = {box.x, box.y, box.width, box.height};
    out->area = box.width * box.height;
    out->type_name = "box";
    return true;
  }
  if (type != "box" && type != "polygon" && type != "cuboid") return false;
  if (!scratch.Parse(payload, "stored object").ok()) return false;
  wire::AnnotationParseOptions options;
  options.prediction = prediction;
  options.limits = &wire::NoLimits();  // stored objects passed the caps when written
  Result<wire::ParsedAnnotation> parsed = wire::ParseAnnotation(scratch.root(), 0, options);
  if (!parsed.ok()) return false;
  const core::AnnotationGeometry& g = parsed->geometry;
  out->extent = {};
  switch (parsed->type) {
    case core::AnnotationType::kBox:
      out->shape = geometry::Box{g.box.x, g.box.y, g.box.width, g.box.height};
      out->extent = {g.box.x, g.box.y, g.box.width, g.box.height};
      out->area = g.box.width * g.box.height;
      out->type_name = "box";
      return true;
    case core::AnnotationType::kPolygon: {
      std::vector<geometry::Point> ring;
      double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
      for (const core::Point2& v : g.vertices) {
        ring.push_back({v.x, v.y});
        x0 = std::min(x0, v.x), y0 = std::min(y0, v.y);
        x1 = std::max(x1, v.x), y1 = std::max(y1, v.y);
      }
      if (!ring.empty()) out->extent = {x0, y0, x1 - x0, y1 - y0};
      out->area = geometry::PolygonArea(ring);
      out->shape = std::move(ring);
      out->type_name = "polygon";
      return true;
    }
    case core::AnnotationType::kCuboid: {
      const core::CuboidGeometry& c = g.cuboid;
      out->shape = geometry::Cuboid{c.position.x,   c.position.y,   c.position.z, c.dimensions.x,
                                    c.dimensions.y, c.dimensions.z, c.yaw};
      out->area = c.dimensions.x * c.dimensions.y;  // footprint
      out->type_name = "cuboid";
      return true;
    }
    default:
      return false;
  }
}

// Appends a ground-truth object with a matchable geometry to `out`.
void AddObject(Geometry&& g, int64_t rowid, const std::string& label, Objects* out) {
  out->rowids.push_back(rowid);
  out->shapes.push_back(std::move(g.shape));
  out->labels.push_back(label);
  out->types.push_back(g.type_name);
  out->boxes.push_back(g.extent);
  out->areas.push_back(g.area);
  out->confidences.push_back(std::nullopt);
}

// One ground-truth annotation as scanned, before it is put in ListByDataset's order.
struct GtRecord {
  int64_t item_seq = 0;
  int64_t rowid = 0;
  int64_t item_rowid = 0;
  uint32_t label = 0;      // index into the ground truth's label table
  bool matchable = false;  // geometry parsed
  Geometry geometry;
};

// One prediction of the run, compact: geometry parsed, label interned. Boxes keep their shape
// in `extent`; other shapes live in a side table.
struct PredRecord {
  int64_t rowid = 0;
  int64_t item_rowid = 0;
  double confidence = 0;
  bool has_confidence = false;
  uint32_t label = 0;          // index into the label table
  int32_t shape = -1;          // index into the non-box shapes, or -1 for a box
  std::string_view type_name;  // static string
  store::MatchBox extent;
  double area = 0;
};

// Interns label strings (a run has few distinct labels).
class LabelTable {
 public:
  uint32_t Intern(std::string_view label) {
    if (!labels_.empty() && labels_[last_] == label) return last_;
    auto it = index_.find(label);
    if (it == index_.end()) {
      labels_.emplace_back(label);
      it = index_.emplace(labels_.back(), static_cast<uint32_t>(labels_.size() - 1)).first;
    }
    return last_ = it->second;
  }
  const std::string& operator[](uint32_t i) const { return labels_[i]; }
  uint32_t size() const { return static_cast<uint32_t>(labels_.size()); }

 private:
  std::deque<std::string> labels_;  // stable addresses for the views in index_
  std::unordered_map<std::string_view, uint32_t> index_;
  uint32_t last_ = 0;
};

store::MatchRow GroundTruthRow(int64_t item_rowid, const Objects& gt, size_t g) {
  store::MatchRow row;
  row.item_rowid = item_rowid;
  row.annotation_rowid = gt.rowids[g];
  row.type = gt.types[g];
  row.gt_label = gt.labels[g];
  row.gt_box = gt.boxes[g];
  row.gt_area = gt.areas[g];
  return row;
}

}  // namespace

Result<MatchSummary> ComputeMatchSet(Context& ctx, const store::ModelRun& run,
                                     const CommitOptions& options, const std::string& set_key,
                                     size_t max_candidate_pairs) {
  std::vector<eval::AllowedLabelMatch> table;
  for (const auto& [gt, pred] : options.allowed_label_matches) table.push_back({gt, pred});
  const eval::LabelPolicy policy(options.class_agnostic, table);
  const bool has_table = !table.empty();

  // Phase durations go to the log (diagnostics only; results never depend on time).
  const auto started = std::chrono::steady_clock::now();
  MatchSummary summary;
  summary.computed = true;
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  // Ground truth of the dataset, grouped by item, and the run's predictions, compact. The
  // predictions are read in `threads` parts of their rowid range, each in its own Read, beside
  // the ground truth (one more task); the parts are then joined in rowid order.
  store::RowidRange range;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(range, tx.predictions().RunRowidRange(run.rowid));
    return Status::Ok();
  }));
  const int64_t span = range.last - range.first + 1;
  const int64_t parts = span < 65536 ? 1 : 2 * threads;  // more parts than threads: balance
  struct Part {
    std::vector<PredRecord> preds;
    std::vector<eval::Shape> shapes;  // non-box prediction shapes
    LabelTable labels;
    Status status;
    double ms = 0;  // diagnostics
  };
  std::vector<Part> part(static_cast<size_t>(parts));
  std::unordered_map<int64_t, Objects> gt_by_item;
  std::vector<int64_t> gt_items;  // item order of the ground truth
  Status gt_status;
  double gt_ms = 0;
  eval::ParallelFor(static_cast<size_t>(parts) + 1, threads, [&](size_t task, size_t) {
    wire::JsonDoc scratch;
    const auto task_started = std::chrono::steady_clock::now();
    auto task_ms = [&] {
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                       task_started)
          .count();
    };
    if (task == 0) {
      // Scanned as views (no copies, no sort in SQLite), then put in ListByDataset's order
      // (items in insertion order, annotations in rowid order within an item), which fixes
      // the ground-truth indices that break IoU ties.
      std::vector<GtRecord> records;
      LabelTable gt_labels;
      gt_status = ctx.store.Read([&](store::Tx& tx) -> Status {
        return tx.annotations().ScanDataset(
            run.dataset_id, [&](const store::AnnotationRef& a) -> Status {
              GtRecord& r = records.emplace_back();
              r.item_seq = a.item_seq;
              r.rowid = a.rowid;
              r.item_rowid = a.item_rowid;
              r.label = gt_labels.Intern(a.label);
              r.matchable = ParseGeometry(a.type, a.payload_json, false, scratch, &r.geometry);
              return Status::Ok();
            });
      });
      std::vector<uint32_t> order(records.size());
      for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
        const GtRecord& a = records[x];
        const GtRecord& b = records[y];
        return a.item_seq != b.item_seq ? a.item_seq < b.item_seq : a.rowid < b.rowid;
      });
      for (uint32_t i : order) {
        GtRecord& r = records[i];
        auto [it, inserted] = gt_by_item.try_emplace(r.item_rowid);
        if (inserted) {
          gt_items.push_back(r.item_rowid);
          it->second.item_seq = r.item_seq;
        }
        if (r.matchable) {
          AddObject(std::move(r.geometry), r.rowid, gt_labels[r.label], &it->second);
          ++summary.ground_truth;
        }
      }
      gt_ms = task_ms();
      return;
    }
    const int64_t k = static_cast<int64_t>(task) - 1;
    const int64_t first = range.first + span * k / parts;
    const int64_t last = range.first + span * (k + 1) / parts - 1;
    Part& out = part[static_cast<size_t>(k)];
    // Rows spread evenly over the range in the common case (one run uploaded at a time).
    out.preds.reserve(static_cast<size_t>(std::min(last - first + 1, range.count / parts + 1024)));
    Geometry g;
    out.status = ctx.store.Read([&](store::Tx& tx) -> Status {
      return tx.predictions().ScanRun(
          run.rowid, first, last, [&](const store::PredictionRef& p) -> Status {
            if (p.box) {
              // Stored at ingest (migration v6): exactly what ScanPayloadBox gives.
              const store::PredictionBox& b = *p.box;
              g.shape = geometry::Box{b.x, b.y, b.width, b.height};
              g.extent = {b.x, b.y, b.width, b.height};
              g.area = b.width * b.height;
              g.type_name = "box";
            } else if (!ParseGeometry(p.type, p.payload_json, true, scratch, &g)) {
              return Status::Ok();
            }
            PredRecord& r = out.preds.emplace_back();
            r.rowid = p.rowid;
            r.item_rowid = p.item_rowid;
            r.has_confidence = p.confidence.has_value();
            r.confidence = p.confidence.value_or(0);
            r.label = out.labels.Intern(p.label);
            r.type_name = g.type_name;
            r.extent = g.extent;
            r.area = g.area;
            if (!std::holds_alternative<geometry::Box>(g.shape)) {
              r.shape = static_cast<int32_t>(out.shapes.size());
              out.shapes.push_back(std::move(g.shape));
            }
            return Status::Ok();
          });
    });
    out.ms = task_ms();
  });
  NUCLEUS_RETURN_IF_ERROR(gt_status);
  // Join the parts without copying records: labels and shape indices are remapped in place to
  // one table, and the records are reached through pointers, in rowid order.
  std::vector<eval::Shape> pred_shapes;  // non-box prediction shapes
  LabelTable labels;
  size_t num_preds = 0;
  for (Part& p : part) {
    NUCLEUS_RETURN_IF_ERROR(p.status);
    std::vector<uint32_t> label_ids(p.labels.size());
    for (uint32_t i = 0; i < label_ids.size(); ++i) label_ids[i] = labels.Intern(p.labels[i]);
    const int32_t shape_base = static_cast<int32_t>(pred_shapes.size());
    for (PredRecord& r : p.preds) {
      r.label = label_ids[r.label];
      if (r.shape >= 0) r.shape += shape_base;
    }
    for (eval::Shape& shape : p.shapes) pred_shapes.push_back(std::move(shape));
    num_preds += p.preds.size();
  }
  summary.predictions = static_cast<int64_t>(num_preds);
  const auto read = std::chrono::steady_clock::now();

  // Group the predictions by item (ascending item rowid, insertion order within an item) with
  // a counting sort over pointers; one hash lookup per record.
  std::unordered_map<int64_t, uint32_t> bucket_of;
  std::vector<int64_t> items;
  std::vector<uint32_t> bucket(num_preds);  // first-seen item number of each record
  {
    size_t i = 0;
    for (const Part& p : part) {
      for (const PredRecord& r : p.preds) {
        auto [it, inserted] = bucket_of.try_emplace(r.item_rowid, items.size());
        if (inserted) items.push_back(r.item_rowid);
        bucket[i++] = it->second;
      }
    }
  }
  std::vector<uint32_t> rank(items.size());  // first-seen number -> ascending item position
  {
    std::vector<uint32_t> by_rowid(items.size());
    for (uint32_t i = 0; i < by_rowid.size(); ++i) by_rowid[i] = i;
    std::sort(by_rowid.begin(), by_rowid.end(),
              [&](uint32_t a, uint32_t b) { return items[a] < items[b]; });
    for (uint32_t i = 0; i < by_rowid.size(); ++i) rank[by_rowid[i]] = i;
    std::sort(items.begin(), items.end());
  }
  std::vector<uint32_t> starts(items.size() + 1, 0);
  for (uint32_t& b : bucket) ++starts[(b = rank[b]) + 1];
  for (size_t i = 0; i < items.size(); ++i) starts[i + 1] += starts[i];
  std::vector<const PredRecord*> order(num_preds);
  {
    std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
    size_t i = 0;
    for (const Part& p : part) {
      for (const PredRecord& r : p.preds) order[next[bucket[i++]]++] = &r;
    }
  }
  std::vector<uint32_t>().swap(bucket);
  std::vector<const Objects*> gt_of(items.size());
  static const Objects kNoGroundTruth;
  for (size_t i = 0; i < items.size(); ++i) {
    auto found = gt_by_item.find(items[i]);
    gt_of[i] = &kNoGroundTruth;
    if (found != gt_by_item.end()) {
      found->second.seen = true;
      gt_of[i] = &found->second;
    }
  }

  // Match the items on up to 4 threads (items are independent). Each item holds at most
  // kMaxCandidatePairsPerItem candidate pairs while matched (eval/matching.h); an item with more
  // stops the commit with an error naming it, and the other threads stop at their next item.
  std::vector<std::vector<eval::Match>> matches(items.size());
  constexpr size_t kItemsPerTask = 64;
  const size_t tasks = (items.size() + kItemsPerTask - 1) / kItemsPerTask;
  std::atomic<size_t> too_many_at{items.size()};  // lowest item index over the limit
  std::vector<uint8_t> over_examined(items.size(), 0);  // which limit it passed (see below)
  eval::ParallelFor(tasks, threads, [&](size_t task, size_t) {
    std::vector<eval::Shape> shapes;
    std::vector<std::string> pred_labels;
    for (size_t i = task * kItemsPerTask; i < std::min(items.size(), (task + 1) * kItemsPerTask);
         ++i) {
      if (too_many_at.load(std::memory_order_relaxed) < items.size()) return;
      shapes.clear();
      pred_labels.clear();
      for (uint32_t k = starts[i]; k < starts[i + 1]; ++k) {
        const PredRecord& r = *order[k];
        if (r.shape < 0) {
          shapes.emplace_back(
              geometry::Box{r.extent.x, r.extent.y, r.extent.width, r.extent.height});
        } else {
          shapes.push_back(pred_shapes[static_cast<size_t>(r.shape)]);
        }
        pred_labels.push_back(labels[r.label]);
      }
      eval::ItemMatching m = eval::MatchItemIndexed(gt_of[i]->shapes, gt_of[i]->labels, shapes,
                                                    pred_labels, policy, max_candidate_pairs);
      if (m.too_many_pairs) {
        over_examined[i] = m.candidate_pairs <= max_candidate_pairs;
        size_t seen = too_many_at.load();
        while (i < seen && !too_many_at.compare_exchange_weak(seen, i)) {
        }
        return;
      }
      matches[i] = std::move(m.matches);
    }
  });
  if (const size_t i = too_many_at.load(); i < items.size()) {
    std::string name = "rowid " + std::to_string(items[i]);
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Item> found,
                               tx.items().List(run.dataset_id, gt_of[i]->item_seq - 1, 1));
      if (!found.empty() && found[0].rowid == items[i]) {
        name = "\"" + found[0].reference_id + "\"";
      }
      return Status::Ok();
    }));
    const std::string counts = " (" + std::to_string(gt_of[i]->size()) + " ground truth, " +
                               std::to_string(starts[i + 1] - starts[i]) + " predictions)";
    if (over_examined[i]) {
      return InvalidArgument(
          "item " + name + ": more than " + std::to_string(2 * max_candidate_pairs) +
          " ground truth x prediction pairs whose bounding boxes overlap" + counts +
          "; matching one item is limited to that many IoU computations, so nothing was matched");
    }
    return InvalidArgument("item " + name + ": more than " + std::to_string(max_candidate_pairs) +
                           " overlapping ground truth x prediction pairs" + counts +
                           "; matching one item is limited to that many pairs, so nothing was "
                           "matched");
  }
  const auto matched = std::chrono::steady_clock::now();

  // Store: rows are built per batch of items into one reused buffer and appended, so the set
  // never sits in memory as MatchRows.
  int64_t stored_rows = 0;
  std::vector<store::MatchRow> batch;
  auto fill = [&](size_t i) {
    const Objects& gt = *gt_of[i];
    for (const eval::Match& m : matches[i]) {
      store::MatchRow& row = batch.emplace_back();
      if (m.ground_truth >= 0) {
        row = GroundTruthRow(items[i], gt, static_cast<size_t>(m.ground_truth));
      } else {
        row.item_rowid = items[i];
      }
      if (m.prediction >= 0) {
        const PredRecord& r = *order[starts[i] + static_cast<uint32_t>(m.prediction)];
        row.prediction_rowid = r.rowid;
        row.type = r.type_name;
        row.pred_label = labels[r.label];
        if (r.has_confidence) row.confidence = r.confidence;
        row.pred_box = r.extent;
        row.pred_area = r.area;
      }
      if (m.ground_truth >= 0 && m.prediction >= 0) {
        row.iou = m.iou;
        row.labels_match = has_table || row.gt_label == row.pred_label;
        ++summary.matches;
      }
    }
  };
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    // The run may have gone while we matched: then store nothing.
    NUCLEUS_RETURN_IF_ERROR(tx.models().GetRun(run.owner, run.id).status());
    summary.matches = 0;
    NUCLEUS_ASSIGN_OR_RETURN(store::MatchSet set,
                             tx.matches().Replace(set_key, run.rowid, {}, now_ms));
    for (size_t first = 0; first < items.size(); first += kItemsPerTask) {
      batch.clear();
      for (size_t i = first; i < std::min(items.size(), first + kItemsPerTask); ++i) fill(i);
      NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
    }
    // Ground truth of items without predictions: all false negatives.
    batch.clear();
    for (int64_t gt_item : gt_items) {
      const Objects& gt = gt_by_item[gt_item];
      if (gt.seen) continue;
      for (size_t g = 0; g < gt.size(); ++g) batch.push_back(GroundTruthRow(gt_item, gt, g));
      if (batch.size() >= 4096) {
        NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
        batch.clear();
      }
    }
    NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
    stored_rows = set.rows;
    return Status::Ok();
  }));
  const auto stored = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::string part_ms;
  for (const Part& p : part) part_ms += ", part " + std::to_string(p.ms) + " ms";
  core::LogInfo("match set " + set_key + ": " + std::to_string(summary.predictions) +
                " predictions, " + std::to_string(summary.ground_truth) + " ground truth, " +
                std::to_string(summary.matches) + " pairs, " + std::to_string(stored_rows) +
                " rows; read " + std::to_string(ms(read - started)) + " ms (ground truth " +
                std::to_string(gt_ms) + " ms" + part_ms + "), match " +
                std::to_string(ms(matched - read)) + " ms, store " +
                std::to_string(ms(stored - matched)) + " ms");
  return summary;
}

Result<MatchSummary> MatchRunPredictions(Context& ctx, const store::ModelRun& run,
                                         const CommitOptions& options, JobRun& job) {
  (void)job;
  return ComputeMatchSet(ctx, run, options, run.id);
}

}  // namespace nucleus::api
