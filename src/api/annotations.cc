#include "api/annotations.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "api/item_refs.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "core/strings.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/scenes.h"

namespace nucleus::api {
namespace {

using core::AnnotateCounts;
using core::AnnotationInput;
using core::AnnotationType;
using core::ParsedAnnotation;

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
  Result<std::string> Check(const ParsedAnnotation& a) {
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

// What the rows of one annotate call need that needs no transaction, prepared before it so that
// the store's writer lock is held for less (as predictions do): a server id and the packed
// geometry (what commit matches with: parse once) of every object that may become a row.
class PreparedRows {
 public:
  explicit PreparedRows(const std::vector<AnnotationInput>& inputs) {
    id_size_ = core::NewId("ann").size();  // every id has the same length
    ids_.reserve(inputs.size() * id_size_);
    geometry_ends_.reserve(inputs.size());
    for (const AnnotationInput& in : inputs) {
      ids_ += core::NewId("ann");
      if (in.parsed && !in.is_segmentation) core::AppendPackedGeometry(*in.parsed, &geometry_);
      geometry_ends_.push_back(geometry_.size());
    }
  }
  std::string_view IdOf(size_t input) const {
    return std::string_view(ids_).substr(input * id_size_, id_size_);
  }
  std::string_view GeometryOf(size_t input) const {
    const size_t begin = input == 0 ? 0 : geometry_ends_[input - 1];
    return std::string_view(geometry_).substr(begin, geometry_ends_[input] - begin);
  }

 private:
  size_t id_size_ = 0;
  std::string ids_;       // the inputs' server ids, back to back
  std::string geometry_;  // their packed geometry, back to back (none for masks)
  std::vector<size_t> geometry_ends_;  // end of each input's geometry in geometry_
};

// Writes the objects of one annotate call that are rows of the annotations table: queued and
// written together (PutMany), except masks, written one by one to count them on their own. The
// queue is written before each mask so rows keep the order of the call.
class RowWriter {
 public:
  RowWriter(store::Tx& tx, const std::string& dataset_id, bool update, AnnotateCounts* counts,
            const PreparedRows& prepared, size_t expected)
      : repo_(tx.annotations()),
        dataset_id_(dataset_id),
        update_(update),
        counts_(counts),
        prepared_(prepared) {
    rows_.reserve(expected);
  }

  // Queues `in`, the call's input number `input`, as a row of the item `item_rowid`.
  Status Add(const AnnotationInput& in, size_t input, int64_t item_rowid) {
    const ParsedAnnotation& a = *in.parsed;
    if (in.is_segmentation) return PutOne(a, item_rowid);
    store::AnnotationWrite row;
    row.item_rowid = item_rowid;
    row.id = prepared_.IdOf(input);
    row.type = core::AnnotationTypeName(a.type);
    row.identity = a.identity;
    if (a.annotation_id) row.annotation_id = *a.annotation_id;
    row.label = a.label;
    row.labels = a.labels;
    row.payload_json = a.payload_json;
    row.geometry = prepared_.GeometryOf(input);
    rows_.push_back(row);
    return Status::Ok();
  }

  // Writes the queued rows.
  Status Flush() {
    if (rows_.empty()) return Status::Ok();
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, repo_.PutMany(dataset_id_, rows_, update_));
    counts_->processed += written;
    counts_->ignored += static_cast<int64_t>(rows_.size()) - written;
    rows_.clear();
    return Status::Ok();
  }

 private:
  Status PutOne(const ParsedAnnotation& a, int64_t item_rowid) {
    NUCLEUS_RETURN_IF_ERROR(Flush());
    store::Annotation row;
    row.id = core::NewId("ann");
    row.dataset_id = dataset_id_;
    row.item_rowid = item_rowid;
    row.type = std::string(core::AnnotationTypeName(a.type));
    row.identity = a.identity;
    row.annotation_id = a.annotation_id.value_or("");
    row.label = a.label;
    row.labels = a.labels;
    row.payload_json = a.payload_json;
    core::AppendPackedGeometry(a, &row.geometry);  // what commit matches with (parse once)
    NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome, repo_.Put(row, update_));
    const bool ignored = outcome == store::PutOutcome::kIgnored;
    (ignored ? counts_->ignored : counts_->processed) += 1;
    (ignored ? counts_->segmentations_ignored : counts_->segmentations_processed) += 1;
    return Status::Ok();
  }

