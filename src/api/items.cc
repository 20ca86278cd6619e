#include "api/items.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>

#include "api/scenes.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/strings.h"
#include "store/datasets.h"
#include "wire/items.h"
#include "wire/json_reader.h"

namespace nucleus::api {
namespace {

// Lines of a signed-URL payload applied per transaction (and per progress step).
constexpr int64_t kJobChunk = 1000;
// Pages larger than this are cut; the token still leads to the rest.
constexpr int64_t kMaxPageSize = 100000;

// "\"width\":640,\"height\":480,\"camera_params\":{...}" (an object's members without braces).
std::string ExtraJson(const core::ItemInput& in) {
  wire::JsonWriter w;
  w.BeginObject();
  if (in.width) w.Key("width").Int(*in.width);
  if (in.height) w.Key("height").Int(*in.height);
  if (!in.camera_params_json.empty()) w.Key("camera_params").Raw(in.camera_params_json);
  w.EndObject();
  std::string out = w.Take();
  return out.substr(1, out.size() - 2);
}

store::Item ToStoreItem(const core::ItemInput& in) {
  store::Item item;
  item.reference_id = in.reference_id;
  item.image_url = in.image_url;
  item.pointcloud_url = in.pointcloud_url;
  item.metadata_json = in.metadata_json.empty() ? "{}" : in.metadata_json;
  item.extra_json = ExtraJson(in);
  return item;
}

Status CheckImageDataset(store::Tx& tx, const std::string& owner, const std::string& dataset_id) {
  NUCLEUS_ASSIGN_OR_RETURN(store::Dataset d, tx.datasets().Get(owner, dataset_id));
  if (d.is_scene) {
    return InvalidArgument("dataset " + dataset_id +
                           " is a scene dataset: it takes scenes (upload_scenes), not items");
  }
  return Status::Ok();
}

Status ApplyAppend(store::Tx& tx, const std::string& dataset_id,
                   const std::vector<core::ItemInput>& items, bool update, AppendCounts* counts) {
  for (const core::ItemInput& in : items) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> existing,
                             tx.items().FindByRef(dataset_id, in.reference_id));
    if (!existing) {
      store::Item item = ToStoreItem(in);
      item.id = core::NewId("di");
      item.dataset_id = dataset_id;
      NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
      ++counts->new_items;
    } else if (in.update.value_or(update)) {
      store::Item item = ToStoreItem(in);
      item.rowid = existing->rowid;
      item.id = existing->id;
      item.dataset_id = existing->dataset_id;
      item.seq = existing->seq;
      item.scene_id = existing->scene_id;
      NUCLEUS_RETURN_IF_ERROR(tx.items().Replace(item));
      ++counts->updated_items;
    } else {
      ++counts->ignored_items;
    }
  }
  return Status::Ok();
}

// `base` with the top-level keys of `patch` overwriting or added (base's key order first).
Result<std::string> MergeObjects(const std::string& base, const std::string& patch) {
  wire::JsonDoc base_doc, patch_doc;
  NUCLEUS_RETURN_IF_ERROR(base_doc.Parse(base.empty() ? "{}" : base, "stored metadata"));
  NUCLEUS_RETURN_IF_ERROR(patch_doc.Parse(patch.empty() ? "{}" : patch, "metadata"));
  wire::JsonObject base_obj, patch_obj;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(base_doc.root(), "stored metadata", &base_obj));
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(patch_doc.root(), "metadata", &patch_obj));
  wire::JsonWriter w;
  w.BeginObject();
  for (auto field : base_obj) {
    auto replaced = patch_obj.at_key(field.key);
    w.Key(field.key).Raw(wire::Minify(replaced.error() ? field.value : replaced.value_unsafe()));
  }
  for (auto field : patch_obj) {
    if (base_obj.at_key(field.key).error()) w.Key(field.key).Raw(wire::Minify(field.value));
  }
  w.EndObject();
  return w.Take();
}

