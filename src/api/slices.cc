#include "api/slices.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "api/model_runs.h"
#include "api/scenes.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/predictions.h"
#include "store/scenes.h"

namespace nucleus::api {
namespace {

constexpr int64_t kMaxPageSize = 100000;
constexpr int64_t kReadBatch = 10000;

// A request-level field error, worded as wire/ words them.
Status RequestFieldError(std::string_view key, std::string_view problem) {
  std::string msg = "field \"";
  msg += key;
  msg += "\" of request body: ";
  msg += problem;
  return InvalidArgument(std::move(msg));
}

Status SliceNotFound(const std::string& slice_id) {
  return NotFound("slice " + slice_id + " not found");
}

// The slice, if it exists and its dataset is the owner's; else NotFound naming the slice.
Result<store::Slice> OwnedSlice(store::Tx& tx, const std::string& owner,
                                const std::string& slice_id) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Slice> slice, tx.datasets().GetSlice(slice_id));
  if (!slice) return SliceNotFound(slice_id);
  Result<store::Dataset> dataset = tx.datasets().Get(owner, slice->dataset_id);
  if (!dataset.ok()) return SliceNotFound(slice_id);
  return std::move(*slice);
}

// `ids` without repeats, in the order of their first mention.
std::vector<std::string> Distinct(std::vector<std::string> ids) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (std::string& id : ids) {
    if (seen.insert(id).second) out.push_back(std::move(id));
  }
  return out;
}

// Item rows of `refs` (reference ids) in order; InvalidArgument naming the first unknown one.
Result<std::vector<int64_t>> ResolveItemRefs(store::Tx& tx, const std::string& dataset_id,
                                             const std::vector<std::string>& refs) {
  NUCLEUS_ASSIGN_OR_RETURN(auto found, tx.items().ResolveRefs(dataset_id, refs));
  std::vector<int64_t> rowids;
  rowids.reserve(refs.size());
  for (const std::string& ref : refs) {
    auto it = found.find(ref);
    if (it == found.end()) {
      return InvalidArgument("dataset " + dataset_id + " has no item with reference id \"" + ref +
                             "\"");
    }
    rowids.push_back(it->second);
  }
  return rowids;
}

// Checks that every scene reference id of `refs` names a scene of the dataset.
Status CheckSceneRefs(store::Tx& tx, const std::string& dataset_id,
                      const std::vector<std::string>& refs) {
  for (const std::string& ref : refs) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene, FindSceneByRef(tx, dataset_id, ref));
    if (!scene) {
      return InvalidArgument("dataset " + dataset_id + " has no scene with reference id \"" + ref +
                             "\"");
    }
  }
  return Status::Ok();
}

// Scene ids ("scn_...") as the scenes' reference ids.
Result<std::vector<std::string>> SceneRefsOfIds(store::Tx& tx, const std::string& dataset_id,
                                                const std::vector<std::string>& ids) {
  std::vector<std::string> refs;
  for (const std::string& id : ids) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                             tx.scenes().FindById(dataset_id, id));
    if (!scene) return InvalidArgument("dataset " + dataset_id + " has no scene " + id);
    refs.push_back(scene->reference_id);
  }
  return refs;
}

Result<std::vector<int64_t>> ItemRowidsOfIds(store::Tx& tx, const std::string& dataset_id,
                                             const std::vector<std::string>& ids) {
  std::vector<int64_t> rowids;
  for (const std::string& id : ids) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item, tx.items().FindById(dataset_id, id));
    if (!item) return InvalidArgument("dataset " + dataset_id + " has no item " + id);
    rowids.push_back(item->rowid);
  }
  return rowids;
}

Status CheckNewSlice(const NewSlice& input) {
  if (input.name.empty()) return InvalidArgument("field \"name\" of request body: is required");
  int kinds = !input.reference_ids.empty() + !input.dataset_item_ids.empty() +
              !input.scene_ids.empty() + !input.object_ids.empty();
  if (kinds > 1) {
    return InvalidArgument(
        "slice members must be all reference ids, all item ids, all scene ids or all object ids");
  }
  if (kinds == 0 && !input.allow_empty) {
    return InvalidArgument("a slice needs reference_ids (or allow_empty: 1 for an empty slice)");
  }
  size_t members = input.reference_ids.size() + input.dataset_item_ids.size() +
                   input.scene_ids.size() + input.object_ids.size();
  if (members > kMaxSliceMembers) {
    return InvalidArgument("a slice takes at most " + std::to_string(kMaxSliceMembers) +
                           " members, got " + std::to_string(members));
  }
  return Status::Ok();
}

