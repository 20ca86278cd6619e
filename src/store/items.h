// Dataset items. Each item has a position in its dataset's insertion order (`seq`, increasing;
// gaps after deletions), a user reference id unique within the dataset, and a server id "di_...".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/items.h"
#include "nucleus/result.h"

namespace nucleus::store {

using Item = core::Item;  // core/items.h

class ItemRepo {
 public:
  virtual ~ItemRepo() = default;
  // Assigns rowid and seq (end of the insertion order) into `item`.
  virtual Status Insert(Item* item) = 0;
  // Inserts `items`, in order, at the end of `dataset_id`'s insertion order: the same rows as
  // Insert on each in turn (rowid and seq assigned into each), written with a few multi-row
  // statements. Their reference ids must be distinct and new to the dataset: else the call
  // returns AlreadyExists and writes nothing (no row, no position). Each item's own `dataset_id`
  // is not read.
  virtual Status InsertMany(const std::string& dataset_id, std::span<Item> items) = 0;
  // Replaces every field but rowid, id, dataset_id and seq.
  virtual Status Replace(const Item& item) = 0;
  virtual Status UpdateMetadata(int64_t rowid, const std::string& metadata_json) = 0;
  virtual Result<std::optional<Item>> FindByRef(const std::string& dataset_id,
                                                std::string_view reference_id) = 0;
  virtual Result<std::optional<Item>> FindById(const std::string& dataset_id,
                                               std::string_view item_id) = 0;
  // The item with this rowid, in any dataset.
  virtual Result<std::optional<Item>> FindByRowid(int64_t rowid) = 0;
  // The item at 0-based position `index` of the insertion order.
  virtual Result<std::optional<Item>> FindByIndex(const std::string& dataset_id,
                                                  int64_t index) = 0;
  // The rowid alone of FindByRef / FindByIndex (no other column read or copied).
  virtual Result<std::optional<int64_t>> FindRowidByRef(const std::string& dataset_id,
                                                        std::string_view reference_id) = 0;
  virtual Result<std::optional<int64_t>> FindRowidByIndex(const std::string& dataset_id,
                                                          int64_t index) = 0;
  // How many of the dataset's items have a seq below `seq`: for an item's own seq, its 0-based
  // position (FindByIndex's `index`), so a view opened from an item id knows where it is.
  virtual Result<int64_t> CountBefore(const std::string& dataset_id, int64_t seq) = 0;
  // Items with seq > after_seq in insertion order, at most `limit`.
  virtual Result<std::vector<Item>> List(const std::string& dataset_id, int64_t after_seq,
                                         int64_t limit) = 0;
  virtual Result<int64_t> Count(const std::string& dataset_id) = 0;
  // reference id -> rowid for those of `reference_ids` that exist in the dataset.
  virtual Result<std::unordered_map<std::string, int64_t>> ResolveRefs(
      const std::string& dataset_id, const std::vector<std::string>& reference_ids) = 0;
  // How many items of the dataset were ever deleted (0 for an unknown dataset). Delete adds one;
  // nothing else changes it. Rowids are reused only after a deletion, so while this count stays
  // the same every reference id ResolveRefs found still names the same row: a writer can resolve
  // in a read snapshot, outside the write lock, and confirm inside it (api/item_refs.h).
  virtual Result<int64_t> DeletionCount(const std::string& dataset_id) = 0;
  // Deletes the item with its annotations (and, once they exist, predictions and matches), and
  // removes it from every slice; adds one to its dataset's DeletionCount.
  virtual Status Delete(int64_t rowid) = 0;
};

}  // namespace nucleus::store
