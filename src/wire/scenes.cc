#include "wire/scenes.h"

#include <set>
#include <unordered_set>

#include "wire/bodies.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

// "Scene <ref>: <message>".
Status SceneError(const std::string& name, std::string_view message) {
  std::string text = "Scene ";
  text += name;
  text += ": ";
  text += message;
  return InvalidArgument(std::move(text));
}

Status Prefixed(const std::string& name, const Status& status) {
  if (status.ok()) return status;
  return SceneError(name, status.message());
}

bool HasKey(JsonObject obj, std::string_view key) { return !obj.at_key(key).error(); }

// Members of a compact JSON object, without its braces.
std::string Members(std::string object_json) {
  if (object_json.size() < 2) return "";
  return object_json.substr(1, object_json.size() - 2);
}

// One frame item (§1.1). `what` names it, e.g. "item \"lidar\" of frame 0".
Status ParseItem(JsonValue value, const std::string& what, core::SceneItemInput* out) {
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, what, &obj));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", what, &out->reference_id));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "url", what, &out->url));
  std::string type;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "type", what, &type));
  if (type != "image" && type != "pointcloud") {
    return FieldError(what, "type", "must be \"image\" or \"pointcloud\", got \"" + type + "\"");
  }
  out->is_pointcloud = type == "pointcloud";
  NUCLEUS_RETURN_IF_ERROR(OptObjectJson(obj, "metadata", what, &out->metadata_json));
  std::optional<int64_t> width, height;
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, "width", what, &width));
  NUCLEUS_RETURN_IF_ERROR(OptInt(obj, "height", what, &height));
  if ((width && *width < 0) || (height && *height < 0)) {
    return FieldError(what, width && *width < 0 ? "width" : "height", "must not be negative");
  }
  std::string camera_params;
  NUCLEUS_RETURN_IF_ERROR(OptObjectJson(obj, "camera_params", what, &camera_params));

  JsonWriter w;
  w.BeginObject().Key("type").String(type);
  if (width) w.Key("width").Int(*width);
  if (height) w.Key("height").Int(*height);
  if (!camera_params.empty()) w.Key("camera_params").Raw(camera_params);
  out->extra_json = Members(w.EndObject().Take());
  return Status::Ok();
}

Status ParseMetadata(JsonObject obj, const std::string& name, core::SceneInput* out) {
  return Prefixed(name, OptObjectJson(obj, "metadata", "the scene", &out->metadata_json));
}

// Item reference ids must be unique across the frames of a scene.
Status CheckUniqueRefs(const core::SceneInput& scene) {
  std::unordered_set<std::string> seen;
  for (const core::SceneFrameInput& frame : scene.frames) {
    for (const core::SceneItemInput& item : frame.items) {
      if (!seen.insert(item.reference_id).second) {
        return SceneError(scene.reference_id, "duplicate frame reference id " + item.reference_id +
                                                  " (Duplicate frames found within the scene)");
      }
    }
  }
  return Status::Ok();
}

Status ParseLidar(JsonObject obj, core::SceneInput* out) {
  const std::string& name = out->reference_id;
  if (HasKey(obj, "frame_rate") || HasKey(obj, "video_url")) {
    return SceneError(name,
                      "is a video scene (it has frame_rate or video_url); upload it with "
                      "upload_video_scenes");
  }
  NUCLEUS_RETURN_IF_ERROR(ParseMetadata(obj, name, out));
  JsonArray frames;
  NUCLEUS_RETURN_IF_ERROR(Prefixed(name, GetArray(obj, "frames", "the scene", &frames)));
  std::string pointcloud_sensor;
  size_t index = 0;
  for (JsonValue frame_value : frames) {
    std::string frame_what = "frame " + std::to_string(index);
    JsonObject frame;
    NUCLEUS_RETURN_IF_ERROR(Prefixed(name, AsObject(frame_value, frame_what, &frame)));
    core::SceneFrameInput parsed;
    std::vector<std::string> pointclouds;
    for (auto [key, item_value] : frame) {
      core::SceneItemInput item;
      item.sensor = std::string(key);
      NUCLEUS_RETURN_IF_ERROR(Prefixed(
          name, ParseItem(item_value, "item \"" + item.sensor + "\" of " + frame_what, &item)));
      if (item.is_pointcloud) pointclouds.push_back(item.sensor);
      parsed.items.push_back(std::move(item));
    }
    if (parsed.items.empty()) return SceneError(name, frame_what + " has no items");
    if (pointclouds.empty()) {
      return SceneError(name, frame_what + " has no point cloud; a frame holds exactly one");
    }
    if (pointclouds.size() > 1) {
      return SceneError(name, frame_what + " has " + std::to_string(pointclouds.size()) +
                                  " point clouds (sensors " + pointclouds[0] + ", " +
                                  pointclouds[1] + "); a frame holds exactly one");
    }
    if (index == 0) {
      pointcloud_sensor = pointclouds[0];
    } else if (pointclouds[0] != pointcloud_sensor) {
      return SceneError(name, frame_what + " has its point cloud under sensor " + pointclouds[0] +
                                  ", frame 0 under " + pointcloud_sensor +
                                  "; all point clouds of a scene use one sensor name");
    }
    out->frames.push_back(std::move(parsed));
    ++index;
  }
  if (out->frames.empty())
    return SceneError(name, "has no frames; a lidar scene needs at least one");
  return CheckUniqueRefs(*out);
}

