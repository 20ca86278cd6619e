#include "api/run_matching.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "api/label_table.h"
#include "core/log.h"
#include "core/packed_geometry.h"
#include "eval/matching.h"
#include "eval/parallel.h"
#include "geometry/polygon.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/matches.h"
#include "store/models.h"
#include "store/predictions.h"

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

// The geometry of a stored object of a matchable type, decoded.
struct Geometry {
  eval::Shape shape;
  store::MatchBox extent;
  double area = 0;
  std::string_view type_name;  // static string
};

// Decodes the packed geometry (core/packed_geometry.h) of a stored box, polygon or cuboid. False
// for other types and for objects without geometry (left out of matching). The packed doubles
// are the ones the upload validator gives for the stored payload, so this is what parsing the
// payload gave before migration v10.
bool DecodeGeometry(std::string_view packed, core::PackedGeometryView& view, Geometry* out) {
  if (!view.Reset(packed)) return false;
  switch (view.type()) {
    case core::AnnotationType::kBox: {
      const core::BoxGeometry b = view.box();
      out->shape = geometry::Box{b.x, b.y, b.width, b.height};
      out->extent = {b.x, b.y, b.width, b.height};
      out->area = b.width * b.height;
      out->type_name = "box";
      return true;
    }
    case core::AnnotationType::kPolygon: {
      std::vector<geometry::Point> ring(view.vertex_count());
      double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
      for (size_t i = 0; i < ring.size(); ++i) {
        const core::Point2 v = view.vertex(i);
        ring[i] = {v.x, v.y};
        x0 = std::min(x0, v.x), y0 = std::min(y0, v.y);
        x1 = std::max(x1, v.x), y1 = std::max(y1, v.y);
      }
      out->extent = {};
      if (!ring.empty()) out->extent = {x0, y0, x1 - x0, y1 - y0};
      out->area = geometry::PolygonArea(ring);
      out->shape = std::move(ring);
      out->type_name = "polygon";
      return true;
    }
    case core::AnnotationType::kCuboid: {
      const core::CuboidGeometry c = view.cuboid();
      out->shape = geometry::Cuboid{c.position.x,   c.position.y,   c.position.z, c.dimensions.x,
                                    c.dimensions.y, c.dimensions.z, c.yaw};
      out->extent = {};
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

// The dataset's matchable ground truth, grouped by item.
struct GroundTruth {
  std::unordered_map<int64_t, Objects> by_item;
  std::vector<int64_t> items;  // item order (insertion order of items)
  int64_t count = 0;           // matchable objects
};

// Reads the dataset's ground truth as views (no copies, no sort in SQLite), then puts it in
// ListByDataset's order (items in insertion order, annotations in rowid order within an item),
// which fixes the ground-truth indices that break IoU ties.
Status ReadGroundTruth(Context& ctx, const std::string& dataset_id, GroundTruth* out) {
  std::vector<GtRecord> records;
  LabelTable labels;
  core::PackedGeometryView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    return tx.annotations().ScanDataset(dataset_id, [&](const store::AnnotationRef& a) -> Status {
      GtRecord& r = records.emplace_back();
      r.item_seq = a.item_seq;
      r.rowid = a.rowid;
      r.item_rowid = a.item_rowid;
      r.label = labels.Intern(a.label);
      r.matchable = DecodeGeometry(a.geometry, view, &r.geometry);
      return Status::Ok();
    });
  }));
  std::vector<uint32_t> order(records.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const GtRecord& a = records[x];
    const GtRecord& b = records[y];
    return a.item_seq != b.item_seq ? a.item_seq < b.item_seq : a.rowid < b.rowid;
  });
  for (uint32_t i : order) {
    GtRecord& r = records[i];
    auto [it, inserted] = out->by_item.try_emplace(r.item_rowid);
    if (inserted) {
      out->items.push_back(r.item_rowid);
      it->second.item_seq = r.item_seq;
    }
    if (r.matchable) {
      AddObject(std::move(r.geometry), r.rowid, labels[r.label], &it->second);
      ++out->count;
    }
  }
  return Status::Ok();
}

