#include "api/items.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>

#include "api/item_refs.h"
#include "api/scenes.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/strings.h"
#include "store/annotations.h"
#include "store/datasets.h"
#include "store/items.h"

namespace nucleus::api {
namespace {

// Pages larger than this are cut; the token still leads to the rest.
constexpr int64_t kMaxPageSize = 100000;

// The row an item input becomes (moved from it), with a fresh id; rowid and seq come at insert.
core::Item ToStoreItem(core::ItemInput&& in) {
  core::Item item;
  item.id = core::NewId("di");
  item.reference_id = std::move(in.reference_id);
  item.image_url = std::move(in.image_url);
  item.pointcloud_url = std::move(in.pointcloud_url);
  item.metadata_json = std::move(in.metadata_json);  // "{}" unless sent (core/items.h)
  item.extra_json = std::move(in.extra_json);
  return item;
}

// The items of an append as rows, and whether each replaces an existing item of the same
// reference id (its own `update`, else the request's).
struct AppendRows {
  std::vector<core::Item> rows;
  std::vector<char> replace;
};

AppendRows ToAppendRows(std::vector<core::ItemInput> items, bool update) {
  AppendRows out;
  out.rows.reserve(items.size());
  out.replace.reserve(items.size());
  for (core::ItemInput& in : items) {
    out.replace.push_back(in.update.value_or(update) ? 1 : 0);
    out.rows.push_back(ToStoreItem(std::move(in)));
  }
  return out;
}

Status CheckImageDataset(store::Tx& tx, const std::string& owner, const std::string& dataset_id) {
  NUCLEUS_ASSIGN_OR_RETURN(store::Dataset d, tx.datasets().Get(owner, dataset_id));
  if (d.is_scene) {
    return InvalidArgument("dataset " + dataset_id +
                           " is a scene dataset: it takes scenes (upload_scenes), not items");
  }
  return Status::Ok();
}

// Replaces the stored item of `row`'s reference id with `row`'s fields (id, seq and scene kept).
Status ReplaceItem(store::Tx& tx, const std::string& dataset_id, const core::Item& row) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> existing,
                           tx.items().FindByRef(dataset_id, row.reference_id));
  if (!existing) return Internal("item " + row.reference_id + " vanished during an append");
  core::Item item = row;
  item.rowid = existing->rowid;
  item.id = std::move(existing->id);
  item.dataset_id = std::move(existing->dataset_id);
  item.seq = existing->seq;
  item.scene_id = std::move(existing->scene_id);
  return tx.items().Replace(item);
}

// Applies the rows in order, as if one by one: a reference id already stored is replaced or left
// alone; a new one is appended, and when it repeats within the call the repeat counts as existing
// (its fields replace the pending row's when it replaces). New rows are written together
// (ItemRepo::InsertMany). `stored` holds the reference ids taken as stored. `rows` keep their
// contents, so the transaction can run again.
Status ApplyAppendWith(store::Tx& tx, const std::string& dataset_id, AppendRows& append,
                       const ItemRefs::RowidMap& stored, core::AppendCounts* counts) {
  std::vector<core::Item>& rows = append.rows;
  std::unordered_map<std::string_view, size_t> pending;  // reference id -> slot in `fresh`
  std::vector<size_t> fresh;  // per new row, the index of the row whose fields it takes
  bool in_place = true;       // fresh[k] == k for every k: `rows` is the insert list itself
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& ref = rows[i].reference_id;
    if (auto it = pending.find(ref); it != pending.end()) {
      in_place = false;
      if (!append.replace[i]) {
        ++counts->ignored_items;
        continue;
      }
      fresh[it->second] = i;
      ++counts->updated_items;
      continue;
    }
    if (stored.count(ref) == 0) {
      if (fresh.size() != i) in_place = false;
      pending.emplace(ref, fresh.size());
      fresh.push_back(i);
      ++counts->new_items;
    } else if (append.replace[i]) {
      NUCLEUS_RETURN_IF_ERROR(ReplaceItem(tx, dataset_id, rows[i]));
      ++counts->updated_items;
    } else {
      ++counts->ignored_items;
    }
  }
  if (in_place && fresh.size() == rows.size()) return tx.items().InsertMany(dataset_id, rows);
  // Copies, as `rows` must stay as they are. A repeat's fields (and fresh id) stand in for the
  // pending row's: the same stored item as inserting the first and replacing it with the repeat.
  std::vector<core::Item> inserts;
  inserts.reserve(fresh.size());
  for (size_t index : fresh) inserts.push_back(rows[index]);
  return tx.items().InsertMany(dataset_id, inserts);
}

