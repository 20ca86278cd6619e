// Routes of datasets.md: create, list, properties, info, size, delete, tags.
#include "api/datasets.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {
void RegisterDatasetRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "dataset/create", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    api::NewDataset input;
    const char* what = "dataset";
    if (AnsweredError(wire::GetString(body, "name", what, &input.name), res)) return;
    if (AnsweredError(wire::OptBool(body, "is_scene", what, &input.is_scene), res)) return;
    if (AnsweredError(wire::OptBool(body, "use_privacy_mode", what, &input.use_privacy_mode), res)) return;
    if (AnsweredError(wire::OptObjectJson(body, "annotation_metadata_schema", what,
                                   &input.annotation_metadata_schema_json),
               res)) {
      return;
    }
    if (AnsweredError(wire::OptObjectJson(body, "item_metadata_schema", what,
                                   &input.item_metadata_schema_json),
               res)) {
      return;
    }
    auto created = api::CreateDataset(ctx, req.owner, std::move(input));
    if (AnsweredError(created, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_id").String(created->id).Key("name").String(created->name);
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "dataset/details", [&ctx](Request& req, Response& res) {
    auto list = api::ListDatasets(ctx, req.owner);
    if (AnsweredError(list, res)) return;
    wire::JsonWriter w;
    w.BeginArray();
    for (const store::Dataset& d : *list) {
      w.BeginObject().Key("id").String(d.id).Key("name").String(d.name);
      w.Key("is_public").Bool(false).Key("is_scene").Bool(d.is_scene).EndObject();
    }
    res.Json(w.EndArray().Take());
  });

  router.Add("GET", "dataset", [&ctx](Request& req, Response& res) {
    auto list = api::ListDatasets(ctx, req.owner);
    if (AnsweredError(list, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_ids").BeginArray();
    for (const store::Dataset& d : *list) w.String(d.id);
    w.EndArray().Key("dataset_names").BeginArray();
    for (const store::Dataset& d : *list) w.String(d.name);
    res.Json(w.EndArray().EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/name", [&ctx](Request& req, Response& res) {
    auto d = api::GetDataset(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(d, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("name").String(d->name).EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/is_scene", [&ctx](Request& req, Response& res) {
    auto d = api::GetDataset(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(d, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("is_scene").Bool(d->is_scene).EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/use_privacy_mode", [&ctx](Request& req, Response& res) {
    auto d = api::GetDataset(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(d, res)) return;
    res.Json(wire::JsonWriter()
                 .BeginObject()
                 .Key("use_privacy_mode")
                 .Bool(d->use_privacy_mode)
                 .EndObject()
                 .Take());
  });

  router.Add("GET", "dataset/:ds/info", [&ctx](Request& req, Response& res) {
    auto info = api::GetDatasetInfo(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(info, res)) return;
    const store::Dataset& d = info->dataset;
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_id").String(d.id).Key("name").String(d.name);
    w.Key("length").Int(info->length);
    w.Key("model_run_ids");
    WriteStringArray(w, info->model_run_ids);
    w.Key("slice_ids");
    WriteStringArray(w, info->slice_ids);
    w.Key("annotation_metadata_schema").Raw(d.annotation_metadata_schema_json);
    w.Key("item_metadata_schema").Raw(d.item_metadata_schema_json);
    w.Key("tags");
    WriteStringArray(w, d.tags);
    w.Key("is_scene").Bool(d.is_scene).Key("use_privacy_mode").Bool(d.use_privacy_mode);
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/size", [&ctx](Request& req, Response& res) {
    auto n = api::DatasetSize(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(n, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("count").Int(*n).EndObject().Take());
  });

  router.Add("DELETE", "dataset/:ds", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteDataset(ctx, req.owner, req.Param("ds")), res)) return;
    res.Json("{\"message\":\"Beginning dataset deletion...\"}");
  });

  router.Add("GET", "dataset/:ds/tags", [&ctx](Request& req, Response& res) {
    auto d = api::GetDataset(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(d, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("tags");
    WriteStringArray(w, d->tags);
    res.Json(w.EndObject().Take());
  });

  auto tags = [&ctx](auto use_case) {
    return StringListRoute("ds", "dataset_id", "tags",
                           [&ctx, use_case](const std::string& owner, const std::string& id,
                                            const std::vector<std::string>& values) {
                             return use_case(ctx, owner, id, values);
                           });
  };
  router.Add("POST", "dataset/:ds/tags", tags(api::AddDatasetTags));
  router.Add("DELETE", "dataset/:ds/tags", tags(api::RemoveDatasetTags));
}

}  // namespace nucleus::server
