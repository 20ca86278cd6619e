// store.h: units of work. A Write commits when its function returns OK and leaves nothing when
// it returns an error; a committed Write survives a restart; a Read sees one snapshot.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

TEST_P(StoreConformanceTest, CommittedWriteIsVisibleAndSurvivesReopen) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img-1");
  Reopen();
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Dataset got, tx.datasets().Get("owner_a", ds.id));
    EXPECT_EQ(got.name, ds.name);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> found, tx.items().FindByRef(ds.id, "img-1"));
    EXPECT_TRUE(found.has_value());
    if (found) {
      EXPECT_EQ(found->id, item.id);
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, WriteWhoseFunctionFailsLeavesNothingAndReturnsItsStatus) {
  Dataset ds = AddDataset("owner_a");
  Item kept = AddItem(ds.id, "kept");
  std::string new_ds_id = NextId("ds_");
  Status status = Write([&](Tx& tx) -> Status {
    Dataset other;
    other.id = new_ds_id;
    other.owner = "owner_a";
    other.name = "rolled back";
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Insert(other));
    Item item;
    item.id = NextId("di_");
    item.dataset_id = ds.id;
    item.reference_id = "rolled-back";
    NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations()
            .Put(NewAnnotation(kept, "id:a", "car", R"({"label":"car"})"), false)
            .status());
    NUCLEUS_RETURN_IF_ERROR(tx.items().UpdateMetadata(kept.rowid, R"({"changed":true})"));
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().SetTags(ds.id, {"rolled-back"}));
    return InvalidArgument("item 3: bad geometry");
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "item 3: bad geometry");

  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.datasets().Get("owner_a", new_ds_id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t count, tx.items().Count(ds.id));
    EXPECT_EQ(count, 1);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns, tx.annotations().ListByItem(kept.rowid));
    EXPECT_TRUE(anns.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Item> item, tx.items().FindByRef(ds.id, "kept"));
    EXPECT_TRUE(item.has_value());
    if (item) {
      EXPECT_EQ(item->metadata_json, "{}");
    }
    NUCLEUS_ASSIGN_OR_RETURN(Dataset got, tx.datasets().Get("owner_a", ds.id));
    EXPECT_TRUE(got.tags.empty());
    return Status::Ok();
  }));
}

// A batch whose n-th element the store refuses (a duplicate reference id) is rolled back as a
// whole once the function passes the error on: the elements before it do not stay behind.
TEST_P(StoreConformanceTest, BatchFailingHalfwayLeavesNothingHalfWritten) {
  Dataset ds = AddDataset("owner_a");
  AddItem(ds.id, "existing");
  Status status = Write([&](Tx& tx) -> Status {
    for (const char* ref : {"new-1", "new-2", "existing", "new-3"}) {
      Item item;
      item.id = NextId("di_");
      item.dataset_id = ds.id;
      item.reference_id = ref;
      NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
    }
    return Status::Ok();
  });
  EXPECT_FALSE(status.ok());
  std::vector<Item> items = AllItems(ds.id);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].reference_id, "existing");
  // The store stays usable for the next unit of work.
  AddItem(ds.id, "new-1");
  EXPECT_EQ(AllItems(ds.id).size(), 2u);
}

TEST_P(StoreConformanceTest, FailedPredictionBatchLeavesNoPredictions) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  std::string payload = R"({"type":"box"})";
  Status status = Write([&](Tx& tx) -> Status {
    std::vector<PredictionWrite> rows(3);
    for (int i = 0; i < 3; ++i) {
      rows[i].item_rowid = item.rowid;
      rows[i].type = "box";
      rows[i].label = "car";
      rows[i].payload_json = payload;
    }
    std::string ids[3] = {"pred_1", "pred_2", "pred_3"};
    std::string identities[3] = {"id:1", "id:2", "id:3"};
    for (int i = 0; i < 3; ++i) {
      rows[i].id = ids[i];
      rows[i].identity = identities[i];
    }
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, false));
    EXPECT_EQ(written, 3);
    return Status(StatusCode::kInternal, "disk full");
  });
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t count, tx.predictions().CountByRun(run.rowid));
    EXPECT_EQ(count, 0);
    NUCLEUS_ASSIGN_OR_RETURN(RowidRange range, tx.predictions().RunRowidRange(run.rowid));
    EXPECT_EQ(range.count, 0);
    return Status::Ok();
  }));
}

// Read() gives a consistent snapshot: a Write that commits while the Read's function runs is
// not seen by that Read.
TEST_P(StoreConformanceTest, ReadSeesOneSnapshotWhileAWriteCommits) {
  Dataset ds = AddDataset("owner_a");
  AddItem(ds.id, "before");
  std::mutex mu;
  std::condition_variable cv;
  bool first_count_done = false;
  bool write_done = false;
  Status write_status;
  std::thread writer([&] {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return first_count_done; });
    }
    Item item;
    item.id = "di_concurrent";
    item.dataset_id = ds.id;
    item.reference_id = "during";
    write_status = store_->Write([&](Tx& tx) { return tx.items().Insert(&item); });
    {
      std::lock_guard<std::mutex> lock(mu);
      write_done = true;
    }
    cv.notify_all();
  });
  int64_t first = -1;
  int64_t second = -1;
  Status read_status = Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(first, tx.items().Count(ds.id));
    {
      std::lock_guard<std::mutex> lock(mu);
      first_count_done = true;
    }
    cv.notify_all();
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return write_done; });
    }
    NUCLEUS_ASSIGN_OR_RETURN(second, tx.items().Count(ds.id));
    return Status::Ok();
  });
  writer.join();
  NUCLEUS_ASSERT_OK(read_status);
  NUCLEUS_ASSERT_OK(write_status);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(AllItems(ds.id).size(), 2u);
}