// Members-without-braces text `extra` with `key` set to `value_json`.
Result<std::string> SetExtraMember(const std::string& extra, std::string_view key,
                                   const std::string& value_json) {
  std::string patch;
  wire::AppendJsonString(key, &patch);
  NUCLEUS_ASSIGN_OR_RETURN(std::string merged,
                           MergeObjects("{" + extra + "}", "{" + patch + ":" + value_json + "}"));
  return merged.substr(1, merged.size() - 2);
}

Status ApplyItemMetadata(store::Tx& tx, const std::string& dataset_id,
                         const std::vector<core::MetadataUpdateInput>& entries,
                         MetadataOutcome* out) {
  for (const core::MetadataUpdateInput& e : entries) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, e.reference_id));
    if (!item) {
      ++out->ignored_items;
      std::string msg = "{\"reference_id\":";
      wire::AppendJsonString(e.reference_id, &msg);
      msg += ",\"error\":";
      wire::AppendJsonString("Item with reference id " + e.reference_id + " doesn't exist.",
                             &msg);
      msg += "}";
      out->errors.push_back(std::move(msg));
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string merged, MergeObjects(item->metadata_json,
                                                              e.metadata_json));
    if (e.camera_params_json.empty()) {
      NUCLEUS_RETURN_IF_ERROR(tx.items().UpdateMetadata(item->rowid, merged));
    } else {
      item->metadata_json = std::move(merged);
      NUCLEUS_ASSIGN_OR_RETURN(item->extra_json, SetExtraMember(item->extra_json, "camera_params",
                                                                e.camera_params_json));
      NUCLEUS_RETURN_IF_ERROR(tx.items().Replace(*item));
    }
    ++out->updated_items;
  }
  return Status::Ok();
}

// Scene level (scenes.md §3.6): merges into the scenes' metadata; unknown scenes are ignored.
Status ApplySceneMetadata(store::Tx& tx, const std::string& dataset_id,
                          const std::vector<core::MetadataUpdateInput>& entries,
                          MetadataOutcome* out) {
  NUCLEUS_ASSIGN_OR_RETURN(SceneMetadataCounts counts,
                           UpdateSceneMetadataInTx(tx, dataset_id, entries));
  out->updated_items += counts.updated_scenes;
  out->ignored_items += counts.ignored_scenes;
  for (const std::string& ref : counts.unknown_reference_ids) {
    std::string msg = "{\"reference_id\":";
    wire::AppendJsonString(ref, &msg);
    msg += ",\"error\":";
    wire::AppendJsonString("Scene with reference id " + ref + " doesn't exist.", &msg);
    msg += "}";
    out->errors.push_back(std::move(msg));
  }
  return Status::Ok();
}

// Applies one level's entries inside `tx`. New levels are added here (scenes.md: "scene").
Status ApplyMetadataLevel(store::Tx& tx, const std::string& dataset_id, const std::string& level,
                          const std::vector<core::MetadataUpdateInput>& entries,
                          MetadataOutcome* out) {
  if (level == "item") return ApplyItemMetadata(tx, dataset_id, entries, out);
  if (level == "scene") return ApplySceneMetadata(tx, dataset_id, entries, out);
  return wire::FieldError("request body", "level",
                          "must be \"item\" or \"scene\", got \"" + level + "\"");
}

