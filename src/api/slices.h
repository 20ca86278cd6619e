// Slice listing and creation of a dataset (datasets.md §17–18). The rest of the slice family is
// out of scope. Scoped to `owner` like every dataset call. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "nucleus/result.h"
#include "store/datasets.h"

namespace nucleus::api {

// Exactly one way of naming members is used: reference ids (type "dataset_item"), item ids
// ("di_..."; stored as their reference ids), scene ids ("scene") or object ids ("object").
struct NewSlice {
  std::string name;
  std::vector<std::string> reference_ids;
  std::vector<std::string> dataset_item_ids;
  std::vector<std::string> scene_ids;
  std::vector<std::string> object_ids;
  bool allow_empty = false;  // without it a slice needs members
};

inline constexpr size_t kMaxSliceMembers = 10000;

// InvalidArgument for more than kMaxSliceMembers members, mixed kinds, no members without
// allow_empty, or reference/item ids that are not in the dataset.
Result<store::Slice> CreateSlice(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, NewSlice input);

// Oldest first; filtered by exact name and by type when given.
Result<std::vector<store::Slice>> ListSlices(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::optional<std::string>& name,
                                             const std::optional<std::string>& type);

}  // namespace nucleus::api
