#include "api/run_matching.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "core/log.h"
#include "eval/matching.h"
#include "store/annotations.h"
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

// Fast path for the payloads our own writer produced: `"geometry":{"x":N,"y":N,"width":N,
// "height":N}` with nothing else inside. False on anything unexpected (then the full parser runs).
bool ScanBox(std::string_view payload, geometry::Box* box) {
  constexpr std::string_view kKey = "\"geometry\":{";
  size_t at = payload.find(kKey);
  if (at == std::string_view::npos) return false;
  const char* p = payload.data() + at + kKey.size();
  const char* end = payload.data() + payload.size();
  int seen = 0;
  while (p < end && *p == '"') {
    const char* key = ++p;
    while (p < end && *p != '"') ++p;
    std::string_view name(key, static_cast<size_t>(p - key));
    if (p + 1 >= end || p[1] != ':') return false;
    p += 2;
    double v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) return false;
    p = next;
    if (name == "x") {
      box->x = v, seen |= 1;
    } else if (name == "y") {
      box->y = v, seen |= 2;
    } else if (name == "width") {
      box->width = v, seen |= 4;
    } else if (name == "height") {
      box->height = v, seen |= 8;
    } else {
      return false;
    }
    if (p < end && *p == ',') ++p;
  }
  return p < end && *p == '}' && seen == 15;
}