// The matchable predictions of one part of the run's rowid range, compact.
struct Part {
  std::vector<PredRecord> preds;
  std::vector<eval::Shape> shapes;  // non-box prediction shapes
  LabelTable labels;
  Status status;
  double ms = 0;  // diagnostics
};

// Reads the run's predictions with rowid in [first, last] into `out`; `expected` sizes the
// buffer (rows spread evenly over the range in the common case: one run uploaded at a time).
Status ReadPredictionPart(Context& ctx, int64_t run_rowid, int64_t first, int64_t last,
                          size_t expected, Part* out) {
  out->preds.reserve(expected);
  Geometry g;
  core::PackedGeometryView view;
  return ctx.store.Read([&](store::Tx& tx) -> Status {
    return tx.predictions().ScanRun(run_rowid, first, last,
                                    [&](const store::PredictionRef& p) -> Status {
                                      if (!DecodeGeometry(p.geometry, view, &g))
                                        return Status::Ok();
                                      PredRecord& r = out->preds.emplace_back();
                                      r.rowid = p.rowid;
                                      r.item_rowid = p.item_rowid;
                                      r.has_confidence = p.confidence.has_value();
                                      r.confidence = p.confidence.value_or(0);
                                      r.label = out->labels.Intern(p.label);
                                      r.type_name = g.type_name;
                                      r.extent = g.extent;
                                      r.area = g.area;
                                      if (!std::holds_alternative<geometry::Box>(g.shape)) {
                                        r.shape = static_cast<int32_t>(out->shapes.size());
                                        out->shapes.push_back(std::move(g.shape));
                                      }
                                      return Status::Ok();
                                    });
  });
}

// The run's predictions, read in parts; records stay in their parts and are reached through
// ItemGroups::order.
struct Predictions {
  std::vector<Part> parts;
  std::vector<eval::Shape> shapes;  // non-box shapes of every part
  LabelTable labels;                // of every part
  size_t count = 0;
};

// Joins the parts without copying records: labels and shape indices are remapped in place to
// one table.
Status JoinParts(Predictions* preds) {
  for (Part& p : preds->parts) {
    NUCLEUS_RETURN_IF_ERROR(p.status);
    std::vector<uint32_t> label_ids(p.labels.size());
    for (uint32_t i = 0; i < label_ids.size(); ++i)
      label_ids[i] = preds->labels.Intern(p.labels[i]);
    const int32_t shape_base = static_cast<int32_t>(preds->shapes.size());
    for (PredRecord& r : p.preds) {
      r.label = label_ids[r.label];
      if (r.shape >= 0) r.shape += shape_base;
    }
    for (eval::Shape& shape : p.shapes) preds->shapes.push_back(std::move(shape));
    std::vector<eval::Shape>().swap(p.shapes);
    preds->count += p.preds.size();
  }
  return Status::Ok();
}

// Reads the ground truth and the run's predictions side by side: the predictions in `threads`
// parts of their rowid range (more parts than threads, to balance), each in its own Read, and
// the ground truth as one more task. The ground truth's read time goes to `gt_ms`, each part's
// to its `ms` (diagnostics).
Status ReadRun(Context& ctx, const store::ModelRun& run, int threads, GroundTruth* gt,
               Predictions* preds, double* gt_ms) {
  store::RowidRange range;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(range, tx.predictions().RunRowidRange(run.rowid));
    return Status::Ok();
  }));
  const int64_t span = range.last - range.first + 1;
  const int64_t parts = span < 65536 ? 1 : 2 * threads;
  preds->parts.resize(static_cast<size_t>(parts));
  Status gt_status;
  eval::ParallelFor(static_cast<size_t>(parts) + 1, threads, [&](size_t task, size_t) {
    const auto started = std::chrono::steady_clock::now();
    double* ms = gt_ms;
    if (task == 0) {
      gt_status = ReadGroundTruth(ctx, run.dataset_id, gt);
    } else {
      const int64_t k = static_cast<int64_t>(task) - 1;
      const int64_t first = range.first + span * k / parts;
      const int64_t last = range.first + span * (k + 1) / parts - 1;
      Part& out = preds->parts[static_cast<size_t>(k)];
      const auto expected =
          static_cast<size_t>(std::min(last - first + 1, range.count / parts + 1024));
      out.status = ReadPredictionPart(ctx, run.rowid, first, last, expected, &out);
      ms = &out.ms;
    }
    *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
  });
  NUCLEUS_RETURN_IF_ERROR(gt_status);
  return JoinParts(preds);
}

