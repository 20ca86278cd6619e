#include "api/scenes.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "api/uploads.h"
#include "core/ids.h"
#include "store/datasets.h"

namespace nucleus::api {
namespace {

// The caller's dataset, which must be a scene dataset.
Result<store::Dataset> SceneDataset(store::Tx& tx, const std::string& owner,
                                    const std::string& dataset_id) {
  NUCLEUS_ASSIGN_OR_RETURN(store::Dataset d, tx.datasets().Get(owner, dataset_id));
  if (!d.is_scene) return InvalidArgument("Dataset " + dataset_id + " is not a scene dataset");
  return d;
}

Status SceneNotFound(const std::string& ref, const std::string& dataset_id) {
  return NotFound("Scene " + ref + " not found in dataset " + dataset_id);
}

void FillItem(const core::SceneItemInput& in, store::Item* item) {
  item->reference_id = in.reference_id;
  item->image_url = in.is_pointcloud ? "" : in.url;
  item->pointcloud_url = in.is_pointcloud ? in.url : "";
  item->metadata_json = in.metadata_json;
  item->extra_json = in.extra_json;
}

void FillScene(const core::SceneInput& in, store::Scene* scene) {
  scene->kind = std::string(core::SceneKindName(in.kind));
  scene->frame_rate = in.frame_rate;
  scene->video_url = in.video_url;
  scene->upload_to_scale = in.kind == core::SceneKind::kVideo ? in.upload_to_scale : true;
  scene->metadata_json = in.metadata_json;
}

using Layout = std::vector<std::tuple<int64_t, std::string, std::string>>;  // frame, sensor, ref

Layout LayoutOf(const core::SceneInput& in) {
  Layout out;
  for (size_t f = 0; f < in.frames.size(); ++f) {
    for (const core::SceneItemInput& item : in.frames[f].items) {
      out.emplace_back(static_cast<int64_t>(f), item.sensor, item.reference_id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Layout LayoutOf(const std::vector<store::SceneFrame>& frames) {
  Layout out;
  for (const store::SceneFrame& f : frames) {
    out.emplace_back(f.frame_index, f.sensor, f.item_reference_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RecordError(core::SceneUploadCounts* counts, std::string error) {
  ++counts->scenes_errored;
  counts->errors.push_back(std::move(error));
}

// Replaces an existing scene's fields and frame items, if the structure is unchanged.
Status UpdateExistingScene(store::Tx& tx, const std::string& dataset_id, store::Scene scene,
                           const core::SceneInput& in, core::SceneUploadCounts* counts) {
  std::string kind(core::SceneKindName(in.kind));
  if (scene.kind != kind) {
    RecordError(counts, "Scene " + in.reference_id + ": is stored as a " + scene.kind +
                            " scene and cannot be updated as a " + kind + " scene");
    return Status::Ok();
  }
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SceneFrame> stored, tx.scenes().Frames(scene.rowid));
  if (LayoutOf(stored) != LayoutOf(in)) {
    RecordError(counts, "Scene " + in.reference_id +
                            ": update=true needs the same structure as the stored scene (frames, "
                            "sensor names and frame reference ids); nothing changed");
    return Status::Ok();
  }
  for (const core::SceneFrameInput& frame : in.frames) {
    for (const core::SceneItemInput& in_item : frame.items) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                               tx.items().FindByRef(dataset_id, in_item.reference_id));
      if (!item) return Internal("frame item " + in_item.reference_id + " of a scene is missing");
      FillItem(in_item, &*item);
      NUCLEUS_RETURN_IF_ERROR(tx.items().Replace(*item));
    }
  }
  FillScene(in, &scene);
  NUCLEUS_RETURN_IF_ERROR(tx.scenes().Update(scene));
  ++counts->updated_scenes;
  return Status::Ok();
}

// Creates a new scene with its frame items, unless a frame reference id is taken.
Status InsertNewScene(store::Tx& tx, const std::string& dataset_id, const core::SceneInput& in,
                      core::SceneUploadCounts* counts) {
  // Validate everything before the first write, so an invalid scene leaves nothing behind.
  for (const core::SceneFrameInput& frame : in.frames) {
    for (const core::SceneItemInput& item : frame.items) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> taken,
                               tx.items().FindByRef(dataset_id, item.reference_id));
      if (!taken) continue;
      std::string owner_text = "an item of the dataset";
      if (!taken->scene_id.empty()) {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> other,
                                 tx.scenes().FindById(dataset_id, taken->scene_id));
        if (other) owner_text = "scene " + other->reference_id;
      }
      RecordError(counts, "Scene " + in.reference_id + ": duplicate frame reference id " +
                              item.reference_id + " (already used in " + owner_text +
                              "; Duplicate frames found across different videos)");
      return Status::Ok();
    }
  }
  store::Scene scene;
  scene.id = core::NewId("scn");
  scene.dataset_id = dataset_id;
  scene.reference_id = in.reference_id;
  FillScene(in, &scene);
  NUCLEUS_RETURN_IF_ERROR(tx.scenes().Insert(&scene));
  std::vector<store::SceneFrame> layout;
  for (size_t f = 0; f < in.frames.size(); ++f) {
    int64_t position = 0;
    for (const core::SceneItemInput& in_item : in.frames[f].items) {
      store::Item item;
      item.id = core::NewId("di");
      item.dataset_id = dataset_id;
      item.scene_id = scene.id;
      FillItem(in_item, &item);
      NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
      store::SceneFrame sf;
      sf.item_rowid = item.rowid;
      sf.item_reference_id = item.reference_id;
      sf.frame_index = static_cast<int64_t>(f);
      sf.position = position++;
      sf.sensor = in_item.sensor;
      layout.push_back(std::move(sf));
    }
  }
  NUCLEUS_RETURN_IF_ERROR(tx.scenes().AddFrames(scene.rowid, layout));
  ++counts->new_scenes;
  return Status::Ok();
}

// Applies one parsed scene inside `tx`. Per-scene problems land in `counts`; a non-ok Status
// means the store failed.
Status ApplyScene(store::Tx& tx, const std::string& dataset_id, const core::SceneInput& in,
                  bool update, core::SceneUploadCounts* counts) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> existing,
                           tx.scenes().FindByRef(dataset_id, in.reference_id));
  if (existing) {
    if (!update) {
      ++counts->ignored_scenes;
      return Status::Ok();
    }
    return UpdateExistingScene(tx, dataset_id, std::move(*existing), in, counts);
  }
  return InsertNewScene(tx, dataset_id, in, counts);
}

Status LoadView(store::Tx& tx, const std::string& dataset_id, store::Scene scene,
                core::SceneView* view) {
  view->scene = std::move(scene);
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SceneFrame> frames,
                           tx.scenes().Frames(view->scene.rowid));
  std::set<std::string> sensors;
  int64_t last_frame = -1;
  for (store::SceneFrame& f : frames) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, f.item_reference_id));
    if (!item) continue;  // deleted on its own; the layout row goes with it
    if (f.frame_index != last_frame) {
      ++view->num_frames;
      last_frame = f.frame_index;
    }
    if (!f.sensor.empty()) sensors.insert(f.sensor);
    view->items.push_back(
        core::SceneFrameItem{std::move(*item), f.frame_index, std::move(f.sensor)});
  }
  view->num_sensors = static_cast<int64_t>(sensors.size());
  return Status::Ok();
}

}  // namespace

