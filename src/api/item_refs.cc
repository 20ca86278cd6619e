#include "api/item_refs.h"

#include <utility>

#include "store/items.h"

namespace nucleus::api {

Result<ItemRefs> ItemRefs::Resolve(store::Tx& tx, const std::string& dataset_id,
                                   std::vector<std::string> reference_ids) {
  ItemRefs refs;
  refs.dataset_id_ = dataset_id;
  refs.reference_ids_ = std::move(reference_ids);
  NUCLEUS_ASSIGN_OR_RETURN(refs.deletions_, tx.items().DeletionCount(dataset_id));
  NUCLEUS_ASSIGN_OR_RETURN(refs.rowids_, tx.items().ResolveRefs(dataset_id, refs.reference_ids_));
  return refs;
}

Result<const ItemRefs::RowidMap*> ItemRefs::Confirm(store::Tx& tx, Missing missing_ids) {
  NUCLEUS_ASSIGN_OR_RETURN(int64_t deletions, tx.items().DeletionCount(dataset_id_));
  if (deletions != deletions_) {
    NUCLEUS_ASSIGN_OR_RETURN(rowids_, tx.items().ResolveRefs(dataset_id_, reference_ids_));
    deletions_ = deletions;
    return &rowids_;
  }
  if (missing_ids == Missing::kAssumeNew) return &rowids_;
  std::vector<std::string> missing;
  for (const std::string& ref : reference_ids_) {
    if (rowids_.find(ref) == rowids_.end()) missing.push_back(ref);
  }
  if (!missing.empty()) {
    NUCLEUS_ASSIGN_OR_RETURN(RowidMap found, tx.items().ResolveRefs(dataset_id_, missing));
    rowids_.merge(found);
  }
  return &rowids_;
}

}  // namespace nucleus::api
