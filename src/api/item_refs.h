// Reference ids resolved to item rowids before a write, so the store's single writer does not
// spend its time looking them up.
//
// Resolve() looks the ids up in a read snapshot, which runs beside other requests' writes;
// Confirm(), inside the write transaction, makes the answer true for that transaction with one
// lookup: if no item of the dataset was deleted in between (ItemRepo::DeletionCount), every id
// found still names the same row, and only the ids not found are looked for again (an item may
// have been appended since), or, for an append that inserts them, not even those: the insert's
// unique key tells. Otherwise everything is resolved again inside the write.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "nucleus/result.h"
#include "store/store.h"

namespace nucleus::api {

class ItemRefs {
 public:
  using RowidMap = std::unordered_map<std::string, int64_t>;

  // The distinct `reference_ids` of `dataset_id`, resolved in `tx` (a read snapshot).
  static Result<ItemRefs> Resolve(store::Tx& tx, const std::string& dataset_id,
                                  std::vector<std::string> reference_ids);

  // What Confirm does with the ids the snapshot did not find.
  enum class Missing {
    kLookUp,  // looks them up again: the map is exact
    kAssumeNew,  // assumes they are still missing (the caller inserts them, and a unique key
                 // refuses the insert if one was appended since: then Confirm with kLookUp)
  };

  // Inside a write transaction: reference id -> rowid of the ids that name an item now. May be
  // called more than once; valid until the next call.
  Result<const RowidMap*> Confirm(store::Tx& tx, Missing missing = Missing::kLookUp);

 private:
  std::string dataset_id_;
  std::vector<std::string> reference_ids_;
  RowidMap rowids_;
  int64_t deletions_ = 0;
};

}  // namespace nucleus::api
