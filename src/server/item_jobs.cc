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

// One "uploadDatasetItems" run across its chunks. Each chunk commits with the job's checkpoint
// (lines read and the counts so far), so a run that takes the job over skips the lines committed
// before and ends with the counts of an uninterrupted run.
class ItemUpload {
 public:
  ItemUpload(api::JobRun& run, int64_t total_steps) : run_(run), total_steps_(total_steps) {
    const std::vector<int64_t>& c = run.resume_counters();
    if (run.resume_position() > 0 && c.size() == 5) {
      resume_ = run.resume_position();
      counts_ = {
          .new_items = c[0], .updated_items = c[1], .ignored_items = c[2], .upload_errors = c[3]};
      done_ = c[4];
    }
  }

  bool resumed() const { return resume_ > 0; }
  const core::AppendCounts& counts() const { return counts_; }

  // One non-blank line of the payload: decoded into the chunk, which is applied when full.
  Status AddLine(std::string_view line) {
    if (skipped_ < resume_) {  // committed by an earlier run of the job
      ++skipped_;
      ++read_;
      return Status::Ok();
    }
    std::string error;
    auto item = wire::DecodeItemLine(doc_, line, "item " + std::to_string(read_++),
                                     run_.ctx().limits, &error);
    if (item) {
      chunk_.push_back(std::move(*item));
    } else {
      ++chunk_errors_;
      errors_.push_back(std::move(error));
    }
    return chunk_.size() + errors_.size() >= kJobChunk ? Flush() : Status::Ok();
  }

  // Applies the chunk (also an empty one when none was applied, so the job completes a step).
  Status Flush() {
    if (chunk_.empty() && errors_.empty() && done_ > 0) return Status::Ok();
    core::AppendCounts next;
    auto checkpoint = [&](const core::AppendCounts& applied) {
      next = counts_;
      next.new_items += applied.new_items;
      next.updated_items += applied.updated_items;
      next.ignored_items += applied.ignored_items;
      next.upload_errors += chunk_errors_;
      run_.SetMessage(UploadProgress(next));
      return api::JobChunk{.position = read_,
                           .counters = {next.new_items, next.updated_items, next.ignored_items,
                                        next.upload_errors, done_ + 1},
                           .completed_steps = std::min(done_ + 1, total_steps_),
                           .total_steps = total_steps_};
    };
    NUCLEUS_RETURN_IF_ERROR(
        api::AppendItemUploadChunk(run_, std::move(chunk_), errors_, checkpoint).status());
    counts_ = next;
    chunk_.clear();
    errors_.clear();
    chunk_errors_ = 0;
    ++done_;
    return Status::Ok();
  }

 private:
  api::JobRun& run_;
  const int64_t total_steps_;
  wire::JsonDoc doc_;
  core::AppendCounts counts_;
  std::vector<core::ItemInput> chunk_;
  std::vector<std::string> errors_;  // the chunk's lines that did not decode
  int64_t chunk_errors_ = 0;
  int64_t done_ = 0;     // chunks applied
  int64_t read_ = 0;     // non-blank lines read (and numbered in errors)
  int64_t resume_ = 0;   // lines an earlier run of the job committed
  int64_t skipped_ = 0;  // of those, seen again by this run
};

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
  ItemUpload upload(run, total);
  run.SetMessage(UploadProgress(upload.counts()));
  if (!upload.resumed()) NUCLEUS_RETURN_IF_ERROR(run.Progress(0, total));
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) -> Status {
    return IsBlank(line) ? Status::Ok() : upload.AddLine(line);
  }));
  NUCLEUS_RETURN_IF_ERROR(upload.Flush());
  run.SetMessage(UploadProgress(upload.counts()));
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
