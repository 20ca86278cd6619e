// Bodies of the dataset routes (datasets.md): create, listings, properties, info, size; and of
// the signed-URL route (items.md §4.1). Errors name the object and the field
// (`field "name" of dataset: ...`). Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/datasets.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// {"name", "is_scene"?, "use_privacy_mode"?, "annotation_metadata_schema"?,
// "item_metadata_schema"?}
Result<core::NewDataset> DecodeNewDataset(std::string_view body);
// {"dataset_id", "name"}
std::string EncodeDatasetCreated(const core::Dataset& dataset);
// GET dataset/details: [{"id", "name", "is_public", "is_scene"}...]
std::string EncodeDatasetDetails(const std::vector<core::Dataset>& datasets);
// GET dataset: {"dataset_ids": [...], "dataset_names": [...]}
std::string EncodeDatasetIdsAndNames(const std::vector<core::Dataset>& datasets);
// GET dataset/{ds}/name, is_scene, use_privacy_mode, tags: {"<property>": value}
std::string EncodeDatasetName(const core::Dataset& dataset);
std::string EncodeDatasetIsScene(const core::Dataset& dataset);
std::string EncodeDatasetPrivacyMode(const core::Dataset& dataset);
std::string EncodeDatasetTags(const core::Dataset& dataset);
// GET dataset/{ds}/info
std::string EncodeDatasetInfo(const core::DatasetInfo& info);
// GET dataset/{ds}/size: {"count": n}
std::string EncodeDatasetSize(int64_t count);
// The answer of DELETE dataset/{ds}.
std::string EncodeDatasetDeletionStarted();

// GET dataset/{ds}/signedUrl/{request_id}: {"signed_url": url}
std::string EncodeSignedUrl(std::string_view url);

}  // namespace nucleus::wire
