#include "api/annotations.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "api/item_caps.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "core/strings.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/scenes.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::api {
namespace {

using core::AnnotationType;

// Objects per transaction (and per progress step) in async uploads.
constexpr size_t kJobChunk = 5000;

std::string TaxonomyError(const std::string& dataset_id, const std::string& taxonomy,
                          const std::string& label) {
  return "Input validation failed: Taxonomy " + taxonomy + " does not exist in dataset " +
         dataset_id + ", or label " + label + " does not exist in the taxonomy " + taxonomy + ".";
}

// Taxonomies of one dataset, loaded on first use within a transaction.
class TaxonomyCache {
 public:
  TaxonomyCache(store::Tx& tx, const std::string& dataset_id) : tx_(tx), dataset_id_(dataset_id) {}

  // "" when the object's taxonomy and labels are valid, else the error text.
  Result<std::string> Check(const wire::ParsedAnnotation& a) {
    if (!a.taxonomy_name) return std::string();  // no taxonomy: always accepted
    auto it = cache_.find(*a.taxonomy_name);
    if (it == cache_.end()) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Taxonomy> t,
                               tx_.datasets().GetTaxonomy(dataset_id_, *a.taxonomy_name));
      Entry e;
      if (t) {
        e.exists = true;
        e.type = t->type;
        e.labels.insert(t->labels.begin(), t->labels.end());
      }
      it = cache_.emplace(*a.taxonomy_name, std::move(e)).first;
    }
    const Entry& e = it->second;
    const std::string first_label = a.labels.empty() ? std::string() : a.labels.front();
    if (!e.exists) return TaxonomyError(dataset_id_, *a.taxonomy_name, first_label);
    const std::string wanted =
        a.type == AnnotationType::kMultiCategory ? "multicategory" : "category";
    if (e.type != wanted) return TaxonomyError(dataset_id_, *a.taxonomy_name, first_label);
    for (const std::string& label : a.labels) {
      if (e.labels.count(label) == 0) return TaxonomyError(dataset_id_, *a.taxonomy_name, label);
    }
    return std::string();
  }

 private:
  struct Entry {
    bool exists = false;
    std::string type;
    std::unordered_set<std::string> labels;
  };
  store::Tx& tx_;
  const std::string& dataset_id_;
  std::unordered_map<std::string, Entry> cache_;
};

// Applies `inputs` inside `tx`. Appends to `counts`; `error_inputs` receives, per error string
// added, the index of the input it is about.
Status ApplyAnnotations(store::Tx& tx, const std::string& dataset_id,
                        std::vector<AnnotationInput>& inputs, bool update, AnnotateCounts* counts,
                        std::vector<size_t>* error_inputs) {
  std::vector<std::string> refs;
  refs.reserve(inputs.size());
  for (const AnnotationInput& in : inputs) {
    if (in.parsed) refs.push_back(in.parsed->reference_id);
  }
  NUCLEUS_ASSIGN_OR_RETURN(auto rowids, tx.items().ResolveRefs(dataset_id, refs));
  TaxonomyCache taxonomies(tx, dataset_id);
  store::AnnotationRepo& repo = tx.annotations();

  auto fail = [&](size_t i, std::string message) {
    if (inputs[i].is_segmentation) ++counts->segmentations_errored;
    counts->errors.push_back(std::move(message));
    if (error_inputs) error_inputs->push_back(i);
  };
  auto count = [&](size_t i, store::PutOutcome outcome) {
    bool ignored = outcome == store::PutOutcome::kIgnored;
    (ignored ? counts->ignored : counts->processed) += 1;
    if (inputs[i].is_segmentation) {
      (ignored ? counts->segmentations_ignored : counts->segmentations_processed) += 1;
    }
  };

  store::Annotation row;
  row.dataset_id = dataset_id;
  for (size_t i = 0; i < inputs.size(); ++i) {
    AnnotationInput& in = inputs[i];
    if (in.is_segmentation) counts->had_segmentations = true;
    if (!in.parsed) {
      fail(i, in.error);
      continue;
    }
    wire::ParsedAnnotation& a = *in.parsed;
    if (a.type == AnnotationType::kCategory || a.type == AnnotationType::kMultiCategory) {
      NUCLEUS_ASSIGN_OR_RETURN(std::string problem, taxonomies.Check(a));
      if (!problem.empty()) {
        fail(i, std::move(problem));
        continue;
      }
    }
    auto item = rowids.find(a.reference_id);
    if (item == rowids.end()) {
      // A category naming a scene rather than an item is a scene category (§2.8).
      if (a.type == AnnotationType::kCategory) {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                                 tx.scenes().FindByRef(dataset_id, a.reference_id));
        if (scene) {
          // One per (scene, taxonomy) for ground truth (scenes.md §4.2).
          store::SceneCategory category;
          category.id = core::NewId("ann");
          category.dataset_id = dataset_id;
          category.scene_rowid = scene->rowid;
          category.taxonomy_key = a.taxonomy_name.value_or("");
          category.label = a.label;
          category.payload_json = a.payload_json;
          NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome,
                                   tx.scenes().PutCategory(category, update));
          count(i, outcome);
          continue;
        }
      }
      fail(i, UnknownReferenceError(a.reference_id));
      continue;
    }
    if (a.type == AnnotationType::kCuboid) {
      // Cuboids live on point clouds (scenes.md §5.1).
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> target,
                               tx.items().FindByRef(dataset_id, a.reference_id));
      if (target && target->pointcloud_url.empty()) {
        fail(i, "Cuboid annotation " + a.annotation_id.value_or("") + " for reference_id " + a.reference_id +
                    " rejected: the item is not a point cloud (cuboids go on the point-cloud "
                    "frames of a lidar scene).");
        continue;
      }
    }
    row.id = core::NewId("ann");
    row.item_rowid = item->second;
    row.type = std::string(core::AnnotationTypeName(a.type));
    row.identity = a.identity;
    row.annotation_id = a.annotation_id.value_or("");
    row.label = a.label;
    row.labels = a.labels;
    row.payload_json = a.payload_json;
    row.geometry.clear();
    core::AppendPackedGeometry(a, &row.geometry);  // what commit matches with (parse once)
    NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome, repo.Put(row, update));
    count(i, outcome);
  }
  return Status::Ok();
}