// Inserts `slice` with the members `input` names (CreateSlice's transaction).
Status InsertSliceWithMembers(store::Tx& tx, const store::Dataset& dataset, NewSlice& input,
                              store::Slice& slice) {
  const std::string& ds = dataset.id;
  std::vector<int64_t> rowids;
  bool scene_refs = false;  // a scene dataset's reference ids name scenes when the first does
  if (dataset.is_scene && !input.reference_ids.empty()) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> first,
                             FindSceneByRef(tx, ds, input.reference_ids.front()));
    scene_refs = first.has_value();
  }
  if (!input.scene_ids.empty()) {
    slice.type = "scene";
    NUCLEUS_ASSIGN_OR_RETURN(slice.reference_ids, SceneRefsOfIds(tx, ds, input.scene_ids));
  } else if (!input.object_ids.empty()) {
    slice.type = "object";
    slice.reference_ids = std::move(input.object_ids);
  } else if (!input.dataset_item_ids.empty()) {
    NUCLEUS_ASSIGN_OR_RETURN(rowids, ItemRowidsOfIds(tx, ds, input.dataset_item_ids));
  } else if (scene_refs) {
    slice.type = "scene";
    NUCLEUS_RETURN_IF_ERROR(CheckSceneRefs(tx, ds, input.reference_ids));
    slice.reference_ids = std::move(input.reference_ids);
  } else if (!input.reference_ids.empty()) {
    NUCLEUS_ASSIGN_OR_RETURN(rowids, ResolveItemRefs(tx, ds, input.reference_ids));
  }
  slice.reference_ids = Distinct(std::move(slice.reference_ids));
  NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(slice));
  if (rowids.empty()) return Status::Ok();
  return tx.datasets().AppendSliceItems(slice.id, rowids).status();
}

bool ParseToken(const std::optional<std::string>& token, int64_t* after) {
  *after = 0;
  if (!token || token->empty()) return true;
  if (token->size() > 18 || token->find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *after = std::stoll(*token);
  return true;
}

Status CheckPaging(const core::PageRequest& page, int64_t* after, int64_t* limit) {
  if (!ParseToken(page.page_token, after)) {
    return RequestFieldError("pageToken", "is not a token returned by this route");
  }
  if (page.page_size < 1) return RequestFieldError("pageSize", "must be >= 1");
  *limit = std::min(page.page_size, kMaxPageSize);
  return Status::Ok();
}

// Member items after position `after`, at most `limit`, with the next page's token if any.
Status ReadMemberPage(store::Tx& tx, const store::Slice& slice, int64_t after, int64_t limit,
                      std::vector<core::Item>* items, std::optional<std::string>* next) {
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SliceMember> members,
                           tx.datasets().ListSliceItems(slice.id, after, limit + 1));
  if (static_cast<int64_t>(members.size()) > limit) {
    members.resize(static_cast<size_t>(limit));
    *next = std::to_string(members.back().position);
  }
  for (const store::SliceMember& m : members) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item, tx.items().FindByRowid(m.item_rowid));
    if (item) items->push_back(std::move(*item));
  }
  return Status::Ok();
}

// Every member item of a "dataset_item" slice, in member order.
Status ReadAllMembers(store::Tx& tx, const store::Slice& slice, std::vector<core::Item>* items) {
  int64_t after = 0;
  while (true) {
    std::optional<std::string> next;
    NUCLEUS_RETURN_IF_ERROR(ReadMemberPage(tx, slice, after, kReadBatch, items, &next));
    if (!next) return Status::Ok();
    after = std::stoll(*next);
  }
}

// Rows of `items`: ground truth, or the predictions of run `run_rowid` when it is not 0.
Status AddRows(store::Tx& tx, std::vector<core::Item> items, int64_t run_rowid,
               std::vector<core::ItemWithAnnotations>* rows) {
  for (core::Item& item : items) {
    core::ItemWithAnnotations row;
    if (run_rowid == 0) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                               tx.annotations().ListByItem(item.rowid));
      for (store::Annotation& a : annotations) {
        row.annotations.push_back(core::ItemAnnotation{std::move(a.type), std::move(a.payload_json)});
      }
    } else {
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().ReadItem(
          run_rowid, item.rowid, [&](std::span<const store::PredictionRef> preds) -> Status {
            for (const store::PredictionRef& p : preds) {
              row.annotations.push_back(
                  core::ItemAnnotation{std::string(p.type), std::string(p.payload_json)});
            }
            return Status::Ok();
          }));
    }
    row.item = std::move(item);
    rows->push_back(std::move(row));
  }
  return Status::Ok();
}

// The run whose predictions a model's slice export shows (0 for ground truth).
Result<int64_t> RunRowidOfModel(Context& ctx, const std::string& owner, const std::string& slice_id,
                                const std::string& model_id) {
  NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, GetSlice(ctx, owner, slice_id));
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run,
                           RunOfModel(ctx, owner, slice.dataset_id, model_id, /*create=*/false));
  return run.rowid;
}

