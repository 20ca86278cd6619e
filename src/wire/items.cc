#include "wire/items.h"

#include <string>

#include "wire/bodies.h"
#include "wire/scenes.h"

namespace nucleus::wire {
namespace {

constexpr std::string_view kBody = "request body";

// Group keys of `annotations` in loc/iloc/refloc answers and export rows (datasets.md §11–13).
constexpr std::string_view kListTypes[] = {"box",    "line",     "polygon",      "keypoints",
                                           "cuboid", "category", "multicategory"};

// A POST body, which must be a JSON object (wire/bodies.h): an empty body, `[]`, `null`, a number
// or a string is InvalidArgument, so "nothing sent" is never read as "nothing to do".
Status ParseRequestObject(std::string_view body, JsonDoc* doc, JsonObject* obj) {
  return ParseBodyObject(body, "POST", doc, obj);
}

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

// "\"width\":640,\"height\":480,\"camera_params\":{...}" (an object's members without braces).
std::string ExtraJson(const core::ItemInput& in) {
  std::string out;
  auto member = [&out](std::string_view key) {
    if (!out.empty()) out += ',';
    out += '"';
    out += key;
    out += "\":";
  };
  if (in.width) {
    member("width");
    out += std::to_string(*in.width);
  }
  if (in.height) {
    member("height");
    out += std::to_string(*in.height);
  }
  if (!in.camera_params_json.empty()) {
    member("camera_params");
    out += in.camera_params_json;
  }
  return out;
}

// The fields of an item object; `source_json` is left to the caller. Errors after the reference
// id name the item by `what` alone unless `name_with_ref` (see ParseItemFields).
Result<core::ItemInput> ParseItemFieldsAs(JsonValue value, std::string_view what,
                                          const Limits& limits, bool name_with_ref) {
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(value, what, &obj));
  core::ItemInput item;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "reference_id", what, &item.reference_id));
  NUCLEUS_RETURN_IF_ERROR(
      CheckLength(what, "reference_id", item.reference_id, limits.max_id_bytes, "max_id_bytes"));
  const std::string described =
      name_with_ref ? Describe(what, item.reference_id) : std::string(what);

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
  item.extra_json = ExtraJson(item);
  return item;
}

// The fields of an item object. Its name with the reference id ("item 3 (reference_id
// \"a.jpg\")") is only built for an error message: a malformed item is parsed a second time to
// word it, rather than every good item paying for the name.
Result<core::ItemInput> ParseItemFields(JsonValue value, std::string_view what,
                                        const Limits& limits) {
  Result<core::ItemInput> item = ParseItemFieldsAs(value, what, limits, /*name_with_ref=*/false);
  if (item.ok()) return item;
  return ParseItemFieldsAs(value, what, limits, /*name_with_ref=*/true);
}

// Every element of `array`: parsed ones into `out->parsed`, malformed ones counted in
// `out->rejected` with their JSON kept. `keep_source`: parsed items keep their JSON too
// (multipart answers it when an item has no image).
void ParseItems(JsonArray array, const Limits& limits, bool keep_source, core::AppendRequest* out) {
  out->parsed.reserve(array.size());
  size_t index = 0;
  std::string what;
  for (JsonValue value : array) {
    what = "item ";
    what += std::to_string(index++);
    Result<core::ItemInput> item = ParseItemFields(value, what, limits);
    if (item.ok()) {
      if (keep_source) item->source_json = Minify(value);
      out->parsed.push_back(std::move(item).value());
    } else {
      out->parsed.push_back(std::nullopt);
      ++out->rejected.counts.upload_errors;
      out->rejected.error_payload.push_back(Minify(value));
    }
  }
}

// "level" and the "metadata" array of a metadata update.
Status ReadMetadataHead(JsonObject body, core::MetadataUpdateRequest* out, JsonArray* array) {
  NUCLEUS_RETURN_IF_ERROR(OptString(body, "level", kBody, &out->level));
  return GetArray(body, "metadata", kBody, array);
}

