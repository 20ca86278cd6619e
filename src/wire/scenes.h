// Scene JSON as the client sends it (scenes.md §1): lidar scenes (frames of sensor-keyed items)
// and video scenes (a list of image frames, or one video file), parsed and validated.
//
// ParseScene checks everything one scene can be checked for on its own (frames present, exactly
// one point cloud per lidar frame under one sensor name, unique item reference ids, the variant
// rules of video scenes, the route's kind); errors start with "Scene <ref>: " so a batch can
// report them per scene. Checks against stored data (reference ids used by other scenes) are the
// api layer's. Not thread-safe; the parsed value owns its strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"
#include "wire/json_reader.h"

namespace nucleus::wire {

enum class SceneKind { kLidar, kVideo };

// "lidar" | "video"
std::string_view SceneKindName(SceneKind kind);

// One frame item (§1.1): becomes one dataset item.
struct SceneItemInput {
  std::string reference_id;
  std::string sensor;  // lidar: the frame object's key; video: ""
  bool is_pointcloud = false;
  std::string url;     // image or point-cloud location, stored as sent
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
  std::string metadata_json = "{}";  // an absent or null `metadata` is {}
  std::optional<int64_t> frame_rate;  // video frame lists
  std::optional<std::string> video_url;
  bool upload_to_scale = true;
  std::vector<SceneFrameInput> frames;  // empty only for video-file scenes
};

// Parses `value` as a scene of `kind` (the route's). `index` names the scene in errors when it
// has no usable reference id ("scene 3").
Status ParseScene(JsonValue value, SceneKind kind, size_t index, SceneInput* out);

// `base` with the members of `patch` written over it (both compact JSON objects; a non-object
// base counts as {}): keys of `patch` overwrite or add, other keys of `base` stay in place.
Result<std::string> MergeJsonObjects(std::string_view base_json, std::string_view patch_json);

}  // namespace nucleus::wire