Result<core::SceneUploadCounts> UploadScenes(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const core::SceneBatch& batch, bool update) {
  core::SceneUploadCounts counts;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = core::SceneUploadCounts{};
    counts.dataset_id = dataset_id;
    NUCLEUS_RETURN_IF_ERROR(SceneDataset(tx, owner, dataset_id).status());
    for (const std::string& e : batch.parse_errors) RecordError(&counts, e);
    for (const core::SceneInput& scene : batch.scenes) {
      NUCLEUS_RETURN_IF_ERROR(ApplyScene(tx, dataset_id, scene, update, &counts));
    }
    return Status::Ok();
  }));
  return counts;
}

Result<store::Job> SubmitSceneUpload(Context& ctx, const std::string& owner,
                                     const std::string& dataset_id, core::SceneKind kind,
                                     const std::string& request_id, bool update) {
  if (ctx.jobs == nullptr) return Internal("no job service in this process");
  NUCLEUS_RETURN_IF_ERROR(
      ctx.store.Read([&](store::Tx& tx) { return SceneDataset(tx, owner, dataset_id).status(); }));
  core::JobRequest job;
  NUCLEUS_ASSIGN_OR_RETURN(job.payload, UploadedPayload(ctx, owner, dataset_id, request_id));
  job.request_id = request_id;
  job.update = update;
  return ctx.jobs->Submit(owner, dataset_id,
                          kind == core::SceneKind::kLidar ? kLidarSceneJobType : kVideoSceneJobType,
                          job);
}

