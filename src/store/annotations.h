// Ground-truth annotations. Identity within an item is `identity` (see api/annotations.h for how
// it is derived per type); the payload is the normalised JSON object returned on read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"

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
  std::string payload_json;  // the object as returned on read
};

enum class PutOutcome { kInserted, kReplaced, kIgnored };

class AnnotationRepo {
 public:
  virtual ~AnnotationRepo() = default;
  // Stores `annotation` unless (item_rowid, identity) exists: then replaces it when `update`,
  // else leaves the stored one unchanged.
  virtual Result<PutOutcome> Put(const Annotation& annotation, bool update) = 0;
  // In insertion order.
  virtual Result<std::vector<Annotation>> ListByItem(int64_t item_rowid) = 0;
  virtual Result<std::optional<Annotation>> FindByAnnotationId(int64_t item_rowid,
                                                               std::string_view annotation_id) = 0;
  // Every annotation of the dataset, grouped by item in insertion order of items.
  virtual Result<std::vector<Annotation>> ListByDataset(const std::string& dataset_id) = 0;
  virtual Result<int64_t> DeleteByItem(int64_t item_rowid) = 0;
  virtual Result<int64_t> DeleteByIds(const std::vector<std::string>& ids) = 0;
  // Distinct labels of the dataset's ground truth.
  virtual Result<std::vector<std::string>> Labels(const std::string& dataset_id) = 0;
};

}  // namespace nucleus::store
