// items.h and annotations.h: reference ids unique per dataset, stable ids and insertion
// positions, pagination, put semantics (insert / ignore / update) and the views of ScanDataset.
#include <algorithm>
#include <set>

#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

TEST_P(StoreConformanceTest, ItemReferenceIdsAreUniquePerDataset) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item first = AddItem(ds.id, "img-1");
  Item dup;
  dup.id = NextId("di_");
  dup.dataset_id = ds.id;
  dup.reference_id = "img-1";
  EXPECT_EQ(Write([&](Tx& tx) { return tx.items().Insert(&dup); }).code(),
            StatusCode::kAlreadyExists);
  Item elsewhere = AddItem(other.id, "img-1");  // the same reference id in another dataset
  EXPECT_NE(elsewhere.rowid, first.rowid);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> a, tx.items().FindByRef(ds.id, "img-1"));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> b, tx.items().FindByRef(other.id, "img-1"));
    EXPECT_TRUE(a && b);
    if (a && b) {
      EXPECT_EQ(a->id, first.id);
      EXPECT_EQ(b->id, elsewhere.id);
    }
    // An id of another dataset is not found through this one.
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> cross, tx.items().FindById(ds.id, elsewhere.id));
    EXPECT_FALSE(cross.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ItemInsertAssignsRowidAndIncreasingSeq) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Item c = AddItem(ds.id, "c");
  EXPECT_NE(a.rowid, 0);
  EXPECT_LT(a.seq, b.seq);
  EXPECT_LT(b.seq, c.seq);
  std::set<int64_t> rowids = {a.rowid, b.rowid, c.rowid};
  EXPECT_EQ(rowids.size(), 3u);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> got, tx.items().FindById(ds.id, b.id));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->rowid, b.rowid);
      EXPECT_EQ(got->seq, b.seq);
      EXPECT_EQ(got->reference_id, "b");
      EXPECT_EQ(got->image_url, b.image_url);
      EXPECT_EQ(got->metadata_json, "{}");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> rowid, tx.items().FindRowidByRef(ds.id, "c"));
    EXPECT_EQ(rowid, std::optional<int64_t>(c.rowid));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> none, tx.items().FindRowidByRef(ds.id, "zz"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
}

// InsertMany is Insert on each item in turn: positions after the existing (and deleted) ones, in
// order, each item told its rowid and seq; a reference id already taken fails the whole call.
TEST_P(StoreConformanceTest, InsertManyAppendsInOrderAsInsertDoes) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item gone = AddItem(ds.id, "gone");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Delete(gone.rowid); }));
  std::vector<Item> batch(150);  // more than one multi-row statement, and a tail
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].id = NextId("di_");
    batch[i].reference_id = "b" + std::to_string(i);
    batch[i].image_url = "s3://x/" + std::to_string(i);
    batch[i].metadata_json = R"({"i":)" + std::to_string(i) + "}";
    batch[i].extra_json = i % 2 == 0 ? R"("width":3)" : "";
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().InsertMany(ds.id, batch); }));
  EXPECT_GT(batch.front().seq, gone.seq);
  std::set<int64_t> rowids = {a.rowid};
  for (size_t i = 1; i < batch.size(); ++i) EXPECT_LT(batch[i - 1].seq, batch[i].seq);
  for (const Item& item : batch) rowids.insert(item.rowid);
  EXPECT_EQ(rowids.size(), batch.size() + 1);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Item> all, tx.items().List(ds.id, 0, 1000));
    EXPECT_EQ(all.size(), batch.size() + 1);
    for (size_t i = 0; i < batch.size() && i + 1 < all.size(); ++i) {
      const Item& got = all[i + 1];
      EXPECT_EQ(got.id, batch[i].id);
      EXPECT_EQ(got.rowid, batch[i].rowid);
      EXPECT_EQ(got.seq, batch[i].seq);
      EXPECT_EQ(got.dataset_id, ds.id);
      EXPECT_EQ(got.reference_id, batch[i].reference_id);
      EXPECT_EQ(got.metadata_json, batch[i].metadata_json);
      EXPECT_EQ(got.extra_json, batch[i].extra_json);
    }
    return Status::Ok();
  }));
  std::vector<Item> taken(2);
  taken[0].id = NextId("di_");
  taken[0].reference_id = "new";
  taken[1].id = NextId("di_");
  taken[1].reference_id = "a";
  EXPECT_EQ(Write([&](Tx& tx) { return tx.items().InsertMany(ds.id, taken); }).code(),
            StatusCode::kAlreadyExists);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> none, tx.items().FindRowidByRef(ds.id, "new"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
  // Refused inside a write that goes on (api's append retries with every id looked up): the
  // refused batch leaves no row and no position behind, and the write still commits.
  int64_t last_seq = 0;
  for (const Item& item : AllItems(ds.id)) last_seq = std::max(last_seq, item.seq);
  Item after;
  after.id = NextId("di_");
  after.dataset_id = ds.id;
  after.reference_id = "after";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Status refused = tx.items().InsertMany(ds.id, taken);
    EXPECT_EQ(refused.code(), StatusCode::kAlreadyExists);
    return tx.items().Insert(&after);
  }));
  EXPECT_EQ(after.seq, last_seq + 1);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> none, tx.items().FindRowidByRef(ds.id, "new"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
}