void ParseMetadataEntries(JsonArray array, const Limits& limits, core::MetadataUpdateRequest* out) {
  size_t index = 0;
  for (JsonValue value : array) {
    auto entry = ParseMetadataUpdate(value, "metadata entry " + std::to_string(index++), limits);
    if (entry.ok()) {
      out->parsed.push_back(std::move(entry).value());
    } else {
      out->parsed.push_back(std::nullopt);
      out->rejected.push_back({Minify(value), entry.status().message()});
    }
  }
}

Status ReadPaging(JsonObject body, int64_t default_size, core::PageRequest* out) {
  NUCLEUS_RETURN_IF_ERROR(OptString(body, "pageToken", kBody, &out->page_token));
  out->page_size = default_size;
  return OptInt(body, "pageSize", kBody, &out->page_size);
}

// {"box": [...], ..., "segmentation": [...]} with only the non-empty groups; scene categories
// and unknown types are not item ground truth and are left out.
void WriteAnnotationGroups(JsonWriter& w, const std::vector<core::ItemAnnotation>& anns) {
  w.BeginObject();
  auto write_group = [&](std::string_view type) {
    bool open = false;
    for (const core::ItemAnnotation& a : anns) {
      if (a.type != type) continue;
      if (!open) w.Key(type).BeginArray();
      open = true;
      w.Raw(a.payload_json);
    }
    if (open) w.EndArray();
  };
  for (std::string_view type : kListTypes) write_group(type);
  write_group("segmentation");
  w.EndObject();
}

void WriteExportRow(JsonWriter& w, const core::ItemWithAnnotations& row) {
  w.BeginObject().Key("item");
  WriteItem(w, row.item);
  for (std::string_view type : kListTypes) {
    w.Key(type).BeginArray();
    for (const core::ItemAnnotation& a : row.annotations) {
      if (a.type == type) w.Raw(a.payload_json);
    }
    w.EndArray();
  }
  const std::string* segmentation = nullptr;
  for (const core::ItemAnnotation& a : row.annotations) {
    if (a.type == "segmentation") segmentation = &a.payload_json;
  }
  w.Key("segmentation");
  if (segmentation) {
    w.Raw(*segmentation);
  } else {
    w.Null();
  }
  w.EndObject();
}

class JsonMetadataMerger final : public core::MetadataMerger {
 public:
  Result<std::string> MergeItem(std::string_view base, std::string_view patch) const override {
    JsonDoc base_doc, patch_doc;
    NUCLEUS_RETURN_IF_ERROR(base_doc.Parse(base.empty() ? "{}" : base, "stored metadata"));
    NUCLEUS_RETURN_IF_ERROR(patch_doc.Parse(patch.empty() ? "{}" : patch, "metadata"));
    JsonObject base_obj, patch_obj;
    NUCLEUS_RETURN_IF_ERROR(AsObject(base_doc.root(), "stored metadata", &base_obj));
    NUCLEUS_RETURN_IF_ERROR(AsObject(patch_doc.root(), "metadata", &patch_obj));
    JsonWriter w;
    w.BeginObject();
    for (auto field : base_obj) {
      auto replaced = patch_obj.at_key(field.key);
      w.Key(field.key).Raw(Minify(replaced.error() ? field.value : replaced.value_unsafe()));
    }
    for (auto field : patch_obj) {
      if (base_obj.at_key(field.key).error()) w.Key(field.key).Raw(Minify(field.value));
    }
    w.EndObject();
    return w.Take();
  }

  Result<std::string> MergeScene(std::string_view base, std::string_view patch) const override {
    return MergeJsonObjects(base, patch);
  }

  Result<std::string> SetMember(std::string_view members, std::string_view key,
                                std::string_view value_json) const override {
    std::string base = "{";
    base += members;
    base += '}';
    std::string patch = "{";
    AppendJsonString(key, &patch);
    patch += ':';
    patch += value_json;
    patch += '}';
    NUCLEUS_ASSIGN_OR_RETURN(std::string merged, MergeItem(base, patch));
    return merged.substr(1, merged.size() - 2);
  }
};

}  // namespace