Status ParseVideo(JsonObject obj, core::SceneInput* out) {
  const std::string& name = out->reference_id;
  NUCLEUS_RETURN_IF_ERROR(ParseMetadata(obj, name, out));
  NUCLEUS_RETURN_IF_ERROR(Prefixed(name, OptInt(obj, "frame_rate", "the scene", &out->frame_rate)));
  NUCLEUS_RETURN_IF_ERROR(
      Prefixed(name, OptString(obj, "video_url", "the scene", &out->video_url)));
  NUCLEUS_RETURN_IF_ERROR(
      Prefixed(name, OptBool(obj, "upload_to_scale", "the scene", &out->upload_to_scale)));
  if (out->frame_rate && *out->frame_rate < 1) {
    return SceneError(name, "field \"frame_rate\" must be at least 1");
  }
  JsonValue frames_value;
  if (Find(obj, "frames", &frames_value)) {
    JsonArray frames;
    NUCLEUS_RETURN_IF_ERROR(Prefixed(name, AsArray(frames_value, "field \"frames\"", &frames)));
    size_t index = 0;
    for (JsonValue frame_value : frames) {
      std::string what = "frame " + std::to_string(index);
      JsonObject frame;
      if (frame_value.get(frame) == simdjson::SUCCESS && !HasKey(frame, "url") &&
          !HasKey(frame, "reference_id")) {
        return SceneError(name,
                          "is a lidar scene (its frames map sensor names to items); upload it "
                          "with upload_scenes");
      }
      core::SceneItemInput item;
      NUCLEUS_RETURN_IF_ERROR(Prefixed(name, ParseItem(frame_value, what, &item)));
      if (item.is_pointcloud) {
        return SceneError(
            name, what + " (" + item.reference_id + ") is a point cloud; video frames are images");
      }
      core::SceneFrameInput parsed;
      parsed.items.push_back(std::move(item));
      out->frames.push_back(std::move(parsed));
      ++index;
    }
  }
  if (!out->frames.empty()) {
    if (!out->frame_rate) {
      return SceneError(name, "field \"frame_rate\" is required for a scene with frames");
    }
  } else {
    if (!out->video_url) {
      return SceneError(name, "has no frames and no video_url; a video scene needs one of them");
    }
    if (out->frame_rate) {
      return SceneError(name, "has frame_rate but no frames; a video-file scene has neither");
    }
  }
  return CheckUniqueRefs(*out);
}

// A frame item as read back (scenes.md §3.2/§3.4): the location under image_url or
// pointcloud_url (never `url`), then the stored extras ("type", width/height, camera_params).
std::string FrameItemJson(const core::Item& item) {
  JsonWriter w;
  w.BeginObject().Key("id").String(item.id).Key("reference_id").String(item.reference_id);
  if (!item.pointcloud_url.empty()) {
    w.Key("pointcloud_url").String(item.pointcloud_url);
  } else {
    w.Key("image_url").String(item.image_url);
  }
  w.Key("metadata").Raw(item.metadata_json.empty() ? "{}" : item.metadata_json);
  std::string json = w.EndObject().Take();
  if (!item.extra_json.empty()) {
    json.pop_back();
    json += ',';
    json += item.extra_json;
    json += '}';
  }
  return json;
}

// §3.2 for a lidar scene: frames of sensor-keyed items.
std::string LidarSceneJson(const core::SceneView& view, JsonWriter& w) {
  w.Key("length").Int(view.num_frames).Key("num_sensors").Int(view.num_sensors);
  w.Key("metadata").Raw(view.scene.metadata_json);
  w.Key("frames").BeginArray();
  int64_t open_frame = -1;
  for (const core::SceneFrameItem& f : view.items) {
    if (f.frame_index != open_frame) {
      if (open_frame >= 0) w.EndObject();
      w.BeginObject();
      open_frame = f.frame_index;
    }
    w.Key(f.sensor).Raw(FrameItemJson(f.item));
  }
  if (open_frame >= 0) w.EndObject();
  w.EndArray();
  return w.EndObject().Take();
}

}  // namespace

Status ParseScene(JsonValue value, core::SceneKind kind, size_t index, core::SceneInput* out) {
  std::string fallback = "scene " + std::to_string(index);
  *out = core::SceneInput{};
  out->kind = kind;
  JsonObject obj;
  if (!value.is_object()) {
    return InvalidArgument(fallback + " must be a JSON object, got " +
                           std::string(TypeName(value)));
  }
  obj = value.get_object().value_unsafe();
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", fallback, &out->reference_id));
  if (out->reference_id.empty()) {
    return FieldError(fallback, "reference_id", "must not be empty");
  }
  return kind == core::SceneKind::kLidar ? ParseLidar(obj, out) : ParseVideo(obj, out);
}