  store::AnnotationRepo& repo_;
  const std::string& dataset_id_;
  const bool update_;
  AnnotateCounts* counts_;
  const PreparedRows& prepared_;
  std::vector<store::AnnotationWrite> rows_;
};

// The distinct reference ids of the parsed inputs.
std::vector<std::string> DistinctRefs(const std::vector<AnnotationInput>& inputs) {
  std::vector<std::string> refs;
  std::unordered_set<std::string_view> seen;
  seen.reserve(inputs.size());
  for (const AnnotationInput& in : inputs) {
    if (in.parsed && seen.insert(in.parsed->reference_id).second) {
      refs.push_back(in.parsed->reference_id);
    }
  }
  return refs;
}

// A category naming a scene rather than an item is a scene category (§2.8), one per (scene,
// taxonomy) for ground truth (scenes.md §4.2). nullopt when the reference id names no scene.
Result<std::optional<store::PutOutcome>> PutSceneCategory(store::Tx& tx,
                                                          const std::string& dataset_id,
                                                          const ParsedAnnotation& a, bool update) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Scene> scene,
                           tx.scenes().FindByRef(dataset_id, a.reference_id));
  if (!scene) return std::optional<store::PutOutcome>();
  store::SceneCategory category;
  category.id = core::NewId("ann");
  category.dataset_id = dataset_id;
  category.scene_rowid = scene->rowid;
  category.taxonomy_key = a.taxonomy_name.value_or("");
  category.label = a.label;
  category.payload_json = a.payload_json;
  NUCLEUS_ASSIGN_OR_RETURN(store::PutOutcome outcome, tx.scenes().PutCategory(category, update));
  return std::optional<store::PutOutcome>(outcome);
}

// "" when a cuboid may go on the item, else the error: cuboids live on point clouds (scenes.md
// §5.1).
Result<std::string> CheckCuboidTarget(store::Tx& tx, const std::string& dataset_id,
                                      const ParsedAnnotation& a) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> target,
                           tx.items().FindByRef(dataset_id, a.reference_id));
  if (!target || !target->pointcloud_url.empty()) return std::string();
  return "Cuboid annotation " + a.annotation_id.value_or("") + " for reference_id " +
         a.reference_id +
         " rejected: the item is not a point cloud (cuboids go on the point-cloud frames of a "
         "lidar scene).";
}

// The reference ids of `inputs`, resolved in a read snapshot before the write (item_refs.h).
Result<ItemRefs> ResolveInputRefs(Context& ctx, const std::string& dataset_id,
                                  const std::vector<AnnotationInput>& inputs) {
  ItemRefs refs;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(refs, ItemRefs::Resolve(tx, dataset_id, DistinctRefs(inputs)));
    return Status::Ok();
  }));
  return refs;
}

// Applies `inputs` inside `tx`, adding to `counts` (each error with the index of its input);
// `refs` resolved their reference ids before the transaction.
Status ApplyAnnotations(store::Tx& tx, const std::string& dataset_id,
                        const std::vector<AnnotationInput>& inputs, const PreparedRows& prepared,
                        ItemRefs& refs, bool update, AnnotateCounts* counts) {
  NUCLEUS_ASSIGN_OR_RETURN(const ItemRefs::RowidMap* confirmed, refs.Confirm(tx));
  const ItemRefs::RowidMap& rowids = *confirmed;
  TaxonomyCache taxonomies(tx, dataset_id);
  RowWriter writer(tx, dataset_id, update, counts, prepared, inputs.size());

  auto fail = [&](size_t i, std::string message) {
    if (inputs[i].is_segmentation) ++counts->segmentations_errored;
    counts->errors.push_back(std::move(message));
    counts->error_inputs.push_back(i);
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const AnnotationInput& in = inputs[i];
    if (in.is_segmentation) counts->had_segmentations = true;
    if (!in.parsed) {
      fail(i, in.error);
      continue;
    }
    const ParsedAnnotation& a = *in.parsed;
    if (a.type == AnnotationType::kCategory || a.type == AnnotationType::kMultiCategory) {
      NUCLEUS_ASSIGN_OR_RETURN(std::string problem, taxonomies.Check(a));
      if (!problem.empty()) {
        fail(i, std::move(problem));
        continue;
      }
    }
    auto item = rowids.find(a.reference_id);
    if (item == rowids.end()) {
      if (a.type == AnnotationType::kCategory) {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::PutOutcome> outcome,
                                 PutSceneCategory(tx, dataset_id, a, update));
        if (outcome) {
          const bool ignored = *outcome == store::PutOutcome::kIgnored;
          (ignored ? counts->ignored : counts->processed) += 1;
          if (in.is_segmentation) {
            (ignored ? counts->segmentations_ignored : counts->segmentations_processed) += 1;
          }
          continue;
        }
      }
      fail(i, UnknownReferenceError(a.reference_id));
      continue;
    }
    if (a.type == AnnotationType::kCuboid) {
      NUCLEUS_ASSIGN_OR_RETURN(std::string problem, CheckCuboidTarget(tx, dataset_id, a));
      if (!problem.empty()) {
        fail(i, std::move(problem));
        continue;
      }
    }
    NUCLEUS_RETURN_IF_ERROR(writer.Add(in, i, item->second));
  }
  return writer.Flush();
}

