// The "uploadPredictions" job (model_runs.md §5): streams the NDJSON payload of a signed-URL
// upload, one prediction object per line, decoding lines with wire/predictions.h and writing
// them with api::PutPredictions one chunk at a time — what a sync upload does per request.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "api/item_caps.h"
#include "api/predictions.h"
#include "server/job_handlers.h"
#include "wire/predictions.h"

namespace nucleus::server {
namespace {

// Lines per transaction (and per progress step): the sync batch size, so a chunk costs what one
// sync request costs.
constexpr int64_t kChunkLines = 5000;

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Non-blank lines of the payload (the job's progress is counted in chunks of them).
Result<int64_t> CountLines(api::Context& ctx, const std::string& payload) {
  int64_t lines = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) {
    if (!IsBlank(line)) ++lines;
    return Status::Ok();
  }));
  return lines;
}

// One upload's state across its chunks. Each chunk commits with its job errors and the
// checkpoint (lines consumed and the tallies below) in one transaction, so a server that takes
// the job over (api/jobs.h) resumes after the last committed chunk: every line is written once.
class PredictionUpload {
 public:
  PredictionUpload(api::JobRun& run, int64_t total_steps)
      : run_(run),
        ctx_(run.ctx()),
        total_steps_(total_steps),
        per_item_(ctx_.limits.max_predictions_per_item, "predictions", "max_predictions_per_item") {
    const std::vector<int64_t>& c = run.resume_counters();
    if (run.resume_position() > 0 && c.size() == 5) {
      resume_ = run.resume_position();
      total_ = c[0];
      processed_ = c[1];
      ignored_ = c[2];
      errored_ = c[3];
      steps_ = c[4];
    }
  }

  // Decodes one line into the current chunk; writes the chunk when it is full.
  Status AddLine(std::string_view line) {
    if (IsBlank(line)) return Status::Ok();
    if (skipped_ < resume_) return Replay(line);
    const int64_t index = total_++;
    Result<core::ParsedAnnotation> parsed =
        wire::DecodePredictionLine(line, index, ctx_.limits, &doc_);
    if (parsed.ok()) {
      batch_.objects.push_back(std::move(parsed).value());
      lines_.emplace_back(line);
    } else {
      batch_.errors.push_back(wire::EncodeLineError(index + 1, parsed.status().message()));
    }
    if (static_cast<int64_t>(batch_.objects.size() + batch_.errors.size()) >= kChunkLines) {
      return Flush();
    }
    return Status::Ok();
  }

  // Writes the current chunk, its errors and the checkpoint (one transaction): one progress step.
  Status Flush() {
    if (batch_.objects.empty() && batch_.errors.empty()) return Status::Ok();
    const core::JobRequest& request = run_.request();
    core::PredictCounts counts;
    auto commit = [&](store::Tx& tx, const core::PredictCounts& written) -> Status {
      counts = written;
      // Parse failures are worded already; other entries quote the object's line.
      for (size_t i = 0; i < counts.errors.size(); ++i) {
        const int64_t object = counts.error_objects[i];
        if (object >= 0)
          counts.errors[i] = wire::EncodeObjectError(lines_[object], counts.errors[i]);
      }
      return run_.CommitChunk(tx, counts.errors, Checkpoint(counts));
    };
    NUCLEUS_RETURN_IF_ERROR(api::PutPredictions(ctx_, run_.job().owner, request.model_run_id,
                                                std::move(batch_), request.update, &per_item_,
                                                commit)
                                .status());
    batch_ = core::PredictionBatch{};
    lines_.clear();
    processed_ += counts.processed;
    ignored_ += counts.ignored;
    errored_ += counts.errored;
    ++steps_;
    return Status::Ok();
  }

  // {"prediction_upload": {"total", "errored", "ignored", "processed", "model_run_id"}}.
  core::JobMessage Message() const {
    core::JobMessage message;
    message.Object("prediction_upload")
        .Int("total", total_)
        .Int("errored", errored_)
        .Int("ignored", ignored_)
        .Int("processed", processed_)
        .String("model_run_id", run_.request().model_run_id);
    return message;
  }

 private:
  // A line an earlier run committed: only the per-item cap's count is rebuilt (the cap holds
  // across chunks, and across runs).
  Status Replay(std::string_view line) {
    Result<core::ParsedAnnotation> parsed =
        wire::DecodePredictionLine(line, skipped_++, ctx_.limits, &doc_);
    if (parsed.ok()) (void)per_item_.Admit(parsed->reference_id);
    return Status::Ok();
  }

  // Where the job stands once the current chunk (whose counts are `c`) is committed.
  api::JobChunk Checkpoint(const core::PredictCounts& c) const {
    const int64_t steps = steps_ + 1;
    return api::JobChunk{.position = total_,
                         .counters = {total_, processed_ + c.processed, ignored_ + c.ignored,
                                      errored_ + c.errored, steps},
                         .completed_steps = std::min(steps, total_steps_),
                         .total_steps = total_steps_};
  }

  api::JobRun& run_;
  api::Context& ctx_;
  const int64_t total_steps_;
  api::PerItemCounter per_item_;  // across chunks: an item cannot pass the cap over several
  wire::JsonDoc doc_;
  core::PredictionBatch batch_;
  std::vector<std::string> lines_;  // parallel to batch_.objects: each object's line as sent
  int64_t resume_ = 0;              // lines an earlier run of the job committed
  int64_t skipped_ = 0;             // of those, seen again by this run
  int64_t total_ = 0, processed_ = 0, ignored_ = 0, errored_ = 0, steps_ = 0;
};

// Per-object failures become job errors and the job still completes. Memory does not grow with
// the payload.
Status RunPredictionUploadJob(api::JobRun& run) {
  api::Context& ctx = run.ctx();
  const std::string& payload = run.request().payload;
  NUCLEUS_ASSIGN_OR_RETURN(int64_t lines, CountLines(ctx, payload));
  const int64_t total_steps = std::max<int64_t>(1, (lines + kChunkLines - 1) / kChunkLines);
  PredictionUpload upload(run, total_steps);
  if (run.resume_position() == 0) NUCLEUS_RETURN_IF_ERROR(run.Progress(0, total_steps));
  NUCLEUS_RETURN_IF_ERROR(
      ctx.blobs.ForEachLine(payload, [&](std::string_view line) { return upload.AddLine(line); }));
  NUCLEUS_RETURN_IF_ERROR(upload.Flush());
  run.SetMessage(upload.Message());
  return run.Progress(total_steps, total_steps);
}

}  // namespace

void RegisterPredictionUploadJob(api::JobService& jobs) {
  jobs.Register(api::kPredictionUploadJobType, RunPredictionUploadJob);
}

}  // namespace nucleus::server
