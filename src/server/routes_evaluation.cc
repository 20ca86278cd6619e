// Routes of evaluation.md: the object query over committed matches (§1) and Evaluations V2 (§2).
#include <optional>

#include "api/evaluations.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/evaluations.h"

namespace nucleus::server {
namespace {

void QueryObjectsPage(api::Context& ctx, Request& req, Response& res) {
  auto query = wire::DecodeObjectsQuery(req.body, req.Param("ds"));
  if (AnsweredError(query, res)) return;
  auto page = api::QueryObjects(ctx, req.owner, *query);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeObjectsPage(*page));
}

void CreateEvaluation(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewEvaluation(req.body);
  if (AnsweredError(input, res)) return;
  auto e = api::CreateEvaluation(ctx, req.owner, req.Param("run"), std::move(*input));
  if (AnsweredError(e, res)) return;
  res.Json(wire::EncodeEvaluationCreated(*e));
}

void ListEvaluations(api::Context& ctx, Request& req, Response& res) {
  auto list = api::ListEvaluations(ctx, req.owner, req.Param("run"));
  if (AnsweredError(list, res)) return;
  res.Json(wire::EncodeEvaluationList(*list));
}

void GetEvaluation(api::Context& ctx, Request& req, Response& res) {
  auto e = api::GetEvaluation(ctx, req.owner, req.Param("ev"));
  if (AnsweredError(e, res)) return;
  res.Json(wire::EncodeEvaluation(*e));
}

void DeleteEvaluation(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteEvaluation(ctx, req.owner, req.Param("ev")), res)) return;
  res.Json("{}");
}

std::optional<std::string> QueryParam(const Request& req, const char* name) {
  if (!req.HasQuery(name)) return std::nullopt;
  return req.Query(name);
}

void GetEvaluationCharts(api::Context& ctx, Request& req, Response& res) {
  auto query = wire::DecodeChartsQuery(QueryParam(req, "iouThreshold"), req.Query("query"),
                                       QueryParam(req, "filters"));
  if (AnsweredError(query, res)) return;
  auto charts = api::EvaluationCharts(ctx, req.owner, req.Param("ev"), *query);
  if (AnsweredError(charts, res)) return;
  res.Json(wire::EncodeCharts(*charts));
}

void GetEvaluationExamples(api::Context& ctx, Request& req, Response& res) {
  auto query = wire::DecodeExamplesQuery(req.body);
  if (AnsweredError(query, res)) return;
  const std::string& id = req.Param("ev");
  auto page = api::EvaluationExamples(ctx, req.owner, id, *query);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeExamplesPage(id, *page));
}

constexpr RouteRow kEvaluationRoutes[] = {
    {"POST", "dataset/:ds/queryObjectsPage", QueryObjectsPage},
    {"POST", "modelRun/:run/evaluationsV2", CreateEvaluation},
    {"GET", "modelRun/:run/evaluationsV2", ListEvaluations},
    {"GET", "evaluationsV2/:ev", GetEvaluation},
    {"DELETE", "evaluationsV2/:ev", DeleteEvaluation},
    {"GET", "evaluationsV2/:ev/charts", GetEvaluationCharts},
    {"POST", "evaluationsV2/:ev/examples", GetEvaluationExamples},
};

}  // namespace

void RegisterEvaluationRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kEvaluationRoutes);
}

}  // namespace nucleus::server