Result<std::vector<core::ItemWithAnnotations>> ExportRows(Context& ctx, const std::string& owner,
                                                          const std::string& slice_id,
                                                          int64_t run_rowid) {
  std::vector<core::ItemWithAnnotations> rows;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    rows.clear();
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    std::vector<core::Item> items;
    NUCLEUS_RETURN_IF_ERROR(ReadAllMembers(tx, slice, &items));
    return AddRows(tx, std::move(items), run_rowid, &rows);
  }));
  return rows;
}

Result<core::ExportPage> ExportRowsPage(Context& ctx, const std::string& owner,
                                        const std::string& slice_id, int64_t run_rowid,
                                        const core::PageRequest& request) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(request, &after, &limit));
  core::ExportPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    page = core::ExportPage();
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    std::vector<core::Item> items;
    NUCLEUS_RETURN_IF_ERROR(ReadMemberPage(tx, slice, after, limit, &items, &page.next_page_token));
    return AddRows(tx, std::move(items), run_rowid, &page.rows);
  }));
  return page;
}

}  // namespace

Result<store::Slice> CreateSlice(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, NewSlice input) {
  NUCLEUS_RETURN_IF_ERROR(CheckNewSlice(input));
  input.reference_ids = Distinct(std::move(input.reference_ids));
  input.dataset_item_ids = Distinct(std::move(input.dataset_item_ids));
  store::Slice slice;
  slice.dataset_id = dataset_id;
  slice.name = input.name;
  slice.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    slice.id = core::NewId("slc");
    slice.type = "dataset_item";
    slice.reference_ids.clear();
    NUCLEUS_ASSIGN_OR_RETURN(store::Dataset dataset, tx.datasets().Get(owner, dataset_id));
    NewSlice members = input;  // a retried transaction starts from the request again
    return InsertSliceWithMembers(tx, dataset, members, slice);
  }));
  return slice;
}

Result<std::vector<store::Slice>> ListSlices(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::optional<std::string>& name,
                                             const std::optional<std::string>& type) {
  std::vector<store::Slice> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out.clear();
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Slice> all, tx.datasets().ListSlices(dataset_id));
    for (store::Slice& s : all) {
      if (name && s.name != *name) continue;
      if (type && s.type != *type) continue;
      out.push_back(std::move(s));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<store::Slice>> ListOwnerSlices(Context& ctx, const std::string& owner) {
  std::vector<store::Slice> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out.clear();
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Dataset> datasets, tx.datasets().List(owner));
    std::reverse(datasets.begin(), datasets.end());  // List is newest first
    for (const store::Dataset& d : datasets) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Slice> slices, tx.datasets().ListSlices(d.id));
      for (store::Slice& s : slices) out.push_back(std::move(s));
    }
    return Status::Ok();
  }));
  return out;
}

Result<store::Slice> GetSlice(Context& ctx, const std::string& owner, const std::string& slice_id) {
  std::optional<store::Slice> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, OwnedSlice(tx, owner, slice_id));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<core::SliceContents> GetSliceContents(Context& ctx, const std::string& owner,
                                             const std::string& slice_id) {
  core::SliceContents out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out = core::SliceContents();
    NUCLEUS_ASSIGN_OR_RETURN(out.slice, OwnedSlice(tx, owner, slice_id));
    return ReadAllMembers(tx, out.slice, &out.items);
  }));
  if (out.slice.type != "scene") return out;
  for (const std::string& ref : out.slice.reference_ids) {
    Result<core::SceneView> scene = GetScene(ctx, owner, out.slice.dataset_id, ref);
    if (scene.ok()) {
      out.scenes.push_back(std::move(*scene));
    } else if (scene.status().code() != StatusCode::kNotFound) {
      return scene.status();
    }
  }
  return out;
}

Result<core::ItemPage> ListSliceItemsPage(Context& ctx, const std::string& owner,
                                          const std::string& slice_id,
                                          const core::PageRequest& request) {
  int64_t after = 0, limit = 0;
  NUCLEUS_RETURN_IF_ERROR(CheckPaging(request, &after, &limit));
  core::ItemPage page;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    page = core::ItemPage();
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    return ReadMemberPage(tx, slice, after, limit, &page.items, &page.next_page_token);
  }));
  return page;
}

