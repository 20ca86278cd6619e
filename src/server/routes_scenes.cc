// Routes of scenes.md: scene uploads (no "dataset/" prefix: the first segment is the dataset id),
// the scene list, one scene (also by frame item), and scene deletion. Each handler decodes with
// wire/scenes.h, makes one api call and encodes the answer.
#include "api/scenes.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/scenes.h"

namespace nucleus::server {
namespace {

// POST {ds}/upload_scenes and {ds}/upload_video_scenes, sync or `?async=1`.
void UploadScenes(api::Context& ctx, Request& req, Response& res, core::SceneKind kind) {
  const bool async = req.QueryFlag("async");
  auto request = wire::DecodeSceneUploadBody(req.body, kind, async, ctx.limits);
  if (AnsweredError(request, res)) return;
  const std::string& dataset_id = req.Param("ds");
  if (async) {
    return RespondJobSubmitted(res, api::SubmitSceneUpload(ctx, req.owner, dataset_id, kind,
                                                           request->request_id, request->update));
  }
  auto counts = api::UploadScenes(ctx, req.owner, dataset_id, request->batch, request->update);
  if (AnsweredError(counts, res)) return;
  res.Json(wire::EncodeSceneUploadCounts(*counts));
}

void UploadLidarScenes(api::Context& ctx, Request& req, Response& res) {
  UploadScenes(ctx, req, res, core::SceneKind::kLidar);
}

void UploadVideoScenes(api::Context& ctx, Request& req, Response& res) {
  UploadScenes(ctx, req, res, core::SceneKind::kVideo);
}

void ListScenes(api::Context& ctx, Request& req, Response& res) {
  auto scenes = api::ListScenes(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(scenes, res)) return;
  res.Json(wire::EncodeSceneList(*scenes));
}

// The reference id arrives raw (GET, "/" not encoded) or percent-encoded (DELETE); the rest
// capture serves both.
void GetScene(api::Context& ctx, Request& req, Response& res) {
  auto view = req.QueryFlag("from_item")
                  ? api::GetSceneOfItem(ctx, req.owner, req.Param("ds"), req.Param("ref"))
                  : api::GetScene(ctx, req.owner, req.Param("ds"), req.Param("ref"));
  if (AnsweredError(view, res)) return;
  res.Json(wire::EncodeScene(*view));
}

void DeleteScene(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteScene(ctx, req.owner, req.Param("ds"), req.Param("ref")), res)) {
    return;
  }
  res.Json("{}");
}

constexpr RouteRow kSceneRoutes[] = {
    {"POST", ":ds/upload_scenes", UploadLidarScenes},
    {"POST", ":ds/upload_video_scenes", UploadVideoScenes},
    {"GET", "dataset/:ds/scenes_list", ListScenes},
    {"GET", "dataset/:ds/scene/*ref", GetScene},
    {"DELETE", "dataset/:ds/scene/*ref", DeleteScene},
};

}  // namespace

void RegisterSceneRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kSceneRoutes);
}

}  // namespace nucleus::server