// A client pages with "seq > token": a position freed by deleting the last items must not be
// handed out again, or an item appended after the deletion is skipped by that pager.
TEST_P(StoreConformanceTest, DeletedLastPositionsAreNotReused) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Item c = AddItem(ds.id, "c");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.items().Delete(b.rowid));
    return tx.items().Delete(c.rowid);
  }));
  Item d = AddItem(ds.id, "d");
  EXPECT_GT(d.seq, c.seq);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Item> page, tx.items().List(ds.id, b.seq, 10));
    EXPECT_EQ(page.size(), 1u);
    if (!page.empty()) {
      EXPECT_EQ(page[0].reference_id, "d");
    }
    return Status::Ok();
  }));
  (void)a;
}

TEST_P(StoreConformanceTest, ItemReplaceKeepsIdentityAndPosition) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  AddItem(ds.id, "b");
  Item changed = a;
  changed.id = "di_should_not_change";
  changed.seq = 999;
  changed.image_url = "s3://new.jpg";
  changed.pointcloud_url = "s3://pc.json";
  changed.metadata_json = R"({"k":1})";
  changed.extra_json = R"("width":640,"height":480)";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Replace(changed); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> got, tx.items().FindByRef(ds.id, "a"));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->id, a.id);
      EXPECT_EQ(got->rowid, a.rowid);
      EXPECT_EQ(got->seq, a.seq);
      EXPECT_EQ(got->image_url, "s3://new.jpg");
      EXPECT_EQ(got->pointcloud_url, "s3://pc.json");
      EXPECT_EQ(got->metadata_json, R"({"k":1})");
      EXPECT_EQ(got->extra_json, R"("width":640,"height":480)");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> first, tx.items().FindByIndex(ds.id, 0));
    EXPECT_TRUE(first && first->id == a.id);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(
      Write([&](Tx& tx) { return tx.items().UpdateMetadata(a.rowid, R"({"k":2})"); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> got, tx.items().FindByRef(ds.id, "a"));
    EXPECT_TRUE(got && got->metadata_json == R"({"k":2})" && got->image_url == "s3://new.jpg");
    return Status::Ok();
  }));
}

// List(after_seq, limit) pages through the insertion order: walking pages by the last seq
// seen yields every item once, in order, also after deletions left gaps.
TEST_P(StoreConformanceTest, ItemPagesWalkTheInsertionOrderOnce) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  std::vector<Item> inserted;
  for (int i = 0; i < 23; ++i) {
    inserted.push_back(AddItem(ds.id, "ref-" + std::to_string(22 - i)));  // refs not sorted
    if (i % 5 == 0) AddItem(other.id, "ref-" + std::to_string(i));
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.items().Delete(inserted[3].rowid));
    return tx.items().Delete(inserted[10].rowid);
  }));
  std::vector<std::string> expected;
  for (size_t i = 0; i < inserted.size(); ++i) {
    if (i != 3 && i != 10) expected.push_back(inserted[i].id);
  }
  std::vector<std::string> walked;
  int64_t after = -1;
  for (int page = 0; page < 20; ++page) {
    std::vector<Item> items;
    NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(items, tx.items().List(ds.id, after, 4));
      return Status::Ok();
    }));
    ASSERT_LE(items.size(), 4u);
    if (items.empty()) break;
    for (const Item& item : items) {
      EXPECT_GT(item.seq, after);
      EXPECT_EQ(item.dataset_id, ds.id);
      walked.push_back(item.id);
      after = item.seq;
    }
  }
  EXPECT_EQ(walked, expected);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t count, tx.items().Count(ds.id));
    EXPECT_EQ(count, 21);
    // Index counts positions of the items that exist, not seq values.
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> third, tx.items().FindByIndex(ds.id, 3));
    EXPECT_TRUE(third && third->id == inserted[4].id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> rowid, tx.items().FindRowidByIndex(ds.id, 9));
    EXPECT_EQ(rowid, std::optional<int64_t>(inserted[11].rowid));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> past, tx.items().FindByIndex(ds.id, 21));
    EXPECT_FALSE(past.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> past_rowid,
                             tx.items().FindRowidByIndex(ds.id, 21));
    EXPECT_FALSE(past_rowid.has_value());
    return Status::Ok();
  }));
}

