// The dashboard's read routes (docs/api/dashboard.md), served under the API prefix on both ports.
#include <optional>
#include <string>

#include "api/dashboard.h"
#include "api/items.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/dashboard.h"
#include "wire/items.h"

namespace nucleus::server {
namespace {

std::optional<std::string> QueryParam(const Request& req, const char* name) {
  if (!req.HasQuery(name)) return std::nullopt;
  return req.Query(name);
}

void GetDashboardEvaluation(api::Context& ctx, Request& req, Response& res) {
  auto query = wire::DecodeDashboardEvaluationQuery(QueryParam(req, "iouThreshold"),
                                                    QueryParam(req, "minConfidence"));
  if (AnsweredError(query, res)) return;
  auto summary = api::DashboardEvaluationSummary(ctx, req.owner, req.Param("ev"), *query);
  if (AnsweredError(summary, res)) return;
  res.Json(wire::EncodeDashboardEvaluation(*summary));
}

// The grid's page from a position: a far jump reads one page, not every item up to it.
void GetDashboardItems(api::Context& ctx, Request& req, Response& res) {
  auto query =
      wire::DecodeDashboardItemsQuery(QueryParam(req, "index"), QueryParam(req, "pageSize"));
  if (AnsweredError(query, res)) return;
  auto page = api::ListItemsPageAt(ctx, req.owner, req.Param("ds"), query->index, query->page_size);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeItemPage(*page));
}

// Where an item opened by id (an example's) is, for its view's previous / next.
void GetDashboardItemPosition(api::Context& ctx, Request& req, Response& res) {
  auto index = api::GetItemIndex(ctx, req.owner, req.Param("ds"), req.Param("di"));
  if (AnsweredError(index, res)) return;
  res.Json(wire::EncodeItemPosition(*index));
}

constexpr RouteRow kDashboardRoutes[] = {
    {"GET", "dashboard/evaluation/:ev", GetDashboardEvaluation},
    {"GET", "dashboard/dataset/:ds/items", GetDashboardItems},
    {"GET", "dashboard/dataset/:ds/position/:di", GetDashboardItemPosition},
};

}  // namespace

void RegisterDashboardRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kDashboardRoutes);
}

}  // namespace nucleus::server
