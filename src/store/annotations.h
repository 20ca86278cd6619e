// Ground-truth annotations of dataset items. Identity within an item is `identity` (derived per
// type by wire/annotations.h: "id:<annotation_id>", "category:<taxonomy>", "segmentation", ...);
// the payload is the normalised JSON object returned on read; the packed geometry
// (core/packed_geometry.h, migration v10) is kept beside it for matching, which never reads the
// payload. Scene categories live with the scenes (store/scenes.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"
#include "store/payload_row.h"

namespace nucleus::store {

struct Annotation {
  int64_t rowid = 0;
  std::string id;  // "ann_..."
  std::string dataset_id;
  int64_t item_rowid = 0;
  std::string type;      // "box", "line", "polygon", "keypoints", "cuboid", "category",
                         // "multicategory", "segmentation", "scene_category"
  std::string identity;  // unique per item
  std::string annotation_id;
  std::string label;
  // Every label of the object (the single label, a multi-category's labels, a mask's segment
  // labels); feeds class_labels.
  std::vector<std::string> labels;
  std::string payload_json;  // the object as returned on read
  // Packed geometry of the object the payload shows. Put: "" stores it as missing (NULL), which
  // the start-up backfill derives from the payload (PayloadsWithoutGeometry); read: "" when
  // missing or none.
  std::string geometry;
};

enum class PutOutcome { kInserted, kReplaced, kIgnored };

// One annotation to write with PutMany; the views borrow the caller's buffers for the call.
struct AnnotationWrite {
  int64_t item_rowid = 0;
  std::string_view id;  // "ann_..." (used only when the row is new)
  std::string_view type;
  std::string_view identity;
  std::string_view annotation_id;
  std::string_view label;
  std::span<const std::string> labels;
  std::string_view payload_json;
  std::string_view geometry;  // packed (core/packed_geometry.h); "" stores it as missing (NULL)
};

// The fields whole-dataset matching reads (api/run_matching.cc), borrowed from the store: the
// views are valid only during the callback that receives them.
struct AnnotationRef {
  int64_t rowid = 0;
  int64_t item_rowid = 0;
  int64_t item_seq = 0;  // the item's insertion position in its dataset
  std::string_view type;
  std::string_view label;
  // Packed geometry; empty when the payload has none that parses, or when missing (written
  // before migration v10 and not yet backfilled).
  std::string_view geometry;
};

class AnnotationRepo {
 public:
  virtual ~AnnotationRepo() = default;
  // Stores `annotation` unless (item_rowid, identity) exists: then replaces it when `update`,
  // else leaves the stored one unchanged.
  virtual Result<PutOutcome> Put(const Annotation& annotation, bool update) = 0;
  // As Put for each of `rows` (all of dataset `dataset_id`) in order, in fewer statements: a row
  // repeating an earlier row's (item_rowid, identity) meets it as existing. Returns how many
  // were written: inserted, plus replaced when `update` (the others were ignored).
  virtual Result<int64_t> PutMany(const std::string& dataset_id,
                                  std::span<const AnnotationWrite> rows, bool update) = 0;
  // In insertion order.
  virtual Result<std::vector<Annotation>> ListByItem(int64_t item_rowid) = 0;
  virtual Result<std::optional<Annotation>> FindByAnnotationId(int64_t item_rowid,
                                                               std::string_view annotation_id) = 0;
  // Every annotation of the dataset, grouped by item in insertion order of items.
  virtual Result<std::vector<Annotation>> ListByDataset(const std::string& dataset_id) = 0;
  // Streams every annotation of the dataset as views, in no particular order (sort by
  // (item_seq, rowid) for ListByDataset's order): no copies and no sort in the store. Stops at
  // the first non-ok Status of `fn`, which is returned.
  virtual Status ScanDataset(const std::string& dataset_id,
                             const std::function<Status(const AnnotationRef&)>& fn) = 0;
  // Up to `limit` annotations (of every dataset) whose packed geometry is missing, with rowid >
  // after_rowid, in rowid order: the start-up backfill's input (a partial index serves it).
  virtual Result<std::vector<PayloadRow>> PayloadsWithoutGeometry(int64_t after_rowid,
                                                                  int64_t limit) = 0;
  // Stores the packed geometry of annotation `rowid` ("" = the payload has none: not matched).
  virtual Status SetGeometry(int64_t rowid, std::string_view packed) = 0;
  virtual Result<int64_t> DeleteByItem(int64_t item_rowid) = 0;
  virtual Result<int64_t> DeleteByIds(const std::vector<std::string>& ids) = 0;
  // Deletes every annotation of the dataset with this identity (e.g. "category:<taxonomy>" when
  // the taxonomy goes); returns how many went.
  virtual Result<int64_t> DeleteByIdentity(const std::string& dataset_id,
                                           const std::string& identity) = 0;
  // Distinct labels of the dataset's ground truth (every entry of `labels`), sorted.
  virtual Result<std::vector<std::string>> Labels(const std::string& dataset_id) = 0;
};

}  // namespace nucleus::store
