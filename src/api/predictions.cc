#include "api/predictions.h"

#include <cmath>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "api/item_caps.h"
#include "api/model_runs.h"
#include "api/scenes.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "store/items.h"
#include "store/models.h"
#include "wire/json_writer.h"

namespace nucleus::api {
namespace {

// Lines per transaction (and per progress step) of an async upload: the sync batch size, so a
// chunk costs what one sync request costs.
constexpr size_t kAsyncChunk = 5000;

// The wording the client's tests look for (jobs.md §5, annotations.md §3.2).
std::string UnknownReferenceMessage(std::string_view reference_id) {
  std::string out = "Item with id ";
  out += reference_id;
  out += " doesn't exist.";
  return out;
}

// An async job's error entry: compact JSON naming the object as sent and the reason.
std::string ErrorEntry(const PredictionBatch& batch, size_t index, std::string message) {
  if (index >= batch.raw_json.size()) return message;
  wire::JsonWriter w;
  w.BeginObject().Key("annotation").Raw(batch.raw_json[index]).Key("error").String(message);
  return w.EndObject().Take();
}

struct ItemIdentity {
  int64_t item_rowid;
  std::string_view identity;
  bool operator==(const ItemIdentity& o) const {
    return item_rowid == o.item_rowid && identity == o.identity;
  }
};
struct ItemIdentityHash {
  size_t operator()(const ItemIdentity& k) const {
    return std::hash<std::string_view>()(k.identity) ^
           (static_cast<size_t>(k.item_rowid) * 0x9E3779B97F4A7C15ull);
  }
};

// The write half of PutPredictions, inside the caller's transaction.
Status WriteBatch(store::Tx& tx, const store::ModelRun& run, const PredictionBatch& batch,
                  bool update, PredictCounts* counts) {
  const std::vector<wire::ParsedAnnotation>& objects = batch.objects;
  // Resolve each distinct reference id once.
  std::vector<std::string> refs;
  {
    std::unordered_set<std::string_view> seen;
    seen.reserve(objects.size());
    for (const wire::ParsedAnnotation& a : objects) {
      if (seen.insert(a.reference_id).second) refs.push_back(a.reference_id);
    }
  }
  NUCLEUS_ASSIGN_OR_RETURN(auto rowids, tx.items().ResolveRefs(run.dataset_id, refs));

  // Server ids of new rows, in one buffer (every id has the same length).
  const std::string sample = core::NewId("pred");
  std::string ids;
  ids.reserve(objects.size() * sample.size());
  std::string packed;  // each row's packed geometry, one after another (views set below)
  packed.reserve(objects.size() * 40);
  std::vector<size_t> packed_end;
  packed_end.reserve(objects.size());

  std::vector<store::PredictionWrite> rows;
  rows.reserve(objects.size());
  std::vector<size_t> row_object;  // index into objects of each row, for the id views
  row_object.reserve(objects.size());
  std::unordered_set<ItemIdentity, ItemIdentityHash> identities;
  identities.reserve(objects.size());
  std::unordered_map<int64_t, bool> is_pointcloud;  // item rowid -> point cloud, for cuboids
  for (size_t i = 0; i < objects.size(); ++i) {
    const wire::ParsedAnnotation& a = objects[i];
    auto it = rowids.find(a.reference_id);
    if (it == rowids.end() && a.type == core::AnnotationType::kCategory) {
      // A category naming a scene rather than an item is a scene category (scenes.md §4.2).
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                               FindSceneByRef(tx, run.dataset_id, a.reference_id));
      if (scene) {
        SceneCategoryInput category{run.id, a.taxonomy_name, a.label, a.payload_json};
        NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome,
                                 PutSceneCategory(tx, *scene, category, update));
        if (outcome == store::PutOutcome::kIgnored) {
          ++counts->ignored;
        } else {
          ++counts->processed;
        }
        continue;
      }
    }
    if (it == rowids.end()) {
      counts->errors.push_back(ErrorEntry(batch, i, UnknownReferenceMessage(a.reference_id)));
      ++counts->errored;
      continue;
    }
    if (a.type == core::AnnotationType::kCuboid) {
      // Cuboids live on point clouds (scenes.md §5.1), as for ground truth.
      auto known = is_pointcloud.find(it->second);
      if (known == is_pointcloud.end()) {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> target,
                                 tx.items().FindByRef(run.dataset_id, a.reference_id));
        known = is_pointcloud.emplace(it->second, target && !target->pointcloud_url.empty()).first;
      }
      if (!known->second) {
        counts->errors.push_back(ErrorEntry(
            batch, i,
            "Cuboid prediction " + a.annotation_id.value_or("") + " for reference_id " +
                a.reference_id +
                " rejected: the item is not a point cloud (cuboids go on the point-cloud frames "
                "of a lidar scene)."));
        ++counts->errored;
        continue;
      }
    }
    if (!identities.insert(ItemIdentity{it->second, a.identity}).second) {
      std::string what = a.type == core::AnnotationType::kSegmentation
                             ? "a second mask for the same item"
                             : (a.annotation_id ? "the annotation_id \"" + *a.annotation_id + "\""
                                                : "the taxonomy of an earlier category");
      counts->errors.push_back(
          ErrorEntry(batch, i,
                     "prediction for reference_id " + a.reference_id + " repeats " + what +
                         " within one request; only the first was used"));
      ++counts->errored;
      continue;
    }
    std::string id = core::NewId("pred");
    ids.append(id);
    store::PredictionWrite row;
    row.item_rowid = it->second;
    row.type = core::AnnotationTypeName(a.type);
    row.identity = a.identity;
    if (a.annotation_id) row.annotation_id = *a.annotation_id;
    row.label = a.label;
    row.confidence = a.confidence;
    row.payload_json = a.payload_json;
    core::AppendPackedGeometry(a, &packed);  // what commit matches with (parse once)
    packed_end.push_back(packed.size());
    rows.push_back(row);
    row_object.push_back(i);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    rows[r].id = std::string_view(ids).substr(r * sample.size(), sample.size());
    const size_t from = r == 0 ? 0 : packed_end[r - 1];
    rows[r].geometry = std::string_view(packed).substr(from, packed_end[r] - from);
  }
  NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, update));
  counts->processed += written;
  if (!update) counts->ignored += static_cast<int64_t>(rows.size()) - written;
  return Status::Ok();
}

