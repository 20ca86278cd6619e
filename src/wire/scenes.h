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

#include "core/scenes.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/limits.h"

namespace nucleus::wire {

// Parses `value` as a scene of `kind` (the route's). `index` names the scene in errors when it
// has no usable reference id ("scene 3").
Status ParseScene(JsonValue value, core::SceneKind kind, size_t index, core::SceneInput* out);

// POST {ds}/upload_scenes | upload_video_scenes: {"update": bool, "requestId": "..." (async),
// "scenes": [...] (sync, at most max_batch_objects)}. Each scene is parsed for the route's `kind`;
// one that fails lands in batch.parse_errors.
Result<core::SceneUploadRequest> DecodeSceneUploadBody(std::string_view body, core::SceneKind kind,
                                                       bool async, const Limits& limits);
// One NDJSON line of an async scene upload (scene `index` of the payload).
Status DecodeSceneLine(std::string_view line, core::SceneKind kind, size_t index,
                       core::SceneInput* out);

// The scene object of §3.2 with its frame items.
std::string EncodeScene(const core::SceneView& view);
// {"scenes": [{"id", "reference_id", "type", "metadata"}, ...]}
std::string EncodeSceneList(const std::vector<core::Scene>& scenes);
// {"dataset_id", "new_scenes", "ignored_scenes", "updated_scenes", "scenes_errored", "errors"}
std::string EncodeSceneUploadCounts(const core::SceneUploadCounts& counts);

// `base` with the members of `patch` written over it (both compact JSON objects; a non-object
// base counts as {}): keys of `patch` overwrite or add, other keys of `base` stay in place.
Result<std::string> MergeJsonObjects(std::string_view base_json, std::string_view patch_json);

}  // namespace nucleus::wire