// The reference ids of `append`, resolved in a read snapshot before the write (item_refs.h).
Result<ItemRefs> ResolveAppendRefs(Context& ctx, const std::string& dataset_id,
                                   const AppendRows& append) {
  std::vector<std::string> refs;
  refs.reserve(append.rows.size());
  for (const core::Item& row : append.rows) refs.push_back(row.reference_id);
  ItemRefs out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, ItemRefs::Resolve(tx, dataset_id, std::move(refs)));
    return Status::Ok();
  }));
  return out;
}

// ApplyAppendWith, the reference ids resolved before the transaction: what the snapshot did not
// find is inserted as new without another lookup under the writer. If one of them was appended
// in between, InsertMany refuses the batch (AlreadyExists, nothing written) and the append runs
// again with every id looked up here; the replaces of the first try are simply done again.
Status ApplyAppend(store::Tx& tx, const std::string& dataset_id, AppendRows& append,
                   ItemRefs& refs, core::AppendCounts* counts) {
  NUCLEUS_ASSIGN_OR_RETURN(const ItemRefs::RowidMap* stored,
                           refs.Confirm(tx, ItemRefs::Missing::kAssumeNew));
  core::AppendCounts first = *counts;
  Status status = ApplyAppendWith(tx, dataset_id, append, *stored, &first);
  if (status.code() != StatusCode::kAlreadyExists) {
    if (status.ok()) *counts = std::move(first);
    return status;
  }
  NUCLEUS_ASSIGN_OR_RETURN(stored, refs.Confirm(tx, ItemRefs::Missing::kLookUp));
  return ApplyAppendWith(tx, dataset_id, append, *stored, counts);
}

// A request-level field error, worded as wire/ words them.
Status RequestFieldError(std::string_view key, std::string_view problem) {
  std::string msg = "field \"";
  msg += key;
  msg += "\" of request body: ";
  msg += problem;
  return InvalidArgument(std::move(msg));
}

Status ApplyItemMetadata(store::Tx& tx, const std::string& dataset_id,
                         const std::vector<core::MetadataUpdateInput>& entries,
                         const core::MetadataMerger& merger, core::MetadataOutcome* out) {
  for (const core::MetadataUpdateInput& e : entries) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindByRef(dataset_id, e.reference_id));
    if (!item) {
      ++out->ignored;
      out->unknown_reference_ids.push_back(e.reference_id);
      continue;
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string merged,
                             merger.MergeItem(item->metadata_json, e.metadata_json));
    if (e.camera_params_json.empty()) {
      NUCLEUS_RETURN_IF_ERROR(tx.items().UpdateMetadata(item->rowid, merged));
    } else {
      item->metadata_json = std::move(merged);
      NUCLEUS_ASSIGN_OR_RETURN(item->extra_json, merger.SetMember(item->extra_json, "camera_params",
                                                                  e.camera_params_json));
      NUCLEUS_RETURN_IF_ERROR(tx.items().Replace(*item));
    }
    ++out->updated;
  }
  return Status::Ok();
}