Result<core::ItemInput> ParseItem(JsonValue value, std::string_view what, const Limits& limits) {
  NUCLEUS_ASSIGN_OR_RETURN(core::ItemInput item, ParseItemFields(value, what, limits));
  item.source_json = Minify(value);
  return item;
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

Result<core::AppendRequest> DecodeAppendBody(std::string_view body, const Limits& limits) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseRequestObject(body, &doc, &obj));
  core::AppendRequest out;
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kBody, &out.update));
  JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(GetArray(obj, "items", kBody, &array));
  NUCLEUS_RETURN_IF_ERROR(
      CheckCount(kBody, "items", array.size(), limits.max_batch_objects, "max_batch_objects"));
  ParseItems(array, limits, /*keep_source=*/false, &out);
  return out;
}

Result<core::AppendRequest> DecodeAppendItemsPart(std::string_view part, const Limits& limits) {
  constexpr std::string_view kPart = "part \"items\"";
  JsonDoc doc;
  JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(part, kPart));
  NUCLEUS_RETURN_IF_ERROR(AsArray(doc.root(), kPart, &array));
  NUCLEUS_RETURN_IF_ERROR(
      CheckCount(kBody, "items", array.size(), limits.max_batch_objects, "max_batch_objects"));
  core::AppendRequest out;
  ParseItems(array, limits, /*keep_source=*/true, &out);
  return out;
}

Result<core::AsyncUploadRequest> DecodeAsyncUploadBody(std::string_view body) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseRequestObject(body, &doc, &obj));
  core::AsyncUploadRequest out;
  NUCLEUS_RETURN_IF_ERROR(GetString(obj, "requestId", kBody, &out.request_id));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kBody, &out.update));
  return out;
}

Result<core::MetadataUpdateRequest> DecodeMetadataUpdateBody(std::string_view body,
                                                             const Limits& limits, bool async) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseRequestObject(body, &doc, &obj));
  core::MetadataUpdateRequest out;
  JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(ReadMetadataHead(obj, &out, &array));
  NUCLEUS_RETURN_IF_ERROR(
      CheckCount(kBody, "metadata", array.size(), limits.max_batch_objects, "max_batch_objects"));
  if (async) {
    out.body = Minify(doc.root());
  } else {
    ParseMetadataEntries(array, limits, &out);
  }
  return out;
}

Result<core::MetadataUpdateRequest> DecodeMetadataUpdateJob(std::string_view body,
                                                            const Limits& limits) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(body, kBody));
  NUCLEUS_RETURN_IF_ERROR(AsObject(doc.root(), kBody, &obj));
  core::MetadataUpdateRequest out;
  JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(ReadMetadataHead(obj, &out, &array));
  ParseMetadataEntries(array, limits, &out);
  return out;
}

Result<core::PageRequest> DecodePageBody(std::string_view body, int64_t default_size) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseRequestObject(body, &doc, &obj));
  core::PageRequest out;
  NUCLEUS_RETURN_IF_ERROR(ReadPaging(obj, default_size, &out));
  return out;
}

Result<core::PageRequest> DecodeExportPageBody(std::string_view body, int64_t default_size) {
  JsonDoc doc;
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(ParseRequestObject(body, &doc, &obj));
  core::PageRequest out;
  NUCLEUS_RETURN_IF_ERROR(ReadPaging(obj, default_size, &out));
  JsonValue query;
  if (Find(obj, "query", &query)) {
    return FieldError(kBody, "query", "is not supported (send null)");
  }
  return out;
}

std::optional<core::ItemInput> DecodeItemLine(JsonDoc& doc, std::string_view line,
                                              std::string_view what, const Limits& limits,
                                              std::string* job_error) {
  Status parsed = doc.Parse(line, what);
  if (!parsed.ok()) {
    JsonWriter w;
    w.BeginObject().Key("item").String(line.substr(0, 1000));
    *job_error = w.Key("error").String(parsed.message()).EndObject().Take();
    return std::nullopt;
  }
  Result<core::ItemInput> item = ParseItemFields(doc.root(), what, limits);
  if (!item.ok()) {
    *job_error = EncodeJobItemError(Minify(doc.root()), item.status().message());
    return std::nullopt;
  }
  return std::move(item).value();
}

std::string EncodeItem(const core::Item& item) {
  std::string out = "{\"id\":";
  AppendJsonString(item.id, &out);
  out += ",\"reference_id\":";
  AppendJsonString(item.reference_id, &out);
  if (!item.image_url.empty()) {
    out += ",\"image_url\":";
    AppendJsonString(item.image_url, &out);
  }
  if (!item.pointcloud_url.empty()) {
    out += ",\"pointcloud_url\":";
    AppendJsonString(item.pointcloud_url, &out);
  }
  out += ",\"metadata\":";
  out += item.metadata_json.empty() ? "{}" : item.metadata_json;
  if (!item.extra_json.empty()) {
    out += ",";
    out += item.extra_json;
  }
  out += "}";
  return out;
}

