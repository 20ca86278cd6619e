// Bodies of the evaluation routes (evaluation.md): the object query over committed matches (§1)
// and Evaluations V2 (§2): create, read, charts, examples. Errors name the object and the field
// (`field "patch_mode" of queryObjectsPage request: ...`). Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/evaluations.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// POST dataset/{ds}/queryObjectsPage: {"query"?: "", "patch_mode"?, "model_run_id"?,
// "pageToken"?, "pageSize"?}
Result<core::ObjectsQuery> DecodeObjectsQuery(std::string_view body, std::string dataset_id);
// {"items": [stored object or match...], "nextPageToken": token or null}
std::string EncodeObjectsPage(const core::ObjectsPage& page);

// POST modelRun/{run}/evaluationsV2: {"name"?, "allowed_label_matches_id"?,
// "allowed_label_matches"?: [{"ground_truth_label" or "groundTruthLabel",
// "model_prediction_label" or "modelPredictionLabel"}]}; entries that are not objects or lack a
// label are skipped (evaluation.md §2.1).
Result<core::NewEvaluation> DecodeNewEvaluation(std::string_view body);
// {"evaluation_id", "status", "workflow_id"}
std::string EncodeEvaluationCreated(const core::Evaluation& evaluation);
// evaluation.md §2.1
std::string EncodeEvaluation(const core::Evaluation& evaluation);
std::string EncodeEvaluationList(const std::vector<core::Evaluation>& evaluations);

// GET evaluationsV2/{ev}/charts from its query parameters (absent: nullopt): "iouThreshold" in
// [0, 1], "query" (must be empty), "filters" (a JSON object, evaluation.md §2.6).
Result<core::ChartsQuery> DecodeChartsQuery(const std::optional<std::string>& iou_threshold,
                                            std::string_view query,
                                            const std::optional<std::string>& filters);
std::string EncodeCharts(const core::Charts& charts);

// POST evaluationsV2/{ev}/examples: {"match_type"?, "limit"?, "offset"?, "sort_by"?,
// "sort_order"?, "query"?: "", "filters"?}
Result<core::ExamplesQuery> DecodeExamplesQuery(std::string_view body);
// {"rows": [...], "total": n}; `evaluation_id` names the rows.
std::string EncodeExamplesPage(std::string_view evaluation_id, const core::ExamplesPage& page);

}  // namespace nucleus::wire
