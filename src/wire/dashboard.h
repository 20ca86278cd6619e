// JSON of the dashboard's read routes (docs/api/dashboard.md) <-> core/dashboard.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/dashboard.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// GET dashboard/evaluation/{ev} from its query parameters (absent: nullopt): "iouThreshold" as
// the charts route reads it, "minConfidence" a number in [0, 1] (default 0).
Result<core::DashboardEvaluationQuery> DecodeDashboardEvaluationQuery(
    const std::optional<std::string>& iou_threshold,
    const std::optional<std::string>& min_confidence);
// GET dashboard/dataset/{ds}/items from its query parameters: "index" (required) and "pageSize"
// (default 500), non-negative / positive integers; 400 naming the parameter otherwise.
Result<core::DashboardItemsQuery> DecodeDashboardItemsQuery(
    const std::optional<std::string>& index, const std::optional<std::string>& page_size);
// GET dashboard/dataset/{ds}/position/{di}: {"index": <0-based position>}.
std::string EncodeItemPosition(int64_t index);
// {"charts": <EncodeCharts>, "cocoSummary": [{"line", "value"}...], "operatingPoint":
// {"minConfidence", "tp", "fp", "fn", "precision", "recall", "f1"}}; a value of a summary line
// without data is null.
std::string EncodeDashboardEvaluation(const core::DashboardEvaluation& summary);

}  // namespace nucleus::wire