bool ParseToken(const std::optional<std::string>& token, int64_t* after_seq) {
  *after_seq = 0;
  if (!token || token->empty()) return true;
  if (token->size() > 18 || token->find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *after_seq = std::stoll(*token);
  return true;
}

Status CheckPaging(const std::optional<std::string>& token, int64_t page_size, int64_t* after_seq,
                   int64_t* limit) {
  if (!ParseToken(token, after_seq)) {
    return wire::FieldError("request body", "pageToken",
                            "is not a token returned by this route");
  }
  if (page_size < 1) return wire::FieldError("request body", "pageSize", "must be >= 1");
  *limit = std::min(page_size, kMaxPageSize);
  return Status::Ok();
}

// Items after `after_seq`, at most `limit`, and the token of the next page (if any).
Status ReadPage(store::Tx& tx, const std::string& dataset_id, int64_t after_seq, int64_t limit,
                std::vector<store::Item>* items, std::optional<std::string>* next) {
  NUCLEUS_ASSIGN_OR_RETURN(*items, tx.items().List(dataset_id, after_seq, limit + 1));
  if (static_cast<int64_t>(items->size()) > limit) {
    items->resize(static_cast<size_t>(limit));
    *next = std::to_string(items->back().seq);
  }
  return Status::Ok();
}

Result<ItemWithAnnotations> WithAnnotations(store::Tx& tx, std::optional<store::Item> item,
                                            const std::string& not_found) {
  if (!item) return NotFound(not_found);
  ItemWithAnnotations out;
  NUCLEUS_ASSIGN_OR_RETURN(out.annotations, tx.annotations().ListByItem(item->rowid));
  out.item = std::move(*item);
  return out;
}

// "jpg" from "tests/test_img.jpg"; "" when the name has no plain extension.
std::string ExtensionOf(const std::string& path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  if (ext.empty() || ext.size() > 8) return "";
  for (char& c : ext) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return ext;
}

std::string ImageContentType(const std::string& ext) {
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "bmp") return "image/bmp";
  if (ext == "webp") return "image/webp";
  if (ext == "tif" || ext == "tiff") return "image/tiff";
  return "application/octet-stream";
}

std::string JobErrorJson(std::string_view item_json, bool item_is_json, std::string_view error) {
  wire::JsonWriter w;
  w.BeginObject().Key("item");
  if (item_is_json) {
    w.Raw(item_json);
  } else {
    w.String(item_json.substr(0, 1000));
  }
  w.Key("error").String(error);
  return w.EndObject().Take();
}

}  // namespace

std::string ItemJson(const store::Item& item) {
  std::string out = "{\"id\":";
  wire::AppendJsonString(item.id, &out);
  out += ",\"reference_id\":";
  wire::AppendJsonString(item.reference_id, &out);
  if (!item.image_url.empty()) {
    out += ",\"image_url\":";
    wire::AppendJsonString(item.image_url, &out);
  }
  if (!item.pointcloud_url.empty()) {
    out += ",\"pointcloud_url\":";
    wire::AppendJsonString(item.pointcloud_url, &out);
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

Result<AppendOutcome> AppendItems(Context& ctx, const std::string& owner,
                                  const std::string& dataset_id, std::vector<core::ItemInput> items,
                                  bool update) {
  AppendOutcome out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    out = AppendOutcome{};
    NUCLEUS_RETURN_IF_ERROR(CheckImageDataset(tx, owner, dataset_id));
    return ApplyAppend(tx, dataset_id, items, update, &out.counts);
  }));
  return out;
}

Result<AppendOutcome> AppendLocalItems(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, std::vector<LocalItem> items,
                                       bool update, const std::string& image_url_prefix) {
  // Check before writing any file for a dataset the caller cannot see.
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return CheckImageDataset(tx, owner, dataset_id); }));
  std::vector<core::ItemInput> inputs;
  inputs.reserve(items.size());
  std::unordered_map<std::string, std::string> stored;  // sha256 + ext -> blob name
  for (LocalItem& local : items) {
    std::string ext = ExtensionOf(local.item.image_url);
    std::string name = "img/" + core::Sha256Hex(local.image) + (ext.empty() ? "" : "." + ext);
    if (stored.count(name) == 0) {
      NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, ctx.blobs.Create(name));
      NUCLEUS_RETURN_IF_ERROR(writer->Append(local.image));
      NUCLEUS_RETURN_IF_ERROR(writer->Commit());
      stored.emplace(name, name);
    }
    local.item.image_url = image_url_prefix + name;
    local.item.pointcloud_url.clear();
    inputs.push_back(std::move(local.item));
  }
  return AppendItems(ctx, owner, dataset_id, std::move(inputs), update);
}