TEST_P(StoreConformanceTest, ChangeStampMovesOnEveryCommit) {
  std::optional<uint64_t> before = store_->ChangeStamp();
  if (!before.has_value()) {
    // Allowed by the contract; such a backend must then never report one.
    AddDataset("owner_a");
    EXPECT_FALSE(store_->ChangeStamp().has_value());
    return;
  }
  AddDataset("owner_a");
  std::optional<uint64_t> after = store_->ChangeStamp();
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(*after, *before);
  AddDataset("owner_b");
  EXPECT_NE(store_->ChangeStamp(), after);
}

// Another Store on the same data (another process, in production) commits: the stamp of this
// one must move too, or api::KeyCache would keep serving a revoked key.
TEST_P(StoreConformanceTest, ChangeStampSeesCommitsOfAnotherStoreOnTheSameData) {
  std::optional<uint64_t> before = store_->ChangeStamp();
  std::unique_ptr<Store> other = GetParam().open(dir_.string());
  ASSERT_NE(other, nullptr);
  Dataset ds;
  ds.id = NextId("ds_");
  ds.owner = "owner_a";
  ds.name = "written elsewhere";
  NUCLEUS_ASSERT_OK(other->Write([&](Tx& tx) { return tx.datasets().Insert(ds); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) { return tx.datasets().Get("owner_a", ds.id).status(); }));
  if (before.has_value()) {
    std::optional<uint64_t> after = store_->ChangeStamp();
    ASSERT_TRUE(after.has_value());
    EXPECT_NE(*after, *before);
  } else {
    EXPECT_FALSE(store_->ChangeStamp().has_value());
  }
}

// Writers are serialised: concurrent Writes each commit whole, and the positions Insert assigns
// stay unique.
TEST_P(StoreConformanceTest, ConcurrentWritesAllCommitWithUniquePositions) {
  Dataset ds = AddDataset("owner_a");
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<Status> failures[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        Status status = store_->Write([&](Tx& tx) -> Status {
          for (int k = 0; k < 2; ++k) {  // two items per unit of work
            Item item;
            item.id = "di_" + std::to_string(t) + "_" + std::to_string(i) + "_" + std::to_string(k);
            item.dataset_id = ds.id;
            item.reference_id = item.id;
            NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
          }
          return Status::Ok();
        });
        if (!status.ok()) failures[t].push_back(status);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(failures[t].empty()) << failures[t].front().ToString();
  }
  std::vector<Item> items = AllItems(ds.id);
  ASSERT_EQ(items.size(), size_t{2 * kThreads * kWritesPerThread});
  for (size_t i = 1; i < items.size(); ++i) EXPECT_LT(items[i - 1].seq, items[i].seq);
  // Each unit of work's two items are adjacent: no other writer interleaved.
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    EXPECT_EQ(items[i].id.substr(0, items[i].id.size() - 1),
              items[i + 1].id.substr(0, items[i + 1].id.size() - 1));
  }
}

// Writes that wait together may be committed together (SQLite's group commit): each still
// commits or fails alone. A first Write holds the writer until the others are waiting, so they
// run as one group in which every other function fails after writing.
TEST_P(StoreConformanceTest, WaitingWritesEachCommitOrFailAlone) {
  Dataset ds = AddDataset("owner_a");
  constexpr int kWriters = 8;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  Status statuses[kWriters];
  auto write = [&](int w) {
    return store_->Write([&, w](Tx& tx) -> Status {
      if (w == 0) {  // hold the writer until the others have called Write
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return started == kWriters - 1; });
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      Item item;
      item.id = "di_group_" + std::to_string(w);
      item.dataset_id = ds.id;
      item.reference_id = item.id;
      NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
      NUCLEUS_RETURN_IF_ERROR(tx.items().UpdateMetadata(item.rowid, R"({"w":1})"));
      if (w % 2 == 1) return InvalidArgument("writer " + std::to_string(w) + " fails");
      return Status::Ok();
    });
  };
  std::vector<std::thread> threads;
  threads.emplace_back([&] { statuses[0] = write(0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // writer 0 holds the lock
  for (int w = 1; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++started;
      }
      cv.notify_all();
      statuses[w] = write(w);
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> kept;
  for (const Item& item : AllItems(ds.id)) kept.push_back(item.reference_id);
  std::vector<std::string> expected;
  for (int w = 0; w < kWriters; ++w) {
    if (w % 2 == 1) {
      EXPECT_EQ(statuses[w].code(), StatusCode::kInvalidArgument) << w;
      EXPECT_EQ(statuses[w].message(), "writer " + std::to_string(w) + " fails");
    } else {
      EXPECT_TRUE(statuses[w].ok()) << w << ": " << statuses[w].ToString();
      expected.push_back("di_group_" + std::to_string(w));
    }
  }
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, expected);
  // The positions of failed writes were rolled back with them: the high-water mark counts only
  // what committed, so the next item follows directly.
  Item next = AddItem(ds.id, "next");
  EXPECT_EQ(next.seq, static_cast<int64_t>(expected.size()) + 1);
}

}  // namespace
}  // namespace nucleus::store::conformance
