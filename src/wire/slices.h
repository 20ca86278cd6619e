// JSON of slices (docs/api/slices.md): the decoders of the slice routes' bodies into
// core/slices.h requests, and the encoders of their answers. Item pages and export rows are
// wire/items.h's (the same JSON as the dataset routes). Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/items.h"
#include "core/slices.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// POST dataset/{ds}/create_slice: {"name", "reference_ids"?, "dataset_item_ids"?, "scene_ids"?,
// "object_ids"?, "allow_empty"?}. A list sent as null counts as absent (create_slice_by_ids
// sends every list, null when empty); `allow_empty` is true for true or a non-zero number.
Result<core::NewSlice> DecodeNewSlice(std::string_view body, std::string_view method);

// POST slice/{slc}/append: {"reference_ids": [...] | null, "dataset_id"?}.
Result<core::SliceAppend> DecodeSliceAppend(std::string_view body, std::string_view method);

// {"slice_id": "slc_..."}
std::string EncodeSliceCreated(const core::Slice& slice);
// An array of slice objects {"id", "name", "dataset_id", "type", "created_at",
// "pending_job_count"} (slices.md §1).
std::string EncodeSliceList(const std::vector<core::Slice>& slices);
// GET slice/{slc}/info: the slice object plus "slice_id", "description" (null) and "tags".
std::string EncodeSliceInfo(const core::Slice& slice);
// GET slice/{slc}: {"id", "slice_id", "name", "dataset_id", "type", "items": [...]}, the items
// as dataset items, or the scenes as GET dataset/{ds}/scene/{ref} writes them.
std::string EncodeSliceContents(const core::SliceContents& contents);
// {"slice_id", "appended"}
std::string EncodeSliceAppendOutcome(const core::SliceAppendOutcome& out);
// GET slice/{slc}/export_raw_json: [{"item": {...}, "annotations": [<stored JSON>, ...]}, ...]
std::string EncodeRawExport(const std::vector<core::ItemWithAnnotations>& rows);
// GET slice/{slc}/exportRawItems: {"raw_dataset_items": [{"reference_id", "scale_url"}, ...]}
std::string EncodeRawItems(const std::vector<core::ItemWithAnnotations>& rows);
// GET slice/{slc}/class_labels: {"data": [...]}
std::string EncodeSliceClassLabels(const std::vector<std::string>& labels);

}  // namespace nucleus::wire
