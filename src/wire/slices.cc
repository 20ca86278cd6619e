#include "wire/slices.h"

#include "core/clock.h"
#include "wire/bodies.h"
#include "wire/items.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"
#include "wire/scenes.h"

namespace nucleus::wire {
namespace {

constexpr std::string_view kBody = "request body";

// ReadStringList, with null read as absent.
Status ReadOptionalList(JsonObject obj, std::string_view key, std::vector<std::string>* out) {
  JsonValue v;
  if (Find(obj, key, &v) && v.is_null()) return Status::Ok();
  return ReadStringList(obj, key, kBody, out);
}

void WriteSliceFields(JsonWriter& w, const core::Slice& s) {
  w.Key("id").String(s.id).Key("name").String(s.name);
  w.Key("dataset_id").String(s.dataset_id).Key("type").String(s.type);
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(s.created_at_ms)));
  w.Key("pending_job_count").Int(0);
}

}  // namespace

Result<core::NewSlice> DecodeNewSlice(std::string_view body, std::string_view method) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, method, &doc, &obj));
  core::NewSlice input;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "name", kBody, &input.name));
  NUCLEUS_RETURN_IF_ERROR(ReadOptionalList(obj, "reference_ids", &input.reference_ids));
  NUCLEUS_RETURN_IF_ERROR(ReadOptionalList(obj, "dataset_item_ids", &input.dataset_item_ids));
  NUCLEUS_RETURN_IF_ERROR(ReadOptionalList(obj, "scene_ids", &input.scene_ids));
  NUCLEUS_RETURN_IF_ERROR(ReadOptionalList(obj, "object_ids", &input.object_ids));
  JsonValue allow;
  if (Find(obj, "allow_empty", &allow)) {
    input.allow_empty = (allow.is_bool() && allow.get_bool().value_unsafe()) ||
                        (allow.is_number() && Minify(allow) != "0");
  }
  return input;
}

Result<core::SliceAppend> DecodeSliceAppend(std::string_view body, std::string_view method) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(body, method, &doc, &obj));
  core::SliceAppend input;
  JsonValue refs;
  if (Find(obj, "reference_ids", &refs) && !refs.is_null()) {
    input.reference_ids.emplace();
    NUCLEUS_RETURN_IF_ERROR(ReadStringList(obj, "reference_ids", kBody, &*input.reference_ids));
  }
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "dataset_id", kBody, &input.dataset_id));
  return input;
}

std::string EncodeSliceCreated(const core::Slice& slice) {
  return JsonWriter().BeginObject().Key("slice_id").String(slice.id).EndObject().Take();
}

std::string EncodeSliceList(const std::vector<core::Slice>& slices) {
  JsonWriter w;
  w.BeginArray();
  for (const core::Slice& s : slices) {
    w.BeginObject();
    WriteSliceFields(w, s);
    w.EndObject();
  }
  return w.EndArray().Take();
}

std::string EncodeSliceInfo(const core::Slice& slice) {
  JsonWriter w;
  w.BeginObject();
  WriteSliceFields(w, slice);
  w.Key("slice_id").String(slice.id).Key("description").Null();
  w.Key("tags").BeginArray().EndArray();
  return w.EndObject().Take();
}

std::string EncodeSliceContents(const core::SliceContents& contents) {
  const core::Slice& s = contents.slice;
  JsonWriter w;
  w.BeginObject().Key("id").String(s.id).Key("slice_id").String(s.id);
  w.Key("name").String(s.name).Key("dataset_id").String(s.dataset_id).Key("type").String(s.type);
  w.Key("items").BeginArray();
  for (const core::Item& item : contents.items) WriteItem(w, item);
  for (const core::SceneView& scene : contents.scenes) w.Raw(EncodeScene(scene));
  return w.EndArray().EndObject().Take();
}

std::string EncodeSliceAppendOutcome(const core::SliceAppendOutcome& out) {
  JsonWriter w;
  w.BeginObject().Key("slice_id").String(out.slice_id).Key("appended").Int(out.appended);
  return w.EndObject().Take();
}

std::string EncodeRawExport(const std::vector<core::ItemWithAnnotations>& rows) {
  JsonWriter w;
  w.BeginArray();
  for (const core::ItemWithAnnotations& row : rows) {
    w.BeginObject().Key("item");
    WriteItem(w, row.item);
    w.Key("annotations").BeginArray();
    for (const core::ItemAnnotation& a : row.annotations) w.Raw(a.payload_json);
    w.EndArray().EndObject();
  }
  return w.EndArray().Take();
}

std::string EncodeRawItems(const std::vector<core::ItemWithAnnotations>& rows) {
  JsonWriter w;
  w.BeginObject().Key("raw_dataset_items").BeginArray();
  for (const core::ItemWithAnnotations& row : rows) {
    const core::Item& item = row.item;
    w.BeginObject().Key("reference_id").String(item.reference_id);
    w.Key("scale_url").String(item.image_url.empty() ? item.pointcloud_url : item.image_url);
    w.EndObject();
  }
  return w.EndArray().EndObject().Take();
}

std::string EncodeSliceClassLabels(const std::vector<std::string>& labels) {
  JsonWriter w;
  w.BeginObject().Key("data");
  WriteStringArray(w, labels);
  return w.EndObject().Take();
}

}  // namespace nucleus::wire
