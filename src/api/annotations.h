// Ground-truth use cases (annotations.md): annotate (JSON, local mask files, async from a
// signed-URL payload), one annotation by (reference_id, annotation_id), deletion by item, taxonomies
// and class labels.
//
// Every call is scoped to `owner`: another owner's dataset is NotFound, like a missing one.
// A sync request is one Store::Write; per-object problems (unknown reference id, taxonomy
// mismatch, malformed object) become `errors` strings and the rest of the batch is kept.
// Update rules (annotations.md §3.1): identity is the parser's (wire/annotations.h); an existing
// identity is replaced when `update`, else left alone and counted as ignored. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "nucleus/result.h"
#include "store/annotations.h"
#include "store/jobs.h"
#include "wire/annotations.h"

namespace nucleus::api {

inline constexpr const char* kAnnotationUploadJobType = "uploadAnnotations";
inline constexpr const char* kAnnotationDeletionJobType = "annotationDeletion";

// Counts of one annotate call (annotations.md §3.3). Masks are also counted on their own for the
// async job's `segmentation_upload` message.
struct AnnotateCounts {
  int64_t processed = 0;  // created + replaced
  int64_t ignored = 0;    // already existed and update was false
  std::vector<std::string> errors;
  int64_t segmentations_processed = 0;
  int64_t segmentations_ignored = 0;
  int64_t segmentations_errored = 0;
  bool had_segmentations = false;
};

// One object of an annotate call: parsed, or the parser's error for it.
struct AnnotationInput {
  std::optional<wire::ParsedAnnotation> parsed;  // nullopt when it did not parse
  std::string error;                             // the parse error when !parsed
  bool is_segmentation = false;                  // counts toward the segmentation stats
  std::string raw_json;  // the object as sent, compact (for async job error entries)
};

// Wording of the error for a reference id that names no item (and no scene for categories);
// the client's tests look for "Item with id <ref> doesn" (annotations.md §3.2, §5).
std::string UnknownReferenceError(const std::string& reference_id);

// POST dataset/{ds}/annotate (JSON and multipart), one transaction. Objects are applied in order.
Result<AnnotateCounts> Annotate(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, std::vector<AnnotationInput> inputs,
                                bool update);

// A local mask file of a multipart annotate (annotations.md §4), same order as the segmentations.
// Stored as the content-addressed blob "mask/<sha256>.png"; returns that blob name.
Result<std::string> StoreMaskFile(Context& ctx, std::string_view png_bytes);
// The bytes of a mask stored by StoreMaskFile; `file` is the part after "mask/". NotFound for
// anything else.
Result<std::string> ReadStoredMask(Context& ctx, const std::string& file);
// Adds "stored_mask_url": `url` to a segmentation payload (mask_url stays as the client sent it).
void AttachStoredMaskUrl(wire::ParsedAnnotation& segmentation, const std::string& url);

// POST dataset/{ds}/annotate?async=1: checks the dataset and the uploaded payload, then submits an
// "uploadAnnotations" job reading the NDJSON (one object of any type per line).
Result<store::Job> SubmitAnnotationUpload(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const std::string& request_id, bool update);
// The handler of "uploadAnnotations" jobs: one transaction and one progress step per chunk of
// lines; per-object failures become job errors and the job still completes; message
// {"annotation_upload": {total, errored, ignored, datasetId, processed}} (+ segmentation_upload).
Status RunAnnotationUploadJob(JobRun& run);

// GET dataset/{ds}/groundTruth/loc/{ref}/{ann}: the stored object; NotFound when the item or the
// annotation does not exist.
Result<store::Annotation> GetAnnotation(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id,
                                        const std::string& reference_id,
                                        const std::string& annotation_id);

// DELETE annotation/{ds}: submits an "annotationDeletion" job removing every ground-truth object
// of the listed items (and the scene categories of listed scenes). An empty list deletes nothing.
Result<store::Job> SubmitAnnotationDeletion(Context& ctx, const std::string& owner,
                                            const std::string& dataset_id,
                                            const std::vector<std::string>& reference_ids);
Status RunAnnotationDeletionJob(JobRun& run);

// Taxonomies (annotations.md §8). The status strings are the exact client-facing ones:
// "Taxonomy created", "Taxonomy already exists" (labels unchanged), "Taxonomy updated" (new labels
// appended; labels are never removed).
struct NewTaxonomy {
  std::string name;
  std::string type;  // "category" | "multicategory"
  std::vector<std::string> labels;
  bool update = false;
};
Result<std::string> AddTaxonomy(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, const NewTaxonomy& taxonomy);
// Deletes the taxonomy and the ground truth that names it. NotFound when there is none.
Status DeleteTaxonomy(Context& ctx, const std::string& owner, const std::string& dataset_id,
                      const std::string& name);

// Distinct labels of the dataset's ground truth (multi-category and segment labels included),
// sorted.
Result<std::vector<std::string>> ClassLabels(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id);

}  // namespace nucleus::api