void WriteItem(JsonWriter& w, const core::Item& item) { w.Raw(EncodeItem(item)); }

std::string EncodeItemList(const std::vector<core::Item>& items) {
  JsonWriter w;
  w.BeginObject().Key("dataset_items").BeginArray();
  for (const core::Item& item : items) WriteItem(w, item);
  return w.EndArray().EndObject().Take();
}

std::string EncodeItemPage(const core::ItemPage& page) {
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const core::Item& item : page.items) WriteItem(w, item);
  w.EndArray().Key("nextPageToken");
  w.StringOrNull(page.next_page_token ? &*page.next_page_token : nullptr);
  return w.EndObject().Take();
}

std::string EncodeItemWithAnnotations(const core::ItemWithAnnotations& row) {
  JsonWriter w;
  w.BeginObject().Key("item");
  WriteItem(w, row.item);
  w.Key("annotations");
  WriteAnnotationGroups(w, row.annotations);
  return w.EndObject().Take();
}

std::string EncodeExport(const std::vector<core::ItemWithAnnotations>& rows) {
  JsonWriter w;
  w.BeginObject().Key("exportedRows").BeginArray();
  for (const core::ItemWithAnnotations& row : rows) WriteExportRow(w, row);
  return w.EndArray().EndObject().Take();
}

std::string EncodeExportPage(const core::ExportPage& page) {
  JsonWriter w;
  w.BeginObject().Key("data").BeginArray();
  for (const core::ItemWithAnnotations& row : page.rows) WriteExportRow(w, row);
  w.EndArray().Key("nextPageToken");
  w.StringOrNull(page.next_page_token ? &*page.next_page_token : nullptr);
  return w.EndObject().Take();
}

std::string EncodeAppendResponse(std::string_view dataset_id, const core::AppendOutcome& out) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  w.Key("new_items").Int(out.counts.new_items);
  w.Key("updated_items").Int(out.counts.updated_items);
  w.Key("ignored_items").Int(out.counts.ignored_items);
  w.Key("upload_errors").Int(out.counts.upload_errors);
  if (!out.error_payload.empty()) {
    w.Key("error_payload").BeginArray();
    for (const std::string& item : out.error_payload) w.Raw(item);
    w.EndArray();
  }
  return w.EndObject().Take();
}

std::string EncodeMetadataUpdateResponse(std::string_view dataset_id, std::string_view level,
                                         const core::MetadataOutcome& out,
                                         const std::vector<std::string>& malformed) {
  JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  std::string key = "updated_";
  key += level;
  key += 's';
  w.Key(key).Int(out.updated);
  key = "ignored_";
  key += level;
  key += 's';
  w.Key(key).Int(out.ignored + static_cast<int64_t>(malformed.size()));
  if (!malformed.empty() || !out.unknown_reference_ids.empty()) {
    w.Key("errors").BeginArray();
    for (const std::string& e : malformed) w.String(e);
    for (const std::string& ref : out.unknown_reference_ids) {
      w.String(EncodeUnknownReference(level, ref));
    }
    w.EndArray();
  }
  return w.EndObject().Take();
}

std::string EncodeUnknownReference(std::string_view level, std::string_view reference_id) {
  std::string message = level == "scene" ? "Scene" : "Item";
  message += " with reference id ";
  message += reference_id;
  message += " doesn't exist.";
  JsonWriter w;
  w.BeginObject().Key("reference_id").String(reference_id);
  return w.Key("error").String(message).EndObject().Take();
}

std::string EncodeJobItemError(std::string_view object_json, std::string_view error) {
  JsonWriter w;
  w.BeginObject().Key("item").Raw(object_json);
  return w.Key("error").String(error).EndObject().Take();
}

const core::MetadataMerger& MetadataMerger() {
  static const JsonMetadataMerger kMerger;
  return kMerger;
}

}  // namespace nucleus::wire
