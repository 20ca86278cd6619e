#include "api/validate_slices.h"

#include "store/datasets.h"

namespace nucleus::api {

// Today's store has no lookup of a slice by id, so the owner's datasets are searched; the slice
// routes (their own branch) add one, and this function is where Model CI switches to it.
Result<SliceMembers> FindOwnersSlice(store::Tx& tx, const std::string& owner,
                                     const std::string& slice_id) {
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Dataset> datasets, tx.datasets().List(owner));
  for (const store::Dataset& ds : datasets) {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Slice> slices, tx.datasets().ListSlices(ds.id));
    for (store::Slice& s : slices) {
      if (s.id != slice_id) continue;
      return SliceMembers{.slice_id = s.id,
                          .dataset_id = s.dataset_id,
                          .type = s.type,
                          .reference_ids = std::move(s.reference_ids)};
    }
  }
  std::string message = "slice \"";
  message.append(slice_id).append("\" not found");
  return NotFound(message);
}

}  // namespace nucleus::api
