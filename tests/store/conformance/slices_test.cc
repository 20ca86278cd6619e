// datasets.h slices: item members in order, idempotent appends, and the cascades that keep
// slices consistent with their items and dataset (docs/api/slices.md; issue 13).
#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

Slice NewSlice(const std::string& id, const std::string& dataset_id) {
  Slice slice;
  slice.id = id;
  slice.dataset_id = dataset_id;
  slice.name = "slice " + id;
  slice.created_at_ms = 9;
  return slice;
}

// The member item rowids of the slice, in member order.
std::vector<int64_t> Members(Tx& tx, const std::string& slice_id) {
  std::vector<int64_t> out;
  auto members = tx.datasets().ListSliceItems(slice_id, 0, 1000);
  EXPECT_TRUE(members.ok()) << members.status().ToString();
  if (!members.ok()) return out;
  for (const SliceMember& m : *members) out.push_back(m.item_rowid);
  return out;
}

TEST_P(StoreConformanceTest, SliceItemsAppendInOrderAndSkipMembersAlreadyThere) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a"), b = AddItem(ds.id, "b"), c = AddItem(ds.id, "c");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(NewSlice("slc_1", ds.id)));
    const int64_t first[] = {c.rowid, a.rowid, c.rowid};
    NUCLEUS_ASSIGN_OR_RETURN(int64_t added, tx.datasets().AppendSliceItems("slc_1", first));
    EXPECT_EQ(added, 2);
    const int64_t again[] = {a.rowid, b.rowid, c.rowid};
    NUCLEUS_ASSIGN_OR_RETURN(added, tx.datasets().AppendSliceItems("slc_1", again));
    EXPECT_EQ(added, 1);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Members(tx, "slc_1"), (std::vector<int64_t>{c.rowid, a.rowid, b.rowid}));
    // Paging by position: after the first member, one at a time.
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SliceMember> first,
                             tx.datasets().ListSliceItems("slc_1", 0, 1));
    EXPECT_EQ(first.size(), 1u);
    if (first.empty()) return Status::Ok();
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SliceMember> next,
                             tx.datasets().ListSliceItems("slc_1", first[0].position, 1));
    EXPECT_EQ(next.size(), 1u);
    if (!next.empty()) {
      EXPECT_EQ(next[0].item_rowid, a.rowid);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Slice> got, tx.datasets().GetSlice("slc_1"));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->dataset_id, ds.id);
      EXPECT_EQ(got->name, "slice slc_1");
      EXPECT_EQ(got->type, "dataset_item");
      EXPECT_EQ(got->created_at_ms, 9);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Slice> none, tx.datasets().GetSlice("slc_none"));
    EXPECT_FALSE(none.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> item, tx.items().FindByRowid(b.rowid));
    EXPECT_TRUE(item.has_value());
    if (item) {
      EXPECT_EQ(item->reference_id, "b");
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DeletingAnItemRemovesItFromEverySlice) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a"), b = AddItem(ds.id, "b");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    const int64_t both[] = {a.rowid, b.rowid};
    for (const char* id : {"slc_1", "slc_2"}) {
      NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(NewSlice(id, ds.id)));
      NUCLEUS_RETURN_IF_ERROR(tx.datasets().AppendSliceItems(id, both).status());
    }
    return tx.items().Delete(a.rowid);
  }));
  // A new item reusing the reference id (and perhaps the rowid) does not join the slices.
  Item again = AddItem(ds.id, "a");
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Members(tx, "slc_1"), std::vector<int64_t>{b.rowid});
    EXPECT_EQ(Members(tx, "slc_2"), std::vector<int64_t>{b.rowid});
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    const int64_t one[] = {again.rowid};
    NUCLEUS_ASSIGN_OR_RETURN(int64_t added, tx.datasets().AppendSliceItems("slc_1", one));
    EXPECT_EQ(added, 1);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Members(tx, "slc_1"), (std::vector<int64_t>{b.rowid, again.rowid}));
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DeletingASliceLeavesItsItemsAndOtherSlices) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    const int64_t one[] = {a.rowid};
    for (const char* id : {"slc_1", "slc_2"}) {
      NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(NewSlice(id, ds.id)));
      NUCLEUS_RETURN_IF_ERROR(tx.datasets().AppendSliceItems(id, one).status());
    }
    NUCLEUS_ASSIGN_OR_RETURN(bool deleted, tx.datasets().DeleteSlice("slc_1"));
    EXPECT_TRUE(deleted);
    NUCLEUS_ASSIGN_OR_RETURN(bool again, tx.datasets().DeleteSlice("slc_1"));
    EXPECT_FALSE(again);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Slice> gone, tx.datasets().GetSlice("slc_1"));
    EXPECT_FALSE(gone.has_value());
    EXPECT_TRUE(Members(tx, "slc_1").empty());
    EXPECT_EQ(Members(tx, "slc_2"), std::vector<int64_t>{a.rowid});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t items, tx.items().Count(ds.id));
    EXPECT_EQ(items, 1);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Slice> left, tx.datasets().ListSlices(ds.id));
    EXPECT_EQ(left.size(), 1u);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DeletingADatasetDeletesItsSlicesAndTheirMembers) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item kept = AddItem(other.id, "a");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    const int64_t one[] = {a.rowid};
    const int64_t other_one[] = {kept.rowid};
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(NewSlice("slc_1", ds.id)));
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().AppendSliceItems("slc_1", one).status());
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(NewSlice("slc_2", other.id)));
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().AppendSliceItems("slc_2", other_one).status());
    return tx.datasets().Delete(ds.id);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Slice> gone, tx.datasets().GetSlice("slc_1"));
    EXPECT_FALSE(gone.has_value());
    EXPECT_TRUE(Members(tx, "slc_1").empty());
    EXPECT_EQ(Members(tx, "slc_2"), std::vector<int64_t>{kept.rowid});
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, SceneSlicesReplaceTheirIdMembers) {
  Dataset ds = AddDataset("owner_a");
  Slice slice = NewSlice("slc_1", ds.id);
  slice.type = "scene";
  slice.reference_ids = {"scene_b"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(slice));
    return tx.datasets().SetSliceReferenceIds("slc_1", {"scene_b", "scene_a"});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Slice> got, tx.datasets().GetSlice("slc_1"));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->type, "scene");
      EXPECT_EQ(got->reference_ids, (std::vector<std::string>{"scene_b", "scene_a"}));
    }
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
