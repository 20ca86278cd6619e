#include "api/predictions.h"

#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "api/item_caps.h"
#include "api/item_refs.h"
#include "api/model_runs.h"
#include "api/scenes.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "store/items.h"
#include "store/models.h"

namespace nucleus::api {
namespace {

// The wording the client's tests look for (jobs.md §5, annotations.md §3.2).
std::string UnknownReferenceMessage(std::string_view reference_id) {
  std::string out = "Item with id ";
  out += reference_id;
  out += " doesn't exist.";
  return out;
}

// Quotes `s` for an error message as JSON would ("a\"b"), so ids read unambiguously.
std::string Quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

// Records an error about object `object` of the batch as passed in (-1: none).
void AddError(PredictCounts* counts, int64_t object, std::string message) {
  counts->errors.push_back(std::move(message));
  counts->error_objects.push_back(object);
  ++counts->errored;
}

struct ItemIdentity {
  int64_t item_rowid;
  std::string_view identity;
  bool operator==(const ItemIdentity& o) const {
    return item_rowid == o.item_rowid && identity == o.identity;
  }
};

// The (item, identity) pairs of one batch, to find repeats: open addressing in one allocation,
// since a node-based set costs a malloc per prediction inside the write transaction.
class IdentitySet {
 public:
  explicit IdentitySet(size_t expected) {
    size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    slots_.resize(capacity);
  }
  // False when `key` was inserted before.
  bool Insert(const ItemIdentity& key) {
    const size_t mask = slots_.size() - 1;
    size_t i = (std::hash<std::string_view>()(key.identity) ^
                (static_cast<size_t>(key.item_rowid) * 0x9E3779B97F4A7C15ull)) &
               mask;
    while (slots_[i].used) {
      if (slots_[i].key == key) return false;
      i = (i + 1) & mask;
    }
    slots_[i] = Slot{key, true};
    return true;
  }

 private:
  struct Slot {
    ItemIdentity key{0, {}};
    bool used = false;
  };
  std::vector<Slot> slots_;
};

// What a batch needs for its write that needs no transaction, prepared before it so that the
// store's writer lock is held for less: the distinct reference ids, and a server id per object
// (every id has the same length; ids of objects that are not written are never used).
struct PreparedBatch {
  std::vector<std::string> refs;
  std::string ids;
  size_t id_size = 0;

  explicit PreparedBatch(const std::vector<core::ParsedAnnotation>& objects) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(objects.size());
    std::string_view previous;
    for (const core::ParsedAnnotation& a : objects) {
      if (a.reference_id == previous) continue;  // a detector's output comes item by item
      previous = a.reference_id;
      if (seen.insert(a.reference_id).second) refs.push_back(a.reference_id);
    }
    id_size = core::NewId("pred").size();
    ids.reserve(objects.size() * id_size);
    for (size_t i = 0; i < objects.size(); ++i) ids += core::NewId("pred");
  }
  std::string_view IdOf(size_t object) const {
    return std::string_view(ids).substr(object * id_size, id_size);
  }
};

// The write half of PutPredictions, inside the caller's transaction. `origin[i]` is the position
// of objects[i] in the batch as passed in (for PredictCounts::error_objects).
class BatchWriter {
 public:
  BatchWriter(store::Tx& tx, const store::ModelRun& run, bool update, PredictCounts* counts)
      : tx_(tx), run_(run), update_(update), counts_(counts) {}