// Reads the geometry of a stored object of a matchable type into `out` (appending one entry).
// False for other types or payloads that do not parse (such objects are left out of matching).
bool AddObject(std::string_view type, std::string_view payload, bool prediction, int64_t rowid,
               const std::string& label, std::optional<double> confidence,
               wire::JsonDoc& scratch, Objects* out) {
  eval::Shape shape;
  store::MatchBox extent;
  double area = 0;
  std::string_view type_name;
  geometry::Box box;
  if (type == "box" && ScanBox(payload, &box)) {
    shape = box;
    extent = {box.x, box.y, box.width, box.height};
    area = box.width * box.height;
    type_name = "box";
  } else {
    if (type != "box" && type != "polygon" && type != "cuboid") return false;
    if (!scratch.Parse(payload, "stored object").ok()) return false;
    wire::AnnotationParseOptions options;
    options.prediction = prediction;
    Result<wire::ParsedAnnotation> parsed = wire::ParseAnnotation(scratch.root(), 0, options);
    if (!parsed.ok()) return false;
    const core::AnnotationGeometry& g = parsed->geometry;
    switch (parsed->type) {
      case core::AnnotationType::kBox:
        shape = geometry::Box{g.box.x, g.box.y, g.box.width, g.box.height};
        extent = {g.box.x, g.box.y, g.box.width, g.box.height};
        area = g.box.width * g.box.height;
        type_name = "box";
        break;
      case core::AnnotationType::kPolygon: {
        std::vector<geometry::Point> ring;
        double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
        for (const core::Point2& v : g.vertices) {
          ring.push_back({v.x, v.y});
          x0 = std::min(x0, v.x), y0 = std::min(y0, v.y);
          x1 = std::max(x1, v.x), y1 = std::max(y1, v.y);
        }
        if (!ring.empty()) extent = {x0, y0, x1 - x0, y1 - y0};
        area = geometry::PolygonArea(ring);
        shape = std::move(ring);
        type_name = "polygon";
        break;
      }
      case core::AnnotationType::kCuboid: {
        const core::CuboidGeometry& c = g.cuboid;
        shape = geometry::Cuboid{c.position.x,   c.position.y,   c.position.z, c.dimensions.x,
                                 c.dimensions.y, c.dimensions.z, c.yaw};
        area = c.dimensions.x * c.dimensions.y;  // footprint
        type_name = "cuboid";
        break;
      }
      default:
        return false;
    }
  }
  out->rowids.push_back(rowid);
  out->shapes.push_back(std::move(shape));
  out->labels.push_back(label);
  out->types.push_back(type_name);
  out->boxes.push_back(extent);
  out->areas.push_back(area);
  out->confidences.push_back(confidence);
  return true;
}

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
                                     const CommitOptions& options, const std::string& set_key) {
  std::vector<eval::AllowedLabelMatch> table;
  for (const auto& [gt, pred] : options.allowed_label_matches) table.push_back({gt, pred});
  const eval::LabelPolicy policy(options.class_agnostic, table);
  const bool has_table = !table.empty();

  // Phase durations go to the log (diagnostics only; results never depend on time).
  const auto started = std::chrono::steady_clock::now();
  MatchSummary summary;
  summary.computed = true;
  std::vector<store::MatchRow> rows;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    // Ground truth of the dataset, grouped by item.
    std::unordered_map<int64_t, Objects> gt_by_item;
    std::vector<int64_t> gt_items;  // item order of the ground truth
    wire::JsonDoc scratch;
    {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                               tx.annotations().ListByDataset(run.dataset_id));
      for (const store::Annotation& a : annotations) {
        auto [it, inserted] = gt_by_item.try_emplace(a.item_rowid);
        if (inserted) gt_items.push_back(a.item_rowid);
        if (AddObject(a.type, a.payload_json, false, a.rowid, a.label, std::nullopt, scratch,
                      &it->second)) {
          ++summary.ground_truth;
        }
      }
    }
    Objects preds;
    int64_t item = 0;
    static const Objects kNoGroundTruth;
    auto flush = [&]() {
      if (preds.size() == 0) return;
      auto found = gt_by_item.find(item);
      const Objects* gt = &kNoGroundTruth;
      if (found != gt_by_item.end()) {
        found->second.seen = true;
        gt = &found->second;
      }
      std::vector<eval::Match> matches =
          eval::MatchItemShapes(gt->shapes, gt->labels, preds.shapes, preds.labels, policy);
      for (const eval::Match& m : matches) {
        store::MatchRow row;
        if (m.ground_truth >= 0) {
          row = GroundTruthRow(item, *gt, static_cast<size_t>(m.ground_truth));
        } else {
          row.item_rowid = item;
        }
        if (m.prediction >= 0) {
          const size_t p = static_cast<size_t>(m.prediction);
          row.prediction_rowid = preds.rowids[p];
          row.type = preds.types[p];
          row.pred_label = preds.labels[p];
          row.confidence = preds.confidences[p];
          row.pred_box = preds.boxes[p];
          row.pred_area = preds.areas[p];
        }
        if (m.ground_truth >= 0 && m.prediction >= 0) {
          row.iou = m.iou;
          row.labels_match = has_table || row.gt_label == row.pred_label;
          ++summary.matches;
        }
        rows.push_back(std::move(row));
      }
      preds.Clear();
    };
    NUCLEUS_RETURN_IF_ERROR(
        tx.predictions().ForEachInRun(run.rowid, [&](const store::Prediction& p) -> Status {
          if (p.item_rowid != item) {
            flush();
            item = p.item_rowid;
          }
          if (AddObject(p.type, p.payload_json, true, p.rowid, p.label, p.confidence, scratch,
                        &preds)) {
            ++summary.predictions;
          }
          return Status::Ok();
        }));
    flush();
    // Ground truth of items without predictions: all false negatives.
    for (int64_t gt_item : gt_items) {
      const Objects& gt = gt_by_item[gt_item];
      if (gt.seen) continue;
      for (size_t g = 0; g < gt.size(); ++g) rows.push_back(GroundTruthRow(gt_item, gt, g));
    }
    return Status::Ok();
  }));
  const auto matched = std::chrono::steady_clock::now();
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    // The run may have gone while we matched: then store nothing.
    NUCLEUS_RETURN_IF_ERROR(tx.models().GetRun(run.owner, run.id).status());
    return tx.matches().Replace(set_key, run.rowid, rows, now_ms).status();
  }));
  const auto stored = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  core::LogInfo("match set " + set_key + ": " + std::to_string(summary.predictions) +
                " predictions, " + std::to_string(summary.ground_truth) + " ground truth, " +
                std::to_string(summary.matches) + " pairs, " + std::to_string(rows.size()) +
                " rows; read+match " + std::to_string(ms(matched - started)) + " ms, store " +
                std::to_string(ms(stored - matched)) + " ms");
  return summary;
}

Result<MatchSummary> MatchRunPredictions(Context& ctx, const store::ModelRun& run,
                                         const CommitOptions& options, JobRun& job) {
  (void)job;
  return ComputeMatchSet(ctx, run, options, run.id);
}

}  // namespace nucleus::api
