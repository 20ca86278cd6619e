// Routes of jobs.md: status, info, errors, listing.
#include <cstdio>

#include "api/jobs.h"
#include "core/clock.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "store/jobs.h"

namespace nucleus::server {

void WriteJobObject(wire::JsonWriter& w, const store::Job& job, const std::string& status) {
  w.BeginObject();
  w.Key("job_id").String(job.id);
  w.Key("job_last_known_status").String(status);
  w.Key("job_type").String(job.type);
  w.Key("job_creation_time").String(core::FormatIso8601(core::FromUnixMillis(job.created_at_ms)));
  w.EndObject();
}

void RespondJobSubmitted(Response& res, const Result<store::Job>& job) {
  if (AnsweredError(job, res)) return;
  wire::JsonWriter w;
  WriteJobObject(w, *job, "Running");
  res.Json(w.Take());
}

void RegisterJobRoutes(Router& router, api::Context& ctx) {
  router.Add("GET", "job/:job", [&ctx](Request& req, Response& res) {
    auto view = api::JobService::ReadStatusOf(ctx, req.owner, req.Param("job"));
    if (AnsweredError(view, res)) return;
    const store::Job& job = view->job;
    bool done = view->visible_status == "Completed";
    int64_t total = std::max<int64_t>(job.total_steps, done ? 1 : 0);
    int64_t completed = done ? total : std::min(job.completed_steps, total);
    double progress = total > 0 ? static_cast<double>(completed) / static_cast<double>(total) : 0;
    char progress_text[16];
    std::snprintf(progress_text, sizeof(progress_text), "%.2f", progress);
    wire::JsonWriter w;
    w.BeginObject();
    w.Key("job_id").String(job.id);
    w.Key("status").String(view->visible_status);
    w.Key("message").Raw(job.message_json);
    w.Key("job_progress").String(progress_text);
    w.Key("completed_steps").Int(completed);
    w.Key("total_steps").Int(total);
    w.Key("job_type").String(job.type);
    w.Key("job_creation_time").String(core::FormatIso8601(core::FromUnixMillis(job.created_at_ms)));
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "job/:job/info", [&ctx](Request& req, Response& res) {
    auto view = api::JobService::GetOf(ctx, req.owner, req.Param("job"));
    if (AnsweredError(view, res)) return;
    wire::JsonWriter w;
    WriteJobObject(w, view->job, view->visible_status);
    res.Json(w.Take());
  });

  router.Add("GET", "job/:job/errors", [&ctx](Request& req, Response& res) {
    auto errors = api::JobErrors(ctx, req.owner, req.Param("job"));
    if (AnsweredError(errors, res)) return;
    wire::JsonWriter w;
    WriteStringArray(w, *errors);
    res.Json(w.Take());
  });

  router.Add("POST", "jobs", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    store::JobFilter filter;
    filter.owner = req.owner;
    const char* what = "job listing";
    std::optional<std::string> dataset_id, from, to;
    if (AnsweredError(wire::OptString(body, "dataset_id", what, &dataset_id), res)) return;
    filter.dataset_id = dataset_id;
    if (AnsweredError(ReadStringList(body, "job_types", what, &filter.types), res)) return;
    if (AnsweredError(wire::OptString(body, "from_date", what, &from), res)) return;
    if (AnsweredError(wire::OptString(body, "to_date", what, &to), res)) return;
    if (AnsweredError(wire::OptInt(body, "limit", what, &filter.limit), res)) return;
    if (AnsweredError(wire::OptBool(body, "show_completed", what, &filter.show_completed), res)) return;
    core::Timestamp t;
    if (from) {
      if (!core::ParseDateTime(*from, &t)) {
        return res.Error(wire::FieldError(what, "from_date", "is not a date"));
      }
      filter.from_ms = core::ToUnixMillis(t);
    }
    if (to) {
      if (!core::ParseDateTime(*to, &t)) {
        return res.Error(wire::FieldError(what, "to_date", "is not a date"));
      }
      // A bare date means the whole day (inclusive).
      filter.to_ms = core::ToUnixMillis(t) + (to->size() <= 10 ? 86'400'000 - 1 : 0);
    }
    auto jobs = api::ListJobs(ctx, filter);
    if (AnsweredError(jobs, res)) return;
    wire::JsonWriter w;
    w.BeginArray();
    for (const api::JobView& v : *jobs) WriteJobObject(w, v.job, v.visible_status);
    res.Json(w.EndArray().Take());
  });
}

}  // namespace nucleus::server