  Status Write(const std::vector<core::ParsedAnnotation>& objects,
               const std::vector<int64_t>& origin, const PreparedBatch& prepared, ItemRefs& refs) {
    NUCLEUS_ASSIGN_OR_RETURN(rowids_, refs.Confirm(tx_));
    IdentitySet identities(objects.size());
    std::vector<store::PredictionWrite> rows;
    rows.reserve(objects.size());
    std::string packed;  // each row's packed geometry, one after another (viewed below)
    packed.reserve(objects.size() * 40);
    std::vector<size_t> packed_end;
    packed_end.reserve(objects.size());
    for (size_t i = 0; i < objects.size(); ++i) {
      const core::ParsedAnnotation& a = objects[i];
      int64_t item_rowid = 0;
      NUCLEUS_ASSIGN_OR_RETURN(bool keep, Admit(a, origin[i], &identities, &item_rowid));
      if (!keep) continue;
      rows.push_back(RowOf(a, item_rowid));
      rows.back().id = prepared.IdOf(i);
      core::AppendPackedGeometry(a, &packed);  // what commit matches with (parse once)
      packed_end.push_back(packed.size());
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      const size_t from = r == 0 ? 0 : packed_end[r - 1];
      rows[r].geometry = std::string_view(packed).substr(from, packed_end[r] - from);
    }
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx_.predictions().PutMany(run_.rowid, rows, update_));
    counts_->processed += written;
    if (!update_) counts_->ignored += static_cast<int64_t>(rows.size()) - written;
    return Status::Ok();
  }

 private:
  // Whether `a` becomes a row (its item in `item_rowid`); false when it was a scene category
  // (written here) or an error (recorded).
  Result<bool> Admit(const core::ParsedAnnotation& a, int64_t object, IdentitySet* identities,
                     int64_t* item_rowid) {
    // Objects come item by item (a detector's output per image): look up each run of them once.
    if (!have_last_ || a.reference_id != last_ref_) {
      have_last_ = true;
      last_ref_ = a.reference_id;
      last_ = rowids_->find(a.reference_id);
    }
    const auto it = last_;
    if (it == rowids_->end() && a.type == core::AnnotationType::kCategory) {
      // A category naming a scene rather than an item is a scene category (scenes.md §4.2).
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                               FindSceneByRef(tx_, run_.dataset_id, a.reference_id));
      if (scene) {
        SceneCategoryInput category{run_.id, a.taxonomy_name, a.label, a.payload_json};
        NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome,
                                 PutSceneCategory(tx_, *scene, category, update_));
        ++(outcome == store::PutOutcome::kIgnored ? counts_->ignored : counts_->processed);
        return false;
      }
    }
    if (it == rowids_->end()) {
      AddError(counts_, object, UnknownReferenceMessage(a.reference_id));
      return false;
    }
    if (a.type == core::AnnotationType::kCuboid) {
      NUCLEUS_ASSIGN_OR_RETURN(bool on_pointcloud, IsPointCloud(it->second, a.reference_id));
      if (!on_pointcloud) {
        AddError(counts_, object,
                 "Cuboid prediction " + a.annotation_id.value_or("") + " for reference_id " +
                     a.reference_id +
                     " rejected: the item is not a point cloud (cuboids go on the point-cloud "
                     "frames of a lidar scene).");
        return false;
      }
    }
    if (!identities->Insert(ItemIdentity{it->second, a.identity})) {
      std::string what = a.type == core::AnnotationType::kSegmentation
                             ? "a second mask for the same item"
                             : (a.annotation_id ? "the annotation_id \"" + *a.annotation_id + "\""
                                                : "the taxonomy of an earlier category");
      AddError(counts_, object,
               "prediction for reference_id " + a.reference_id + " repeats " + what +
                   " within one request; only the first was used");
      return false;
    }
    *item_rowid = it->second;
    return true;
  }

  // Cuboids live on point clouds (scenes.md §5.1), as for ground truth.
  Result<bool> IsPointCloud(int64_t item_rowid, const std::string& reference_id) {
    auto known = is_pointcloud_.find(item_rowid);
    if (known == is_pointcloud_.end()) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> target,
                               tx_.items().FindByRef(run_.dataset_id, reference_id));
      known = is_pointcloud_.emplace(item_rowid, target && !target->pointcloud_url.empty()).first;
    }
    return known->second;
  }

  static store::PredictionWrite RowOf(const core::ParsedAnnotation& a, int64_t item_rowid) {
    store::PredictionWrite row;
    row.item_rowid = item_rowid;
    row.type = core::AnnotationTypeName(a.type);
    row.identity = a.identity;
    if (a.annotation_id) row.annotation_id = *a.annotation_id;
    row.label = a.label;
    row.confidence = a.confidence;
    row.payload_json = a.payload_json;
    return row;
  }

  store::Tx& tx_;
  const store::ModelRun& run_;
  const bool update_;
  PredictCounts* counts_;
  const ItemRefs::RowidMap* rowids_ = nullptr;  // Confirm's answer
  bool have_last_ = false;  // last_ref_ and last_ are set
  std::string_view last_ref_;
  std::unordered_map<std::string, int64_t>::const_iterator last_;
  std::unordered_map<int64_t, bool> is_pointcloud_;  // item rowid -> point cloud, for cuboids
};

