// Routes of model_runs.md that are about the run itself: create, info, commit, delete. The
// prediction routes of runs are in routes_predictions.cc.
#include "api/model_runs.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/model_runs.h"

namespace nucleus::server {

namespace {

void CreateModelRun(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewModelRun(req.body);
  if (AnsweredError(input, res)) return;
  auto run = api::CreateModelRun(ctx, req.owner, req.Param("ds"), std::move(*input));
  if (AnsweredError(run, res)) return;
  res.Json(wire::EncodeModelRunCreated(*run));
}

void GetModelRunInfo(api::Context& ctx, Request& req, Response& res) {
  auto run = api::GetModelRun(ctx, req.owner, req.Param("run"));
  if (AnsweredError(run, res)) return;
  res.Json(wire::EncodeModelRunInfo(*run));
}

void CommitModelRun(api::Context& ctx, Request& req, Response& res) {
  auto options = wire::DecodeCommitRequest(req.body, req.method);
  if (AnsweredError(options, res)) return;
  auto job = api::SubmitCommit(ctx, req.owner, req.Param("run"), *options);
  if (AnsweredError(job, res)) return;
  res.Json(wire::EncodeCommitSubmitted(req.Param("run"), *job));
}

void DeleteModelRun(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteModelRun(ctx, req.owner, req.Param("run")), res)) return;
  res.Json("{}");
}

constexpr RouteRow kModelRunRoutes[] = {
    {"POST", "dataset/:ds/modelRun/create", CreateModelRun},
    {"GET", "modelRun/:run/info", GetModelRunInfo},
    {"POST", "modelRun/:run/commit", CommitModelRun},
    {"DELETE", "modelRun/:run", DeleteModelRun},
};

}  // namespace

void RegisterModelRunRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kModelRunRoutes);
}

}  // namespace nucleus::server