Result<std::string> ReadUploadedImage(Context& ctx, const std::string& file,
                                      std::string* content_type) {
  size_t dot = file.find('.');
  std::string hash = file.substr(0, dot);
  std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
  bool valid = hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos &&
               (dot == std::string::npos || (!ext.empty() && ExtensionOf(file) == ext));
  if (!valid) return NotFound("no uploaded image " + file);
  NUCLEUS_ASSIGN_OR_RETURN(std::string bytes, ctx.blobs.Get("img/" + file));
  *content_type = ImageContentType(ext);
  return bytes;
}

Result<store::Job> SubmitItemUpload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id, const std::string& request_id,
                                    bool update) {
  if (ctx.jobs == nullptr) return Internal("this process runs no jobs");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return CheckImageDataset(tx, owner, dataset_id); }));
  NUCLEUS_ASSIGN_OR_RETURN(std::string blob, UploadedPayload(ctx, owner, dataset_id, request_id));
  wire::JsonWriter w;
  w.BeginObject().Key("payload").String(blob).Key("request_id").String(request_id);
  w.Key("update").Bool(update).EndObject();
  return ctx.jobs->Submit(owner, dataset_id, "uploadDatasetItems", w.Take());
}

Status RunItemUploadJob(JobRun& run) {
  Context& ctx = run.ctx();
  const store::Job job = run.job();
  std::string blob;
  bool update = false;
  {
    wire::JsonDoc doc;
    wire::JsonObject req;
    NUCLEUS_RETURN_IF_ERROR(doc.Parse(job.request_json, "job request"));
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(doc.root(), "job request", &req));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(req, "payload", "job request", &blob));
    NUCLEUS_RETURN_IF_ERROR(wire::OptBool(req, "update", "job request", &update));
  }
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return CheckImageDataset(tx, job.owner, job.dataset_id); }));

  int64_t lines = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) {
    if (line.find_first_not_of(" \t") != std::string_view::npos) ++lines;
    return Status::Ok();
  }));
  const int64_t total = std::max<int64_t>(1, (lines + kJobChunk - 1) / kJobChunk);
  int64_t done = 0;
  AppendCounts counts;
  auto message = [&] {
    wire::JsonWriter w;
    w.BeginObject().Key("upload_progress").BeginObject();
    w.Key("new_items").Int(counts.new_items).Key("updated_items").Int(counts.updated_items);
    w.Key("ignored_items").Int(counts.ignored_items).Key("upload_errors").Int(counts.upload_errors);
    return w.EndObject().EndObject().Take();
  };
  run.SetMessage(message());
  NUCLEUS_RETURN_IF_ERROR(run.Progress(0, total));

  std::vector<core::ItemInput> chunk;
  std::vector<std::string> errors;
  int64_t read = 0;
  auto flush = [&]() -> Status {
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
      AppendCounts chunk_counts;
      NUCLEUS_RETURN_IF_ERROR(ApplyAppend(tx, job.dataset_id, chunk, update, &chunk_counts));
      NUCLEUS_RETURN_IF_ERROR(tx.jobs().AppendErrors(job.id, errors));
      counts.new_items += chunk_counts.new_items;
      counts.updated_items += chunk_counts.updated_items;
      counts.ignored_items += chunk_counts.ignored_items;
      return Status::Ok();
    }));
    chunk.clear();
    errors.clear();
    run.SetMessage(message());
    return run.Progress(std::min(++done, total), total);
  };

  wire::JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) -> Status {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return Status::Ok();
    std::string what = "item " + std::to_string(read++);
    Status parsed = doc.Parse(line, what);
    if (!parsed.ok()) {
      ++counts.upload_errors;
      errors.push_back(JobErrorJson(line, false, parsed.message()));
    } else {
      Result<core::ItemInput> item = wire::ParseItem(doc.root(), what, ctx.limits);
      if (!item.ok()) {
        ++counts.upload_errors;
        errors.push_back(JobErrorJson(wire::Minify(doc.root()), true, item.status().message()));
      } else {
        item->update.reset();  // NDJSON lines carry no update flag; the request's applies
        chunk.push_back(std::move(item).value());
      }
    }
    if (static_cast<int64_t>(chunk.size() + errors.size()) >= kJobChunk) return flush();
    return Status::Ok();
  }));
  if (!chunk.empty() || !errors.empty() || done == 0) NUCLEUS_RETURN_IF_ERROR(flush());
  run.SetMessage(message());
  return Status::Ok();
}

