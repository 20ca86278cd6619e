#include "api/validate_seg.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "api/annotations.h"
#include "api/validate_filters.h"
#include "api/validate_slices.h"
#include "core/blob_urls.h"
#include "core/packed_geometry.h"
#include "eval/segmentation_metrics.h"
#include "eval/segmentation_to_poly.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/validate.h"

namespace nucleus::api {
namespace {

// A seg_* function, or a segmentation_to_poly_* one (`to_poly`: the ground truth is the item's
// polygons and boxes rasterised; the client's _ap configures SegmentationPrecision).
struct SegFunction {
  eval::SegMetric metric;
  bool to_poly = false;
};

std::optional<SegFunction> SegFunctionOf(std::string_view id) {
  using M = eval::SegMetric;
  static const std::map<std::string_view, SegFunction> kFunctions = {
      {"ef_seg_iou", {M::kIou}},
      {"ef_seg_precision", {M::kPrecision}},
      {"ef_seg_recall", {M::kRecall}},
      {"ef_seg_map", {M::kMap}},
      {"ef_seg_fwavacc", {M::kFwavacc}},
      {"ef_segmentation_to_poly_iou", {M::kIou, true}},
      {"ef_segmentation_to_poly_precision", {M::kPrecision, true}},
      {"ef_segmentation_to_poly_recall", {M::kRecall, true}},
      {"ef_segmentation_to_poly_ap", {M::kPrecision, true}},
      {"ef_segmentation_to_poly_map", {M::kMap, true}},
  };
  auto it = kFunctions.find(id);
  if (it == kFunctions.end()) return std::nullopt;
  return it->second;
}

// One stored segmentation: its segments, the URL the client sent, the blob the server keeps.
struct StoredMask {
  std::vector<eval::SegSegment> segments;
  std::string mask_url;
  std::string blob;     // "<sha256>.png" under "mask/"; empty: the server holds no bytes for it
  std::string payload;  // the stored object (its fields and segments, for filters)
};

// The segmentation among one item's stored objects (nullopt: none); InvalidArgument when there
// are several (the client's metrics assert one mask per item and side).
Result<std::optional<StoredMask>> MaskOf(
    const std::vector<std::pair<std::string_view, std::string_view>>& objects,
    const core::ObjectFieldReader& fields, std::string_view side) {
  std::optional<StoredMask> out;
  core::UnpackedGeometry g;
  for (const auto& [geometry, payload] : objects) {
    if (!core::UnpackGeometry(geometry, &g) || g.type != core::AnnotationType::kSegmentation) {
      continue;
    }
    if (out) return InvalidArgument(std::string(side) + " has more than one segmentation mask");
    out.emplace();
    for (const core::MaskSegment& s : g.geometry.segments) {
      out->segments.push_back({s.index, s.label});
    }
    out->mask_url = g.mask_url;
    out->payload = std::string(payload);
    std::optional<core::FilterScalar> stored = fields.Read(payload, "stored_mask_url", false);
    if (stored && stored->kind == core::FilterScalar::Kind::kString) {
      const std::string url = core::LocationFreeBlobUrls(stored->text);
      std::string prefix(core::kLocalBlobBase);
      prefix.append("/blob/mask/");
      if (url.starts_with(prefix)) out->blob = url.substr(prefix.size());
    }
  }
  return out;
}

// One item of the slice: its id, both masks and (segmentation_to_poly_*) its ground-truth
// polygons and boxes in upload order.
struct ItemMasks {
  std::string item_id, reference_id;
  std::optional<StoredMask> gt, pred;
  std::vector<eval::SegShape> shapes;
};

// The polygons and boxes among an item's stored annotations, in their order, that pass
// `filters` (the client's apply_filters on polygon_annotations and box_annotations).
Result<std::vector<eval::SegShape>> ShapesOf(const std::vector<store::Annotation>& annotations,
                                             const core::FilterDnf& filters,
                                             const core::ObjectFieldReader& fields) {
  std::vector<eval::SegShape> out;
  core::UnpackedGeometry g;
  for (const store::Annotation& a : annotations) {
    if (!core::UnpackGeometry(a.geometry, &g)) continue;
    if (g.type != core::AnnotationType::kBox && g.type != core::AnnotationType::kPolygon) continue;
    NUCLEUS_ASSIGN_OR_RETURN(bool keep, PassesFilters(filters, a.payload_json, fields));
    if (!keep) continue;
    if (g.type == core::AnnotationType::kBox) {
      const core::BoxGeometry& b = g.geometry.box;
      out.push_back({.label = a.label,
                     .is_box = true,
                     .ring = {},
                     .x = b.x,
                     .y = b.y,
                     .width = b.width,
                     .height = b.height});
    } else if (g.type == core::AnnotationType::kPolygon) {
      eval::SegShape& s = out.emplace_back();
      s.label = a.label;
      for (const core::Point2& p : g.geometry.vertices) s.ring.push_back({p.x, p.y});
    }
  }
  return out;
}

// Reads, in one snapshot, the slice's items with their ground-truth masks and the masks of the
// model's latest run on the slice's dataset.
Status ReadItemMasks(store::Tx& tx, const core::ScenarioTestEvaluation& e,
                     const core::ObjectFieldReader& fields, bool to_poly,
                     const core::FilterDnf& annotation_filters, std::vector<ItemMasks>* out) {
  NUCLEUS_ASSIGN_OR_RETURN(TestItems slice, ReadTestItems(tx, e.owner, e.scenario_test_id));
  std::map<int64_t, size_t> position;  // item rowid -> index in `out`
  for (const store::Item& item : slice.items) {
    const std::string& ref = item.reference_id;
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                             tx.annotations().ListByItem(item.rowid));
    std::vector<std::pair<std::string_view, std::string_view>> objects;
    for (const store::Annotation& a : annotations) objects.emplace_back(a.geometry, a.payload_json);
    position[item.rowid] = out->size();
    ItemMasks& masks = out->emplace_back(
        ItemMasks{.item_id = item.id, .reference_id = ref, .gt = {}, .pred = {}, .shapes = {}});
    if (to_poly) {
      NUCLEUS_ASSIGN_OR_RETURN(masks.shapes, ShapesOf(annotations, annotation_filters, fields));
      continue;  // its ground-truth mask, if any, plays no part
    }
    auto gt = MaskOf(objects, fields, "item \"" + ref + "\"'s ground truth");
    if (!gt.ok()) return gt.status();
    masks.gt = std::move(*gt);
  }
  NUCLEUS_ASSIGN_OR_RETURN(store::Model model, tx.models().Get(e.owner, e.model_id));
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::ModelRun> run,
                           tx.models().LatestRun(model.rowid, slice.dataset_id));
  if (!run) return Status::Ok();
  std::map<size_t, std::vector<store::Prediction>> predicted;
  NUCLEUS_RETURN_IF_ERROR(
      tx.predictions().ForEachInRun(run->rowid, [&](const store::Prediction& p) {
        auto at = position.find(p.item_rowid);
        if (at != position.end() && p.type == "segmentation") predicted[at->second].push_back(p);
        return Status::Ok();
      }));
  for (const auto& [index, rows] : predicted) {
    std::vector<std::pair<std::string_view, std::string_view>> objects;
    for (const store::Prediction& p : rows) objects.emplace_back(p.geometry, p.payload_json);
    auto pred = MaskOf(objects, fields, "item \"" + (*out)[index].reference_id + "\"'s prediction");
    if (!pred.ok()) return pred.status();
    (*out)[index].pred = std::move(*pred);
  }
  return Status::Ok();
}