// Hands the predictions of the item `find_item` names to `fn`, inside one read snapshot;
// `describe` names the item in the NotFound message (built only then).
Status ItemPredictions(
    Context& ctx, const std::string& owner, const std::string& run_id,
    const std::function<Result<std::optional<int64_t>>(store::Tx&, const std::string&)>&
        find_item,
    const std::function<std::string()>& describe, const ItemPredictionsFn& fn) {
  return ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> item_rowid, find_item(tx, run.dataset_id));
    if (!item_rowid) return NotFound(describe() + " not found in dataset " + run.dataset_id);
    return tx.predictions().ReadItem(run.rowid, *item_rowid, fn);
  });
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Moves the objects past max_predictions_per_item on their item out of `batch.objects` into
// `batch.errors` (before any write, so nothing of them is stored).
void ApplyItemCap(PerItemCounter& counter, PredictionBatch* batch) {
  const bool has_raw = batch->raw_json.size() == batch->objects.size();
  size_t kept = 0;
  for (size_t i = 0; i < batch->objects.size(); ++i) {
    wire::ParsedAnnotation& a = batch->objects[i];
    std::string what = "prediction (reference_id ";
    wire::AppendJsonString(a.reference_id, &what);
    if (a.annotation_id) {
      what += ", annotation_id ";
      wire::AppendJsonString(*a.annotation_id, &what);
    }
    what += ")";
    std::string error = counter.Admit(a.reference_id, what);
    if (!error.empty()) {
      batch->errors.push_back(ErrorEntry(*batch, i, std::move(error)));
      ++batch->parse_failures;
      continue;
    }
    if (kept != i) {
      batch->objects[kept] = std::move(a);
      if (has_raw) batch->raw_json[kept] = std::move(batch->raw_json[i]);
    }
    ++kept;
  }
  batch->objects.resize(kept);
  if (has_raw) batch->raw_json.resize(kept);
}

}  // namespace

void ParsePredictionArray(wire::JsonArray array, bool segmentations, int64_t first_index,
                          const wire::Limits& limits, PredictionBatch* batch) {
  wire::AnnotationParseOptions options;
  options.prediction = true;
  options.default_to_mask = segmentations;
  options.limits = &limits;
  batch->objects.reserve(batch->objects.size() + array.size());
  int64_t index = first_index;
  for (wire::JsonValue value : array) {
    Result<wire::ParsedAnnotation> parsed = wire::ParseAnnotation(value, index, options);
    if (parsed.ok()) {
      batch->objects.push_back(std::move(parsed).value());
    } else {
      batch->errors.push_back(parsed.status().message());
      ++batch->parse_failures;
    }
    ++index;
  }
}

