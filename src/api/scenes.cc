#include "api/scenes.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "api/uploads.h"
#include "core/ids.h"
#include "store/datasets.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::api {
namespace {

// At most this many error strings go into a job's `message`; job/{id}/errors has them all.
constexpr size_t kMaxMessageErrors = 100;

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

void FillItem(const wire::SceneItemInput& in, store::Item* item) {
  item->reference_id = in.reference_id;
  item->image_url = in.is_pointcloud ? "" : in.url;
  item->pointcloud_url = in.is_pointcloud ? in.url : "";
  item->metadata_json = in.metadata_json;
  item->extra_json = in.extra_json;
}

void FillScene(const wire::SceneInput& in, store::Scene* scene) {
  scene->kind = std::string(wire::SceneKindName(in.kind));
  scene->frame_rate = in.frame_rate;
  scene->video_url = in.video_url;
  scene->upload_to_scale = in.kind == wire::SceneKind::kVideo ? in.upload_to_scale : true;
  scene->metadata_json = in.metadata_json;
}

using Layout = std::vector<std::tuple<int64_t, std::string, std::string>>;  // frame, sensor, ref

Layout LayoutOf(const wire::SceneInput& in) {
  Layout out;
  for (size_t f = 0; f < in.frames.size(); ++f) {
    for (const wire::SceneItemInput& item : in.frames[f].items) {
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

void RecordError(SceneUploadCounts* counts, std::string error) {
  ++counts->scenes_errored;
  counts->errors.push_back(std::move(error));
}

// Replaces an existing scene's fields and frame items, if the structure is unchanged.
Status UpdateExistingScene(store::Tx& tx, const std::string& dataset_id, store::Scene scene,
                           const wire::SceneInput& in, SceneUploadCounts* counts) {
  std::string kind(wire::SceneKindName(in.kind));
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
  for (const wire::SceneFrameInput& frame : in.frames) {
    for (const wire::SceneItemInput& in_item : frame.items) {
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
Status InsertNewScene(store::Tx& tx, const std::string& dataset_id, const wire::SceneInput& in,
                      SceneUploadCounts* counts) {
  // Validate everything before the first write, so an invalid scene leaves nothing behind.
  for (const wire::SceneFrameInput& frame : in.frames) {
    for (const wire::SceneItemInput& item : frame.items) {
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
    for (const wire::SceneItemInput& in_item : in.frames[f].items) {
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
Status ApplyScene(store::Tx& tx, const std::string& dataset_id, const wire::SceneInput& in,
                  bool update, SceneUploadCounts* counts) {
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

std::string ProgressMessage(const SceneUploadCounts& counts) {
  wire::JsonWriter w;
  w.BeginObject().Key("scene_upload_progress").BeginObject();
  w.Key("errors").BeginArray();
  for (size_t i = 0; i < counts.errors.size() && i < kMaxMessageErrors; ++i) {
    w.String(counts.errors[i]);
  }
  w.EndArray();
  w.Key("dataset_id").String(counts.dataset_id);
  w.Key("new_scenes").Int(counts.new_scenes);
  w.Key("ignored_scenes").Int(counts.ignored_scenes);
  w.Key("scenes_errored").Int(counts.scenes_errored);
  w.Key("updated_scenes").Int(counts.updated_scenes);
  return w.EndObject().EndObject().Take();
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

Status RunSceneUploadJob(JobRun& run, wire::SceneKind kind) {
  Context& ctx = run.ctx();
  const store::Job& job = run.job();
  wire::JsonDoc request_doc;
  NUCLEUS_RETURN_IF_ERROR(request_doc.Parse(job.request_json, "job request"));
  wire::JsonObject request;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(request_doc.root(), "job request", &request));
  std::string blob;
  bool update = false;
  NUCLEUS_RETURN_IF_ERROR(wire::GetString(request, "blob", "job request", &blob));
  NUCLEUS_RETURN_IF_ERROR(wire::OptBool(request, "update", "job request", &update));
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) {
    return SceneDataset(tx, job.owner, job.dataset_id).status();
  }));

  // Lidar jobs report one step; video jobs one step per scene (scenes.md §2.5).
  int64_t total = 1;
  if (kind == wire::SceneKind::kVideo) {
    total = 0;
    NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) {
      if (!IsBlank(line)) ++total;
      return Status::Ok();
    }));
  }
  SceneUploadCounts counts;
  counts.dataset_id = job.dataset_id;
  run.SetMessage(ProgressMessage(counts));
  NUCLEUS_RETURN_IF_ERROR(run.Progress(0, std::max<int64_t>(total, 1)));

  int64_t index = 0;
  Status read = ctx.blobs.ForEachLine(blob, [&](std::string_view line) -> Status {
    if (IsBlank(line)) return Status::Ok();
    size_t this_index = static_cast<size_t>(index++);
    wire::JsonDoc doc;
    wire::SceneInput scene;
    Status parsed = doc.Parse(line, "scene " + std::to_string(this_index));
    if (parsed.ok()) parsed = wire::ParseScene(doc.root(), kind, this_index, &scene);
    if (!parsed.ok()) {
      RecordError(&counts, parsed.message());
    } else {
      // One transaction per scene: a failed scene leaves nothing, the others stay.
      SceneUploadCounts delta;
      NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) {
        delta = SceneUploadCounts{};
        return ApplyScene(tx, job.dataset_id, scene, update, &delta);
      }));
      counts.new_scenes += delta.new_scenes;
      counts.ignored_scenes += delta.ignored_scenes;
      counts.updated_scenes += delta.updated_scenes;
      counts.scenes_errored += delta.scenes_errored;
      for (std::string& e : delta.errors) counts.errors.push_back(std::move(e));
    }
    if (kind == wire::SceneKind::kVideo) {
      run.SetMessage(ProgressMessage(counts));
      return run.Progress(index, std::max<int64_t>(total, index));
    }
    return Status::Ok();
  });
  NUCLEUS_RETURN_IF_ERROR(read);
  NUCLEUS_RETURN_IF_ERROR(run.AddErrors(counts.errors));
  run.SetMessage(ProgressMessage(counts));
  return run.Progress(std::max<int64_t>(total, index), std::max<int64_t>(total, index));
}

Status LoadView(store::Tx& tx, const std::string& dataset_id, store::Scene scene,
                SceneView* view) {
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
    view->items.push_back(SceneFrameItem{std::move(*item), f.frame_index, std::move(f.sensor)});
  }
  view->num_sensors = static_cast<int64_t>(sensors.size());
  return Status::Ok();
}

}  // namespace

Result<SceneUploadCounts> UploadScenes(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, const SceneBatch& batch,
                                       bool update) {
  SceneUploadCounts counts;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = SceneUploadCounts{};
    counts.dataset_id = dataset_id;
    NUCLEUS_RETURN_IF_ERROR(SceneDataset(tx, owner, dataset_id).status());
    for (const std::string& e : batch.parse_errors) RecordError(&counts, e);
    for (const wire::SceneInput& scene : batch.scenes) {
      NUCLEUS_RETURN_IF_ERROR(ApplyScene(tx, dataset_id, scene, update, &counts));
    }
    return Status::Ok();
  }));
  return counts;
}

