#include "wire/items.h"

#include <string>

#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

std::string Describe(std::string_view what, const std::string& reference_id) {
  std::string out(what);
  if (reference_id.empty()) return out;
  out += " (reference_id ";
  AppendJsonString(reference_id, &out);
  out += ")";
  return out;
}

Status OptDimension(JsonObject obj, std::string_view key, std::string_view what,
                    std::optional<int64_t>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  int64_t n = -1;
  if (!ToInt64(v, &n) || n < 0) {
    return FieldError(what, key,
                      std::string("must be a non-negative integer, got ") +
                          (v.is_number() ? Minify(v) : std::string(TypeName(v))));
  }
  *out = n;
  return Status::Ok();
}

Status OptObjectText(JsonObject obj, std::string_view key, std::string_view what,
                     const Limits& limits, std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_object()) {
    return FieldError(what, key, std::string("must be an object, got ") + std::string(TypeName(v)));
  }
  *out = Minify(v);
  return CheckUserJson(what, key, v, out->size(), limits);
}

}  // namespace

Result<core::ItemInput> ParseItem(JsonValue value, std::string_view what, const Limits& limits) {
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, what, &obj));
  core::ItemInput item;
  item.source_json = Minify(value);
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", what, &item.reference_id));
  NUCLEUS_RETURN_IF_ERROR(
      CheckLength(what, "reference_id", item.reference_id, limits.max_id_bytes, "max_id_bytes"));
  const std::string described = Describe(what, item.reference_id);

  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "image_url", described, &item.image_url));
  if (item.image_url.empty()) {
    NUCLEUS_RETURN_IF_ERROR(OptString(obj, "pointcloud_url", described, &item.pointcloud_url));
  }
  if (item.image_url.empty() && item.pointcloud_url.empty()) {
    std::string url, type;
    NUCLEUS_RETURN_IF_ERROR(OptString(obj, "url", described, &url));
    NUCLEUS_RETURN_IF_ERROR(OptString(obj, "type", described, &type));
    (type == "pointcloud" ? item.pointcloud_url : item.image_url) = std::move(url);
  }
  if (item.image_url.empty() && item.pointcloud_url.empty()) {
    return FieldError(described, "image_url", "is required (a non-empty string)");
  }
  const bool image = !item.image_url.empty();
  NUCLEUS_RETURN_IF_ERROR(CheckLength(described, image ? "image_url" : "pointcloud_url",
                                      image ? item.image_url : item.pointcloud_url,
                                      limits.max_url_bytes, "max_url_bytes"));
  NUCLEUS_RETURN_IF_ERROR(OptObjectText(obj, "metadata", described, limits, &item.metadata_json));
  NUCLEUS_RETURN_IF_ERROR(OptDimension(obj, "width", described, &item.width));
  NUCLEUS_RETURN_IF_ERROR(OptDimension(obj, "height", described, &item.height));
  NUCLEUS_RETURN_IF_ERROR(
      OptObjectText(obj, "camera_params", described, limits, &item.camera_params_json));
  JsonValue update;
  if (Find(obj, "update", &update)) {
    if (!update.is_bool()) return FieldError(described, "update", "must be a boolean");
    item.update = update.get_bool().value_unsafe();
  }
  return item;
}

Result<core::ItemInput> ParseItemLine(JsonDoc& doc, std::string_view line, std::string_view what,
                                      const Limits& limits) {
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(line, what));
  return ParseItem(doc.root(), what, limits);
}

Result<core::MetadataUpdateInput> ParseMetadataUpdate(JsonValue value, std::string_view what,
                                                      const Limits& limits) {
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, what, &obj));
  core::MetadataUpdateInput entry;
  entry.source_json = Minify(value);
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", what, &entry.reference_id));
  NUCLEUS_RETURN_IF_ERROR(
      CheckLength(what, "reference_id", entry.reference_id, limits.max_id_bytes, "max_id_bytes"));
  const std::string described = Describe(what, entry.reference_id);
  NUCLEUS_RETURN_IF_ERROR(OptObjectText(obj, "metadata", described, limits, &entry.metadata_json));
  NUCLEUS_RETURN_IF_ERROR(
      OptObjectText(obj, "camera_params", described, limits, &entry.camera_params_json));
  return entry;
}

}  // namespace nucleus::wire