// A page read from a position (api::ListItemsPageAt, the dashboard's grid): FindByIndex gives the
// item at the position, List from its seq - 1 the items from it on, in order, as a walk from the
// start would reach them, deleted items and other datasets' items counted by neither; and
// CountBefore an item's seq is its position again.
TEST_P(StoreConformanceTest, PagesReadFromAPositionAreTheWalksItemsFromThere) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  std::vector<Item> inserted;
  for (int i = 0; i < 12; ++i) {
    inserted.push_back(AddItem(ds.id, "ref-" + std::to_string(i)));
    AddItem(other.id, "ref-" + std::to_string(i));
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Delete(inserted[2].rowid); }));
  std::vector<std::string> walk;  // ids in insertion order, as List from the start gives them
  for (size_t i = 0; i < inserted.size(); ++i) {
    if (i != 2) walk.push_back(inserted[i].id);
  }
  for (int64_t index : {0, 1, 2, 7, 10}) {
    std::vector<Item> page;
    NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> first, tx.items().FindByIndex(ds.id, index));
      if (!first) return Internal("no item at index " + std::to_string(index));
      NUCLEUS_ASSIGN_OR_RETURN(page, tx.items().List(ds.id, first->seq - 1, 3));
      return Status::Ok();
    }));
    std::vector<std::string> ids;
    for (const Item& item : page) ids.push_back(item.id);
    // And back: the position of the item found there is the count of the items before it.
    NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(int64_t before, tx.items().CountBefore(ds.id, page.front().seq));
      EXPECT_EQ(before, index);
      return Status::Ok();
    }));
    const size_t end = std::min(walk.size(), static_cast<size_t>(index) + 3);
    EXPECT_EQ(ids, std::vector<std::string>(walk.begin() + index, walk.begin() + end))
        << "index " << index;
  }
}

// Lookups take string_views that need not be NUL-terminated (a wire parser hands out views
// into the request body): only the view's characters count.
TEST_P(StoreConformanceTest, LookupsReadOnlyTheCharactersOfTheirViews) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img-1");
  AddItem(ds.id, "img-12");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) {
    return tx.annotations().Put(NewAnnotation(item, "id:box", "car", "{}"), false).status();
  }));
  const std::string body = "img-12|" + item.id + "X|id:box1";
  std::string_view ref(body.data(), 5);                                 // "img-1", followed by "2"
  std::string_view id(body.data() + 7, item.id.size());                 // followed by "X"
  std::string_view annotation_id(body.data() + 9 + item.id.size(), 6);  // "id:box", then "1"
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> by_ref, tx.items().FindByRef(ds.id, ref));
    EXPECT_TRUE(by_ref && by_ref->id == item.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> rowid, tx.items().FindRowidByRef(ds.id, ref));
    EXPECT_EQ(rowid, std::optional<int64_t>(item.rowid));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> by_id, tx.items().FindById(ds.id, id));
    EXPECT_TRUE(by_id && by_id->reference_id == "img-1");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Annotation> ann,
                             tx.annotations().FindByAnnotationId(item.rowid, annotation_id));
    EXPECT_TRUE(ann && ann->identity == "id:box");
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ResolveRefsReturnsOnlyTheDatasetsExistingItems) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  AddItem(other.id, "c");
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(auto map, tx.items().ResolveRefs(ds.id, {"b", "missing", "a", "c"}));
    EXPECT_EQ(map.size(), 2u);
    EXPECT_EQ(map["a"], a.rowid);
    EXPECT_EQ(map["b"], b.rowid);
    NUCLEUS_ASSIGN_OR_RETURN(auto empty, tx.items().ResolveRefs(ds.id, {}));
    EXPECT_TRUE(empty.empty());
    return Status::Ok();
  }));
}

