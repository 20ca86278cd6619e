// The one place Model CI reaches slices (docs/api/validate.md): "slice S of owner O". Kept apart
// so that it can be re-pointed at the slice use cases (api/slices.h) as they grow. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nucleus/result.h"
#include "store/items.h"
#include "store/store.h"

namespace nucleus::api {

struct SliceMembers {
  std::string slice_id;
  std::string dataset_id;
  std::string type;                        // "dataset_item", "scene" or "object"
  std::vector<std::string> reference_ids;  // the reference ids of its items, in member order
};

// The slice `slice_id` of `owner`, read in `tx`. NotFound ("slice \"<id>\" not found") when it
// does not exist or belongs to another owner's dataset.
Result<SliceMembers> FindOwnersSlice(store::Tx& tx, const std::string& owner,
                                     const std::string& slice_id);

// As FindOwnersSlice, with the members' item rowids (member order) in place of their reference
// ids, for callers that want the items themselves (no lookup per member).
struct SliceRowids {
  std::string slice_id;
  std::string dataset_id;
  std::string type;
  std::vector<int64_t> item_rowids;
};
Result<SliceRowids> FindOwnersSliceRowids(store::Tx& tx, const std::string& owner,
                                          const std::string& slice_id);

// The items a scenario test of `owner` evaluates: its slice's items that still exist, each once,
// in member order (each read once, by rowid), with the slice's dataset. NotFound for a test or
// slice that does not exist (or is another owner's).
struct TestItems {
  std::string dataset_id;
  std::vector<store::Item> items;
};
Result<TestItems> ReadTestItems(store::Tx& tx, const std::string& owner,
                                const std::string& scenario_test_id);

}  // namespace nucleus::api