Result<core::SliceAppendOutcome> AppendToSlice(Context& ctx, const std::string& owner,
                                               const std::string& slice_id,
                                               const core::SliceAppend& input) {
  if (!input.reference_ids) return RequestFieldError("reference_ids", "is required");
  if (input.reference_ids->size() > kMaxSliceMembers) {
    return InvalidArgument("a slice takes at most " + std::to_string(kMaxSliceMembers) +
                           " members per request, got " +
                           std::to_string(input.reference_ids->size()));
  }
  std::vector<std::string> refs = Distinct(*input.reference_ids);
  core::SliceAppendOutcome out;
  out.slice_id = slice_id;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    if (input.dataset_id && *input.dataset_id != slice.dataset_id) {
      return RequestFieldError("dataset_id", "is not the slice's dataset " + slice.dataset_id);
    }
    if (slice.type == "object") {
      return InvalidArgument("slice " + slice_id + " holds objects: reference ids cannot be "
                             "appended to it");
    }
    if (slice.type == "scene") {
      NUCLEUS_RETURN_IF_ERROR(CheckSceneRefs(tx, slice.dataset_id, refs));
      const size_t before = slice.reference_ids.size();
      slice.reference_ids.insert(slice.reference_ids.end(), refs.begin(), refs.end());
      slice.reference_ids = Distinct(std::move(slice.reference_ids));
      out.appended = static_cast<int64_t>(slice.reference_ids.size() - before);
      return tx.datasets().SetSliceReferenceIds(slice.id, slice.reference_ids);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<int64_t> rowids,
                             ResolveItemRefs(tx, slice.dataset_id, refs));
    NUCLEUS_ASSIGN_OR_RETURN(out.appended, tx.datasets().AppendSliceItems(slice.id, rowids));
    return Status::Ok();
  }));
  return out;
}

Status DeleteSlice(Context& ctx, const std::string& owner, const std::string& slice_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(OwnedSlice(tx, owner, slice_id).status());
    return tx.datasets().DeleteSlice(slice_id).status();
  });
}

Result<std::vector<int64_t>> SliceItemRowidsInTx(store::Tx& tx, const store::Slice& slice) {
  std::vector<int64_t> rowids;
  if (slice.type == "scene") {
    for (const std::string& ref : slice.reference_ids) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                               tx.scenes().FindByRef(slice.dataset_id, ref));
      if (!scene) continue;  // deleted since: no longer a member
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SceneFrame> frames,
                               tx.scenes().Frames(scene->rowid));
      for (const store::SceneFrame& f : frames) rowids.push_back(f.item_rowid);
    }
    return rowids;
  }
  int64_t after = 0;
  while (true) {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::SliceMember> members,
                             tx.datasets().ListSliceItems(slice.id, after, kReadBatch));
    for (const store::SliceMember& m : members) rowids.push_back(m.item_rowid);
    if (static_cast<int64_t>(members.size()) < kReadBatch) return rowids;
    after = members.back().position;
  }
}

Result<std::vector<int64_t>> SliceItemRowids(Context& ctx, const std::string& owner,
                                             const std::string& slice_id) {
  std::vector<int64_t> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    NUCLEUS_ASSIGN_OR_RETURN(out, SliceItemRowidsInTx(tx, slice));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<core::ItemWithAnnotations>> ExportSlice(Context& ctx, const std::string& owner,
                                                           const std::string& slice_id) {
  return ExportRows(ctx, owner, slice_id, /*run_rowid=*/0);
}

Result<core::ExportPage> ExportSlicePage(Context& ctx, const std::string& owner,
                                         const std::string& slice_id,
                                         const core::PageRequest& page) {
  return ExportRowsPage(ctx, owner, slice_id, /*run_rowid=*/0, page);
}

Result<std::vector<core::ItemWithAnnotations>> ExportSlicePredictions(
    Context& ctx, const std::string& owner, const std::string& slice_id,
    const std::string& model_id) {
  NUCLEUS_ASSIGN_OR_RETURN(int64_t run, RunRowidOfModel(ctx, owner, slice_id, model_id));
  return ExportRows(ctx, owner, slice_id, run);
}

Result<core::ExportPage> ExportSlicePredictionsPage(Context& ctx, const std::string& owner,
                                                    const std::string& slice_id,
                                                    const std::string& model_id,
                                                    const core::PageRequest& page) {
  NUCLEUS_ASSIGN_OR_RETURN(int64_t run, RunRowidOfModel(ctx, owner, slice_id, model_id));
  return ExportRowsPage(ctx, owner, slice_id, run, page);
}

Result<std::vector<std::string>> SliceClassLabels(Context& ctx, const std::string& owner,
                                                  const std::string& slice_id) {
  std::vector<std::string> labels;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    labels.clear();
    NUCLEUS_ASSIGN_OR_RETURN(store::Slice slice, OwnedSlice(tx, owner, slice_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<int64_t> rowids, SliceItemRowidsInTx(tx, slice));
    std::unordered_set<std::string> seen;
    for (int64_t rowid : rowids) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                               tx.annotations().ListByItem(rowid));
      for (const store::Annotation& a : annotations) {
        for (const std::string& label : a.labels) {
          if (!label.empty() && seen.insert(label).second) labels.push_back(label);
        }
        if (!a.label.empty() && seen.insert(a.label).second) labels.push_back(a.label);
      }
    }
    return Status::Ok();
  }));
  return labels;
}

}  // namespace nucleus::api
