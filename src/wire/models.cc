#include "wire/models.h"

#include "wire/bodies.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

void WriteModel(JsonWriter& w, const core::Model& m) {
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

Result<core::NewModel> DecodeNewModel(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "model";
  core::NewModel input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kWhat, &input.name));
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", kWhat, &input.reference_id));
  JsonValue metadata;
  if (Find(obj, "metadata", &metadata)) {
    if (!metadata.is_object()) return FieldError(kWhat, "metadata", "must be an object");
    input.metadata_json = Minify(metadata);
  }
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "bundle_name", kWhat, &input.bundle_name));
  NUCLEUS_RETURN_IF_ERROR(ReadStringList(obj, "tags", kWhat, &input.tags));
  NUCLEUS_RETURN_IF_ERROR(
      ReadStringList(obj, "trained_slice_ids", kWhat, &input.trained_slice_ids));
  return input;
}

std::string EncodeModelCreated(const core::Model& model) {
  return JsonWriter().BeginObject().Key("model_id").String(model.id).EndObject().Take();
}

std::string EncodeModel(const core::Model& model) {
  JsonWriter w;
  WriteModel(w, model);
  return w.Take();
}

std::string EncodeModelList(const std::vector<core::Model>& models) {
  JsonWriter w;
  w.BeginObject().Key("models").BeginArray();
  for (const core::Model& m : models) WriteModel(w, m);
  return w.EndArray().EndObject().Take();
}

std::string EncodeModelDeletionStarted() {
  return "{\"msg\":\"Model deletion running in an async job\"}";
}

}  // namespace nucleus::wire