// Applies one level's entries inside `tx`. New levels are added here (scenes.md: "scene").
Status ApplyMetadataLevel(store::Tx& tx, const std::string& dataset_id, const std::string& level,
                          const std::vector<core::MetadataUpdateInput>& entries,
                          const core::MetadataMerger& merger, core::MetadataOutcome* out) {
  if (level == "item") return ApplyItemMetadata(tx, dataset_id, entries, merger, out);
  if (level == "scene") return UpdateSceneMetadataInTx(tx, dataset_id, entries, merger, out);
  return RequestFieldError("level", "must be \"item\" or \"scene\", got \"" + level + "\"");
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
    return RequestFieldError("pageToken", "is not a token returned by this route");
  }
  if (page_size < 1) return RequestFieldError("pageSize", "must be >= 1");
  *limit = std::min(page_size, kMaxPageSize);
  return Status::Ok();
}

// Items after `after_seq`, at most `limit`, and the token of the next page (if any).
Status ReadPage(store::Tx& tx, const std::string& dataset_id, int64_t after_seq, int64_t limit,
                std::vector<core::Item>* items, std::optional<std::string>* next) {
  NUCLEUS_ASSIGN_OR_RETURN(*items, tx.items().List(dataset_id, after_seq, limit + 1));
  if (static_cast<int64_t>(items->size()) > limit) {
    items->resize(static_cast<size_t>(limit));
    *next = std::to_string(items->back().seq);
  }
  return Status::Ok();
}

void AddAnnotation(store::Annotation& a, std::vector<core::ItemAnnotation>* out) {
  out->push_back(core::ItemAnnotation{std::move(a.type), std::move(a.payload_json)});
}

Result<core::ItemWithAnnotations> WithAnnotations(store::Tx& tx, std::optional<core::Item> item,
                                                  const std::string& not_found) {
  if (!item) return NotFound(not_found);
  core::ItemWithAnnotations out;
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                           tx.annotations().ListByItem(item->rowid));
  out.annotations.reserve(annotations.size());
  for (store::Annotation& a : annotations) AddAnnotation(a, &out.annotations);
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

}  // namespace

Result<core::AppendOutcome> AppendItems(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id,
                                        std::vector<core::ItemInput> items, bool update) {
  AppendRows rows = ToAppendRows(std::move(items), update);
  NUCLEUS_ASSIGN_OR_RETURN(ItemRefs refs, ResolveAppendRefs(ctx, dataset_id, rows));
  core::AppendOutcome out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    out = core::AppendOutcome{};
    NUCLEUS_RETURN_IF_ERROR(CheckImageDataset(tx, owner, dataset_id));
    return ApplyAppend(tx, dataset_id, rows, refs, &out.counts);
  }));
  return out;
}

Result<core::AppendOutcome> AppendLocalItems(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             std::vector<LocalItem> items, bool update,
                                             const std::string& image_url_prefix) {
  // Check before writing any file for a dataset the caller cannot see.
  NUCLEUS_RETURN_IF_ERROR(
      ctx.store.Read([&](store::Tx& tx) { return CheckImageDataset(tx, owner, dataset_id); }));
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
  bool valid = hash.size() == 64 &&
               hash.find_first_not_of("0123456789abcdef") == std::string::npos &&
               (dot == std::string::npos || (!ext.empty() && ExtensionOf(file) == ext));
  if (!valid) return NotFound("no uploaded image " + file);
  NUCLEUS_ASSIGN_OR_RETURN(std::string bytes, ctx.blobs.Get("img/" + file));
  *content_type = ImageContentType(ext);
  return bytes;
}

Result<store::Job> SubmitItemUpload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id,
                                    const core::AsyncUploadRequest& request) {
  if (ctx.jobs == nullptr) return Internal("this process runs no jobs");
  NUCLEUS_RETURN_IF_ERROR(
      ctx.store.Read([&](store::Tx& tx) { return CheckImageDataset(tx, owner, dataset_id); }));
  core::JobRequest job;
  NUCLEUS_ASSIGN_OR_RETURN(job.payload,
                           UploadedPayload(ctx, owner, dataset_id, request.request_id));
  job.request_id = request.request_id;
  job.update = request.update;
  return ctx.jobs->Submit(owner, dataset_id, kItemUploadJobType, job);
}

