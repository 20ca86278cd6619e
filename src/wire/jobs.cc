#include "wire/jobs.h"

#include <algorithm>
#include <cstdio>

#include "core/clock.h"
#include "wire/bodies.h"
#include "wire/json_reader.h"

namespace nucleus::wire {

void WriteJobFields(JsonWriter& w, const core::Job& job, std::string_view status) {
  w.Key("job_id").String(job.id);
  w.Key("job_last_known_status").String(status);
  w.Key("job_type").String(job.type);
  w.Key("job_creation_time").String(core::FormatIso8601(core::FromUnixMillis(job.created_at_ms)));
}

void WriteJobObject(JsonWriter& w, const core::Job& job, std::string_view status) {
  w.BeginObject();
  WriteJobFields(w, job, status);
  w.EndObject();
}

std::string EncodeJobObject(const core::Job& job, std::string_view status) {
  JsonWriter w;
  WriteJobObject(w, job, status);
  return w.Take();
}

std::string EncodeJobSubmitted(const core::Job& job) { return EncodeJobObject(job, "Running"); }

std::string EncodeJobStatus(const core::JobView& view) {
  const core::Job& job = view.job;
  const bool done = view.visible_status == "Completed";
  const int64_t total = std::max<int64_t>(job.total_steps, done ? 1 : 0);
  const int64_t completed = done ? total : std::min(job.completed_steps, total);
  const double progress =
      total > 0 ? static_cast<double>(completed) / static_cast<double>(total) : 0;
  char progress_text[16];
  std::snprintf(progress_text, sizeof(progress_text), "%.2f", progress);
  JsonWriter w;
  w.BeginObject();
  w.Key("job_id").String(job.id);
  w.Key("status").String(view.visible_status);
  w.Key("message").Raw(job.message_json);
  w.Key("job_progress").String(progress_text);
  w.Key("completed_steps").Int(completed);
  w.Key("total_steps").Int(total);
  w.Key("job_type").String(job.type);
  w.Key("job_creation_time").String(core::FormatIso8601(core::FromUnixMillis(job.created_at_ms)));
  return w.EndObject().Take();
}

std::string EncodeJobList(const std::vector<core::JobView>& jobs) {
  JsonWriter w;
  w.BeginArray();
  for (const core::JobView& v : jobs) WriteJobObject(w, v.job, v.visible_status);
  return w.EndArray().Take();
}

std::string EncodeJobErrors(const std::vector<std::string>& errors) {
  JsonWriter w;
  WriteStringArray(w, errors);
  return w.Take();
}

Result<core::JobFilter> DecodeJobFilter(std::string_view body, std::string owner) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  core::JobFilter filter;
  filter.owner = std::move(owner);
  constexpr std::string_view kWhat = "job listing";
  std::optional<std::string> from, to;
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "dataset_id", kWhat, &filter.dataset_id));
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(obj, "job_types", kWhat, &filter.types));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "from_date", kWhat, &from));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "to_date", kWhat, &to));
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, "limit", kWhat, &filter.limit));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "show_completed", kWhat, &filter.show_completed));
  core::Timestamp t;
  if (from) {
    if (!core::ParseDateTime(*from, &t)) return FieldError(kWhat, "from_date", "is not a date");
    filter.from_ms = core::ToUnixMillis(t);
  }
  if (to) {
    if (!core::ParseDateTime(*to, &t)) return FieldError(kWhat, "to_date", "is not a date");
    // A bare date means the whole day (inclusive).
    filter.to_ms = core::ToUnixMillis(t) + (to->size() <= 10 ? 86'400'000 - 1 : 0);
  }
  return filter;
}

}  // namespace nucleus::wire