// Applies `filters` to one side's mask as the client's apply_filters does: none left when the
// mask object fails their field / metadata conditions, else only its segments that pass their
// segment conditions (api/validate_filters.h). InvalidArgument naming `item` for a filter
// that cannot be applied.
Status FilterMask(const core::FilterDnf& filters, const core::ObjectFieldReader& fields,
                  const std::string& item, std::optional<StoredMask>* mask) {
  if (filters.empty() || !*mask) return Status::Ok();
  auto named = [&](const Status& s) {
    return InvalidArgument("item \"" + item + "\": " + s.message());
  };
  auto keep = PassesFilters(filters, (*mask)->payload, fields);
  if (!keep.ok()) return named(keep.status());
  if (!*keep) {
    mask->reset();
    return Status::Ok();
  }
  const std::vector<std::string> segments = fields.Segments((*mask)->payload);
  std::vector<eval::SegSegment>& kept = (*mask)->segments;
  if (segments.size() != kept.size()) {
    return named(InvalidArgument("the stored mask's segments cannot be read for its filters"));
  }
  auto passing = SegmentsPassing(filters, segments, fields);
  if (!passing.ok()) return named(passing.status());
  std::vector<eval::SegSegment> out;
  for (size_t k = 0; k < kept.size(); ++k) {
    if ((*passing)[k]) out.push_back(std::move(kept[k]));
  }
  kept = std::move(out);
  return Status::Ok();
}

