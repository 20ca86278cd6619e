// The parsed form of one annotation or prediction object (annotations.md §2): its kind and the
// geometry numbers later stages need (IoU, matching, metrics). The JSON shown to clients is kept
// separately, verbatim-normalised, by the wire layer; these structs hold only what code computes
// with. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nucleus::core {

// Object kinds as stored. A scene category arrives as "category" and only becomes
// kSceneCategory once its reference id resolves to a scene rather than an item.
enum class AnnotationType {
  kBox,
  kLine,
  kPolygon,
  kKeypoints,
  kCuboid,
  kCategory,
  kMultiCategory,
  kSceneCategory,
  kSegmentation,
};

// "box", "line", "polygon", "keypoints", "cuboid", "category", "multicategory",
// "scene_category", "segmentation" (the store's type column and the read-back group key).
inline std::string_view AnnotationTypeName(AnnotationType type) {
  switch (type) {
    case AnnotationType::kBox: return "box";
    case AnnotationType::kLine: return "line";
    case AnnotationType::kPolygon: return "polygon";
    case AnnotationType::kKeypoints: return "keypoints";
    case AnnotationType::kCuboid: return "cuboid";
    case AnnotationType::kCategory: return "category";
    case AnnotationType::kMultiCategory: return "multicategory";
    case AnnotationType::kSceneCategory: return "scene_category";
    case AnnotationType::kSegmentation: return "segmentation";
  }
  return "";
}

// The inverse of AnnotationTypeName; false for any other text.
inline bool ParseAnnotationTypeName(std::string_view name, AnnotationType* out) {
  for (AnnotationType t :
       {AnnotationType::kBox, AnnotationType::kLine, AnnotationType::kPolygon,
        AnnotationType::kKeypoints, AnnotationType::kCuboid, AnnotationType::kCategory,
        AnnotationType::kMultiCategory, AnnotationType::kSceneCategory,
        AnnotationType::kSegmentation}) {
    if (AnnotationTypeName(t) == name) {
      *out = t;
      return true;
    }
  }
  return false;
}

// Axis-aligned box: (x, y) is the top-left corner; width and height are >= 0.
struct BoxGeometry {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

struct Point2 {
  double x = 0;
  double y = 0;
};

struct Point3 {
  double x = 0;
  double y = 0;
  double z = 0;
};

// One keypoint. An invisible keypoint may have no coordinates (has_position false, x = y = 0).
struct Keypoint {
  double x = 0;
  double y = 0;
  bool visible = false;
  bool has_position = false;
};

// 3D box: position is the centre, dimensions are full extents (x along the heading), yaw turns
// counter-clockwise about z, in radians.
struct CuboidGeometry {
  Point3 position;
  Point3 dimensions;
  double yaw = 0;
};

// One labelled pixel value of a segmentation mask.
struct MaskSegment {
  std::string label;
  int64_t index = 0;
};

// Geometry of one object; only the members of its type are filled.
struct AnnotationGeometry {
  BoxGeometry box;                           // kBox
  std::vector<Point2> vertices;              // kLine (>= 2), kPolygon (>= 3)
  std::vector<Keypoint> keypoints;           // kKeypoints
  std::vector<std::string> keypoint_names;   // kKeypoints, one per keypoint
  std::vector<std::pair<int64_t, int64_t>> skeleton;  // kKeypoints, index pairs
  CuboidGeometry cuboid;                     // kCuboid
  std::vector<MaskSegment> segments;         // kSegmentation
};

// One annotation or prediction object as parsed and validated at upload (by wire/annotations.h),
// the typed input of the annotate and predict use cases.
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

// ---- Requests and results of the ground-truth use cases (api/annotations.h) ----

// One object of an annotate call: parsed, or the parser's error for it (decoded by
// wire/annotations_request.h).
struct AnnotationInput {
  std::optional<ParsedAnnotation> parsed;  // nullopt when it did not parse
  std::string error;                       // the parse error when !parsed
  bool is_segmentation = false;            // counts toward the segmentation stats
  // The object as sent, compact JSON (for an async job's error entries); "" in sync calls.
  std::string raw_json;
};

// POST dataset/{ds}/annotate, sync (JSON or multipart): the objects in the order they are
// applied ("annotations" then "segmentations" for JSON; the reverse for multipart).
struct AnnotateRequest {
  std::vector<AnnotationInput> objects;
  bool update = false;
};

// Counts of one annotate call (annotations.md §3.3). Masks are also counted on their own for the
// async job's `segmentation_upload` message.
struct AnnotateCounts {
  int64_t processed = 0;  // created + replaced
  int64_t ignored = 0;    // already existed and update was false
  std::vector<std::string> errors;
  // The input each entry of `errors` is about (index into the call's objects).
  std::vector<size_t> error_inputs;
  int64_t segmentations_processed = 0;
  int64_t segmentations_ignored = 0;
  int64_t segmentations_errored = 0;
  bool had_segmentations = false;
};

// POST dataset/{ds}/annotate?async=1: the signed-URL upload to read.
struct AnnotationUploadRequest {
  std::string request_id;
  bool update = false;
};

// DELETE annotation/{ds}.
struct AnnotationDeletionRequest {
  std::vector<std::string> reference_ids;
  bool keep_history = true;  // accepted for the client's sake; nothing is versioned
};

// POST dataset/{ds}/add_taxonomy (annotations.md §8).
struct NewTaxonomy {
  std::string name;
  std::string type;  // "category" | "multicategory"
  std::vector<std::string> labels;
  bool update = false;
};

}  // namespace nucleus::core
