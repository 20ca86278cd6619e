// Ground-truth use cases (annotations.md): annotate (JSON, local mask files, async from a
// signed-URL payload), one annotation by (reference_id, annotation_id), deletion by item, taxonomies
// and class labels. Requests and results are the plain structs of core/annotations.h; the server
// decodes and encodes them (wire/annotations_request.h).
//
// Every call is scoped to `owner`: another owner's dataset is NotFound, like a missing one.
// A sync request is one Store::Write; per-object problems (unknown reference id, taxonomy
// mismatch, malformed object) become `errors` strings and the rest of the batch is kept.
// Update rules (annotations.md §3.1): identity is the parser's (core::ParsedAnnotation::identity);
// an existing identity is replaced when `update`, else left alone and counted as ignored.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/item_caps.h"
#include "api/jobs.h"
#include "core/annotations.h"
#include "nucleus/result.h"
#include "store/annotations.h"
#include "store/jobs.h"

namespace nucleus::api {

inline constexpr const char* kAnnotationUploadJobType = "uploadAnnotations";
inline constexpr const char* kAnnotationDeletionJobType = "annotationDeletion";

// Objects per transaction (and per progress step) of an async upload.
inline constexpr size_t kAnnotationUploadChunk = 5000;

// Wording of the error for a reference id that names no item (and no scene for categories);
// the client's tests look for "Item with id <ref> doesn" (annotations.md §3.2, §5).
std::string UnknownReferenceError(const std::string& reference_id);

// POST dataset/{ds}/annotate (JSON and multipart), one transaction. Objects are applied in order.
Result<core::AnnotateCounts> Annotate(Context& ctx, const std::string& owner,
                                      const std::string& dataset_id,
                                      core::AnnotateRequest request);

// A local mask file of a multipart annotate (annotations.md §4), same order as the segmentations.
// Stored as the content-addressed blob "mask/<sha256>.png"; returns that blob name.
Result<std::string> StoreMaskFile(Context& ctx, std::string_view png_bytes);
// The bytes of a mask stored by StoreMaskFile; `file` is the part after "mask/". NotFound for
// anything else.
Result<std::string> ReadStoredMask(Context& ctx, const std::string& file);

// POST dataset/{ds}/annotate?async=1: checks the dataset and the uploaded payload, then submits an
// "uploadAnnotations" job reading the NDJSON (one object of any type per line). The job's handler
// is the server's (server/job_handlers.h): it decodes the lines and feeds an AnnotationUploadRun.
Result<store::Job> SubmitAnnotationUpload(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const core::AnnotationUploadRequest& request);

// One run of an "uploadAnnotations" job: Begin(), then ForEachLine() with Apply() per chunk of at
// most kAnnotationUploadChunk decoded lines (one transaction and one progress step each), then
// Finish(). Per-object failures become job error entries (formatted by `error_entry` from the
// object and its error) and the job still completes; the message is
// {"annotation_upload": {total, errored, ignored, datasetId, processed}} (+ "segmentation_upload"
// when masks were sent). Each chunk commits with its errors and the job's checkpoint, so a run
// that takes the job over (api/jobs.h) skips the chunks committed before and ends with the
// same rows and counts as an uninterrupted run. Not thread-safe: one per job run; `run` must
// outlive it.
class AnnotationUploadRun {
 public:
  using ErrorEntry =
      std::function<std::string(const core::AnnotationInput& input, const std::string& error)>;
  AnnotationUploadRun(JobRun& run, ErrorEntry error_entry);

  // Checks the job's dataset (NotFound when it has gone), counts the payload's objects (one
  // progress step per chunk) and reports progress 0.
  Status Begin();
  // Streams the non-blank lines of the uploaded payload to `fn`; stops at its first error.
  Status ForEachLine(const std::function<Status(std::string_view line)>& fn);
  // Applies the next chunk; objects are numbered across chunks (for the per-item cap's errors).
  Status Apply(std::vector<core::AnnotationInput> chunk);
  // Applies an empty chunk when no chunk was applied (so an empty payload completes its step).
  Status Finish();

 private:
  JobRun& run_;
  ErrorEntry error_entry_;
  PerItemCounter per_item_;
  core::AnnotateCounts counts_;  // errors are counted in errored_, not kept
  int64_t errored_ = 0;
  int64_t total_steps_ = 1;
  int64_t done_steps_ = 0;
  int64_t next_index_ = 0;
  int64_t resume_ = 0;  // objects an earlier run of the job committed
};

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
                                            const core::AnnotationDeletionRequest& request);
// The handler of "annotationDeletion" jobs; message {"annotations_deleted": n}.
Status RunAnnotationDeletionJob(JobRun& run);

// Taxonomies (annotations.md §8). The status strings are the exact client-facing ones:
// "Taxonomy created", "Taxonomy already exists" (labels unchanged), "Taxonomy updated" (new labels
// appended; labels are never removed).
Result<std::string> AddTaxonomy(Context& ctx, const std::string& owner,
                                const std::string& dataset_id, const core::NewTaxonomy& taxonomy);
// Deletes the taxonomy and the ground truth that names it. NotFound when there is none.
Status DeleteTaxonomy(Context& ctx, const std::string& owner, const std::string& dataset_id,
                      const std::string& name);

// Distinct labels of the dataset's ground truth (multi-category and segment labels included),
// sorted.
Result<std::vector<std::string>> ClassLabels(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id);

}  // namespace nucleus::api
