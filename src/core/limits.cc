#include "core/limits.h"

#include <limits>

namespace nucleus::core {

const Limits& DefaultLimits() {
  static const Limits kDefaults;
  return kDefaults;
}

const Limits& NoLimits() {
  static const Limits kNone = [] {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    Limits l;
    l.max_batch_objects = l.max_annotations_per_item = l.max_predictions_per_item = kMax;
    l.max_vertices = l.max_mask_bytes = l.max_metadata_bytes = kMax;
    l.max_json_depth = 1 << 20;  // deeper than any document simdjson accepts
    l.max_id_bytes = l.max_url_bytes = kMax;
    return l;
  }();
  return kNone;
}

}  // namespace nucleus::core