// The predictions grouped by item: items[i]'s records are order[starts[i] .. starts[i + 1]).
struct ItemGroups {
  std::vector<int64_t> items;  // ascending item rowid
  std::vector<uint32_t> starts;
  std::vector<const PredRecord*> order;  // insertion order within an item
  std::vector<const Objects*> gt;        // each item's ground truth (maybe empty)
};

// Groups the predictions by item with a counting sort over pointers (one hash lookup per
// record), and marks the ground truth of items with predictions as seen.
ItemGroups GroupByItem(const Predictions& preds, GroundTruth& gt) {
  ItemGroups g;
  std::unordered_map<int64_t, uint32_t> bucket_of;
  std::vector<uint32_t> bucket(preds.count);  // first-seen item number of each record
  size_t n = 0;
  for (const Part& p : preds.parts) {
    for (const PredRecord& r : p.preds) {
      auto [it, inserted] = bucket_of.try_emplace(r.item_rowid, g.items.size());
      if (inserted) g.items.push_back(r.item_rowid);
      bucket[n++] = it->second;
    }
  }
  std::vector<uint32_t> rank(g.items.size());  // first-seen number -> ascending item position
  {
    std::vector<uint32_t> by_rowid(g.items.size());
    for (uint32_t i = 0; i < by_rowid.size(); ++i) by_rowid[i] = i;
    std::sort(by_rowid.begin(), by_rowid.end(),
              [&](uint32_t a, uint32_t b) { return g.items[a] < g.items[b]; });
    for (uint32_t i = 0; i < by_rowid.size(); ++i) rank[by_rowid[i]] = i;
    std::sort(g.items.begin(), g.items.end());
  }
  g.starts.assign(g.items.size() + 1, 0);
  for (uint32_t& b : bucket) ++g.starts[(b = rank[b]) + 1];
  for (size_t i = 0; i < g.items.size(); ++i) g.starts[i + 1] += g.starts[i];
  g.order.resize(preds.count);
  std::vector<uint32_t> next(g.starts.begin(), g.starts.end() - 1);
  n = 0;
  for (const Part& p : preds.parts) {
    for (const PredRecord& r : p.preds) g.order[next[bucket[n++]]++] = &r;
  }
  static const Objects kNoGroundTruth;
  g.gt.assign(g.items.size(), &kNoGroundTruth);
  for (size_t i = 0; i < g.items.size(); ++i) {
    auto found = gt.by_item.find(g.items[i]);
    if (found != gt.by_item.end()) {
      found->second.seen = true;
      g.gt[i] = &found->second;
    }
  }
  return g;
}

constexpr size_t kItemsPerTask = 64;

// What matching the items gave.
struct ItemMatches {
  std::vector<std::vector<eval::Match>> matches;  // per item of ItemGroups
  size_t too_many_at = 0;                         // lowest item over the limit, or items.size()
  bool over_examined = false;  // that item passed the examined-pairs limit (see the header)
};

