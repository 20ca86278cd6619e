// The async jobs of the item area whose input is JSON: "uploadDatasetItems" (the NDJSON payload
// of a signed-URL append) and "metadataUpdate" (a metadata request sent with `?async=1`). Each
// decodes with wire/items.h and applies its chunks through api/items.h, as a route does for one
// request.
#include <algorithm>

#include "api/items.h"
#include "server/job_handlers.h"
#include "wire/items.h"

namespace nucleus::server {
namespace {

// Objects applied per transaction (and per progress step).
constexpr size_t kJobChunk = 1000;

int64_t Steps(int64_t objects) {
  return std::max<int64_t>(
      1, (objects + static_cast<int64_t>(kJobChunk) - 1) / static_cast<int64_t>(kJobChunk));
}

// {"upload_progress": {"new_items", "updated_items", "ignored_items", "upload_errors"}}
core::JobMessage UploadProgress(const core::AppendCounts& counts) {
  core::JobMessage message;
  message.Object("upload_progress")
      .Int("new_items", counts.new_items)
      .Int("updated_items", counts.updated_items)
      .Int("ignored_items", counts.ignored_items)
      .Int("upload_errors", counts.upload_errors);
  return message;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// The NDJSON payload (items.md §4), one chunk of lines per transaction; lines that do not decode
// become job errors in their chunk.
Status RunItemUploadJob(api::JobRun& run) {
  api::Context& ctx = run.ctx();
  const std::string& payload = run.request().payload;
  NUCLEUS_RETURN_IF_ERROR(api::CheckItemUploadTarget(run));
  int64_t lines = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) {
    if (!IsBlank(line)) ++lines;
    return Status::Ok();
  }));
  const int64_t total = Steps(lines);
  int64_t done = 0;
  core::AppendCounts counts;
  run.SetMessage(UploadProgress(counts));
  NUCLEUS_RETURN_IF_ERROR(run.Progress(0, total));

  std::vector<core::ItemInput> chunk;
  std::vector<std::string> errors;
  auto flush = [&]() -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(core::AppendCounts applied,
                             api::AppendItemUploadChunk(run, std::move(chunk), errors));
    counts.new_items += applied.new_items;
    counts.updated_items += applied.updated_items;
    counts.ignored_items += applied.ignored_items;
    chunk.clear();
    errors.clear();
    run.SetMessage(UploadProgress(counts));
    return run.Progress(std::min(++done, total), total);
  };
  wire::JsonDoc doc;
  int64_t read = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) -> Status {
    if (IsBlank(line)) return Status::Ok();
    std::string error;
    auto item =
        wire::DecodeItemLine(doc, line, "item " + std::to_string(read++), ctx.limits, &error);
    if (item) {
      chunk.push_back(std::move(*item));
    } else {
      ++counts.upload_errors;
      errors.push_back(std::move(error));
    }
    return chunk.size() + errors.size() >= kJobChunk ? flush() : Status::Ok();
  }));
  if (!chunk.empty() || !errors.empty() || done == 0) NUCLEUS_RETURN_IF_ERROR(flush());
  run.SetMessage(UploadProgress(counts));
  return Status::Ok();
}

// {"metadata_update": {"dataset_id", "level", "updated_items", "ignored_items"}}
core::JobMessage MetadataProgress(const std::string& dataset_id, const std::string& level,
                                  const core::MetadataOutcome& total) {
  core::JobMessage message;
  message.Object("metadata_update")
      .String("dataset_id", dataset_id)
      .String("level", level)
      .Int("updated_items", total.updated)
      .Int("ignored_items", total.ignored);
  return message;
}

// The request of POST dataset/{ds}/metadata?async=1 (JobRequest::body), one chunk of entries per
// transaction; entries that do not decode count as ignored and become job errors.
Status RunMetadataUpdateJob(api::JobRun& run) {
  NUCLEUS_ASSIGN_OR_RETURN(core::MetadataUpdateRequest request,
                           wire::DecodeMetadataUpdateJob(run.request().body, run.ctx().limits));
  const std::string& level = request.level;
  const int64_t steps = Steps(static_cast<int64_t>(request.parsed.size()));
  int64_t done = 0;
  core::MetadataOutcome total;
  std::vector<core::MetadataUpdateInput> entries;
  std::vector<std::string> errors;
  auto unknown = [&level](std::string_view ref) {
    return wire::EncodeUnknownReference(level, ref);
  };
  auto flush = [&]() -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(core::MetadataOutcome out,
                             api::UpdateMetadataChunk(run, level, entries, std::move(errors),
                                                      wire::MetadataMerger(), unknown));
    total.updated += out.updated;
    total.ignored += out.ignored;
    entries.clear();
    errors.clear();
    run.SetMessage(MetadataProgress(run.job().dataset_id, level, total));
    return run.Progress(std::min(++done, steps), steps);
  };
  size_t rejected = 0;
  for (std::optional<core::MetadataUpdateInput>& entry : request.parsed) {
    if (entry) {
      entries.push_back(std::move(*entry));
    } else {
      const core::RejectedObject& r = request.rejected[rejected++];
      ++total.ignored;
      errors.push_back(wire::EncodeJobItemError(r.json, r.error));
    }
    if (entries.size() + errors.size() >= kJobChunk) NUCLEUS_RETURN_IF_ERROR(flush());
  }
  if (!entries.empty() || !errors.empty() || done == 0) NUCLEUS_RETURN_IF_ERROR(flush());
  return Status::Ok();
}

}  // namespace

void RegisterItemJobs(api::JobService& jobs) {
  jobs.Register(api::kItemUploadJobType, RunItemUploadJob);
  jobs.Register(api::kMetadataUpdateJobType, RunMetadataUpdateJob);
}

}  // namespace nucleus::server