// One job error entry (jobs.md §5): {"annotation": <object as sent>, "error": "..."}.
std::string JobErrorJson(const AnnotationInput& in, const std::string& error) {
  wire::JsonWriter w;
  w.BeginObject().Key("annotation");
  if (in.raw_json.empty()) {
    w.Null();
  } else {
    w.Raw(in.raw_json);
  }
  w.Key("error").String(error);
  return w.EndObject().Take();
}

std::string UploadMessage(const std::string& dataset_id, const AnnotateCounts& c) {
  wire::JsonWriter w;
  w.BeginObject().Key("annotation_upload").BeginObject();
  w.Key("total").Int(c.processed + c.ignored + static_cast<int64_t>(c.errors.size()));
  w.Key("errored").Int(static_cast<int64_t>(c.errors.size()));
  w.Key("ignored").Int(c.ignored);
  w.Key("datasetId").String(dataset_id);
  w.Key("processed").Int(c.processed);
  w.EndObject();
  if (c.had_segmentations) {
    w.Key("segmentation_upload").BeginObject();
    w.Key("processed").Int(c.segmentations_processed);
    w.Key("ignored").Int(c.segmentations_ignored);
    w.Key("n_errors").Int(c.segmentations_errored);
    w.EndObject();
  }
  return w.EndObject().Take();
}

// Refuses (as per-object errors) the inputs past max_annotations_per_item on their item;
// `first_index` numbers the inputs in messages.
void ApplyItemCap(PerItemCounter& counter, std::vector<AnnotationInput>& inputs,
                  int64_t first_index) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    AnnotationInput& in = inputs[i];
    if (!in.parsed) continue;
    std::string what =
        "annotation " + std::to_string(first_index + static_cast<int64_t>(i)) + " (reference_id ";
    wire::AppendJsonString(in.parsed->reference_id, &what);
    what += ")";
    std::string error = counter.Admit(in.parsed->reference_id, what);
    if (error.empty()) continue;
    in.error = std::move(error);
    in.parsed.reset();
  }
}

}  // namespace

std::string UnknownReferenceError(const std::string& reference_id) {
  return "Item with id " + reference_id + " doesn't exist.";
}

Result<AnnotateCounts> Annotate(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, std::vector<AnnotationInput> inputs,
                                bool update) {
  AnnotateCounts counts;
  PerItemCounter per_item(ctx.limits.max_annotations_per_item, "annotations",
                          "max_annotations_per_item");
  ApplyItemCap(per_item, inputs, 0);
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = AnnotateCounts();
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ApplyAnnotations(tx, dataset_id, inputs, update, &counts, nullptr);
  }));
  return counts;
}

Result<std::string> StoreMaskFile(Context& ctx, std::string_view png_bytes) {
  std::string name = "mask/" + core::Sha256Hex(png_bytes) + ".png";
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, ctx.blobs.Create(name));
  NUCLEUS_RETURN_IF_ERROR(writer->Append(png_bytes));
  NUCLEUS_RETURN_IF_ERROR(writer->Commit());
  return name;
}

