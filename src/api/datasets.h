// Dataset use cases (datasets.md). Every call is scoped to the caller (`owner`): another owner's
// dataset is NotFound, exactly like a missing one.
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "core/datasets.h"
#include "nucleus/result.h"
#include "store/datasets.h"

namespace nucleus::api {

using core::DatasetInfo;
using core::NewDataset;

Result<store::Dataset> CreateDataset(Context& ctx, const std::string& owner, NewDataset input);
Result<std::vector<store::Dataset>> ListDatasets(Context& ctx, const std::string& owner);
Result<store::Dataset> GetDataset(Context& ctx, const std::string& owner, const std::string& id);
Result<DatasetInfo> GetDatasetInfo(Context& ctx, const std::string& owner, const std::string& id);
Result<int64_t> DatasetSize(Context& ctx, const std::string& owner, const std::string& id);
Status DeleteDataset(Context& ctx, const std::string& owner, const std::string& id);

// Tags: added ones keep insertion order and are de-duplicated; returns the new list.
Result<std::vector<std::string>> AddDatasetTags(Context& ctx, const std::string& owner,
                                                const std::string& id,
                                                const std::vector<std::string>& tags);
Result<std::vector<std::string>> RemoveDatasetTags(Context& ctx, const std::string& owner,
                                                   const std::string& id,
                                                   const std::vector<std::string>& tags);

}  // namespace nucleus::api
