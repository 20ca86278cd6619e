#include "wire/dashboard.h"

#include <charconv>

#include "wire/evaluations.h"
#include "wire/json_writer.h"

namespace nucleus::wire {

Result<core::DashboardEvaluationQuery> DecodeDashboardEvaluationQuery(
    const std::optional<std::string>& iou_threshold,
    const std::optional<std::string>& min_confidence) {
  NUCLEUS_ASSIGN_OR_RETURN(core::ChartsQuery charts,
                           DecodeChartsQuery(iou_threshold, "", std::nullopt));
  core::DashboardEvaluationQuery q;
  q.iou_threshold = charts.iou_threshold;
  if (min_confidence) {
    const std::string& text = *min_confidence;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q.min_confidence);
    if (ec != std::errc() || end != text.data() + text.size() || !(q.min_confidence >= 0) ||
        q.min_confidence > 1) {
      std::string message = "query parameter \"minConfidence\" must be a number in [0, 1], got \"";
      message.append(text).append("\"");
      return InvalidArgument(std::move(message));
    }
  }
  return q;
}

namespace {

// An integer >= `min` from a query parameter's text; InvalidArgument naming it otherwise.
Status ParseQueryInt(const char* name, const std::string& text, int64_t min, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec == std::errc() && end == text.data() + text.size() && *out >= min) return Status::Ok();
  std::string message = "query parameter \"";
  message.append(name).append("\" must be an integer >= ").append(std::to_string(min));
  message.append(", got \"").append(text).append("\"");
  return InvalidArgument(std::move(message));
}

}  // namespace

Result<core::DashboardItemsQuery> DecodeDashboardItemsQuery(
    const std::optional<std::string>& index, const std::optional<std::string>& page_size) {
  if (!index) return InvalidArgument("query parameter \"index\" is required");
  core::DashboardItemsQuery q;
  NUCLEUS_RETURN_IF_ERROR(ParseQueryInt("index", *index, 0, &q.index));
  if (page_size) NUCLEUS_RETURN_IF_ERROR(ParseQueryInt("pageSize", *page_size, 1, &q.page_size));
  return q;
}

std::string EncodeItemPosition(int64_t index) {
  JsonWriter w;
  w.BeginObject().Key("index").Int(index).EndObject();
  return w.Take();
}

std::string EncodeDashboardEvaluation(const core::DashboardEvaluation& summary) {
  JsonWriter w;
  w.BeginObject().Key("charts").Raw(EncodeCharts(summary.charts));
  w.Key("cocoSummary").BeginArray();
  for (const core::CocoStat& stat : summary.coco_summary) {
    w.BeginObject().Key("line").String(stat.line).Key("value");
    if (stat.value) {
      w.Double(*stat.value);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  const core::OperatingPoint& at = summary.at;
  w.EndArray().Key("operatingPoint").BeginObject();
  w.Key("minConfidence").Double(at.min_confidence).Key("tp").Int(at.tp).Key("fp").Int(at.fp);
  w.Key("fn").Int(at.fn).Key("precision").Double(at.precision).Key("recall").Double(at.recall);
  w.Key("f1").Double(at.f1).EndObject().EndObject();
  return w.Take();
}

}  // namespace nucleus::wire
