// Routes of jobs.md: status, info, errors, listing.
#include "api/jobs.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/jobs.h"

namespace nucleus::server {
namespace {

void GetJobStatus(api::Context& ctx, Request& req, Response& res) {
  auto view = api::JobService::ReadStatusOf(ctx, req.owner, req.Param("job"));
  if (AnsweredError(view, res)) return;
  res.Json(wire::EncodeJobStatus(*view));
}

void GetJobInfo(api::Context& ctx, Request& req, Response& res) {
  auto view = api::JobService::GetOf(ctx, req.owner, req.Param("job"));
  if (AnsweredError(view, res)) return;
  res.Json(wire::EncodeJobObject(view->job, view->visible_status));
}

void GetJobErrors(api::Context& ctx, Request& req, Response& res) {
  auto errors = api::JobErrors(ctx, req.owner, req.Param("job"));
  if (AnsweredError(errors, res)) return;
  res.Json(wire::EncodeJobErrors(*errors));
}

void ListJobs(api::Context& ctx, Request& req, Response& res) {
  auto filter = wire::DecodeJobFilter(req.body, req.owner);
  if (AnsweredError(filter, res)) return;
  auto jobs = api::ListJobs(ctx, *filter);
  if (AnsweredError(jobs, res)) return;
  res.Json(wire::EncodeJobList(*jobs));
}

constexpr RouteRow kJobRoutes[] = {
    {"GET", "job/:job", GetJobStatus},
    {"GET", "job/:job/info", GetJobInfo},
    {"GET", "job/:job/errors", GetJobErrors},
    {"POST", "jobs", ListJobs},
};

}  // namespace

void RegisterJobRoutes(Router& router, api::Context& ctx) { AddRoutes(router, ctx, kJobRoutes); }

}  // namespace nucleus::server
