// Scene use cases (scenes.md): upload lidar and video scenes (sync, and async through a
// signed-URL payload read by a job), list, get, delete, scene-level metadata merges, and the scene
// side of scene categories. Every call is scoped to `owner`: another owner's dataset is NotFound.
//
// Upload semantics (§2.4), per scene and independent of the other scenes of the upload:
//   new reference id                      -> scene and its frame items created   (new_scenes)
//   existing, update=false                -> nothing changes                     (ignored_scenes)
//   existing, update=true, same structure -> scene fields and frame items replaced (updated_scenes)
//   existing, update=true, new structure  -> nothing changes, error recorded      (scenes_errored)
//   invalid (wire/scenes.h, or a frame reference id that belongs to another scene or item)
//                                         -> nothing stored for it               (scenes_errored)
// Frame items are ordinary dataset items (`scene_id` set): scenes in upload order, frames by
// index, the items of a lidar frame in key order. A video-file scene has no items and its video is
// never fetched.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "core/items.h"
#include "core/scenes.h"
#include "nucleus/result.h"
#include "store/items.h"
#include "store/scenes.h"

namespace nucleus::api {

inline constexpr const char* kLidarSceneJobType = "uploadLidarScene";
inline constexpr const char* kVideoSceneJobType = "uploadVideoScene";

// Sync upload (§2.3), one transaction. InvalidArgument when the dataset is not a scene dataset.
// Each scene was parsed for the route's kind (wire/scenes.h).
Result<core::SceneUploadCounts> UploadScenes(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const core::SceneBatch& batch, bool update);

// Async upload (§2.2): checks the dataset and the uploaded payload, then submits a job of type
// uploadLidarScene / uploadVideoScene (JobRequest: payload, request_id, update) whose handler
// (server/) reads the NDJSON, one scene per line, with the two calls below.
Result<store::Job> SubmitSceneUpload(Context& ctx, const std::string& owner,
                                     const std::string& dataset_id, core::SceneKind kind,
                                     const std::string& request_id, bool update);
// The job's dataset must still be the owner's and a scene dataset.
Status CheckSceneUploadTarget(JobRun& run);
// Applies one scene of the job in its own transaction (a failed scene leaves nothing, the others
// stay), with the request's `update`; returns that scene's counts.
Result<core::SceneUploadCounts> ApplyUploadedScene(JobRun& run, const core::SceneInput& scene);

// In upload order.
Result<std::vector<store::Scene>> ListScenes(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id);
// NotFound "Scene <ref> not found in dataset <ds>".
Result<core::SceneView> GetScene(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, const std::string& reference_id);
// The scene holding the item with `item_reference_id`; NotFound when none does.
Result<core::SceneView> GetSceneOfItem(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id,
                                       const std::string& item_reference_id);
// Removes the scene, its frame items (with their annotations and predictions) and its scene
// categories, in one transaction.
Status DeleteScene(Context& ctx, const std::string& owner, const std::string& dataset_id,
                   const std::string& reference_id);

// Scene-level metadata update (§3.6), for `POST dataset/{ds}/metadata` with "level": "scene",
// inside the caller's transaction (the dataset's ownership already checked): merges each entry's
// metadata into its scene's (given keys overwrite or add, other keys stay; `camera_params_json` is
// ignored at scene level) and counts the scenes in `out` (unknown reference ids are ignored and
// listed). Frame items are not touched.
Status UpdateSceneMetadataInTx(store::Tx& tx, const std::string& dataset_id,
                               const std::vector<core::MetadataUpdateInput>& updates,
                               const core::MetadataMerger& merger, core::MetadataOutcome* out);

// --- Scene categories (§4), called by the annotation and prediction uploaders inside their
// transaction after a "category" object's reference id did not name an item. ---

// The scene of `dataset_id` with this reference id, or nullopt.
Result<std::optional<store::Scene>> FindSceneByRef(store::Tx& tx, const std::string& dataset_id,
                                                   std::string_view reference_id);

struct SceneCategoryInput {
  std::string run_id;  // "" for ground truth, else the model run id
  std::optional<std::string> taxonomy_name;
  std::string label;
  // The object as it is returned on read (the caller's normalised category payload).
  std::string payload_json;
};
// Identity is (scene, run, taxonomy_name; no taxonomy is its own key). A second upload is
// ignored unless `update`, which replaces label, metadata and confidence. The id gets the "ann"
// prefix for ground truth and "pred" for predictions.
Result<store::PutOutcome> PutSceneCategory(store::Tx& tx, const store::Scene& scene,
                                           const SceneCategoryInput& input, bool update);
// For `DELETE annotation/{ds}` naming a scene reference id: removes that scene's ground-truth
// categories (`run_id` "") and returns how many; 0 when there is no such scene.
Result<int64_t> DeleteSceneCategories(store::Tx& tx, const std::string& dataset_id,
                                      std::string_view scene_reference_id,
                                      const std::string& run_id = "");

}  // namespace nucleus::api