Result<PredictCounts> PutPredictions(Context& ctx, const std::string& owner,
                                     const std::string& run_id, PredictionBatch batch, bool update,
                                     PerItemCounter* per_item) {
  std::optional<PerItemCounter> own_counter;
  if (per_item == nullptr) {
    own_counter.emplace(ctx.limits.max_predictions_per_item, "predictions",
                        "max_predictions_per_item");
    per_item = &*own_counter;
  }
  ApplyItemCap(*per_item, &batch);
  PredictCounts counts;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = PredictCounts{};
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    counts.dataset_id = run.dataset_id;
    return WriteBatch(tx, run, batch, update, &counts);
  }));
  counts.errored += batch.parse_failures;
  if (!batch.errors.empty()) {
    batch.errors.insert(batch.errors.end(), std::make_move_iterator(counts.errors.begin()),
                        std::make_move_iterator(counts.errors.end()));
    counts.errors = std::move(batch.errors);
  }
  return counts;
}

Result<store::Job> SubmitPredictionUpload(Context& ctx, const std::string& owner,
                                          const std::string& run_id,
                                          const std::string& upload_dataset_id,
                                          const std::string& request_id, bool update) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, GetModelRun(ctx, owner, run_id));
  NUCLEUS_ASSIGN_OR_RETURN(std::string blob,
                           UploadedPayload(ctx, owner, upload_dataset_id, request_id));
  wire::JsonWriter w;
  w.BeginObject().Key("model_run_id").String(run.id).Key("blob").String(blob);
  w.Key("update").Bool(update).EndObject();
  return ctx.jobs->Submit(owner, run.dataset_id, kPredictionUploadJobType, w.Take());
}

Status RunPredictionUploadJob(JobRun& job) {
  Context& ctx = job.ctx();
  const std::string& owner = job.job().owner;
  std::string run_id, blob;
  bool update = false;
  {
    wire::JsonDoc doc;
    wire::JsonObject req;
    NUCLEUS_RETURN_IF_ERROR(doc.Parse(job.job().request_json, "job request"));
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(doc.root(), "job request", &req));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(req, "model_run_id", "job request", &run_id));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(req, "blob", "job request", &blob));
    NUCLEUS_RETURN_IF_ERROR(wire::OptBool(req, "update", "job request", &update));
  }

  int64_t lines = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) {
    if (!IsBlank(line)) ++lines;
    return Status::Ok();
  }));
  const int64_t total_steps =
      std::max<int64_t>(1, (lines + static_cast<int64_t>(kAsyncChunk) - 1) /
                               static_cast<int64_t>(kAsyncChunk));
  NUCLEUS_RETURN_IF_ERROR(job.Progress(0, total_steps));

  wire::AnnotationParseOptions options;
  options.prediction = true;
  options.limits = &ctx.limits;
  // Across the whole upload: an item cannot collect more than the cap over several chunks.
  PerItemCounter per_item(ctx.limits.max_predictions_per_item, "predictions",
                          "max_predictions_per_item");
  int64_t total = 0, processed = 0, ignored = 0, errored = 0, steps = 0;
  PredictionBatch batch;
  wire::JsonDoc doc;

  auto flush = [&]() -> Status {
    if (batch.objects.empty() && batch.errors.empty()) return Status::Ok();
    NUCLEUS_ASSIGN_OR_RETURN(
        PredictCounts counts,
        PutPredictions(ctx, owner, run_id, std::move(batch), update, &per_item));
    batch = PredictionBatch{};
    processed += counts.processed;
    ignored += counts.ignored;
    errored += counts.errored;
    NUCLEUS_RETURN_IF_ERROR(job.AddErrors(counts.errors));
    ++steps;
    return job.Progress(std::min(steps, total_steps), total_steps);
  };

  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) -> Status {
    if (IsBlank(line)) return Status::Ok();
    const int64_t index = total++;
    Status parsed_json = doc.Parse(line, "line " + std::to_string(index + 1));
    Result<wire::ParsedAnnotation> parsed =
        parsed_json.ok() ? wire::ParseAnnotation(doc.root(), index, options)
                         : Result<wire::ParsedAnnotation>(parsed_json);
    if (parsed.ok()) {
      batch.objects.push_back(std::move(parsed).value());
      batch.raw_json.emplace_back(line);
    } else {
      wire::JsonWriter w;
      w.BeginObject().Key("line").Int(index + 1).Key("error").String(parsed.status().message());
      batch.errors.push_back(w.EndObject().Take());
      ++batch.parse_failures;
    }
    if (batch.objects.size() + batch.errors.size() >= kAsyncChunk) return flush();
    return Status::Ok();
  }));
  NUCLEUS_RETURN_IF_ERROR(flush());

  wire::JsonWriter w;
  w.BeginObject().Key("prediction_upload").BeginObject();
  w.Key("total").Int(total).Key("errored").Int(errored).Key("ignored").Int(ignored);
  w.Key("processed").Int(processed).Key("model_run_id").String(run_id);
  w.EndObject().EndObject();
  job.SetMessage(w.Take());
  return job.Progress(total_steps, total_steps);
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
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                                 tx.items().FindById(ds, item_id));
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