// What lets a writer resolve reference ids outside the write lock (api/item_refs.h): only a
// deletion moves the count, and only its own dataset's; appends and replaces do not.
TEST_P(StoreConformanceTest, DeletionCountMovesOnlyWithItemDeletionsOfItsDataset) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Item c = AddItem(other.id, "c");
  auto counts = [&]() {
    std::pair<int64_t, int64_t> out{-1, -1};
    NUCLEUS_EXPECT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(out.first, tx.items().DeletionCount(ds.id));
      NUCLEUS_ASSIGN_OR_RETURN(out.second, tx.items().DeletionCount(other.id));
      return Status::Ok();
    }));
    return out;
  };
  EXPECT_EQ(counts(), std::make_pair(int64_t{0}, int64_t{0}));
  AddItem(ds.id, "d");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) {
    Item replaced = a;
    replaced.metadata_json = R"({"k":1})";
    return tx.items().Replace(replaced);
  }));
  EXPECT_EQ(counts(), std::make_pair(int64_t{0}, int64_t{0}));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Delete(b.rowid); }));
  EXPECT_EQ(counts(), std::make_pair(int64_t{1}, int64_t{0}));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.items().Delete(a.rowid));
    return tx.items().Delete(c.rowid);
  }));
  EXPECT_EQ(counts(), std::make_pair(int64_t{2}, int64_t{1}));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t unknown, tx.items().DeletionCount("ds_unknown"));
    EXPECT_EQ(unknown, 0);
    return Status::Ok();
  }));
}

// Batches of every shape give the same answer: ids dense among the dataset's ids (one upload's
// prefix), ids scattered among many others, new ids, repeats, ids that are prefixes of others.
TEST_P(StoreConformanceTest, ResolveRefsOfLargeBatchesFindsExactlyTheStoredIds) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  std::vector<Item> batch;
  for (int i = 0; i < 300; ++i) {
    Item item;
    item.id = NextId("di_");
    item.reference_id = "b_" + std::to_string(i % 3) + "_" + std::to_string(i) + ".jpg";
    item.metadata_json = "{}";
    item.extra_json = "{}";
    batch.push_back(item);
  }
  for (const char* ref : {"b_1", "b_1_", "b_1_1", "c"}) {
    Item item;
    item.id = NextId("di_");
    item.reference_id = ref;
    batch.push_back(item);
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().InsertMany(ds.id, batch); }));
  AddItem(other.id, "b_1_4.jpg");
  std::unordered_map<std::string, int64_t> stored;
  for (const Item& item : batch) stored[item.reference_id] = item.rowid;

  auto check = [&](const std::vector<std::string>& refs) {
    NUCLEUS_EXPECT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(auto map, tx.items().ResolveRefs(ds.id, refs));
      std::unordered_map<std::string, int64_t> expected;
      for (const std::string& r : refs) {
        if (stored.count(r)) expected[r] = stored[r];
      }
      EXPECT_EQ(map, expected) << refs.size() << " ids from " << refs.front();
      return Status::Ok();
    }));
  };
  std::vector<std::string> dense, scattered, fresh, mixed;
  for (int i = 1; i < 300; i += 3) dense.push_back("b_1_" + std::to_string(i) + ".jpg");
  for (int i = 0; i < 300; i += 7) scattered.push_back("b_" + std::to_string(i % 3) + "_" +
                                                       std::to_string(i) + ".jpg");
  for (int i = 0; i < 100; ++i) fresh.push_back("b_1_new_" + std::to_string(i));
  mixed = dense;
  mixed.insert(mixed.end(), fresh.begin(), fresh.begin() + 40);
  mixed.insert(mixed.end(), {"b_1", "b_1_", "b_1_1", "c", "b_1", dense.front()});
  check(dense);
  check(scattered);
  check(fresh);
  check(mixed);
  // Ids spread over the whole dataset's range: the walk would read most of it.
  std::vector<std::string> ends = {"b_0_0.jpg", "c"};
  for (int i = 0; i < 40; ++i) ends.push_back("zz_" + std::to_string(i));
  check(ends);
}

