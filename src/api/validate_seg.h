// The seg_* Model CI functions (docs/api/validate.md §8.5): the masks of a scenario test's
// items, read from the blob store and decoded, and their per-item metrics. Called by
// RunScenarioTestEvaluation (api/validate_eval.h), which stores what this returns.
// Thread-safe (no shared state).
#pragma once

#include <string_view>
#include <vector>

#include "api/context.h"
#include "core/validate.h"
#include "nucleus/result.h"

namespace nucleus::api {

// Whether `eval_function_id` is a seg_* function this server computes ("ef_seg_iou", ...).
bool IsSegmentationFunction(std::string_view eval_function_id);

// Computes seg_* evaluation `e` over its test's slice: for each item, the ground-truth mask and
// the mask of the model's latest run on the slice's dataset (both decoded from the bytes the
// server stored at upload), then the item's value and weight and their aggregate (§8.1). Fills
// e->result, e->pass and e->status ("completed") and returns the item results (an item without
// a value: null, passing). InvalidArgument (the caller marks the evaluation errored) naming the
// item when a mask is not one this server holds (a remote URL: it never downloads), cannot be
// decoded, or the two masks differ in size; or when the function has filters (not applied to
// masks yet).
Result<std::vector<core::ItemEvaluation>> EvaluateSegmentation(
    Context& ctx, core::ScenarioTestEvaluation* e, const core::EvalArguments& args,
    const core::ObjectFieldReader& fields);

}  // namespace nucleus::api