Result<MetadataOutcome> UpdateMetadata(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, const std::string& level,
                                       const std::vector<core::MetadataUpdateInput>& entries) {
  MetadataOutcome out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    out = MetadataOutcome{};
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ApplyMetadataLevel(tx, dataset_id, level, entries, &out);
  }));
  return out;
}

Result<store::Job> SubmitMetadataUpdate(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id, std::string request_json) {
  if (ctx.jobs == nullptr) return Internal("this process runs no jobs");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  return ctx.jobs->Submit(owner, dataset_id, "metadataUpdate", std::move(request_json));
}

Status RunMetadataUpdateJob(JobRun& run) {
  Context& ctx = run.ctx();
  const store::Job job = run.job();
  wire::JsonDoc doc;
  wire::JsonObject req;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(job.request_json, "request body"));
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(doc.root(), "request body", &req));
  std::string level = "item";
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(req, "level", "request body", &level));
  wire::JsonArray array;
  NUCLEUS_RETURN_IF_ERROR(wire::GetArray(req, "metadata", "request body", &array));

  MetadataOutcome total;
  std::vector<core::MetadataUpdateInput> entries;
  std::vector<std::string> errors;
  const int64_t steps = std::max<int64_t>(
      1, (static_cast<int64_t>(array.size()) + kJobChunk - 1) / kJobChunk);
  int64_t done = 0;
  auto message = [&] {
    wire::JsonWriter w;
    w.BeginObject().Key("metadata_update").BeginObject();
    w.Key("dataset_id").String(job.dataset_id).Key("level").String(level);
    w.Key("updated_items").Int(total.updated_items).Key("ignored_items").Int(total.ignored_items);
    return w.EndObject().EndObject().Take();
  };
  auto flush = [&]() -> Status {
    MetadataOutcome out;
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
      NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(job.owner, job.dataset_id).status());
      NUCLEUS_RETURN_IF_ERROR(ApplyMetadataLevel(tx, job.dataset_id, level, entries, &out));
      errors.insert(errors.end(), out.errors.begin(), out.errors.end());
      return tx.jobs().AppendErrors(job.id, errors);
    }));
    total.updated_items += out.updated_items;
    total.ignored_items += out.ignored_items;
    entries.clear();
    errors.clear();
    run.SetMessage(message());
    return run.Progress(std::min(++done, steps), steps);
  };
  int64_t index = 0;
  for (wire::JsonValue value : array) {
    std::string what = "metadata entry " + std::to_string(index++);
    Result<core::MetadataUpdateInput> entry = wire::ParseMetadataUpdate(value, what, ctx.limits);
    if (entry.ok()) {
      entries.push_back(std::move(entry).value());
    } else {
      ++total.ignored_items;
      errors.push_back(JobErrorJson(wire::Minify(value), true, entry.status().message()));
    }
    if (static_cast<int64_t>(entries.size() + errors.size()) >= kJobChunk) {
      NUCLEUS_RETURN_IF_ERROR(flush());
    }
  }
  if (!entries.empty() || !errors.empty() || done == 0) NUCLEUS_RETURN_IF_ERROR(flush());
  return Status::Ok();
}

