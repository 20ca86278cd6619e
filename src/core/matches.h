// The rows of a stored match set (store/matches.h; evaluation.md §1-2) as values: one matched
// pair, unmatched ground truth or unmatched prediction, with what the metrics need. Plain values;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nucleus::core {

// An axis-aligned extent (x, y = top-left); all zero when the object has none (cuboids).
struct MatchBox {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

struct MatchRow {
  int64_t item_rowid = 0;
  int64_t annotation_rowid = 0;  // 0: no ground truth (a false positive)
  int64_t prediction_rowid = 0;  // 0: no prediction (a false negative)
  double iou = 0;                // 0 unless a pair
  // A pair whose labels are equal or listed in allowed_label_matches.
  bool labels_match = false;
  std::string type;  // "box", "polygon", "cuboid"
  std::string gt_label;
  std::string pred_label;
  std::optional<double> confidence;
  MatchBox gt_box;
  MatchBox pred_box;
  double gt_area = 0;
  double pred_area = 0;
};

// A row with the public ids of its objects, for reads that show them.
struct MatchView {
  int64_t seq = 0;  // position in the set, from 0
  MatchRow row;
  std::string item_id;        // "di_..."
  std::string annotation_id;  // "ann_..." or ""
  std::string prediction_id;  // "pred_..." or ""
};

}  // namespace nucleus::core