// Hands the predictions of the item `find_item` names to `fn`, inside one read snapshot;
// `describe` names the item in the NotFound message (built only then).
Status ItemPredictions(
    Context& ctx, const std::string& owner, const std::string& run_id,
    const std::function<Result<std::optional<int64_t>>(store::Tx&, const std::string&)>& find_item,
    const std::function<std::string()>& describe, const ItemPredictionsFn& fn) {
  return ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> item_rowid, find_item(tx, run.dataset_id));
    if (!item_rowid) return NotFound(describe() + " not found in dataset " + run.dataset_id);
    return tx.predictions().ReadItem(run.rowid, *item_rowid, fn);
  });
}

// Moves the objects past max_predictions_per_item on their item out of `batch.objects` into
// `counts` (before any write, so nothing of them is stored); `origin` gets the position in the
// batch as passed in of each object kept.
void ApplyItemCap(PerItemCounter& counter, PredictionBatch* batch, PredictCounts* counts,
                  std::vector<int64_t>* origin) {
  origin->reserve(batch->objects.size());
  size_t kept = 0;
  for (size_t i = 0; i < batch->objects.size(); ++i) {
    core::ParsedAnnotation& a = batch->objects[i];
    if (!counter.Admit(a.reference_id)) {
      std::string what = "prediction (reference_id " + Quoted(a.reference_id);
      if (a.annotation_id) {
        what += ", annotation_id ";
        what += Quoted(*a.annotation_id);
      }
      what += ")";
      AddError(counts, static_cast<int64_t>(i), counter.Refusal(a.reference_id, what));
      continue;
    }
    if (kept != i) batch->objects[kept] = std::move(a);
    origin->push_back(static_cast<int64_t>(i));
    ++kept;
  }
  batch->objects.resize(kept);
}

}  // namespace

Result<PredictCounts> PutPredictions(Context& ctx, const std::string& owner,
                                     const std::string& run_id, PredictionBatch batch, bool update,
                                     PerItemCounter* per_item, const PredictionsWritten& also) {
  std::optional<PerItemCounter> own_counter;
  if (per_item == nullptr) {
    own_counter.emplace(ctx.limits.max_predictions_per_item, "predictions",
                        "max_predictions_per_item");
    per_item = &*own_counter;
  }
  // The parse failures come first, then the objects over the cap, then the write-time errors.
  PredictCounts refused;
  for (std::string& e : batch.errors) AddError(&refused, -1, std::move(e));
  std::vector<int64_t> origin;
  if (own_counter &&
      static_cast<int64_t>(batch.objects.size()) <= ctx.limits.max_predictions_per_item) {
    // No item can pass the cap within this batch alone.
    origin.resize(batch.objects.size());
    for (size_t i = 0; i < origin.size(); ++i) origin[i] = static_cast<int64_t>(i);
  } else {
    ApplyItemCap(*per_item, &batch, &refused, &origin);
  }
  const PreparedBatch prepared(batch.objects);
  ItemRefs refs;  // resolved outside the writer lock (item_refs.h)
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_ASSIGN_OR_RETURN(refs, ItemRefs::Resolve(tx, run.dataset_id, prepared.refs));
    return Status::Ok();
  }));
  PredictCounts counts;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = PredictCounts{};
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    counts.dataset_id = run.dataset_id;
    NUCLEUS_RETURN_IF_ERROR(
        BatchWriter(tx, run, update, &counts).Write(batch.objects, origin, prepared, refs));
    counts.errored += refused.errored;
    if (!refused.errors.empty()) {
      std::vector<std::string> errors = refused.errors;
      std::vector<int64_t> objects = refused.error_objects;
      errors.insert(errors.end(), std::make_move_iterator(counts.errors.begin()),
                    std::make_move_iterator(counts.errors.end()));
      objects.insert(objects.end(), counts.error_objects.begin(), counts.error_objects.end());
      counts.errors = std::move(errors);
      counts.error_objects = std::move(objects);
    }
    return also ? also(tx, counts) : Status::Ok();
  }));
  return counts;
}