// The job's `message` (jobs.md §5): {"annotation_upload": {...}} and, once masks were sent,
// {"segmentation_upload": {...}}.
core::JobMessage UploadMessage(const std::string& dataset_id, const AnnotateCounts& c,
                               int64_t errored) {
  core::JobMessage m;
  m.Object("annotation_upload")
      .Int("total", c.processed + c.ignored + errored)
      .Int("errored", errored)
      .Int("ignored", c.ignored)
      .String("datasetId", dataset_id)
      .Int("processed", c.processed);
  if (c.had_segmentations) {
    m.Object("segmentation_upload")
        .Int("processed", c.segmentations_processed)
        .Int("ignored", c.segmentations_ignored)
        .Int("n_errors", c.segmentations_errored);
  }
  return m;
}

// Refuses (as per-object errors) the inputs past max_annotations_per_item on their item;
// `first_index` numbers the inputs in messages.
void ApplyItemCap(PerItemCounter& counter, std::vector<AnnotationInput>& inputs,
                  int64_t first_index) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    AnnotationInput& in = inputs[i];
    if (!in.parsed || counter.Admit(in.parsed->reference_id)) continue;
    std::string what = "annotation ";
    what.append(std::to_string(first_index + static_cast<int64_t>(i)));
    what.append(" (reference_id ");
    core::AppendQuoted(in.parsed->reference_id, &what);
    what.push_back(')');
    in.error = counter.Refusal(in.parsed->reference_id, what);
    in.parsed.reset();
  }
}

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

std::string UnknownReferenceError(const std::string& reference_id) {
  return "Item with id " + reference_id + " doesn't exist.";
}

Result<AnnotateCounts> Annotate(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, core::AnnotateRequest request) {
  AnnotateCounts counts;
  PerItemCounter per_item(ctx.limits.max_annotations_per_item, "annotations",
                          "max_annotations_per_item");
  // Counted per request: a request no larger than the cap cannot pass it on any item.
  if (per_item.CanExceed(request.objects.size())) ApplyItemCap(per_item, request.objects, 0);
  NUCLEUS_ASSIGN_OR_RETURN(ItemRefs refs, ResolveInputRefs(ctx, dataset_id, request.objects));
  const PreparedRows prepared(request.objects);
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    counts = AnnotateCounts();
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    return ApplyAnnotations(tx, dataset_id, request.objects, prepared, refs, request.update,
                            &counts);
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

Result<store::Job> SubmitAnnotationUpload(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const core::AnnotationUploadRequest& request) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  core::JobRequest job;
  NUCLEUS_ASSIGN_OR_RETURN(job.payload,
                           UploadedPayload(ctx, owner, dataset_id, request.request_id));
  job.request_id = request.request_id;
  job.update = request.update;
  return ctx.jobs->Submit(owner, dataset_id, kAnnotationUploadJobType, job);
}

AnnotationUploadRun::AnnotationUploadRun(JobRun& run, ErrorEntry error_entry)
    : run_(run),
      error_entry_(std::move(error_entry)),
      per_item_(run.ctx().limits.max_annotations_per_item, "annotations",
                "max_annotations_per_item") {
  // A run that takes the job over starts from the tallies of the last committed chunk.
  const std::vector<int64_t>& c = run.resume_counters();
  if (run.resume_position() > 0 && c.size() == 8) {
    resume_ = run.resume_position();
    counts_.processed = c[0];
    counts_.ignored = c[1];
    counts_.segmentations_processed = c[2];
    counts_.segmentations_ignored = c[3];
    counts_.segmentations_errored = c[4];
    counts_.had_segmentations = c[5] != 0;
    errored_ = c[6];
    done_steps_ = c[7];
  }
}

