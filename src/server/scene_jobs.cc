// The async scene uploads (scenes.md §2.2): the NDJSON payload of a signed-URL upload, one scene
// per line, decoded with wire/scenes.h and applied one scene per transaction through api/scenes.h.
#include <algorithm>

#include "api/scenes.h"
#include "server/job_handlers.h"
#include "wire/scenes.h"

namespace nucleus::server {
namespace {

// At most this many error strings go into a job's `message`; job/{id}/errors has them all.
constexpr size_t kMaxMessageErrors = 100;

// {"scene_upload_progress": {"errors": [...], "dataset_id", "new_scenes", "ignored_scenes",
//  "scenes_errored", "updated_scenes"}}
core::JobMessage SceneProgress(const core::SceneUploadCounts& counts) {
  const size_t shown = std::min(counts.errors.size(), kMaxMessageErrors);
  core::JobMessage message;
  message.Object("scene_upload_progress")
      .Strings("errors",
               std::vector<std::string>(counts.errors.begin(),
                                        counts.errors.begin() + static_cast<std::ptrdiff_t>(shown)))
      .String("dataset_id", counts.dataset_id)
      .Int("new_scenes", counts.new_scenes)
      .Int("ignored_scenes", counts.ignored_scenes)
      .Int("scenes_errored", counts.scenes_errored)
      .Int("updated_scenes", counts.updated_scenes);
  return message;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

void Add(core::SceneUploadCounts delta, core::SceneUploadCounts* counts) {
  counts->new_scenes += delta.new_scenes;
  counts->ignored_scenes += delta.ignored_scenes;
  counts->updated_scenes += delta.updated_scenes;
  counts->scenes_errored += delta.scenes_errored;
  for (std::string& e : delta.errors) counts->errors.push_back(std::move(e));
}

// Lidar jobs report one step; video jobs one step per scene (scenes.md §2.5). The job completes
// with per-scene errors unless the payload itself is unreadable.
Status RunSceneUploadJob(api::JobRun& run, core::SceneKind kind) {
  api::Context& ctx = run.ctx();
  const std::string& payload = run.request().payload;
  NUCLEUS_RETURN_IF_ERROR(api::CheckSceneUploadTarget(run));
  int64_t total = 1;
  if (kind == core::SceneKind::kVideo) {
    total = 0;
    NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) {
      if (!IsBlank(line)) ++total;
      return Status::Ok();
    }));
  }
  core::SceneUploadCounts counts;
  counts.dataset_id = run.job().dataset_id;
  run.SetMessage(SceneProgress(counts));
  NUCLEUS_RETURN_IF_ERROR(run.Progress(0, std::max<int64_t>(total, 1)));

  int64_t index = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(payload, [&](std::string_view line) -> Status {
    if (IsBlank(line)) return Status::Ok();
    core::SceneInput scene;
    Status parsed = wire::DecodeSceneLine(line, kind, static_cast<size_t>(index++), &scene);
    if (parsed.ok()) {
      NUCLEUS_ASSIGN_OR_RETURN(core::SceneUploadCounts delta, api::ApplyUploadedScene(run, scene));
      Add(std::move(delta), &counts);
    } else {
      ++counts.scenes_errored;
      counts.errors.push_back(parsed.message());
    }
    if (kind != core::SceneKind::kVideo) return Status::Ok();
    run.SetMessage(SceneProgress(counts));
    return run.Progress(index, std::max<int64_t>(total, index));
  }));
  NUCLEUS_RETURN_IF_ERROR(run.AddErrors(counts.errors));
  run.SetMessage(SceneProgress(counts));
  return run.Progress(std::max<int64_t>(total, index), std::max<int64_t>(total, index));
}

Status RunLidarSceneUploadJob(api::JobRun& run) {
  return RunSceneUploadJob(run, core::SceneKind::kLidar);
}

Status RunVideoSceneUploadJob(api::JobRun& run) {
  return RunSceneUploadJob(run, core::SceneKind::kVideo);
}

}  // namespace

void RegisterSceneJobs(api::JobService& jobs) {
  jobs.Register(api::kLidarSceneJobType, RunLidarSceneUploadJob);
  jobs.Register(api::kVideoSceneJobType, RunVideoSceneUploadJob);
}

}  // namespace nucleus::server