Result<std::string> MergeJsonObjects(std::string_view base_json, std::string_view patch_json) {
  JsonDoc base_doc, patch_doc;
  NUCLEUS_RETURN_IF_ERROR(base_doc.Parse(base_json.empty() ? "{}" : base_json, "stored metadata"));
  NUCLEUS_RETURN_IF_ERROR(patch_doc.Parse(patch_json.empty() ? "{}" : patch_json, "metadata"));
  JsonObject patch;
  NUCLEUS_RETURN_IF_ERROR(AsObject(patch_doc.root(), "metadata", &patch));
  JsonObject base;
  bool has_base = base_doc.root().get(base) == simdjson::SUCCESS;

  JsonWriter w;
  w.BeginObject();
  std::set<std::string_view> written;
  if (has_base) {
    for (auto [key, value] : base) {
      if (!written.insert(key).second) continue;
      auto replacement = patch.at_key(key);
      w.Key(key).Raw(Minify(replacement.error() ? value : replacement.value_unsafe()));
    }
  }
  for (auto [key, value] : patch) {
    if (!written.insert(key).second) continue;
    w.Key(key).Raw(Minify(value));
  }
  return w.EndObject().Take();
}

}  // namespace nucleus::wire

namespace nucleus::wire {

Result<core::SceneUploadRequest> DecodeSceneUploadBody(std::string_view body, core::SceneKind kind,
                                                       bool async, const Limits& limits) {
  constexpr std::string_view kWhat = "request body";
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  core::SceneUploadRequest out;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kWhat, &out.update));
  if (async) {
    NUCLEUS_RETURN_IF_ERROR(GetString(obj, "requestId", kWhat, &out.request_id));
    return out;
  }
  JsonArray scenes;
  NUCLEUS_RETURN_IF_ERROR(GetArray(obj, "scenes", kWhat, &scenes));
  NUCLEUS_RETURN_IF_ERROR(
      CheckCount(kWhat, "scenes", scenes.size(), limits.max_batch_objects, "max_batch_objects"));
  size_t index = 0;
  for (JsonValue value : scenes) {
    core::SceneInput scene;
    Status parsed = ParseScene(value, kind, index++, &scene);
    if (parsed.ok()) {
      out.batch.scenes.push_back(std::move(scene));
    } else {
      out.batch.parse_errors.push_back(parsed.message());
    }
  }
  return out;
}

Status DecodeSceneLine(std::string_view line, core::SceneKind kind, size_t index,
                       core::SceneInput* out) {
  JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(line, "scene " + std::to_string(index)));
  return ParseScene(doc.root(), kind, index, out);
}

// The client tells the kinds apart by key presence: a lidar scene must carry neither
// `frame_rate` nor `video_url`; a video scene carries at least one of them.
std::string EncodeScene(const core::SceneView& view) {
  const core::Scene& s = view.scene;
  JsonWriter w;
  w.BeginObject().Key("id").String(s.id).Key("reference_id").String(s.reference_id);
  w.Key("type").String(s.kind);
  if (s.kind == "lidar") return LidarSceneJson(view, w);
  if (s.frame_rate) w.Key("frame_rate").Int(*s.frame_rate);
  if (s.video_url) w.Key("video_url").String(*s.video_url);
  w.Key("upload_to_scale").Bool(s.upload_to_scale);
  bool has_frames = s.frame_rate.has_value() || !view.items.empty();
  if (has_frames) w.Key("length").Int(view.num_frames);
  w.Key("metadata").Raw(s.metadata_json);
  if (has_frames) {
    w.Key("frames").BeginArray();
    for (const core::SceneFrameItem& f : view.items) w.Raw(FrameItemJson(f.item));
    w.EndArray();
  }
  return w.EndObject().Take();
}

std::string EncodeSceneList(const std::vector<core::Scene>& scenes) {
  JsonWriter w;
  w.BeginObject().Key("scenes").BeginArray();
  for (const core::Scene& s : scenes) {
    w.BeginObject().Key("id").String(s.id).Key("reference_id").String(s.reference_id);
    w.Key("type").String(s.kind).Key("metadata").Raw(s.metadata_json).EndObject();
  }
  return w.EndArray().EndObject().Take();
}

std::string EncodeSceneUploadCounts(const core::SceneUploadCounts& c) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(c.dataset_id);
  w.Key("new_scenes").Int(c.new_scenes).Key("ignored_scenes").Int(c.ignored_scenes);
  w.Key("updated_scenes").Int(c.updated_scenes).Key("scenes_errored").Int(c.scenes_errored);
  w.Key("errors").BeginArray();
  for (const std::string& e : c.errors) w.String(e);
  return w.EndArray().EndObject().Take();
}

}  // namespace nucleus::wire
