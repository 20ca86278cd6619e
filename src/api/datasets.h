// Dataset use cases (datasets.md). Every call is scoped to the caller (`owner`): another owner's
// dataset is NotFound, exactly like a missing one.
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "nucleus/result.h"
#include "store/datasets.h"

namespace nucleus::api {

struct NewDataset {
  std::string name;
  bool is_scene = false;
  bool use_privacy_mode = false;
  std::string annotation_metadata_schema_json = "null";
  std::string item_metadata_schema_json = "null";
};

struct DatasetInfo {
  store::Dataset dataset;
  int64_t length = 0;
  std::vector<std::string> model_run_ids;
  std::vector<std::string> slice_ids;
};

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
