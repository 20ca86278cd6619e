// Routes of models.md: create, list, get (model or run id), delete, tags, trained slice ids.
#include "api/models.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "server/string_list_routes.h"
#include "wire/models.h"

namespace nucleus::server {
namespace {

void CreateModel(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewModel(req.body);
  if (AnsweredError(input, res)) return;
  auto created = api::CreateModel(ctx, req.owner, std::move(*input));
  if (AnsweredError(created, res)) return;
  res.Json(wire::EncodeModelCreated(*created));
}

void ListModels(api::Context& ctx, Request& req, Response& res) {
  auto models = api::ListModels(ctx, req.owner);
  if (AnsweredError(models, res)) return;
  res.Json(wire::EncodeModelList(*models));
}

void GetModel(api::Context& ctx, Request& req, Response& res) {
  auto model = api::GetModel(ctx, req.owner, req.Param("id"));
  if (AnsweredError(model, res)) return;
  res.Json(wire::EncodeModel(*model));
}

void DeleteModel(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteModel(ctx, req.owner, req.Param("id")), res)) return;
  res.Json(wire::EncodeModelDeletionStarted());
}

constexpr StringList kTags = {"id", "model_id", "tags"};
constexpr StringList kTrainedSlices = {"id", "model_id", "trained_slice_ids"};

void AddModelTags(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTags, api::AddModelTags);
}

void RemoveModelTags(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTags, api::RemoveModelTags);
}

void AddTrainedSliceIds(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTrainedSlices, api::AddTrainedSliceIds);
}

void RemoveTrainedSliceIds(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTrainedSlices, api::RemoveTrainedSliceIds);
}

constexpr RouteRow kModelRoutes[] = {
    {"POST", "models/add", CreateModel},
    {"GET", "models", ListModels},
    {"GET", "model/:id", GetModel},
    {"DELETE", "model/:id", DeleteModel},
    {"POST", "model/:id/tag", AddModelTags},
    {"DELETE", "model/:id/tag", RemoveModelTags},
    {"POST", "model/:id/trainedSliceId", AddTrainedSliceIds},
    {"DELETE", "model/:id/trainedSliceId", RemoveTrainedSliceIds},
};

}  // namespace

void RegisterModelRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kModelRoutes);
}

}  // namespace nucleus::server
