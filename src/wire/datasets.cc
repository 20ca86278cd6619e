#include "wire/datasets.h"

#include "wire/bodies.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::wire {

Result<core::NewDataset> DecodeNewDataset(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, "POST", &doc, &obj));
  constexpr std::string_view kWhat = "dataset";
  core::NewDataset input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kWhat, &input.name));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "is_scene", kWhat, &input.is_scene));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "use_privacy_mode", kWhat, &input.use_privacy_mode));
  NUCLEUS_RETURN_IF_ERROR(OptObjectJson(obj, "annotation_metadata_schema", kWhat,
                                        &input.annotation_metadata_schema_json));
  NUCLEUS_RETURN_IF_ERROR(
      OptObjectJson(obj, "item_metadata_schema", kWhat, &input.item_metadata_schema_json));
  return input;
}

std::string EncodeDatasetCreated(const core::Dataset& dataset) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset.id).Key("name").String(dataset.name);
  return w.EndObject().Take();
}

std::string EncodeDatasetDetails(const std::vector<core::Dataset>& datasets) {
  JsonWriter w;
  w.BeginArray();
  for (const core::Dataset& d : datasets) {
    w.BeginObject().Key("id").String(d.id).Key("name").String(d.name);
    w.Key("is_public").Bool(false).Key("is_scene").Bool(d.is_scene).EndObject();
  }
  return w.EndArray().Take();
}

std::string EncodeDatasetIdsAndNames(const std::vector<core::Dataset>& datasets) {
  JsonWriter w;
  w.BeginObject().Key("dataset_ids").BeginArray();
  for (const core::Dataset& d : datasets) w.String(d.id);
  w.EndArray().Key("dataset_names").BeginArray();
  for (const core::Dataset& d : datasets) w.String(d.name);
  return w.EndArray().EndObject().Take();
}

std::string EncodeDatasetName(const core::Dataset& dataset) {
  return JsonWriter().BeginObject().Key("name").String(dataset.name).EndObject().Take();
}

std::string EncodeDatasetIsScene(const core::Dataset& dataset) {
  return JsonWriter().BeginObject().Key("is_scene").Bool(dataset.is_scene).EndObject().Take();
}

std::string EncodeDatasetPrivacyMode(const core::Dataset& dataset) {
  JsonWriter w;
  w.BeginObject().Key("use_privacy_mode").Bool(dataset.use_privacy_mode);
  return w.EndObject().Take();
}

std::string EncodeDatasetTags(const core::Dataset& dataset) {
  JsonWriter w;
  w.BeginObject().Key("tags");
  WriteStringArray(w, dataset.tags);
  return w.EndObject().Take();
}

std::string EncodeDatasetInfo(const core::DatasetInfo& info) {
  const core::Dataset& d = info.dataset;
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(d.id).Key("name").String(d.name);
  w.Key("length").Int(info.length);
  w.Key("model_run_ids");
  WriteStringArray(w, info.model_run_ids);
  w.Key("slice_ids");
  WriteStringArray(w, info.slice_ids);
  w.Key("annotation_metadata_schema").Raw(d.annotation_metadata_schema_json);
  w.Key("item_metadata_schema").Raw(d.item_metadata_schema_json);
  w.Key("tags");
  WriteStringArray(w, d.tags);
  w.Key("is_scene").Bool(d.is_scene).Key("use_privacy_mode").Bool(d.use_privacy_mode);
  return w.EndObject().Take();
}

std::string EncodeDatasetSize(int64_t count) {
  return JsonWriter().BeginObject().Key("count").Int(count).EndObject().Take();
}

std::string EncodeDatasetDeletionStarted() {
  return "{\"message\":\"Beginning dataset deletion...\"}";
}

std::string EncodeSignedUrl(std::string_view url) {
  return JsonWriter().BeginObject().Key("signed_url").String(url).EndObject().Take();
}

}  // namespace nucleus::wire