// The decoded index image of `mask`; InvalidArgument naming `item` and the mask's URL when the
// server holds no bytes for it or they do not decode.
Result<eval::IndexImage> LoadMask(Context& ctx, const std::string& item, const StoredMask& mask) {
  auto named = [&](std::string_view what) {
    std::string m = "item \"" + item + "\": mask_url \"" + mask.mask_url + "\" ";
    m.append(what);
    return InvalidArgument(m);
  };
  if (mask.blob.empty()) {
    return named("is not a mask this server holds (it never downloads masks; upload it as a file)");
  }
  auto bytes = ReadStoredMask(ctx, mask.blob);  // checks the name: only masks it stored
  if (!bytes.ok()) return named("is not stored any more: " + bytes.status().message());
  auto image = eval::DecodeMaskPng(*bytes, ctx.limits.max_mask_pixels);
  if (!image.ok()) return named("cannot be evaluated: " + image.status().message());
  return image;
}

// The pixel counts of the item's two masks (both with segments): from `reads` when an earlier
// evaluation of the job computed them, else decoded and counted (and kept while under the cap).
Result<eval::SegPixelCounts> CountsOf(Context& ctx, const ItemMasks& item,
                                      SegmentationReads* reads) {
  int64_t max_index = 0;
  for (const auto* side : {&item.gt->segments, &item.pred->segments}) {
    for (const eval::SegSegment& s : *side) max_index = std::max(max_index, s.index);
  }
  std::string key = item.gt->blob;
  key.append("\n").append(item.pred->blob).append("\n").append(std::to_string(max_index));
  const bool cacheable = reads != nullptr && !item.gt->blob.empty() && !item.pred->blob.empty();
  if (cacheable) {
    auto hit = reads->counts.find(key);
    if (hit != reads->counts.end()) return hit->second;
  }
  NUCLEUS_ASSIGN_OR_RETURN(eval::IndexImage gt_image, LoadMask(ctx, item.reference_id, *item.gt));
  NUCLEUS_ASSIGN_OR_RETURN(eval::IndexImage pred_image,
                           LoadMask(ctx, item.reference_id, *item.pred));
  const eval::SegMask gt{.image = &gt_image, .segments = item.gt->segments};
  const eval::SegMask pred{.image = &pred_image, .segments = item.pred->segments};
  auto counts = eval::SegmentationPixelCounts(gt, pred);
  if (!counts.ok()) {
    return InvalidArgument("item \"" + item.reference_id + "\": " + counts.status().message());
  }
  const auto cells = static_cast<int64_t>(counts->counts.cells.size());
  if (cacheable && reads->cells + cells <= SegmentationReads::kMaxCells) {
    reads->cells += cells;
    reads->counts.emplace(key, *counts);
  }
  return counts;
}