Status CheckItemUploadTarget(JobRun& run) {
  const store::Job& job = run.job();
  return run.ctx().store.Read(
      [&](store::Tx& tx) { return CheckImageDataset(tx, job.owner, job.dataset_id); });
}

Result<core::AppendCounts> AppendItemUploadChunk(JobRun& run, std::vector<core::ItemInput> items,
                                                 const std::vector<std::string>& errors,
                                                 const ItemChunkCheckpoint& checkpoint) {
  const store::Job& job = run.job();
  for (core::ItemInput& item : items) item.update.reset();
  AppendRows rows = ToAppendRows(std::move(items), run.request().update);
  NUCLEUS_ASSIGN_OR_RETURN(ItemRefs refs, ResolveAppendRefs(run.ctx(), job.dataset_id, rows));
  core::AppendCounts counts;
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Write([&](store::Tx& tx) -> Status {
    counts = core::AppendCounts{};
    NUCLEUS_RETURN_IF_ERROR(ApplyAppend(tx, job.dataset_id, rows, refs, &counts));
    return run.CommitChunk(tx, errors, checkpoint(counts));
  }));
  return counts;
}

Result<core::MetadataOutcome> UpdateMetadata(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::string& level,
                                             const std::vector<core::MetadataUpdateInput>& entries,
                                             const core::MetadataMerger& merger) {
  core::MetadataOutcome out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    out = core::MetadataOutcome{};
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ApplyMetadataLevel(tx, dataset_id, level, entries, merger, &out);
  }));
  return out;
}

Result<store::Job> SubmitMetadataUpdate(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id, std::string request_body) {
  if (ctx.jobs == nullptr) return Internal("this process runs no jobs");
  NUCLEUS_RETURN_IF_ERROR(
      ctx.store.Read([&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  core::JobRequest job;
  job.body = std::move(request_body);
  return ctx.jobs->Submit(owner, dataset_id, kMetadataUpdateJobType, job);
}

Result<core::MetadataOutcome> UpdateMetadataChunk(
    JobRun& run, const std::string& level, const std::vector<core::MetadataUpdateInput>& entries,
    std::vector<std::string> errors, const core::MetadataMerger& merger,
    const UnknownReferenceDescriber& unknown_error) {
  const store::Job& job = run.job();
  const size_t decoded_errors = errors.size();
  core::MetadataOutcome out;
  NUCLEUS_RETURN_IF_ERROR(run.ctx().store.Write([&](store::Tx& tx) -> Status {
    out = core::MetadataOutcome{};
    errors.resize(decoded_errors);
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(job.owner, job.dataset_id).status());
    NUCLEUS_RETURN_IF_ERROR(ApplyMetadataLevel(tx, job.dataset_id, level, entries, merger, &out));
    for (const std::string& ref : out.unknown_reference_ids) errors.push_back(unknown_error(ref));
    return run.AppendErrorsIn(tx, errors);
  }));
  return out;
}

Result<std::vector<core::Item>> ListItems(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id) {
  std::vector<core::Item> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out.clear();
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    int64_t after = 0;
    while (true) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<core::Item> batch,
                               tx.items().List(dataset_id, after, 10000));
      if (batch.empty()) break;
      after = batch.back().seq;
      for (core::Item& item : batch) out.push_back(std::move(item));
    }
    return Status::Ok();
  }));
  return out;
}

Result<core::ItemPage> ListItemsPage(Context& ctx, const std::string& owner,
                                     const std::string& dataset_id,
                                     const core::PageRequest& request) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(request.page_token, request.page_size, &after, &limit));
  core::ItemPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ReadPage(tx, dataset_id, after, limit, &page.items, &page.next_page_token);
  }));
  return page;
}

Result<core::ItemPage> ListItemsPageAt(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, int64_t index,
                                       int64_t page_size) {
  if (index < 0) return RequestFieldError("index", "must be >= 0");
  int64_t unused = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(std::nullopt, page_size, &unused, &limit));
  core::ItemPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> first,
                             tx.items().FindByIndex(dataset_id, index));
    if (!first) return Status::Ok();
    // seq increases along the insertion order: the items from `first` on are those after seq - 1.
    return ReadPage(tx, dataset_id, first->seq - 1, limit, &page.items, &page.next_page_token);
  }));
  return page;
}