Result<store::Job> SubmitPredictionUpload(Context& ctx, const std::string& owner,
                                          const std::string& run_id,
                                          const std::string& upload_dataset_id,
                                          const std::string& request_id, bool update) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, GetModelRun(ctx, owner, run_id));
  core::JobRequest request;
  NUCLEUS_ASSIGN_OR_RETURN(request.payload,
                           UploadedPayload(ctx, owner, upload_dataset_id, request_id));
  request.model_run_id = run.id;
  request.update = update;
  return ctx.jobs->Submit(owner, run.dataset_id, kPredictionUploadJobType, request);
}

Status PredictionsAtIndex(Context& ctx, const std::string& owner, const std::string& run_id,
                          int64_t index, const ItemPredictionsFn& fn) {
  return ItemPredictions(
      ctx, owner, run_id,
      [&](store::Tx& tx, const std::string& ds) { return tx.items().FindRowidByIndex(ds, index); },
      [&] { return "item at index " + std::to_string(index); }, fn);
}

Status PredictionsOfItemId(Context& ctx, const std::string& owner, const std::string& run_id,
                           const std::string& item_id, const ItemPredictionsFn& fn) {
  return ItemPredictions(
      ctx, owner, run_id,
      [&](store::Tx& tx, const std::string& ds) -> Result<std::optional<int64_t>> {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item, tx.items().FindById(ds, item_id));
        if (!item) return std::optional<int64_t>();
        return std::optional<int64_t>(item->rowid);
      },
      [&] { return "item " + item_id; }, fn);
}

Status PredictionsOfReference(Context& ctx, const std::string& owner, const std::string& run_id,
                              const std::string& reference_id, const ItemPredictionsFn& fn) {
  return ItemPredictions(
      ctx, owner, run_id,
      [&](store::Tx& tx, const std::string& ds) {
        return tx.items().FindRowidByRef(ds, reference_id);
      },
      [&] { return "item with reference_id \"" + reference_id + "\""; }, fn);
}

Result<std::string> PredictionByAnnotationId(Context& ctx, const std::string& owner,
                                             const std::string& run_id,
                                             const std::string& reference_id,
                                             const std::string& annotation_id) {
  std::string out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> item_rowid,
                             tx.items().FindRowidByRef(run.dataset_id, reference_id));
    if (!item_rowid) {
      return NotFound("item with reference_id \"" + reference_id + "\" not found in dataset " +
                      run.dataset_id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(
        std::optional<std::string> payload,
        tx.predictions().FindPayloadByAnnotationId(run.rowid, *item_rowid, annotation_id));
    if (!payload) {
      return NotFound("prediction with annotation_id \"" + annotation_id +
                      "\" not found for reference_id \"" + reference_id + "\" in run " + run_id);
    }
    out = std::move(*payload);
    return Status::Ok();
  }));
  return out;
}

Status ForEachRunPrediction(Context& ctx, const std::string& owner, const std::string& run_id,
                            const std::function<Status(const store::Prediction&)>& fn) {
  return ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    return tx.predictions().ForEachInRun(run.rowid, fn);
  });
}

}  // namespace nucleus::api