Result<std::vector<store::Item>> ListItems(Context& ctx, const std::string& owner,
                                           const std::string& dataset_id) {
  std::vector<store::Item> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out.clear();
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    int64_t after = 0;
    while (true) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Item> batch,
                               tx.items().List(dataset_id, after, 10000));
      if (batch.empty()) break;
      after = batch.back().seq;
      for (store::Item& item : batch) out.push_back(std::move(item));
    }
    return Status::Ok();
  }));
  return out;
}

Result<ItemPage> ListItemsPage(Context& ctx, const std::string& owner,
                               const std::string& dataset_id,
                               const std::optional<std::string>& page_token, int64_t page_size) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(page_token, page_size, &after, &limit));
  ItemPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ReadPage(tx, dataset_id, after, limit, &page.items, &page.next_page_token);
  }));
  return page;
}

Result<ItemWithAnnotations> GetItemByIndex(Context& ctx, const std::string& owner,
                                           const std::string& dataset_id, int64_t index) {
  std::optional<ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByIndex(dataset_id, index));
    NUCLEUS_ASSIGN_OR_RETURN(out, WithAnnotations(tx, std::move(item),
                                                  "dataset " + dataset_id + " has no item at index " +
                                                      std::to_string(index)));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<ItemWithAnnotations> GetItemByRef(Context& ctx, const std::string& owner,
                                         const std::string& dataset_id,
                                         const std::string& reference_id) {
  std::optional<ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, reference_id));
    NUCLEUS_ASSIGN_OR_RETURN(out, WithAnnotations(tx, std::move(item),
                                                  "dataset " + dataset_id +
                                                      " has no item with reference id \"" +
                                                      reference_id + "\""));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<ItemWithAnnotations> GetItemById(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id,
                                        const std::string& item_id) {
  std::optional<ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindById(dataset_id, item_id));
    NUCLEUS_ASSIGN_OR_RETURN(out, WithAnnotations(tx, std::move(item),
                                                  "dataset " + dataset_id + " has no item " +
                                                      item_id));
    return Status::Ok();
  }));
  return std::move(*out);
}

Status DeleteItem(Context& ctx, const std::string& owner, const std::string& dataset_id,
                  const std::string& reference_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, reference_id));
    if (!item) {
      return NotFound("dataset " + dataset_id + " has no item with reference id \"" +
                      reference_id + "\"");
    }
    return tx.items().Delete(item->rowid);
  });
}

Result<std::vector<ItemWithAnnotations>> ExportItems(Context& ctx, const std::string& owner,
                                                     const std::string& dataset_id) {
  std::vector<ItemWithAnnotations> rows;
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Item> items, ListItems(ctx, owner, dataset_id));
  std::vector<store::Annotation> annotations;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(annotations, tx.annotations().ListByDataset(dataset_id));
    return Status::Ok();
  }));
  std::unordered_map<int64_t, size_t> row_of;
  rows.reserve(items.size());
  for (store::Item& item : items) {
    row_of.emplace(item.rowid, rows.size());
    rows.push_back(ItemWithAnnotations{std::move(item), {}});
  }
  for (store::Annotation& a : annotations) {
    auto it = row_of.find(a.item_rowid);
    if (it != row_of.end()) rows[it->second].annotations.push_back(std::move(a));
  }
  return rows;
}

Result<ExportPage> ExportItemsPage(Context& ctx, const std::string& owner,
                                   const std::string& dataset_id,
                                   const std::optional<std::string>& page_token,
                                   int64_t page_size) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(page_token, page_size, &after, &limit));
  ExportPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    std::vector<store::Item> items;
    NUCLEUS_RETURN_IF_ERROR(ReadPage(tx, dataset_id, after, limit, &items, &page.next_page_token));
    for (store::Item& item : items) {
      NUCLEUS_ASSIGN_OR_RETURN(ItemWithAnnotations row,
                               WithAnnotations(tx, std::move(item), "item vanished"));
      page.rows.push_back(std::move(row));
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace nucleus::api