TEST_P(StoreConformanceTest, DeletingAnItemDeletesItsAnnotationsAndPredictions) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().Put(NewAnnotation(a, "id:1", "car", "{}"), false).status());
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().Put(NewAnnotation(b, "id:1", "car", "{}"), false).status());
    PredictionWrite rows[2];
    rows[0] = {a.rowid, "pred_a", "box", "id:1", "1", "car", 0.5, "{}", ""};
    rows[1] = {b.rowid, "pred_b", "box", "id:1", "1", "car", 0.5, "{}", ""};
    NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, rows, false).status());
    return tx.items().Delete(a.rowid);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns, tx.annotations().ListByDataset(ds.id));
    EXPECT_EQ(anns.size(), 1u);
    if (!anns.empty()) {
      EXPECT_EQ(anns[0].item_rowid, b.rowid);
    }
    NUCLEUS_ASSIGN_OR_RETURN(int64_t preds, tx.predictions().CountByRun(run.rowid));
    EXPECT_EQ(preds, 1);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> gone, tx.items().FindByRef(ds.id, "a"));
    EXPECT_FALSE(gone.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, AnnotationPutInsertsIgnoresOrReplacesByItemAndIdentity) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Annotation first = NewAnnotation(a, "id:box1", "car", R"({"label":"car"})");
  Annotation second = NewAnnotation(a, "id:box1", "bus", R"({"label":"bus"})");
  Annotation third = NewAnnotation(a, "id:box1", "van", R"({"label":"van"})");
  Annotation on_b = NewAnnotation(b, "id:box1", "cat", R"({"label":"cat"})");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o1, tx.annotations().Put(first, false));
    EXPECT_EQ(o1, PutOutcome::kInserted);
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o2, tx.annotations().Put(second, false));
    EXPECT_EQ(o2, PutOutcome::kIgnored);
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o3, tx.annotations().Put(on_b, false));
    EXPECT_EQ(o3, PutOutcome::kInserted);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(anns.size(), 1u);
    if (!anns.empty()) {
      EXPECT_EQ(anns[0].label, "car");
      EXPECT_EQ(anns[0].payload_json, R"({"label":"car"})");
      EXPECT_EQ(anns[0].id, first.id);
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o, tx.annotations().Put(third, true));
    EXPECT_EQ(o, PutOutcome::kReplaced);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(anns.size(), 1u);
    if (!anns.empty()) {
      EXPECT_EQ(anns[0].label, "van");
      EXPECT_EQ(anns[0].labels, std::vector<std::string>{"van"});
      EXPECT_EQ(anns[0].payload_json, R"({"label":"van"})");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> on_b_list,
                             tx.annotations().ListByItem(b.rowid));
    EXPECT_EQ(on_b_list.size(), 1u);
    return Status::Ok();
  }));
}

