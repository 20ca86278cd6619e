// Parsing of dataset-item objects (items.md §1.1) and item metadata-update entries (items.md §5)
// into core/items.h records.
//
// One object at a time, so a batch keeps its good objects when one is malformed: the caller turns
// a failed Result into an upload error. Messages name the object and the field, e.g.
//   field "width" of item 3 (reference_id "a.jpg"): must be a non-negative integer, got a string
// Stateless and thread-safe (each call works on the caller's parsed document).
#pragma once

#include <string_view>

#include "core/items.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/limits.h"

namespace nucleus::wire {

// `what` names the object in errors ("item 3"); the reference id is appended when known.
// The location is `image_url`, else `pointcloud_url`, else `url` read as a point cloud when
// `type` is "pointcloud" and as an image otherwise (the scene-frame form). `metadata` absent or
// null reads as {}. The object-level caps of `limits` apply (reference id, URL, metadata and
// camera_params size and depth).
Result<core::ItemInput> ParseItem(JsonValue value, std::string_view what,
                                  const Limits& limits = DefaultLimits());

// Parses one NDJSON line (a signed-URL payload) with `doc` (reused across lines).
Result<core::ItemInput> ParseItemLine(JsonDoc& doc, std::string_view line, std::string_view what,
                                      const Limits& limits = DefaultLimits());

// {"reference_id": "...", "metadata": {...}, "camera_params": {...}?}
Result<core::MetadataUpdateInput> ParseMetadataUpdate(JsonValue value, std::string_view what,
                                                      const Limits& limits = DefaultLimits());

}  // namespace nucleus::wire
