// Parsing of annotation and prediction objects of every type (annotations.md §2, predictions.md
// §1) into a validated, normalised record.
//
// One object at a time, so a batch keeps its good objects when one is malformed: the caller turns
// a failed Result into an `errors` entry. Error messages name the object and the field:
//   field "geometry.width" of annotation 3 (reference_id "a.jpg", annotation_id "car-1"): must
//   be >= 0, got -5
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/annotations.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/limits.h"

namespace nucleus::wire {

struct AnnotationParseOptions {
  // Prediction objects: additionally read `confidence` (number) and `class_pdf` (object of
  // label -> number) and keep them in the payload. Multi-category objects are refused (there is
  // no multi-category prediction).
  bool prediction = false;
  // Objects of a "segmentations" array may omit "type": parse them as masks.
  bool default_to_mask = false;
  // Object-level caps (ids, labels, URLs, vertices, metadata); null means DefaultLimits().
  // Borrowed: must outlive the call.
  const Limits* limits = nullptr;
};

// The parsed object is core::ParsedAnnotation (core/annotations.h): api/ takes it.
using core::ParsedAnnotation;

// Parses the object at position `index` of its batch (0-based; used in error messages).
// InvalidArgument with a message naming the object and the field on any problem.
Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options = {});

// As above, given `source`: text that may begin with the object's payload exactly as this parser
// writes it (the object as the client sent it, or the rest of the request body from where the
// object starts). When it does, the payload is copied from `source` instead of being written
// again (parse once: a client that sends compact JSON in our key order pays no re-serialisation)
// and *canonical_size is its length; else *canonical_size is 0. The result is the same either way.
Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options,
                                         std::string_view source, size_t* canonical_size);

// Describes the object in error messages, e.g. `annotation 3 (reference_id "a.jpg")`,
// from whatever of reference_id / annotation_id can be read. Exposed for batch-level errors.
std::string DescribeAnnotation(JsonValue value, int64_t index, bool prediction);

// The identity used for objects of the kinds keyed by annotation_id.
inline std::string AnnotationIdIdentity(std::string_view annotation_id) {
  return "id:" + std::string(annotation_id);
}

}  // namespace nucleus::wire
