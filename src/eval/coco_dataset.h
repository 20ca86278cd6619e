// COCO ground truth and detections in flat, struct-of-arrays form, ready for COCOeval.
//
// Plain data; thread-compatible. Filled by eval/coco_json.h or by hand (tests, the server).
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "geometry/box.h"
#include "geometry/rle.h"

namespace nucleus::eval {

enum class IouType { kBbox, kSegm, kKeypoints };

// Ground truth as pycocotools' COCO() sees it after `createIndex`, already restricted to what
// COCOeval uses: images and categories sorted by id and unique, and only annotations whose
// image and category are listed. Annotations keep file order.
struct CocoGroundTruth {
  // Images, ascending id (pycocotools' params.imgIds).
  std::vector<int64_t> image_ids;
  std::vector<uint32_t> image_heights;
  std::vector<uint32_t> image_widths;
  // Categories, ascending id (params.catIds).
  std::vector<int64_t> category_ids;

  // Annotations (struct of arrays, one entry per annotation).
  std::vector<int64_t> ids;                // annotation id; 0 is pycocotools' "unmatched" quirk
  std::vector<uint32_t> image;             // index into image_ids
  std::vector<uint32_t> category;          // index into category_ids
  std::vector<geometry::Box> boxes;        // `bbox`
  std::vector<double> areas;               // `area` (used for the area ranges)
  std::vector<uint8_t> iscrowd;            // `iscrowd` != 0
  std::vector<int32_t> num_keypoints;      // keypoints only
  std::vector<geometry::RleMask> masks;    // segm only: the segmentation as RLE
  std::vector<uint32_t> keypoint_offsets;  // keypoints only: size()+1 offsets into
  std::vector<double> keypoint_values;     //   keypoint_values (x,y,v triples)

  size_t size() const { return ids.size(); }
};

// Box results in 24 bytes each instead of 56 (nucleus eval; issue 15: fewer fresh pages): each
// value is kept as an int32 that gives back the parsed double bit for bit. A group (the four box
// values, or the score) is either decimal with `scale` digits (value = double(k) / 10^scale, the
// JSON's own decimals: "175.74" is 17574 at scale 2) or, with scale -1, the bits of a float
// (detectors' float32 outputs). The area is the box's w * h (loadRes' rule for bbox results),
// and `key` = category << image_bits | image (indices into the ground truth's ids).
struct CompactDetection {
  int32_t box[4];
  int32_t score;
  uint32_t key;
};
struct CompactDetections {
  std::vector<CompactDetection> records;
  int box_scale = 0;
  int score_scale = 0;
  int image_bits = 0;  // of the key: the image index is key & ((1 << image_bits) - 1)
};

// Decodes one value of a CompactDetections group with that group's scale.
inline double DecodeCompact(int32_t k, int scale) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  if (scale < 0) return static_cast<double>(std::bit_cast<float>(k));
  return static_cast<double>(k) / kPow10[scale];
}

// Detections as pycocotools' loadRes leaves them: numbered 1..N in file order, `area` and
// `bbox` filled by its rules, restricted to categories listed in the ground truth.
//
// Either in the arrays below, or (bbox only, when ParseCocoFiles was asked to and every value
// could be kept exactly) in `compact`, the arrays image to scores then being empty.
struct CocoDetections {
  std::vector<uint32_t> image;     // index into CocoGroundTruth::image_ids
  std::vector<uint32_t> category;  // index into CocoGroundTruth::category_ids
  std::vector<geometry::Box> boxes;
  std::vector<double> areas;
  std::vector<double> scores;
  // segm only: views into mask_counts (one flat buffer per parse chunk instead of one vector per
  // mask: ~475k small allocations less). Moving a CocoDetections keeps the views valid; a copy
  // would still point into the original's buffers, so CocoDetections is move-only.
  std::vector<geometry::RleView> masks;
  std::vector<std::vector<uint32_t>> mask_counts;
  std::vector<geometry::Box> mask_boxes;  // segm only: RleToBbox of each mask (RleIou's filter)
  // segm only, results given as compressed RLE strings: the string (pycocotools' encoding,
  // about 1.4 bytes per count instead of 4 decoded), a view into mask_chars; that mask's
  // `masks` entry has its size but no counts. The evaluator decodes it only when its box
  // overlaps a ground truth of its cell (RleIou is 0 otherwise). Empty (no entries) when no
  // mask is kept compressed; an empty view means "use masks".
  std::vector<std::string_view> mask_strings;
  std::vector<std::vector<char>> mask_chars;
  std::vector<uint32_t> keypoint_offsets;  // keypoints only, as in CocoGroundTruth
  std::vector<double> keypoint_values;
  CompactDetections compact;  // with is_compact: the detections, image to scores empty
  bool is_compact = false;

  size_t size() const { return is_compact ? compact.records.size() : scores.size(); }

  CocoDetections() = default;
  CocoDetections(CocoDetections&&) = default;
  CocoDetections& operator=(CocoDetections&&) = default;
  CocoDetections(const CocoDetections&) = delete;
  CocoDetections& operator=(const CocoDetections&) = delete;
};

}  // namespace nucleus::eval
