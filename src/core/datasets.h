// Datasets (datasets.md) as values: the record the store keeps and the server shows, what a client
// sends to create one, and what its info route shows. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nucleus::core {

struct Dataset {
  std::string id;  // "ds_..."
  std::string owner;
  std::string name;
  bool is_scene = false;
  bool use_privacy_mode = false;
  std::string annotation_metadata_schema_json = "null";  // stored verbatim
  std::string item_metadata_schema_json = "null";
  std::vector<std::string> tags;  // insertion order, no duplicates
  int64_t created_at_ms = 0;
};

// POST dataset/create. The schemas are the objects as sent (minified), kept as bytes.
struct NewDataset {
  std::string name;
  bool is_scene = false;
  bool use_privacy_mode = false;
  std::string annotation_metadata_schema_json = "null";
  std::string item_metadata_schema_json = "null";
};

// GET dataset/{ds}/info.
struct DatasetInfo {
  Dataset dataset;
  int64_t length = 0;
  std::vector<std::string> model_run_ids;
  std::vector<std::string> slice_ids;
};

}  // namespace nucleus::core