Result<store::Job> SubmitSceneUpload(Context& ctx, const std::string& owner,
                                     const std::string& dataset_id, wire::SceneKind kind,
                                     const std::string& request_id, bool update) {
  if (ctx.jobs == nullptr) return Internal("no job service in this process");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) {
    return SceneDataset(tx, owner, dataset_id).status();
  }));
  NUCLEUS_ASSIGN_OR_RETURN(std::string blob, UploadedPayload(ctx, owner, dataset_id, request_id));
  wire::JsonWriter w;
  w.BeginObject().Key("blob").String(blob).Key("request_id").String(request_id);
  w.Key("update").Bool(update).EndObject();
  return ctx.jobs->Submit(owner, dataset_id,
                          kind == wire::SceneKind::kLidar ? kLidarSceneJobType : kVideoSceneJobType,
                          w.Take());
}

Status RunLidarSceneUploadJob(JobRun& run) { return RunSceneUploadJob(run, wire::SceneKind::kLidar); }
Status RunVideoSceneUploadJob(JobRun& run) { return RunSceneUploadJob(run, wire::SceneKind::kVideo); }

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

Result<SceneView> GetScene(Context& ctx, const std::string& owner, const std::string& dataset_id,
                           const std::string& reference_id) {
  SceneView view;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindByRef(dataset_id, reference_id));
    if (!scene) return SceneNotFound(reference_id, dataset_id);
    return LoadView(tx, dataset_id, std::move(*scene), &view);
  }));
  return view;
}

Result<SceneView> GetSceneOfItem(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id,
                                 const std::string& item_reference_id) {
  SceneView view;
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

Result<SceneMetadataCounts> UpdateSceneMetadataInTx(
    store::Tx& tx, const std::string& dataset_id,
    const std::vector<core::MetadataUpdateInput>& updates) {
  SceneMetadataCounts counts;
  counts.dataset_id = dataset_id;
  for (const core::MetadataUpdateInput& u : updates) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindByRef(dataset_id, u.reference_id));
    if (!scene) {
      ++counts.ignored_scenes;
      counts.unknown_reference_ids.push_back(u.reference_id);
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string merged,
                             wire::MergeJsonObjects(scene->metadata_json, u.metadata_json));
    NUCLEUS_RETURN_IF_ERROR(tx.scenes().UpdateMetadata(scene->rowid, merged));
    ++counts.updated_scenes;
  }
  return counts;
}

Result<SceneMetadataCounts> UpdateSceneMetadata(Context& ctx, const std::string& owner,
                                                const std::string& dataset_id,
                                                const std::vector<core::MetadataUpdateInput>& updates) {
  SceneMetadataCounts counts;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(counts, UpdateSceneMetadataInTx(tx, dataset_id, updates));
    return Status::Ok();
  }));
  return counts;
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