// PutMany behaves as Put row by row: across the statements it is split into (more than 64 rows
// here), and for a row repeating an earlier row of the same call.
TEST_P(StoreConformanceTest, AnnotationPutManyIsPutRowByRowInOrder) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  std::vector<Annotation> anns;
  for (int i = 0; i < 150; ++i) {
    const Item& item = i % 2 == 0 ? a : b;
    std::string identity = "id:", label = "l", payload = "{\"i\":";
    identity.append(std::to_string(i / 2));
    label.append(std::to_string(i));
    payload.append(std::to_string(i)).append("}");
    anns.push_back(NewAnnotation(item, identity, label, payload));
  }
  anns[149].labels = {"multi \"quoted\"", "second"};  // labels are kept as a list
  // Row 150 repeats row 0's (item, identity): ignored without update, replacing with it.
  anns.push_back(NewAnnotation(a, "id:0", "again", R"({"again":true})"));
  auto writes = [&](const std::vector<Annotation>& rows) {
    std::vector<AnnotationWrite> out;
    for (const Annotation& r : rows) {
      out.push_back(AnnotationWrite{r.item_rowid, r.id, r.type, r.identity, r.annotation_id,
                                    r.label, r.labels, r.payload_json});
    }
    return out;
  };
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written,
                             tx.annotations().PutMany(ds.id, writes(anns), false));
    EXPECT_EQ(written, 150);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> of_a, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(of_a.size(), 75u);
    if (!of_a.empty()) {
      EXPECT_EQ(of_a[0].id, anns[0].id);
      EXPECT_EQ(of_a[0].payload_json, R"({"i":0})");
      EXPECT_EQ(of_a[0].dataset_id, ds.id);
      EXPECT_EQ(of_a.back().identity, "id:74");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> of_b, tx.annotations().ListByItem(b.rowid));
    EXPECT_EQ(of_b.size(), 75u);
    if (!of_b.empty()) {
      EXPECT_EQ(of_b.back().labels, (std::vector<std::string>{"multi \"quoted\"", "second"}));
      EXPECT_EQ(of_b.back().type, "box");
      EXPECT_EQ(of_b.back().annotation_id, "id:74");
    }
    return Status::Ok();
  }));
  // With update every row is written; replaced rows keep their id and position.
  std::vector<Annotation> again = {NewAnnotation(a, "id:0", "first", R"({"n":1})"),
                                   NewAnnotation(a, "id:0", "second", R"({"n":2})"),
                                   NewAnnotation(b, "id:new", "new", "{}")};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.annotations().PutMany(ds.id, writes(again), true));
    EXPECT_EQ(written, 3);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> of_a, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(of_a.size(), 75u);
    if (!of_a.empty()) {
      EXPECT_EQ(of_a[0].id, anns[0].id);
      EXPECT_EQ(of_a[0].label, "second");
      EXPECT_EQ(of_a[0].payload_json, R"({"n":2})");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> labels, tx.annotations().Labels(ds.id));
    EXPECT_EQ(std::count(labels.begin(), labels.end(), "multi \"quoted\""), 1);
    EXPECT_EQ(std::count(labels.begin(), labels.end(), "l0"), 0);  // replaced
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, AnnotationsListInInsertionOrderGroupedByItemOrder) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  // Written b, a, b, a: ListByDataset groups them by item in the items' insertion order.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Annotation& ann :
         {NewAnnotation(b, "id:b1", "x", "{}"), NewAnnotation(a, "id:a1", "x", "{}"),
          NewAnnotation(b, "id:b2", "x", "{}"), NewAnnotation(a, "id:a2", "x", "{}")}) {
      NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(ann, false).status());
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> all, tx.annotations().ListByDataset(ds.id));
    std::vector<std::string> identities;
    for (const Annotation& ann : all) identities.push_back(ann.identity);
    EXPECT_EQ(identities, (std::vector<std::string>{"id:a1", "id:a2", "id:b1", "id:b2"}));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> of_b, tx.annotations().ListByItem(b.rowid));
    EXPECT_EQ(of_b.size(), 2u);
    if (of_b.size() == 2) {
      EXPECT_EQ(of_b[0].identity, "id:b1");
      EXPECT_EQ(of_b[1].identity, "id:b2");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Annotation> found,
                             tx.annotations().FindByAnnotationId(b.rowid, "id:b2"));
    EXPECT_TRUE(found && found->identity == "id:b2");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Annotation> wrong_item,
                             tx.annotations().FindByAnnotationId(a.rowid, "id:b2"));
    EXPECT_FALSE(wrong_item.has_value());
    return Status::Ok();
  }));
}