// The key of a segmentation_to_poly_* item's counts in SegmentationReads: the predicted mask's
// blob, the largest segment index and the shapes' geometry in order (labels do not count).
std::string ToPolyKey(const ItemMasks& item, int64_t max_index) {
  std::string key = "poly\n";
  key.append(item.pred->blob).append("\n").append(std::to_string(max_index)).append("\n");
  auto put = [&key](double v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (const eval::SegShape& s : item.shapes) {
    key.push_back(s.is_box ? 'b' : 'p');
    if (s.is_box) {
      for (double v : {s.x, s.y, s.width, s.height}) put(v);
    } else {
      put(static_cast<double>(s.ring.size()));
      for (const geometry::Point& p : s.ring) {
        put(p.x);
        put(p.y);
      }
    }
  }
  return key;
}

// segmentation_to_poly_*: the item's shapes rasterised into its predicted mask's shape, then
// `metric` (eval/segmentation_to_poly.h); weight 0 without a predicted mask, segments or shapes.
// The pixel counts are shared through `reads` as CountsOf does.
Result<eval::CiScalar> ToPolyItemResult(Context& ctx, eval::SegMetric metric,
                                        const eval::SegParams& params, const ItemMasks& item,
                                        SegmentationReads* reads) {
  if (!item.pred || item.pred->segments.empty() || item.shapes.empty()) return eval::CiScalar{};
  auto named = [&](const Status& s) {
    return InvalidArgument("item \"" + item.reference_id + "\": " + s.message());
  };
  const std::vector<eval::SegSegment> gt_segments = eval::GroundTruthSegments(item.shapes);
  int64_t max_index = static_cast<int64_t>(gt_segments.size());
  for (const eval::SegSegment& s : item.pred->segments) max_index = std::max(max_index, s.index);
  const bool cacheable = reads != nullptr && !item.pred->blob.empty();
  const std::string key = cacheable ? ToPolyKey(item, max_index) : std::string();
  if (cacheable) {
    auto hit = reads->counts.find(key);
    if (hit != reads->counts.end()) {
      return eval::SegmentationResultFromCounts(metric, params, hit->second, gt_segments,
                                                item.pred->segments);
    }
  }
  NUCLEUS_ASSIGN_OR_RETURN(eval::IndexImage pred_image,
                           LoadMask(ctx, item.reference_id, *item.pred));
  auto gt = eval::RasterizeGroundTruthShapes(item.shapes, pred_image.width, pred_image.height);
  if (!gt.ok()) return named(gt.status());
  const eval::SegMask gt_mask{.image = &gt->image, .segments = gt_segments};
  const eval::SegMask pred{.image = &pred_image, .segments = item.pred->segments};
  auto counts = eval::SegmentationPixelCounts(gt_mask, pred);
  if (!counts.ok()) return named(counts.status());
  const auto cells = static_cast<int64_t>(counts->counts.cells.size());
  if (cacheable && reads->cells + cells <= SegmentationReads::kMaxCells) {
    reads->cells += cells;
    reads->counts.emplace(key, *counts);
  }
  return eval::SegmentationResultFromCounts(metric, params, *counts, gt_segments,
                                            item.pred->segments);
}

// The item's result: weight 0 without a mask or segments on either side, as the client.
Result<eval::CiScalar> ItemResult(Context& ctx, eval::SegMetric metric,
                                  const eval::SegParams& params, const ItemMasks& item,
                                  SegmentationReads* reads) {
  if (!item.gt || !item.pred || item.gt->segments.empty() || item.pred->segments.empty()) {
    return eval::CiScalar{};
  }
  NUCLEUS_ASSIGN_OR_RETURN(eval::SegPixelCounts counts, CountsOf(ctx, item, reads));
  return eval::SegmentationResultFromCounts(metric, params, counts, item.gt->segments,
                                            item.pred->segments);
}

}  // namespace

bool IsSegmentationFunction(std::string_view eval_function_id) {
  return SegFunctionOf(eval_function_id).has_value();
}

Result<std::vector<core::ItemEvaluation>> EvaluateSegmentation(
    Context& ctx, core::ScenarioTestEvaluation* e, const core::EvalArguments& args,
    const core::ObjectFieldReader& fields, SegmentationReads* reads) {
  std::optional<SegFunction> fn = SegFunctionOf(e->eval_function_id);
  if (!fn) return InvalidArgument("not a seg_* function: " + e->eval_function_id);
  std::vector<ItemMasks> items;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) {
    return ReadItemMasks(tx, *e, fields, fn->to_poly, args.annotation_filters, &items);
  }));
  for (ItemMasks& item : items) {
    if (!fn->to_poly) {
      NUCLEUS_RETURN_IF_ERROR(
          FilterMask(args.annotation_filters, fields, item.reference_id, &item.gt));
    }
    NUCLEUS_RETURN_IF_ERROR(
        FilterMask(args.prediction_filters, fields, item.reference_id, &item.pred));
  }
  // segmentation_to_poly_*'s inner seg_* metric has no filters of its own (the client builds
  // it with None): its matrix is not masked.
  const eval::SegParams params{.iou_threshold = args.iou_threshold,
                               .iou_thresholds = args.iou_thresholds,
                               .filtered_gt = !fn->to_poly && !args.annotation_filters.empty(),
                               .filtered_pred = !fn->to_poly && !args.prediction_filters.empty()};
  std::vector<eval::CiScalar> results;
  std::vector<core::ItemEvaluation> out;
  for (const ItemMasks& item : items) {
    NUCLEUS_ASSIGN_OR_RETURN(eval::CiScalar r,
                             fn->to_poly ? ToPolyItemResult(ctx, fn->metric, params, item, reads)
                                         : ItemResult(ctx, fn->metric, params, item, reads));
    results.push_back(r);
    std::optional<double> value;
    if (r.weight != 0) value = r.value;
    const bool pass = !value || core::PassesThreshold(value, e->threshold, e->threshold_comparison);
    out.push_back({item.item_id, value, pass});
  }
  const eval::CiScalar total = eval::AggregateScalars(results);
  e->result = total.weight != 0 ? std::optional<double>(total.value) : std::nullopt;
  e->pass = core::PassesThreshold(e->result, e->threshold, e->threshold_comparison);
  e->status = "completed";
  return out;
}

}  // namespace nucleus::api
