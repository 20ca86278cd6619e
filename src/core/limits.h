// Caps on what one request, and one object in it, may carry. The one place that defines them and
// their defaults; README.md ("Limits") lists them for users.
//
// Why: every cap bounds work or memory that one client could otherwise make unbounded (a 10^6
// vertex polygon, metadata nested 10^4 deep, a 1 MB reference id copied into every index). The
// defaults are far above what the official client sends (sync batches of 5,000 objects; 20,000
// boxes on one item must still work), and `nucleus serve` flags raise the ones a team may need.
//
// What exceeding one gives:
//   - request level (objects per batch): the whole request is refused with InvalidArgument
//     naming the field and the limit, before anything is stored;
//   - object level (everything else): that object becomes an `errors` entry naming it (index,
//     reference id) and the field; the rest of the batch is kept. Async NDJSON uploads apply the
//     object-level caps per line, and the per-item caps across the whole upload; they have no
//     batch cap (one upload may carry millions of lines).
// A plain value type; copy it freely. Thread-safe to read.
#pragma once

#include <cstdint>

namespace nucleus::core {

struct Limits {
  // Objects in one sync request: "annotations" + "segmentations" of annotate / predict /
  // uploadPredictions, "items" of append, "updates" of metadata. (--max-batch-objects)
  int64_t max_batch_objects = 100'000;
  // Ground-truth annotations one request or async upload may put on one item.
  // (--max-annotations-per-item)
  int64_t max_annotations_per_item = 100'000;
  // Predictions one request or async upload may put on one item of a run.
  // (--max-predictions-per-item)
  int64_t max_predictions_per_item = 100'000;
  // Vertices of a polygon or line, keypoints of a keypoints object, segments of a mask.
  int64_t max_vertices = 100'000;
  // Bytes of one local mask file (a "mask" part of a multipart annotate or predict).
  int64_t max_mask_bytes = 64 << 20;
  // Pixels (width x height) of a stored mask the seg_* Model CI metrics decode (2 bytes each
  // in memory, for the ground truth and the prediction of an item). (--max-mask-pixels)
  int64_t max_mask_pixels = 1 << 25;
  // Bytes of one object's "metadata" (compact JSON); also "camera_params" and "class_pdf".
  int64_t max_metadata_bytes = 1 << 20;
  // Nesting depth of one object's metadata (an object of scalars has depth 1).
  int64_t max_json_depth = 32;
  // Bytes of an id or a label: reference_id, annotation_id, label, taxonomy_name.
  int64_t max_id_bytes = 4096;
  // Bytes of a URL: image_url, pointcloud_url, mask_url.
  int64_t max_url_bytes = 65'536;
};

// The defaults above (for parsers called without a server's configuration).
const Limits& DefaultLimits();

// Every cap at its maximum: for re-reading objects already stored (they passed the caps in force
// when they were written; lowering a cap later must not make stored data unreadable).
const Limits& NoLimits();

}  // namespace nucleus::core
