// The ground-truth request bodies (annotations.md §3, §4, §8) decoded into the requests of
// core/annotations.h, and the answers encoded; each object inside is parsed by ParseAnnotation
// (wire/annotations.h).
//
// Decoders fail (InvalidArgument) only on request-level problems, with messages naming the
// object and the field, e.g. `field "update" of request body: must be a boolean`; a malformed
// annotation object is not a failure but an input carrying its error, so the rest of the batch
// is kept. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/annotations.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/limits.h"

namespace nucleus::wire {

// POST dataset/{ds}/annotate: {"annotations": [...], "segmentations": [...], "update": bool}.
// Objects of "segmentations" may omit "type" (masks). Over max_batch_objects in the two arrays
// together is refused before any object is parsed. The objects come in body order:
// "annotations" first.
Result<core::AnnotateRequest> DecodeAnnotateRequest(std::string_view body, const Limits& limits);

// The "serialized_request" part of a multipart annotate (annotations.md §4): as
// DecodeAnnotateRequest, errors naming `part "serialized_request"`, with the "segmentations"
// first (the order of the "mask" parts).
Result<core::AnnotateRequest> DecodeMultipartAnnotateRequest(std::string_view part,
                                                             const Limits& limits);

// POST dataset/{ds}/annotate?async=1: {"requestId": "...", "update": bool}.
Result<core::AnnotationUploadRequest> DecodeAnnotationUploadRequest(std::string_view body);

// One NDJSON line of an async annotate payload, object number `index` (0-based, in messages),
// parsed with `doc` (reused across lines). Always an input: a line that is not JSON, or not a
// valid object, carries its error; `raw_json` is the object compact (the line as a JSON string
// when it did not parse) for the job's error entries.
core::AnnotationInput DecodeAnnotationLine(JsonDoc& doc, std::string_view line, int64_t index,
                                           const Limits& limits);

// An async annotate job's error entry (jobs.md §5): {"annotation": <object as sent>, "error": "..."}.
std::string EncodeAnnotationJobError(const core::AnnotationInput& input, std::string_view error);

// DELETE annotation/{ds}: {"reference_ids": [...], "keep_history": bool}; an empty body is {}.
Result<core::AnnotationDeletionRequest> DecodeAnnotationDeletionRequest(std::string_view body);

// POST dataset/{ds}/add_taxonomy: {"taxonomy_name", "type", "labels", "update"}; errors name
// "taxonomy".
Result<core::NewTaxonomy> DecodeNewTaxonomy(std::string_view body);

// Adds "stored_mask_url": `url` to a parsed segmentation's payload (mask_url stays as the client
// sent it). Also used by the prediction routes.
void AttachStoredMaskUrl(core::ParsedAnnotation& segmentation, std::string_view url);

// {"dataset_id", "annotations_processed", "annotations_ignored", "errors"}: numbers and lists
// only besides the id, so the client can add up its batches (README.md §5).
std::string EncodeAnnotateResult(std::string_view dataset_id, const core::AnnotateCounts& counts);
// {"dataset_id", "taxonomy_name", "status"}.
std::string EncodeTaxonomyStatus(std::string_view dataset_id, std::string_view name,
                                 std::string_view status);
// {"data": [labels]}.
std::string EncodeClassLabels(const std::vector<std::string>& labels);

}  // namespace nucleus::wire
