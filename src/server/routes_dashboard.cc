// The dashboard's read routes (docs/api/dashboard.md), served under the API prefix on both ports.
#include <optional>
#include <string>

#include "api/dashboard.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/dashboard.h"

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

constexpr RouteRow kDashboardRoutes[] = {
    {"GET", "dashboard/evaluation/:ev", GetDashboardEvaluation},
};

}  // namespace

void RegisterDashboardRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kDashboardRoutes);
}

}  // namespace nucleus::server
