// Routes of scenes.md: scene uploads (no "dataset/" prefix: the first segment is the dataset id),
// the scene list, one scene (also by frame item), and scene deletion.
#include "api/scenes.h"
#include "core/clock.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {
namespace {

// A frame item as read back (scenes.md §3.2/§3.4): the location under image_url or
// pointcloud_url (never `url`), then the stored extras ("type", width/height, camera_params).
std::string FrameItemJson(const store::Item& item) {
  wire::JsonWriter w;
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

// The scene object of §3.2. The client tells the kinds apart by key presence: a lidar scene
// must carry neither `frame_rate` nor `video_url`; a video scene carries at least one of them.
std::string SceneJson(const api::SceneView& view) {
  const store::Scene& s = view.scene;
  wire::JsonWriter w;
  w.BeginObject().Key("id").String(s.id).Key("reference_id").String(s.reference_id);
  w.Key("type").String(s.kind);
  if (s.kind == "lidar") {
    w.Key("length").Int(view.num_frames).Key("num_sensors").Int(view.num_sensors);
    w.Key("metadata").Raw(s.metadata_json);
    w.Key("frames").BeginArray();
    int64_t open_frame = -1;
    for (const api::SceneFrameItem& f : view.items) {
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
  if (s.frame_rate) w.Key("frame_rate").Int(*s.frame_rate);
  if (s.video_url) w.Key("video_url").String(*s.video_url);
  w.Key("upload_to_scale").Bool(s.upload_to_scale);
  bool has_frames = s.frame_rate.has_value() || !view.items.empty();
  if (has_frames) w.Key("length").Int(view.num_frames);
  w.Key("metadata").Raw(s.metadata_json);
  if (has_frames) {
    w.Key("frames").BeginArray();
    for (const api::SceneFrameItem& f : view.items) w.Raw(FrameItemJson(f.item));
    w.EndArray();
  }
  return w.EndObject().Take();
}

std::string CountsJson(const api::SceneUploadCounts& c) {
  wire::JsonWriter w;
  w.BeginObject().Key("dataset_id").String(c.dataset_id);
  w.Key("new_scenes").Int(c.new_scenes).Key("ignored_scenes").Int(c.ignored_scenes);
  w.Key("updated_scenes").Int(c.updated_scenes).Key("scenes_errored").Int(c.scenes_errored);
  w.Key("errors");
  WriteStringArray(w, c.errors);
  return w.EndObject().Take();
}

// POST {ds}/upload_scenes and {ds}/upload_video_scenes, sync or `?async=1`.
Handler UploadHandler(api::Context& ctx, wire::SceneKind kind) {
  return [&ctx, kind](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "request body";
    bool update = false;
    if (AnsweredError(wire::OptBool(body, "update", what, &update), res)) return;
    const std::string& dataset_id = req.Param("ds");

    if (req.QueryFlag("async")) {
      std::string request_id;
      if (AnsweredError(wire::GetString(body, "requestId", what, &request_id), res)) return;
      return RespondJobSubmitted(
          res, api::SubmitSceneUpload(ctx, req.owner, dataset_id, kind, request_id, update));
    }

    wire::JsonArray scenes;
    if (AnsweredError(wire::GetArray(body, "scenes", what, &scenes), res)) return;
    if (AnsweredError(CheckBatchSize("scenes", scenes.size(), ctx.limits), res)) return;
    api::SceneBatch batch;
    size_t index = 0;
    for (wire::JsonValue value : scenes) {
      wire::SceneInput scene;
      Status parsed = wire::ParseScene(value, kind, index++, &scene);
      if (parsed.ok()) {
        batch.scenes.push_back(std::move(scene));
      } else {
        batch.parse_errors.push_back(parsed.message());
      }
    }
    auto counts = api::UploadScenes(ctx, req.owner, dataset_id, batch, update);
    if (AnsweredError(counts, res)) return;
    res.Json(CountsJson(*counts));
  };
}

}  // namespace

void RegisterSceneRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", ":ds/upload_scenes", UploadHandler(ctx, wire::SceneKind::kLidar));
  router.Add("POST", ":ds/upload_video_scenes", UploadHandler(ctx, wire::SceneKind::kVideo));

  router.Add("GET", "dataset/:ds/scenes_list", [&ctx](Request& req, Response& res) {
    auto scenes = api::ListScenes(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(scenes, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("scenes").BeginArray();
    for (const store::Scene& s : *scenes) {
      w.BeginObject().Key("id").String(s.id).Key("reference_id").String(s.reference_id);
      w.Key("type").String(s.kind).Key("metadata").Raw(s.metadata_json).EndObject();
    }
    res.Json(w.EndArray().EndObject().Take());
  });

  // The reference id arrives raw (GET, "/" not encoded) or percent-encoded (DELETE); the rest
  // capture serves both.
  router.Add("GET", "dataset/:ds/scene/*ref", [&ctx](Request& req, Response& res) {
    auto view = req.QueryFlag("from_item")
                    ? api::GetSceneOfItem(ctx, req.owner, req.Param("ds"), req.Param("ref"))
                    : api::GetScene(ctx, req.owner, req.Param("ds"), req.Param("ref"));
    if (AnsweredError(view, res)) return;
    res.Json(SceneJson(*view));
  });

  router.Add("DELETE", "dataset/:ds/scene/*ref", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteScene(ctx, req.owner, req.Param("ds"), req.Param("ref")), res)) return;
    res.Json("{}");
  });
}

}  // namespace nucleus::server
