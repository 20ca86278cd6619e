// Scenes of a scene dataset (scenes.md): lidar scenes and video scenes, their frame layout
// (which item sits at which frame index under which sensor name) and scene categories.
//
// A scene's frames are ordinary dataset items (store/items.h, `scene_id` set); SceneRepo keeps
// the layout beside them. Deleting a frame item drops its layout row; deleting a scene drops its
// layout rows and its categories, not its items (the caller deletes those through ItemRepo so
// their annotations and predictions go too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scenes.h"
#include "nucleus/result.h"
#include "store/annotations.h"  // PutOutcome

namespace nucleus::store {

using Scene = core::Scene;  // core/scenes.h

// One frame item's place in its scene.
struct SceneFrame {
  int64_t item_rowid = 0;
  std::string item_reference_id;
  int64_t frame_index = 0;  // 0-based, contiguous
  int64_t position = 0;     // order of the item within its frame (key order as uploaded)
  std::string sensor;       // lidar: the frame object's key; video: ""
};

// A scene-level category (scenes.md §4): one per (scene, run, taxonomy key).
struct SceneCategory {
  int64_t rowid = 0;
  std::string id;           // "ann_..." for ground truth, "pred_..." for predictions
  std::string dataset_id;
  int64_t scene_rowid = 0;
  std::string run_id;       // "" for ground truth, else the model run id
  std::string taxonomy_key; // the taxonomy name, "" when none was given
  std::string label;
  std::string payload_json; // the normalised category object as returned on read
};

class SceneRepo {
 public:
  virtual ~SceneRepo() = default;
  // Assigns rowid and seq into `scene`. The reference id must be new in the dataset.
  virtual Status Insert(Scene* scene) = 0;
  // Replaces kind-specific fields and metadata (not rowid, id, dataset_id, seq, reference_id).
  virtual Status Update(const Scene& scene) = 0;
  virtual Status UpdateMetadata(int64_t rowid, const std::string& metadata_json) = 0;
  virtual Result<std::optional<Scene>> FindByRef(const std::string& dataset_id,
                                                 std::string_view reference_id) = 0;
  virtual Result<std::optional<Scene>> FindById(const std::string& dataset_id,
                                                std::string_view scene_id) = 0;
  // In upload order.
  virtual Result<std::vector<Scene>> List(const std::string& dataset_id) = 0;
  // Removes the scene row, its frame layout and its categories.
  virtual Status Delete(int64_t rowid) = 0;

  virtual Status AddFrames(int64_t scene_rowid, const std::vector<SceneFrame>& frames) = 0;
  // By frame index, then position.
  virtual Result<std::vector<SceneFrame>> Frames(int64_t scene_rowid) = 0;

  // Stores `category` unless (scene, run, taxonomy key) exists: then replaces it when `update`,
  // else leaves the stored one unchanged.
  virtual Result<PutOutcome> PutCategory(const SceneCategory& category, bool update) = 0;
  // The categories of a scene for `run_id` ("" = ground truth), in insertion order.
  virtual Result<std::vector<SceneCategory>> Categories(int64_t scene_rowid,
                                                        const std::string& run_id) = 0;
  // Deletes the categories of a scene for `run_id`; returns how many went.
  virtual Result<int64_t> DeleteCategories(int64_t scene_rowid, const std::string& run_id) = 0;
  // Deletes every scene category of a model run (when the run goes).
  virtual Result<int64_t> DeleteCategoriesOfRun(const std::string& run_id) = 0;
};

}  // namespace nucleus::store
