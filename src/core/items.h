// The parsed form of a dataset item as a caller supplies it (items.md §1.1) and of one entry of an
// item metadata update (items.md §5). wire/items.h fills them from JSON; api/items.h stores them.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nucleus::core {

struct ItemInput {
  std::string reference_id;
  // Exactly one of the two locations is non-empty, kept exactly as sent (read back unchanged).
  std::string image_url;
  std::string pointcloud_url;
  std::string metadata_json = "{}";  // compact JSON object, key order and value types as sent
  std::optional<int64_t> width;      // echoed on read when given
  std::optional<int64_t> height;
  std::string camera_params_json;  // compact JSON object; "" when absent (scene frames)
  // Multipart uploads carry the update flag on every item; nullopt means "use the request's".
  std::optional<bool> update;
  // The item as received (compact JSON), returned in `error_payload` when it cannot be stored.
  std::string source_json;
};

// One entry of POST dataset/{ds}/metadata: the keys of `metadata_json` overwrite or add to the
// stored metadata of `reference_id` (merge, not replace).
struct MetadataUpdateInput {
  std::string reference_id;
  std::string metadata_json = "{}";  // compact JSON object
  std::string camera_params_json;    // compact JSON object; "" when absent
  std::string source_json;           // the entry as received, for error messages
};

}  // namespace nucleus::core