Status CheckSceneUploadTarget(JobRun& run) {
  const store::Job& job = run.job();
  return run.ctx().store.Read(
      [&](store::Tx& tx) { return SceneDataset(tx, job.owner, job.dataset_id).status(); });
}

Result<core::SceneUploadCounts> ApplyUploadedScene(JobRun& run, const core::SceneInput& scene) {
  const store::Job& job = run.job();
  core::SceneUploadCounts delta;
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Write([&](store::Tx& tx) -> Status {
    delta = core::SceneUploadCounts{};
    NUCLEUS_RETURN_IF_ERROR(run.CheckLease(tx));  // a server that lost the job writes nothing
    return ApplyScene(tx, job.dataset_id, scene, run.request().update, &delta);
  }));
  return delta;
}

Result<std::vector<store::Scene>> ListScenes(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id) {
  std::vector<store::Scene> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.scenes().List(dataset_id));
    return Status::Ok();
  }));
  return out;
}

Result<core::SceneView> GetScene(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, const std::string& reference_id) {
  core::SceneView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindByRef(dataset_id, reference_id));
    if (!scene) return SceneNotFound(reference_id, dataset_id);
    return LoadView(tx, dataset_id, std::move(*scene), &view);
  }));
  return view;
}

Result<core::SceneView> GetSceneOfItem(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id,
                                       const std::string& item_reference_id) {
  core::SceneView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, item_reference_id));
    std::optional<store::Scene> scene;
    if (item && !item->scene_id.empty()) {
      NUCLEUS_ASSIGN_OR_RETURN(scene, tx.scenes().FindById(dataset_id, item->scene_id));
    }
    if (!scene) {
      return NotFound("No scene in dataset " + dataset_id + " holds an item with reference id " +
                      item_reference_id);
    }
    return LoadView(tx, dataset_id, std::move(*scene), &view);
  }));
  return view;
}

Status DeleteScene(Context& ctx, const std::string& owner, const std::string& dataset_id,
                   const std::string& reference_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindByRef(dataset_id, reference_id));
    if (!scene) return SceneNotFound(reference_id, dataset_id);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SceneFrame> frames,
                             tx.scenes().Frames(scene->rowid));
    for (const store::SceneFrame& f : frames) {
      NUCLEUS_RETURN_IF_ERROR(tx.items().Delete(f.item_rowid));
    }
    return tx.scenes().Delete(scene->rowid);
  });
}

Status UpdateSceneMetadataInTx(store::Tx& tx, const std::string& dataset_id,
                               const std::vector<core::MetadataUpdateInput>& updates,
                               const core::MetadataMerger& merger, core::MetadataOutcome* out) {
  for (const core::MetadataUpdateInput& u : updates) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindByRef(dataset_id, u.reference_id));
    if (!scene) {
      ++out->ignored;
      out->unknown_reference_ids.push_back(u.reference_id);
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string merged,
                             merger.MergeScene(scene->metadata_json, u.metadata_json));
    NUCLEUS_RETURN_IF_ERROR(tx.scenes().UpdateMetadata(scene->rowid, merged));
    ++out->updated;
  }
  return Status::Ok();
}

Result<std::optional<store::Scene>> FindSceneByRef(store::Tx& tx, const std::string& dataset_id,
                                                   std::string_view reference_id) {
  return tx.scenes().FindByRef(dataset_id, reference_id);
}

Result<store::PutOutcome> PutSceneCategory(store::Tx& tx, const store::Scene& scene,
                                           const SceneCategoryInput& input, bool update) {
  store::SceneCategory c;
  c.id = core::NewId(input.run_id.empty() ? "ann" : "pred");
  c.dataset_id = scene.dataset_id;
  c.scene_rowid = scene.rowid;
  c.run_id = input.run_id;
  c.taxonomy_key = input.taxonomy_name.value_or("");
  c.label = input.label;
  c.payload_json = input.payload_json;
  return tx.scenes().PutCategory(c, update);
}

Result<int64_t> DeleteSceneCategories(store::Tx& tx, const std::string& dataset_id,
                                      std::string_view scene_reference_id,
                                      const std::string& run_id) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                           tx.scenes().FindByRef(dataset_id, scene_reference_id));
  if (!scene) return int64_t{0};
  return tx.scenes().DeleteCategories(scene->rowid, run_id);
}

}  // namespace nucleus::api
