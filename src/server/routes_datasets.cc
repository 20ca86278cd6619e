// Routes of datasets.md: create, list, properties, info, size, delete, tags.
#include "api/datasets.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "server/string_list_routes.h"
#include "wire/datasets.h"

namespace nucleus::server {
namespace {

void CreateDataset(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewDataset(req.body);
  if (AnsweredError(input, res)) return;
  auto created = api::CreateDataset(ctx, req.owner, std::move(*input));
  if (AnsweredError(created, res)) return;
  res.Json(wire::EncodeDatasetCreated(*created));
}

void ListDatasetDetails(api::Context& ctx, Request& req, Response& res) {
  auto list = api::ListDatasets(ctx, req.owner);
  if (AnsweredError(list, res)) return;
  res.Json(wire::EncodeDatasetDetails(*list));
}

void ListDatasets(api::Context& ctx, Request& req, Response& res) {
  auto list = api::ListDatasets(ctx, req.owner);
  if (AnsweredError(list, res)) return;
  res.Json(wire::EncodeDatasetIdsAndNames(*list));
}

// The routes that show one property of the dataset: GET dataset/:ds/<property>.
template <std::string (*Encode)(const core::Dataset&)>
void GetDatasetProperty(api::Context& ctx, Request& req, Response& res) {
  auto dataset = api::GetDataset(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(dataset, res)) return;
  res.Json(Encode(*dataset));
}

void GetDatasetInfo(api::Context& ctx, Request& req, Response& res) {
  auto info = api::GetDatasetInfo(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(info, res)) return;
  res.Json(wire::EncodeDatasetInfo(*info));
}

void GetDatasetSize(api::Context& ctx, Request& req, Response& res) {
  auto n = api::DatasetSize(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(n, res)) return;
  res.Json(wire::EncodeDatasetSize(*n));
}

void DeleteDataset(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteDataset(ctx, req.owner, req.Param("ds")), res)) return;
  res.Json(wire::EncodeDatasetDeletionStarted());
}

constexpr StringList kTags = {"ds", "dataset_id", "tags"};

void AddDatasetTags(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTags, api::AddDatasetTags);
}

void RemoveDatasetTags(api::Context& ctx, Request& req, Response& res) {
  ChangeStringList(ctx, req, res, kTags, api::RemoveDatasetTags);
}

constexpr RouteRow kDatasetRoutes[] = {
    {"POST", "dataset/create", CreateDataset},
    {"GET", "dataset/details", ListDatasetDetails},
    {"GET", "dataset", ListDatasets},
    {"GET", "dataset/:ds/name", GetDatasetProperty<wire::EncodeDatasetName>},
    {"GET", "dataset/:ds/is_scene", GetDatasetProperty<wire::EncodeDatasetIsScene>},
    {"GET", "dataset/:ds/use_privacy_mode", GetDatasetProperty<wire::EncodeDatasetPrivacyMode>},
    {"GET", "dataset/:ds/info", GetDatasetInfo},
    {"GET", "dataset/:ds/size", GetDatasetSize},
    {"DELETE", "dataset/:ds", DeleteDataset},
    {"GET", "dataset/:ds/tags", GetDatasetProperty<wire::EncodeDatasetTags>},
    {"POST", "dataset/:ds/tags", AddDatasetTags},
    {"DELETE", "dataset/:ds/tags", RemoveDatasetTags},
};

}  // namespace

void RegisterDatasetRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kDatasetRoutes);
}

}  // namespace nucleus::server
