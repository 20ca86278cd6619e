// Scenes (scenes.md): the stored scene record, the parsed form of a lidar or video scene as the
// client sends it (§1), and the typed requests and results of the scene use cases. wire/scenes.h
// turns JSON into these and back; api/scenes.h takes and returns them. Plain values;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/items.h"

namespace nucleus::core {

enum class SceneKind { kLidar, kVideo };

// "lidar" | "video"
inline std::string_view SceneKindName(SceneKind kind) {
  return kind == SceneKind::kLidar ? "lidar" : "video";
}

struct Scene {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "scn_..."
  std::string dataset_id;
  int64_t seq = 0;  // upload order within the dataset (assigned by Insert)
  std::string reference_id;
  std::string kind;                   // "lidar" | "video"
  std::optional<int64_t> frame_rate;  // video frame lists only
  std::optional<std::string> video_url;
  bool upload_to_scale = true;  // video scenes only
  std::string metadata_json = "{}";
};

// One frame item (§1.1): becomes one dataset item.
struct SceneItemInput {
  std::string reference_id;
  std::string sensor;  // lidar: the frame object's key; video: ""
  bool is_pointcloud = false;
  std::string url;                   // image or point-cloud location, stored as sent
  std::string metadata_json = "{}";  // verbatim (camera_params included)
  // Other keys echoed on item reads, as object members without braces:
  // "type", then "width"/"height" when sent, then the top-level "camera_params" copy.
  std::string extra_json;
};

struct SceneFrameInput {
  std::vector<SceneItemInput> items;  // lidar: key order of the frame object; video: one item
};

struct SceneInput {
  SceneKind kind = SceneKind::kLidar;
  std::string reference_id;
  std::string metadata_json = "{}";   // an absent or null `metadata` is {}
  std::optional<int64_t> frame_rate;  // video frame lists
  std::optional<std::string> video_url;
  bool upload_to_scale = true;
  std::vector<SceneFrameInput> frames;  // empty only for video-file scenes
};

// The scenes of one sync upload: those that parsed, and the parse errors of the others (each
// counted as an errored scene).
struct SceneBatch {
  std::vector<SceneInput> scenes;
  std::vector<std::string> parse_errors;
};

// POST {ds}/upload_scenes | upload_video_scenes: sync (`batch`) or `?async=1` (`request_id`).
struct SceneUploadRequest {
  bool update = false;
  std::string request_id;
  SceneBatch batch;
};

struct SceneUploadCounts {
  std::string dataset_id;
  int64_t new_scenes = 0;
  int64_t ignored_scenes = 0;
  int64_t updated_scenes = 0;
  int64_t scenes_errored = 0;
  std::vector<std::string> errors;  // one per errored scene, "Scene <ref>: ..."
};

// A frame item with its place in the scene.
struct SceneFrameItem {
  Item item;
  int64_t frame_index = 0;
  std::string sensor;  // "" for video frames
};

struct SceneView {
  Scene scene;
  std::vector<SceneFrameItem> items;  // by frame index, then position in the frame
  int64_t num_frames = 0;
  int64_t num_sensors = 0;  // distinct sensor names (lidar)
};

}  // namespace nucleus::core
