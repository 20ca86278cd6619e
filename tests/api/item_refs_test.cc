// ItemRefs (api/item_refs.h) over a real SqliteStore: reference ids resolved in a read snapshot
// are confirmed inside a later write, and a deletion in between (whose rowid an append then takes
// again) is never mistaken for the old item.
#include "api/item_refs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/ids.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

class ItemRefsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "nucleus-itemrefs-";
    name += core::RandomHex(6);
    dir_ = fs::temp_directory_path() / name;
    fs::create_directories(dir_);
    store_ = std::move(store::sqlite::SqliteStore::Open((dir_ / "nucleus.db").string())).value();
    dataset_ = store::Dataset{core::NewId("ds"), std::string("owner"), std::string("item-refs")};
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.datasets().Insert(dataset_); }).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  int64_t Append(const std::string& ref) {
    store::Item item;
    item.id = core::NewId("di");
    item.dataset_id = dataset_.id;
    item.reference_id = ref;
    item.metadata_json = "{}";
    item.extra_json = "{}";
    EXPECT_TRUE(store_->Write([&](store::Tx& tx) { return tx.items().Insert(&item); }).ok());
    return item.rowid;
  }

  ItemRefs Resolve(std::vector<std::string> refs) {
    ItemRefs out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      NUCLEUS_ASSIGN_OR_RETURN(out, ItemRefs::Resolve(tx, dataset_.id, refs));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  ItemRefs::RowidMap Confirm(ItemRefs& refs) {
    ItemRefs::RowidMap out;
    EXPECT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      NUCLEUS_ASSIGN_OR_RETURN(const ItemRefs::RowidMap* map, refs.Confirm(tx));
                      out = *map;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  store::Dataset dataset_;
};

TEST_F(ItemRefsTest, WhatTheSnapshotFoundHoldsWhenNothingWasDeleted) {
  const int64_t a = Append("a");
  const int64_t b = Append("b");
  ItemRefs refs = Resolve({"a", "b", "later"});
  const int64_t later = Append("later");  // appended between the snapshot and the write
  ItemRefs::RowidMap map = Confirm(refs);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map["a"], a);
  EXPECT_EQ(map["b"], b);
  EXPECT_EQ(map["later"], later);
}

TEST_F(ItemRefsTest, ADeletionBetweenSnapshotAndWriteResolvesAgain) {
  Append("a");
  const int64_t last = Append("last");
  ItemRefs refs = Resolve({"last", "other"});
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.items().Delete(last); }).ok());
  // The next append takes the deleted item's rowid again (largest + 1): the snapshot's
  // "last" -> rowid would now name "other".
  const int64_t other = Append("other");
  ASSERT_EQ(other, last);
  ItemRefs::RowidMap map = Confirm(refs);
  EXPECT_EQ(map.count("last"), 0u);
  ASSERT_EQ(map.count("other"), 1u);
  EXPECT_EQ(map["other"], other);
}

}  // namespace
}  // namespace nucleus::api