Result<core::ItemWithAnnotations> GetItemByIndex(Context& ctx, const std::string& owner,
                                                 const std::string& dataset_id, int64_t index) {
  std::optional<core::ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindByIndex(dataset_id, index));
    NUCLEUS_ASSIGN_OR_RETURN(
        out, WithAnnotations(
                 tx, std::move(item),
                 "dataset " + dataset_id + " has no item at index " + std::to_string(index)));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<core::ItemWithAnnotations> GetItemByRef(Context& ctx, const std::string& owner,
                                               const std::string& dataset_id,
                                               const std::string& reference_id) {
  std::optional<core::ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindByRef(dataset_id, reference_id));
    NUCLEUS_ASSIGN_OR_RETURN(
        out, WithAnnotations(tx, std::move(item),
                             "dataset " + dataset_id + " has no item with reference id \"" +
                                 reference_id + "\""));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<core::ItemWithAnnotations> GetItemById(Context& ctx, const std::string& owner,
                                              const std::string& dataset_id,
                                              const std::string& item_id) {
  std::optional<core::ItemWithAnnotations> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindById(dataset_id, item_id));
    NUCLEUS_ASSIGN_OR_RETURN(
        out,
        WithAnnotations(tx, std::move(item), "dataset " + dataset_id + " has no item " + item_id));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<int64_t> GetItemIndex(Context& ctx, const std::string& owner, const std::string& dataset_id,
                             const std::string& item_id) {
  int64_t index = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindById(dataset_id, item_id));
    if (!item) return NotFound("dataset " + dataset_id + " has no item " + item_id);
    NUCLEUS_ASSIGN_OR_RETURN(index, tx.items().CountBefore(dataset_id, item->seq));
    return Status::Ok();
  }));
  return index;
}

Status DeleteItem(Context& ctx, const std::string& owner, const std::string& dataset_id,
                  const std::string& reference_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                             tx.items().FindByRef(dataset_id, reference_id));
    if (!item) {
      return NotFound("dataset " + dataset_id + " has no item with reference id \"" + reference_id +
                      "\"");
    }
    return tx.items().Delete(item->rowid);
  });
}

Result<std::vector<core::ItemWithAnnotations>> ExportItems(Context& ctx, const std::string& owner,
                                                           const std::string& dataset_id) {
  std::vector<core::ItemWithAnnotations> rows;
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<core::Item> items, ListItems(ctx, owner, dataset_id));
  std::vector<store::Annotation> annotations;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(annotations, tx.annotations().ListByDataset(dataset_id));
    return Status::Ok();
  }));
  std::unordered_map<int64_t, size_t> row_of;
  rows.reserve(items.size());
  for (core::Item& item : items) {
    row_of.emplace(item.rowid, rows.size());
    rows.push_back(core::ItemWithAnnotations{std::move(item), {}});
  }
  for (store::Annotation& a : annotations) {
    auto it = row_of.find(a.item_rowid);
    if (it != row_of.end()) AddAnnotation(a, &rows[it->second].annotations);
  }
  return rows;
}

Result<core::ExportPage> ExportItemsPage(Context& ctx, const std::string& owner,
                                         const std::string& dataset_id,
                                         const core::PageRequest& request) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(request.page_token, request.page_size, &after, &limit));
  core::ExportPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    std::vector<core::Item> items;
    NUCLEUS_RETURN_IF_ERROR(ReadPage(tx, dataset_id, after, limit, &items, &page.next_page_token));
    for (core::Item& item : items) {
      NUCLEUS_ASSIGN_OR_RETURN(core::ItemWithAnnotations row,
                               WithAnnotations(tx, std::move(item), "item vanished"));
      page.rows.push_back(std::move(row));
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace nucleus::api