Result<std::string> ReadStoredMask(Context& ctx, const std::string& file) {
  bool valid = file.size() == 64 + 4 && core::EndsWith(file, ".png") &&
               file.find_first_not_of("0123456789abcdef") == 64;
  if (!valid) return NotFound("no stored mask " + file);
  return ctx.blobs.Get("mask/" + file);
}

void AttachStoredMaskUrl(wire::ParsedAnnotation& segmentation, const std::string& url) {
  std::string& p = segmentation.payload_json;
  if (p.empty() || p.back() != '}') return;
  std::string extra = ",\"stored_mask_url\":";
  wire::AppendJsonString(url, &extra);
  p.insert(p.size() - 1, extra);
}

Result<store::Job> SubmitAnnotationUpload(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const std::string& request_id, bool update) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  NUCLEUS_ASSIGN_OR_RETURN(std::string blob, UploadedPayload(ctx, owner, dataset_id, request_id));
  wire::JsonWriter w;
  w.BeginObject().Key("payload").String(blob).Key("request_id").String(request_id);
  w.Key("update").Bool(update).EndObject();
  return ctx.jobs->Submit(owner, dataset_id, kAnnotationUploadJobType, w.Take());
}

Status RunAnnotationUploadJob(JobRun& run) {
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
      [&](store::Tx& tx) { return tx.datasets().Get(job.owner, job.dataset_id).status(); }));

  int64_t lines = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) {
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
    return Status::Ok();
  }));
  const int64_t total = std::max<int64_t>(1, (lines + kJobChunk - 1) / kJobChunk);
  int64_t done = 0;
  AnnotateCounts counts;
  run.SetMessage(UploadMessage(job.dataset_id, counts));
  NUCLEUS_RETURN_IF_ERROR(run.Progress(0, total));

  std::vector<AnnotationInput> chunk;
  // Across the whole upload: an item cannot collect more than the cap over several chunks.
  PerItemCounter per_item(ctx.limits.max_annotations_per_item, "annotations",
                          "max_annotations_per_item");
  int64_t chunk_first = 0;
  auto flush = [&]() -> Status {
    ApplyItemCap(per_item, chunk, chunk_first);
    chunk_first += static_cast<int64_t>(chunk.size());
    AnnotateCounts chunk_counts;
    std::vector<size_t> error_inputs;
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
      chunk_counts = AnnotateCounts();
      error_inputs.clear();
      NUCLEUS_RETURN_IF_ERROR(
          ApplyAnnotations(tx, job.dataset_id, chunk, update, &chunk_counts, &error_inputs));
      std::vector<std::string> errors;
      errors.reserve(error_inputs.size());
      for (size_t k = 0; k < error_inputs.size(); ++k) {
        errors.push_back(JobErrorJson(chunk[error_inputs[k]], chunk_counts.errors[k]));
      }
      return tx.jobs().AppendErrors(job.id, errors);
    }));
    counts.processed += chunk_counts.processed;
    counts.ignored += chunk_counts.ignored;
    counts.errors.insert(counts.errors.end(), chunk_counts.errors.begin(),
                         chunk_counts.errors.end());
    counts.segmentations_processed += chunk_counts.segmentations_processed;
    counts.segmentations_ignored += chunk_counts.segmentations_ignored;
    counts.segmentations_errored += chunk_counts.segmentations_errored;
    counts.had_segmentations = counts.had_segmentations || chunk_counts.had_segmentations;
    chunk.clear();
    run.SetMessage(UploadMessage(job.dataset_id, counts));
    return run.Progress(std::min(++done, total), total);
  };

  wire::JsonDoc doc;
  int64_t index = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.blobs.ForEachLine(blob, [&](std::string_view line) -> Status {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return Status::Ok();
    AnnotationInput in;
    const int64_t i = index++;
    Status parsed = doc.Parse(line, "annotation " + std::to_string(i));
    if (!parsed.ok()) {
      in.error = parsed.message();
      wire::JsonWriter w;
      w.String(line);
      in.raw_json = w.Take();
    } else {
      in.raw_json = wire::Minify(doc.root());
      wire::JsonObject obj;
      wire::JsonValue type;
      in.is_segmentation = doc.root().get(obj) == simdjson::SUCCESS &&
                           wire::Find(obj, "type", &type) && type.is_string() &&
                           (type.get_string().value_unsafe() == "mask" ||
                            type.get_string().value_unsafe() == "segmentation");
      wire::AnnotationParseOptions options;
      options.limits = &ctx.limits;
      auto a = wire::ParseAnnotation(doc.root(), i, options);
      if (a.ok()) {
        in.parsed = std::move(a).value();
      } else {
        in.error = a.status().message();
      }
    }
    chunk.push_back(std::move(in));
    if (chunk.size() >= kJobChunk) return flush();
    return Status::Ok();
  }));
  if (!chunk.empty() || done == 0) NUCLEUS_RETURN_IF_ERROR(flush());
  return Status::Ok();
}

