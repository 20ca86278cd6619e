#include "api/validate_slices.h"

#include <unordered_set>

#include "api/slices.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/validate.h"

namespace nucleus::api {

// The slice's members are read as the slice use cases read them (api/slices.h,
// SliceItemRowidsInTx: items of an item slice, in member order; a scene slice's scenes' items),
// and given back as the reference ids of those items.
Result<SliceRowids> FindOwnersSliceRowids(store::Tx& tx, const std::string& owner,
                                          const std::string& slice_id) {
  std::string missing = "slice \"";
  missing.append(slice_id).append("\" not found");
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Slice> slice, tx.datasets().GetSlice(slice_id));
  if (!slice) return NotFound(missing);
  if (!tx.datasets().Get(owner, slice->dataset_id).ok()) return NotFound(missing);
  SliceRowids out{.slice_id = slice->id, .dataset_id = slice->dataset_id, .type = slice->type};
  NUCLEUS_ASSIGN_OR_RETURN(out.item_rowids, SliceItemRowidsInTx(tx, *slice));
  return out;
}

Result<SliceMembers> FindOwnersSlice(store::Tx& tx, const std::string& owner,
                                     const std::string& slice_id) {
  NUCLEUS_ASSIGN_OR_RETURN(SliceRowids slice, FindOwnersSliceRowids(tx, owner, slice_id));
  SliceMembers out{.slice_id = std::move(slice.slice_id),
                   .dataset_id = std::move(slice.dataset_id),
                   .type = std::move(slice.type)};
  out.reference_ids.reserve(slice.item_rowids.size());
  for (int64_t rowid : slice.item_rowids) {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item, tx.items().FindByRowid(rowid));
    if (item) out.reference_ids.push_back(std::move(item->reference_id));
  }
  return out;
}

Result<TestItems> ReadTestItems(store::Tx& tx, const std::string& owner,
                                const std::string& scenario_test_id) {
  NUCLEUS_ASSIGN_OR_RETURN(core::ScenarioTest test, tx.validate().GetTest(owner, scenario_test_id));
  NUCLEUS_ASSIGN_OR_RETURN(SliceRowids slice, FindOwnersSliceRowids(tx, owner, test.slice_id));
  TestItems out{.dataset_id = std::move(slice.dataset_id), .items = {}};
  std::unordered_set<int64_t> seen;
  for (int64_t rowid : slice.item_rowids) {
    if (!seen.insert(rowid).second) continue;
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item, tx.items().FindByRowid(rowid));
    if (item) out.items.push_back(std::move(*item));
  }
  return out;
}

}  // namespace nucleus::api
