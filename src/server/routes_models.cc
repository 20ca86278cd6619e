// Routes of models.md: create, list, get (model or run id), delete, tags, trained slice ids.
#include "api/models.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {
namespace {

void WriteModel(wire::JsonWriter& w, const store::Model& m) {
  w.BeginObject();
  w.Key("id").String(m.id).Key("name").String(m.name).Key("ref_id").String(m.reference_id);
  w.Key("metadata").Raw(m.metadata_json);
  w.Key("tags");
  WriteStringArray(w, m.tags);
  w.Key("trained_slice_ids");
  WriteStringArray(w, m.trained_slice_ids);
  if (!m.bundle_name.empty()) w.Key("bundle_name").String(m.bundle_name);
  w.EndObject();
}

}  // namespace

void RegisterModelRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "models/add", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    const char* what = "model";
    api::NewModel input;
    if (AnsweredError(wire::GetString(body, "name", what, &input.name), res)) return;
    if (AnsweredError(wire::GetString(body, "reference_id", what, &input.reference_id), res)) return;
    wire::JsonValue metadata;
    if (wire::Find(body, "metadata", &metadata)) {
      if (!metadata.is_object()) {
        return res.Error(wire::FieldError(what, "metadata", "must be an object"));
      }
      input.metadata_json = wire::Minify(metadata);
    }
    if (AnsweredError(wire::OptString(body, "bundle_name", what, &input.bundle_name), res)) return;
    if (AnsweredError(ReadStringList(body, "tags", what, &input.tags), res)) return;
    if (AnsweredError(ReadStringList(body, "trained_slice_ids", what, &input.trained_slice_ids), res)) {
      return;
    }
    auto created = api::CreateModel(ctx, req.owner, std::move(input));
    if (AnsweredError(created, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("model_id").String(created->id).EndObject().Take());
  });

  router.Add("GET", "models", [&ctx](Request& req, Response& res) {
    auto models = api::ListModels(ctx, req.owner);
    if (AnsweredError(models, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("models").BeginArray();
    for (const store::Model& m : *models) WriteModel(w, m);
    res.Json(w.EndArray().EndObject().Take());
  });

  router.Add("GET", "model/:id", [&ctx](Request& req, Response& res) {
    auto model = api::GetModel(ctx, req.owner, req.Param("id"));
    if (AnsweredError(model, res)) return;
    wire::JsonWriter w;
    WriteModel(w, *model);
    res.Json(w.Take());
  });

  router.Add("DELETE", "model/:id", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteModel(ctx, req.owner, req.Param("id")), res)) return;
    // Exact body asserted by the client's tests (models.md §5).
    res.Json("{\"msg\":\"Model deletion running in an async job\"}");
  });

  auto list_route = [&ctx](const char* list_key, auto use_case) {
    return StringListRoute("id", "model_id", list_key,
                           [&ctx, use_case](const std::string& owner, const std::string& id,
                                            const std::vector<std::string>& values) {
                             return use_case(ctx, owner, id, values);
                           });
  };
  router.Add("POST", "model/:id/tag", list_route("tags", api::AddModelTags));
  router.Add("DELETE", "model/:id/tag", list_route("tags", api::RemoveModelTags));
  router.Add("POST", "model/:id/trainedSliceId",
             list_route("trained_slice_ids", api::AddTrainedSliceIds));
  router.Add("DELETE", "model/:id/trainedSliceId",
             list_route("trained_slice_ids", api::RemoveTrainedSliceIds));
}

}  // namespace nucleus::server
