// Reads COCO ground-truth and result files (JSON text already in memory) into CocoGroundTruth
// and CocoDetections, applying pycocotools' COCO() and loadRes() rules.
//
// No I/O: the caller reads the files. Parsing uses simdjson's on-demand API; a large result
// array is split into chunks parsed on `threads` threads (a chunk boundary that turns out not to
// be one makes the parser fall back to one thread, so results never depend on the split).
// Thread-safe (no shared state).
//
// Errors are kInvalidArgument with a message naming the file, the place (line, column, byte
// offset, and the element, e.g. `annotations[17]`) and what is wrong, e.g.
//   "dt.json: line 3, column 2 (byte 211), [2]: field \"score\" must be a number".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "eval/coco_dataset.h"
#include "nucleus/result.h"

namespace nucleus::eval {

// Bytes of slack that `text` should have past its size (capacity() - size()) to be parsed
// without a copy (simdjson reads up to this far past the end).
inline constexpr size_t kJsonPadding = 64;

// JSON text in memory and how many bytes past its end may be read (any value). With at least
// kJsonPadding of them the parser reads the text in place; otherwise it copies it. A
// std::string converts implicitly (its padding is capacity() - size()); a memory-mapped file
// (nucleus eval) brings its own. Only a view: the text must outlive the call.
struct JsonText {
  std::string_view text;
  size_t padding = 0;

  JsonText(const std::string& s) : text(s), padding(s.capacity() - s.size()) {}  // NOLINT
  JsonText(std::string_view t, size_t readable_past_end) : text(t), padding(readable_past_end) {}

  const char* data() const { return text.data(); }
  size_t size() const { return text.size(); }
  operator std::string_view() const { return text; }  // NOLINT
};

// A COCO ground-truth file: {"images": [...], "annotations": [...], "categories": [...]}.
// Reads only what `iou_type` needs: bbox/area/iscrowd always, segmentation for segm (polygons
// rasterized with the image's height and width, RLE as given), keypoints for keypoints.
// `threads` is used to rasterize masks.
Result<CocoGroundTruth> ParseCocoGroundTruth(JsonText text, std::string_view name,
                                             IouType iou_type, int threads = 1);

// A COCO result file (a JSON array of detections), resolved against `gt` as loadRes does:
//  - every image_id must be a ground-truth image (else an error naming the detection);
//  - detections whose category_id is not a ground-truth category are dropped;
//  - if the first detection has a non-empty "bbox", every detection needs one and gets
//    area = w*h; else if it has a "segmentation", area is the mask's and a missing bbox is the
//    mask's extent; else if it has "keypoints", area and bbox come from the keypoints' extent.
// An empty array gives no detections (pycocotools would fail on it).
Result<CocoDetections> ParseCocoDetections(JsonText text, std::string_view name,
                                           const CocoGroundTruth& gt, IouType iou_type,
                                           int threads = 1);

// Both files at once: the ground truth is parsed while the detections' chunks are.
// `dt_text_outlives_result`: segm results given as compressed RLE strings without JSON escapes
// are then left in dt_text (CocoDetections::mask_strings view it) instead of being copied, so
// dt_text must stay alive and unchanged as long as the CocoFiles (nucleus eval maps the file
// for the whole run).
// `compact_boxes` (bbox IoU): the detections may come back as CocoDetections::compact (24 bytes
// per detection instead of 56, the same values bit for bit; nucleus eval), which only
// EvaluateCoco reads; otherwise, and whenever a value cannot be kept exactly, in the arrays.
struct CocoFiles {
  CocoGroundTruth gt;
  CocoDetections dt;
};
Result<CocoFiles> ParseCocoFiles(JsonText gt_text, std::string_view gt_name,
                                 JsonText dt_text, std::string_view dt_name,
                                 IouType iou_type, int threads = 1,
                                 bool dt_text_outlives_result = false,
                                 bool compact_boxes = false);

}  // namespace nucleus::eval
