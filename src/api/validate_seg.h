// The seg_* and segmentation_to_poly_* Model CI functions (docs/api/validate.md §8.5): the masks
// of a scenario test's items, read from the blob store and decoded (segmentation_to_poly_*: the
// ground truth is the item's polygons and boxes rasterised instead), and their per-item metrics.
// Called by RunScenarioTestEvaluation (api/validate_eval.h), which stores what this returns.
// Thread-safe (no shared state).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "core/validate.h"
#include "eval/segmentation_metrics.h"
#include "nucleus/result.h"

namespace nucleus::api {

// Whether `eval_function_id` is a seg_* or segmentation_to_poly_* function ("ef_seg_iou",
// "ef_segmentation_to_poly_map", ...).
bool IsSegmentationFunction(std::string_view eval_function_id);

// What the seg_* evaluations of one job share (kept in EvaluationReads): each item's pixel
// counts, keyed by its two stored masks and the largest segment index, so that the functions of
// a test decode an item's masks once. At most kMaxCells matrix cells in all (8 bytes each);
// beyond that, counts are computed again. Not thread-safe: one per job run.
struct SegmentationReads {
  static constexpr int64_t kMaxCells = int64_t{8} << 20;
  std::map<std::string, eval::SegPixelCounts> counts;
  int64_t cells = 0;
};

// Computes seg_* evaluation `e` over its test's slice: for each item, the ground-truth mask and
// the mask of the model's latest run on the slice's dataset (both decoded from the bytes the
// server stored at upload), then the item's value and weight and their aggregate (§8.1).
// segmentation_to_poly_*: the item's ground-truth polygons and boxes (in upload order)
// rasterised into the predicted mask's shape take the ground-truth mask's place
// (eval/segmentation_to_poly.h); its counts are shared in `reads` too. Fills
// e->result, e->pass and e->status ("completed") and returns the item results (an item without
// a value: null, passing). InvalidArgument (the caller marks the evaluation errored) naming the
// item when a mask is not one this server holds (a remote URL: it never downloads), cannot be
// decoded, or the two masks differ in size, or a filter cannot be applied. Filters apply as
// the client's (§8.5): annotation_filters / prediction_filters drop a mask object or its
// segments (api/validate_filters.h) and, for seg_*, mask the confusion matrix.
// `reads` (may be null) shares the items' pixel counts across the evaluations of a job.
Result<std::vector<core::ItemEvaluation>> EvaluateSegmentation(
    Context& ctx, core::ScenarioTestEvaluation* e, const core::EvalArguments& args,
    const core::ObjectFieldReader& fields, SegmentationReads* reads);

}  // namespace nucleus::api