// Matches the items on up to `threads` threads (items are independent). Each item holds at most
// max_candidate_pairs candidate pairs while matched (eval/matching.h); an item with more stops
// the matching, and the other threads stop at their next item.
ItemMatches MatchItems(const ItemGroups& g, const Predictions& preds,
                       const eval::LabelPolicy& policy, size_t max_candidate_pairs, int threads) {
  const size_t num_items = g.items.size();
  ItemMatches out;
  out.matches.resize(num_items);
  std::atomic<size_t> too_many_at{num_items};
  std::vector<uint8_t> over_examined(num_items, 0);  // which limit each item passed
  const size_t tasks = (num_items + kItemsPerTask - 1) / kItemsPerTask;
  eval::ParallelFor(tasks, threads, [&](size_t task, size_t) {
    std::vector<eval::Shape> shapes;
    std::vector<std::string> pred_labels;
    for (size_t i = task * kItemsPerTask; i < std::min(num_items, (task + 1) * kItemsPerTask);
         ++i) {
      if (too_many_at.load(std::memory_order_relaxed) < num_items) return;
      shapes.clear();
      pred_labels.clear();
      for (uint32_t k = g.starts[i]; k < g.starts[i + 1]; ++k) {
        const PredRecord& r = *g.order[k];
        if (r.shape < 0) {
          shapes.emplace_back(
              geometry::Box{r.extent.x, r.extent.y, r.extent.width, r.extent.height});
        } else {
          shapes.push_back(preds.shapes[static_cast<size_t>(r.shape)]);
        }
        pred_labels.push_back(preds.labels[r.label]);
      }
      eval::ItemMatching m = eval::MatchItemIndexed(g.gt[i]->shapes, g.gt[i]->labels, shapes,
                                                    pred_labels, policy, max_candidate_pairs);
      if (m.too_many_pairs) {
        over_examined[i] = m.candidate_pairs <= max_candidate_pairs;
        size_t seen = too_many_at.load();
        while (i < seen && !too_many_at.compare_exchange_weak(seen, i)) {
        }
        return;
      }
      out.matches[i] = std::move(m.matches);
    }
  });
  out.too_many_at = too_many_at.load();
  if (out.too_many_at < num_items) out.over_examined = over_examined[out.too_many_at] != 0;
  return out;
}

// The error of a commit stopped at item `i` of `g` for having too many pairs.
Status TooManyPairsError(Context& ctx, const store::ModelRun& run, const ItemGroups& g, size_t i,
                         bool over_examined, size_t max_candidate_pairs) {
  std::string name = "rowid " + std::to_string(g.items[i]);
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Item> found,
                             tx.items().List(run.dataset_id, g.gt[i]->item_seq - 1, 1));
    if (!found.empty() && found[0].rowid == g.items[i]) {
      name = "\"" + found[0].reference_id + "\"";
    }
    return Status::Ok();
  }));
  const std::string counts = " (" + std::to_string(g.gt[i]->size()) + " ground truth, " +
                             std::to_string(g.starts[i + 1] - g.starts[i]) + " predictions)";
  if (over_examined) {
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

// Appends the match rows of item `i` to `batch`; counts the pairs in `pairs`.
void AppendItemRows(const ItemGroups& g, const Predictions& preds,
                    const std::vector<eval::Match>& matches, size_t i, bool has_table,
                    std::vector<store::MatchRow>* batch, int64_t* pairs) {
  const Objects& gt = *g.gt[i];
  for (const eval::Match& m : matches) {
    store::MatchRow& row = batch->emplace_back();
    if (m.ground_truth >= 0) {
      row = GroundTruthRow(g.items[i], gt, static_cast<size_t>(m.ground_truth));
    } else {
      row.item_rowid = g.items[i];
    }
    if (m.prediction >= 0) {
      const PredRecord& r = *g.order[g.starts[i] + static_cast<uint32_t>(m.prediction)];
      row.prediction_rowid = r.rowid;
      row.type = r.type_name;
      row.pred_label = preds.labels[r.label];
      if (r.has_confidence) row.confidence = r.confidence;
      row.pred_box = r.extent;
      row.pred_area = r.area;
    }
    if (m.ground_truth >= 0 && m.prediction >= 0) {
      row.iou = m.iou;
      row.labels_match = has_table || row.gt_label == row.pred_label;
      ++*pairs;
    }
  }
}

// Replaces match set `set_key` with the matches, in one transaction: rows are built per batch
// of items into one reused buffer and appended, so the set never sits in memory as MatchRows.
// Ground truth of items without predictions is stored as false negatives. Sets
// summary->matches; returns the rows stored.
Result<int64_t> StoreMatches(Context& ctx, const store::ModelRun& run, const std::string& set_key,
                             const GroundTruth& gt, const ItemGroups& g, const Predictions& preds,
                             const ItemMatches& matched, bool has_table, MatchSummary* summary) {
  int64_t stored_rows = 0;
  std::vector<store::MatchRow> batch;
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    // The run may have gone while we matched: then store nothing.
    NUCLEUS_RETURN_IF_ERROR(tx.models().GetRun(run.owner, run.id).status());
    summary->matches = 0;
    NUCLEUS_ASSIGN_OR_RETURN(store::MatchSet set,
                             tx.matches().Replace(set_key, run.rowid, {}, now_ms));
    for (size_t first = 0; first < g.items.size(); first += kItemsPerTask) {
      batch.clear();
      for (size_t i = first; i < std::min(g.items.size(), first + kItemsPerTask); ++i) {
        AppendItemRows(g, preds, matched.matches[i], i, has_table, &batch, &summary->matches);
      }
      NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
    }
    batch.clear();
    for (int64_t gt_item : gt.items) {
      const Objects& objects = gt.by_item.at(gt_item);
      if (objects.seen) continue;
      for (size_t k = 0; k < objects.size(); ++k) {
        batch.push_back(GroundTruthRow(gt_item, objects, k));
      }
      if (batch.size() >= 4096) {
        NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
        batch.clear();
      }
    }
    NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, batch));
    stored_rows = set.rows;
    return Status::Ok();
  }));
  return stored_rows;
}

}  // namespace