Status AnnotationUploadRun::Begin() {
  const store::Job& job = run_.job();
  NUCLEUS_RETURN_IF_ERROR(run_.ctx().store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(job.owner, job.dataset_id).status(); }));
  int64_t objects = 0;
  NUCLEUS_RETURN_IF_ERROR(ForEachLine([&](std::string_view) {
    ++objects;
    return Status::Ok();
  }));
  const auto chunk = static_cast<int64_t>(kAnnotationUploadChunk);
  total_steps_ = std::max<int64_t>(1, (objects + chunk - 1) / chunk);
  run_.SetMessage(UploadMessage(job.dataset_id, counts_, errored_));
  if (resume_ > 0) return Status::Ok();  // progress stands where the last chunk left it
  return run_.Progress(0, total_steps_);
}

Status AnnotationUploadRun::ForEachLine(const std::function<Status(std::string_view)>& fn) {
  return run_.ctx().blobs.ForEachLine(run_.request().payload, [&](std::string_view line) {
    return IsBlankLine(line) ? Status::Ok() : fn(line);
  });
}

Status AnnotationUploadRun::Apply(std::vector<AnnotationInput> chunk) {
  const store::Job& job = run_.job();
  ApplyItemCap(per_item_, chunk, next_index_);
  next_index_ += static_cast<int64_t>(chunk.size());
  // Committed by an earlier run of the job: only the per-item cap's count is rebuilt (above).
  // Chunks are cut at the same lines on every run, so a chunk is wholly before the checkpoint
  // or wholly after it.
  if (!chunk.empty() && next_index_ <= resume_) return Status::Ok();
  AnnotateCounts c;
  AnnotateCounts next;
  int64_t errored = 0;
  NUCLEUS_ASSIGN_OR_RETURN(ItemRefs refs, ResolveInputRefs(run_.ctx(), job.dataset_id, chunk));
  const PreparedRows prepared(chunk);
  NUCLEUS_RETURN_IF_ERROR(run_.ctx().store.Write([&](store::Tx& tx) -> Status {
    c = AnnotateCounts();
    NUCLEUS_RETURN_IF_ERROR(ApplyAnnotations(tx, job.dataset_id, chunk, prepared, refs,
                                             run_.request().update, &c));
    std::vector<std::string> entries;
    entries.reserve(c.errors.size());
    for (size_t k = 0; k < c.errors.size(); ++k) {
      entries.push_back(error_entry_(chunk[c.error_inputs[k]], c.errors[k]));
    }
    next = counts_;
    next.processed += c.processed;
    next.ignored += c.ignored;
    next.segmentations_processed += c.segmentations_processed;
    next.segmentations_ignored += c.segmentations_ignored;
    next.segmentations_errored += c.segmentations_errored;
    next.had_segmentations = next.had_segmentations || c.had_segmentations;
    errored = errored_ + static_cast<int64_t>(c.errors.size());
    const int64_t steps = done_steps_ + 1;
    run_.SetMessage(UploadMessage(job.dataset_id, next, errored));
    return run_.CommitChunk(
        tx, entries,
        JobChunk{.position = next_index_,
                 .counters = {next.processed, next.ignored, next.segmentations_processed,
                              next.segmentations_ignored, next.segmentations_errored,
                              next.had_segmentations ? 1 : 0, errored, steps},
                 .completed_steps = std::min(steps, total_steps_),
                 .total_steps = total_steps_});
  }));
  counts_ = std::move(next);
  errored_ = errored;
  ++done_steps_;
  return Status::Ok();
}

Status AnnotationUploadRun::Finish() {
  if (done_steps_ > 0) return Status::Ok();
  return Apply({});
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
                                            const core::AnnotationDeletionRequest& request) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(
      [&](store::Tx& tx) { return tx.datasets().Get(owner, dataset_id).status(); }));
  core::JobRequest job;
  job.reference_ids = request.reference_ids;
  return ctx.jobs->Submit(owner, dataset_id, kAnnotationDeletionJobType, job);
}

Status RunAnnotationDeletionJob(JobRun& run) {
  Context& ctx = run.ctx();
  const store::Job job = run.job();
  const std::vector<std::string>& refs = run.request().reference_ids;
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
  core::JobMessage message;
  message.Int("annotations_deleted", deleted);
  run.SetMessage(message);
  return Status::Ok();
}

Result<std::string> AddTaxonomy(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, const core::NewTaxonomy& input) {
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