// ScanDataset hands out views that stay valid for the whole callback, even when the callback
// uses the same Tx meanwhile; sorted by (item_seq, rowid) they give ListByDataset's order.
TEST_P(StoreConformanceTest, ScanDatasetViewsHoldForTheCallbackAndMatchListByDataset) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Item o = AddItem(other.id, "o");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Annotation poly = NewAnnotation(b, "id:p", "person", R"({"type":"polygon","label":"person"})");
    poly.type = "polygon";
    poly.geometry = std::string("\x03poly\0\xff", 7);  // opaque bytes to the store
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(poly, false).status());
    Annotation car = NewAnnotation(a, "id:c", "car", R"({"type":"box","label":"car"})");
    car.geometry = "\x01box";
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(car, false).status());
    return tx.annotations().Put(NewAnnotation(o, "id:z", "zebra", "{}"), false).status();
  }));
  struct Seen {
    int64_t rowid, item_rowid, item_seq;
    std::string type, label, geometry;
  };
  std::vector<Seen> seen;
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    return tx.annotations().ScanDataset(ds.id, [&](const AnnotationRef& ref) -> Status {
      std::string type(ref.type);
      std::string label(ref.label);
      std::string geometry(ref.geometry);
      // Other reads in the same Tx during the callback must not disturb the views.
      NUCLEUS_RETURN_IF_ERROR(tx.items().FindByRef(ds.id, "a").status());
      NUCLEUS_RETURN_IF_ERROR(tx.annotations().ListByItem(ref.item_rowid).status());
      EXPECT_EQ(ref.type, type);
      EXPECT_EQ(ref.label, label);
      EXPECT_EQ(ref.geometry, geometry);
      seen.push_back({ref.rowid, ref.item_rowid, ref.item_seq, type, label, geometry});
      return Status::Ok();
    });
  }));
  ASSERT_EQ(seen.size(), 2u);
  std::sort(seen.begin(), seen.end(), [](const Seen& x, const Seen& y) {
    return std::tie(x.item_seq, x.rowid) < std::tie(y.item_seq, y.rowid);
  });
  EXPECT_EQ(seen[0].item_rowid, a.rowid);
  EXPECT_EQ(seen[0].item_seq, a.seq);
  EXPECT_EQ(seen[0].label, "car");
  EXPECT_EQ(seen[0].type, "box");
  EXPECT_EQ(seen[0].geometry, "\x01box");
  EXPECT_EQ(seen[1].item_rowid, b.rowid);
  EXPECT_EQ(seen[1].item_seq, b.seq);
  EXPECT_EQ(seen[1].type, "polygon");
  EXPECT_EQ(seen[1].geometry, std::string("\x03poly\0\xff", 7));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> list, tx.annotations().ListByDataset(ds.id));
    EXPECT_EQ(list.size(), 2u);
    for (size_t i = 0; i < list.size() && i < seen.size(); ++i)
      EXPECT_EQ(list[i].rowid, seen[i].rowid);
    return Status::Ok();
  }));
}

// The packed geometry is stored as written (opaque bytes), read back with the annotation and
// replaced by an update. Rows written without one are listed by PayloadsWithoutGeometry, across
// datasets, in rowid order and paged by after_rowid, until SetGeometry gives them one ("" too).
TEST_P(StoreConformanceTest, AnnotationsWithoutGeometryAreListedUntilSet) {
  Item a = AddItem(AddDataset("owner_a").id, "a");
  Item o = AddItem(AddDataset("owner_b").id, "o");
  const std::string packed("\x01b\0x", 4);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Annotation with = NewAnnotation(a, "id:1", "car", R"({"n":1})");
    with.geometry = packed;
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(with, false).status());
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().Put(NewAnnotation(a, "id:2", "car", R"({"n":2})"), false).status());
    return tx.annotations().Put(NewAnnotation(o, "id:3", "bus", R"({"n":3})"), false).status();
  }));
  std::vector<PayloadRow> missing;
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(missing, tx.annotations().PayloadsWithoutGeometry(0, 10));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> page,
                             tx.annotations().PayloadsWithoutGeometry(missing.at(0).rowid, 5));
    EXPECT_EQ(page.size(), 1u);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> list, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].geometry, packed);
      EXPECT_EQ(list[1].geometry, "");
    }
    return Status::Ok();
  }));
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].payload_json, R"({"n":2})");
  EXPECT_EQ(missing[0].type, "box");
  EXPECT_EQ(missing[1].payload_json, R"({"n":3})");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().SetGeometry(missing[0].rowid, packed));
    return tx.annotations().SetGeometry(missing[1].rowid, "");
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> left,
                             tx.annotations().PayloadsWithoutGeometry(0, 10));
    EXPECT_TRUE(left.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> list, tx.annotations().ListByItem(a.rowid));
    EXPECT_EQ(list.at(1).geometry, packed);
    return Status::Ok();
  }));
  // An update replaces the geometry with the row's; one written without is missing again.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Annotation again = NewAnnotation(a, "id:1", "car", R"({"n":10})");
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(again, true).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> left,
                             tx.annotations().PayloadsWithoutGeometry(0, 10));
    EXPECT_EQ(left.size(), 1u);
    if (left.size() == 1) {
      EXPECT_EQ(left[0].payload_json, R"({"n":10})");
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ScanDatasetStopsAtTheFirstErrorAndReturnsIt) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 5; ++i) {
      NUCLEUS_RETURN_IF_ERROR(
          tx.annotations()
              .Put(NewAnnotation(a, "id:" + std::to_string(i), "x", "{}"), false)
              .status());
    }
    return Status::Ok();
  }));
  int calls = 0;
  Status status = Read([&](Tx& tx) {
    return tx.annotations().ScanDataset(ds.id, [&](const AnnotationRef&) -> Status {
      ++calls;
      return calls == 2 ? NotFound("stop here") : Status::Ok();
    });
  });
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "stop here");
  EXPECT_EQ(calls, 2);
}