Result<MatchSummary> ComputeMatchSet(Context& ctx, const store::ModelRun& run,
                                     const CommitOptions& options, const std::string& set_key,
                                     size_t max_candidate_pairs) {
  std::vector<eval::AllowedLabelMatch> table;
  for (const auto& [gt, pred] : options.allowed_label_matches) table.push_back({gt, pred});
  const eval::LabelPolicy policy(options.class_agnostic, table);

  // Phase durations go to the log (diagnostics only; results never depend on time).
  const auto started = std::chrono::steady_clock::now();
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  GroundTruth gt;
  Predictions preds;
  double gt_ms = 0;
  NUCLEUS_RETURN_IF_ERROR(ReadRun(ctx, run, threads, &gt, &preds, &gt_ms));
  MatchSummary summary;
  summary.computed = true;
  summary.ground_truth = gt.count;
  summary.predictions = static_cast<int64_t>(preds.count);
  const auto read = std::chrono::steady_clock::now();

  const ItemGroups groups = GroupByItem(preds, gt);
  const ItemMatches matched = MatchItems(groups, preds, policy, max_candidate_pairs, threads);
  if (matched.too_many_at < groups.items.size()) {
    return TooManyPairsError(ctx, run, groups, matched.too_many_at, matched.over_examined,
                             max_candidate_pairs);
  }
  const auto match_done = std::chrono::steady_clock::now();

  NUCLEUS_ASSIGN_OR_RETURN(
      const int64_t stored_rows,
      StoreMatches(ctx, run, set_key, gt, groups, preds, matched, !table.empty(), &summary));
  const auto stored = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::string part_ms;
  for (const Part& p : preds.parts) part_ms += ", part " + std::to_string(p.ms) + " ms";
  core::LogInfo("match set " + set_key + ": " + std::to_string(summary.predictions) +
                " predictions, " + std::to_string(summary.ground_truth) + " ground truth, " +
                std::to_string(summary.matches) + " pairs, " + std::to_string(stored_rows) +
                " rows; read " + std::to_string(ms(read - started)) + " ms (ground truth " +
                std::to_string(gt_ms) + " ms" + part_ms + "), match " +
                std::to_string(ms(match_done - read)) + " ms, store " +
                std::to_string(ms(stored - match_done)) + " ms");
  return summary;
}

Result<MatchSummary> MatchRunPredictions(Context& ctx, const store::ModelRun& run,
                                         const CommitOptions& options, JobRun& job) {
  (void)job;
  return ComputeMatchSet(ctx, run, options, run.id);
}

}  // namespace nucleus::api
