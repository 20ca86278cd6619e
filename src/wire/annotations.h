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

struct ParsedAnnotation {
  // kCategory also for scene categories: only the reference id's resolution tells them apart.
  core::AnnotationType type = core::AnnotationType::kBox;
  std::string reference_id;
  std::optional<std::string> annotation_id;  // as sent; nullopt when absent or null
  // Single label (box, line, polygon, keypoints, cuboid, category); "" otherwise.
  std::string label;
  // Every label the object carries: {label} for single-label types, the labels of a
  // multi-category, the segment labels of a mask (for class listings).
  std::vector<std::string> labels;
  std::optional<std::string> taxonomy_name;  // category and multi-category only
  // Unique key within the item (annotations.md §3.1):
  //   box/line/polygon/keypoints/cuboid: "id:<annotation_id>", or "gen:<fresh id>" when the
  //     object has no annotation_id (so it is always stored as new);
  //   category: "category:<taxonomy_name>" ("category:" without a taxonomy);
  //   multi-category: "multicategory:<taxonomy_name>";
  //   segmentation: "segmentation" (one mask per item, whatever its annotation_id).
  std::string identity;
  core::AnnotationGeometry geometry;
  std::optional<double> confidence;  // predictions only, when sent
  std::string mask_url;              // segmentation only, exactly as sent
  // The object as returned on read: compact JSON with every key the client reads, in the order
  // the client sends them; doubles in shortest round-trip form; user JSON (metadata, class_pdf,
  // embedding_vector) with its types intact; metadata null read as {}.
  std::string payload_json;
};

// Parses the object at position `index` of its batch (0-based; used in error messages).
// InvalidArgument with a message naming the object and the field on any problem.
Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options = {});

// Describes the object in error messages, e.g. `annotation 3 (reference_id "a.jpg")`,
// from whatever of reference_id / annotation_id can be read. Exposed for batch-level errors.
std::string DescribeAnnotation(JsonValue value, int64_t index, bool prediction);

// The identity used for objects of the kinds keyed by annotation_id.
inline std::string AnnotationIdIdentity(std::string_view annotation_id) {
  return "id:" + std::string(annotation_id);
}

}  // namespace nucleus::wire