// Whatever the identity's kind (a taxonomy's, or an id), every row of the dataset with it goes.
TEST_P(StoreConformanceTest, AnnotationDeleteByIdentityFindsEveryKindOfIdentity) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Annotation multi = NewAnnotation(a, "multicategory:tags", "x", "{}");
  multi.type = "multicategory";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Annotation& ann :
         {multi, NewAnnotation(b, "multicategory:tags", "y", "{}"),
          NewAnnotation(a, "id:car", "car", "{}"), NewAnnotation(b, "id:car", "car", "{}"),
          NewAnnotation(b, "id:bus", "bus", "{}")}) {
      NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(ann, false).status());
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t tags,
                             tx.annotations().DeleteByIdentity(ds.id, "multicategory:tags"));
    EXPECT_EQ(tags, 2);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t cars, tx.annotations().DeleteByIdentity(ds.id, "id:car"));
    EXPECT_EQ(cars, 2);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t none, tx.annotations().DeleteByIdentity(ds.id, "category:"));
    EXPECT_EQ(none, 0);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> left, tx.annotations().ListByDataset(ds.id));
    EXPECT_EQ(left.size(), 1u);
    if (!left.empty()) {
      EXPECT_EQ(left[0].identity, "id:bus");
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, AnnotationDeletesCountWhatWentAndStayInScope) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Item o = AddItem(other.id, "o");
  Annotation a1 = NewAnnotation(a, "category:weather", "sun", "{}");
  Annotation a2 = NewAnnotation(a, "id:2", "car", "{}");
  Annotation b1 = NewAnnotation(b, "category:weather", "rain", "{}");
  Annotation b2 = NewAnnotation(b, "id:3", "car", "{}");
  Annotation o1 = NewAnnotation(o, "category:weather", "fog", "{}");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Annotation& ann : {a1, a2, b1, b2, o1}) {
      NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(ann, false).status());
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t by_identity,
                             tx.annotations().DeleteByIdentity(ds.id, "category:weather"));
    EXPECT_EQ(by_identity, 2);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t by_ids, tx.annotations().DeleteByIds({a2.id, "ann_missing"}));
    EXPECT_EQ(by_ids, 1);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> left, tx.annotations().ListByDataset(ds.id));
    EXPECT_EQ(left.size(), 1u);
    if (!left.empty()) {
      EXPECT_EQ(left[0].id, b2.id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> others,
                             tx.annotations().ListByDataset(other.id));
    EXPECT_EQ(others.size(), 1u);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t n, tx.annotations().DeleteByItem(b.rowid));
    EXPECT_EQ(n, 1);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t none, tx.annotations().DeleteByItem(b.rowid));
    EXPECT_EQ(none, 0);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, LabelsAreTheDatasetsDistinctLabelsSorted) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item o = AddItem(other.id, "o");
  Annotation multi = NewAnnotation(a, "category:tags", "", "{}");
  multi.type = "multicategory";
  multi.labels = {"zebra", "cat"};
  Annotation mask = NewAnnotation(a, "segmentation", "", "{}");
  mask.type = "segmentation";
  mask.labels = {"road", "car"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Annotation& ann : {NewAnnotation(a, "id:1", "car", "{}"), multi, mask,
                                  NewAnnotation(o, "id:1", "other-only", "{}")}) {
      NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(ann, false).status());
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> labels, tx.annotations().Labels(ds.id));
    EXPECT_EQ(labels, (std::vector<std::string>{"car", "cat", "road", "zebra"}));
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