Result<store::Annotation> GetAnnotation(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id,
                                        const std::string& reference_id,
                                        const std::string& annotation_id) {
  store::Annotation out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                             tx.items().FindByRef(dataset_id, reference_id));
    if (!item) return NotFound(UnknownReferenceError(reference_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Annotation> a,
                             tx.annotations().FindByAnnotationId(item->rowid, annotation_id));
    if (!a) {
      return NotFound("annotation " + annotation_id + " not found on item " + reference_id);
    }
    out = std::move(*a);
    return Status::Ok();
  }));
  return out;
}

Result<store::Job> SubmitAnnotationDeletion(Context& ctx, const std::string& owner,
                                            const std::string& dataset_id,
                                            const std::vector<std::string>& reference_ids) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  wire::JsonWriter w;
  w.BeginObject().Key("reference_ids").BeginArray();
  for (const std::string& ref : reference_ids) w.String(ref);
  w.EndArray().EndObject();
  return ctx.jobs->Submit(owner, dataset_id, kAnnotationDeletionJobType, w.Take());
}

Status RunAnnotationDeletionJob(JobRun& run) {
  Context& ctx = run.ctx();
  const store::Job job = run.job();
  std::vector<std::string> refs;
  {
    wire::JsonDoc doc;
    wire::JsonObject req;
    wire::JsonArray arr;
    NUCLEUS_RETURN_IF_ERROR(doc.Parse(job.request_json, "job request"));
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(doc.root(), "job request", &req));
    NUCLEUS_RETURN_IF_ERROR(wire::GetArray(req, "reference_ids", "job request", &arr));
    for (wire::JsonValue v : arr) {
      if (v.is_string()) refs.emplace_back(v.get_string().value_unsafe());
    }
  }
  int64_t deleted = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    deleted = 0;
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(job.owner, job.dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(auto rowids, tx.items().ResolveRefs(job.dataset_id, refs));
    for (const std::string& ref : refs) {
      auto it = rowids.find(ref);
      if (it != rowids.end()) {
        NUCLEUS_ASSIGN_OR_RETURN(int64_t n, tx.annotations().DeleteByItem(it->second));
        deleted += n;
        rowids.erase(it);  // a repeated reference id is deleted once
      } else {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                                 tx.scenes().FindByRef(job.dataset_id, ref));
        if (scene) {
          NUCLEUS_ASSIGN_OR_RETURN(int64_t n, tx.scenes().DeleteCategories(scene->rowid, ""));
          deleted += n;
        }
      }
    }
    return Status::Ok();
  }));
  wire::JsonWriter w;
  w.BeginObject().Key("annotations_deleted").Int(deleted).EndObject();
  run.SetMessage(w.Take());
  return Status::Ok();
}

Result<std::string> AddTaxonomy(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, const NewTaxonomy& input) {
  if (input.name.empty()) return InvalidArgument("field \"taxonomy_name\" must not be empty");
  if (input.type != "category" && input.type != "multicategory") {
    return InvalidArgument("field \"type\" of taxonomy " + input.name +
                           ": must be \"category\" or \"multicategory\", got \"" + input.type +
                           "\"");
  }
  std::string status;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Taxonomy> existing,
                             tx.datasets().GetTaxonomy(dataset_id, input.name));
    store::Taxonomy t;
    if (existing) {
      if (!input.update) {
        status = "Taxonomy already exists";
        return Status::Ok();
      }
      t = std::move(*existing);
      status = "Taxonomy updated";
    } else {
      t.dataset_id = dataset_id;
      t.name = input.name;
      t.type = input.type;
      status = "Taxonomy created";
    }
    std::unordered_set<std::string> have(t.labels.begin(), t.labels.end());
    for (const std::string& label : input.labels) {
      if (have.insert(label).second) t.labels.push_back(label);
    }
    return tx.datasets().PutTaxonomy(t);
  }));
  return status;
}

Status DeleteTaxonomy(Context& ctx, const std::string& owner, const std::string& dataset_id,
                      const std::string& name) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(bool existed, tx.datasets().DeleteTaxonomy(dataset_id, name));
    if (!existed) return NotFound("taxonomy " + name + " not found in dataset " + dataset_id);
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().DeleteByIdentity(dataset_id, "category:" + name).status());
    return tx.annotations().DeleteByIdentity(dataset_id, "multicategory:" + name).status();
  });
}

Result<std::vector<std::string>> ClassLabels(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id) {
  std::vector<std::string> labels;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(labels, tx.annotations().Labels(dataset_id));
    return Status::Ok();
  }));
  return labels;
}

}  // namespace nucleus::api
