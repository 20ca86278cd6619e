// Models (models.md) and model runs (model_runs.md) as values: the records the store keeps and the
// server shows, and what a client sends to create them. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nucleus::core {

struct Model {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "prj_..."
  std::string owner;
  std::string name;
  std::string reference_id;
  std::string metadata_json = "{}";
  std::string bundle_name;                     // "" when none
  std::vector<std::string> tags;               // insertion order, no duplicates
  std::vector<std::string> trained_slice_ids;  // insertion order, no duplicates
  int64_t created_at_ms = 0;
};

struct ModelRun {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "run_..."
  std::string owner;
  int64_t model_rowid = 0;
  std::string model_id;  // filled on read (joined from models)
  std::string dataset_id;
  std::string name;
  std::string metadata_json = "{}";
  std::string annotation_metadata_schema_json = "null";
  std::string trained_slice_id;  // "" when none
  // "Started" on creation; the commit job moves it ("Committing", "Committed", ...).
  std::string status = "Started";
  // The last commit's request as the job codec wrote it (core::JobCodec); "" before any commit.
  std::string commit_request_json;
  int64_t created_at_ms = 0;
};

// POST models/add. `metadata_json` is the object as sent (minified), kept as bytes.
struct NewModel {
  std::string name;
  std::string reference_id;
  std::string metadata_json = "{}";
  std::string bundle_name;
  std::vector<std::string> tags;
  std::vector<std::string> trained_slice_ids;
};

// POST dataset/{ds}/modelRun/create. The JSON members are the objects as sent (minified).
struct NewModelRun {
  std::string name;
  std::optional<std::string> reference_id;  // the model's; null/absent creates a model
  std::string metadata_json = "{}";
  std::string annotation_metadata_schema_json = "null";
};

}  // namespace nucleus::core
