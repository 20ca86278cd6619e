// What PostgresStore adds to the Store contract (the conformance suite covers the contract):
// servers starting together migrate once, writers of different stores are serialised, the pool
// is bounded, ChangeStamp's cache, bad options. Runs against the cluster of tests/pg (fixture
// "pg"); each test takes a fresh schema.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/datasets.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/postgres/conn.h"
#include "store/postgres/postgres_store.h"

namespace nucleus::store::postgres {
namespace {

using std::chrono::milliseconds;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* file = std::getenv("NUCLEUS_PG_URI_FILE");
    ASSERT_NE(file, nullptr) << "run through ctest: the pg fixture sets NUCLEUS_PG_URI_FILE";
    std::ifstream in(file);
    std::getline(in, uri_);
    ASSERT_FALSE(uri_.empty()) << "no PostgreSQL cluster URI in " << file;
    std::random_device rd;
    schema_ = "s_" + std::to_string(rd()) + std::to_string(rd());
    auto admin = Conn::Open(uri_);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(admin).value();
    ASSERT_TRUE(admin_->ExecScript("CREATE SCHEMA " + schema_).ok());
    scoped_uri_ = uri_ + (uri_.find('?') == std::string::npos ? "?" : "&");
    scoped_uri_ += "options=-csearch_path%3D" + schema_;
  }

  std::unique_ptr<PostgresStore> Open(PostgresOptions options = {}) {
    auto store = PostgresStore::Open(scoped_uri_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static Status AddTag(Store& store, const std::string& dataset_id, const std::string& tag) {
    return store.Write([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(Dataset ds, tx.datasets().Get("owner", dataset_id));
      ds.tags.push_back(tag);
      std::this_thread::sleep_for(milliseconds(2));  // widen the read-modify-write window
      return tx.datasets().SetTags(dataset_id, ds.tags);
    });
  }

  std::string uri_, schema_, scoped_uri_;
  std::unique_ptr<Conn> admin_;
};

TEST_F(PostgresStoreTest, StoresOpeningTogetherMigrateTheDatabaseOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (PostgresStore::Open(scoped_uri_).ok()) ++opened;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(opened.load(), 4);
  Stmt stmt = admin_->Prepare("SELECT COUNT(*), COUNT(DISTINCT version) FROM " + schema_ +
                              ".schema_migrations");
  ASSERT_TRUE(stmt.Step()) << stmt.status().ToString();
  EXPECT_EQ(stmt.Int(0), stmt.Int(1));  // no version recorded twice
  EXPECT_GE(stmt.Int(0), 1);
}

// Read-modify-write through two stores (two servers) at once loses nothing: the advisory lock
// serialises their write transactions as SQLite's single writer does.
TEST_F(PostgresStoreTest, WritersOfDifferentStoresAreSerialised) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Dataset ds;
  ds.id = "ds_shared";
  ds.owner = "owner";
  ds.name = "shared";
  ASSERT_TRUE(a->Write([&](Tx& tx) { return tx.datasets().Insert(ds); }).ok());
  auto writer = [&](Store& store, const std::string& prefix) {
    for (int i = 0; i < 10; ++i) {
      Status s = AddTag(store, ds.id, prefix + std::to_string(i));
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  };
  std::thread ta(writer, std::ref(*a), "a");
  std::thread tb(writer, std::ref(*b), "b");
  ta.join();
  tb.join();
  Dataset got;
  ASSERT_TRUE(a->Read([&](Tx& tx) -> Status {
                 NUCLEUS_ASSIGN_OR_RETURN(got, tx.datasets().Get("owner", ds.id));
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(got.tags.size(), 20u);
}

TEST_F(PostgresStoreTest, NoMoreThanPoolSizeTransactionsRunAtOnce) {
  PostgresOptions options;
  options.pool_size = 2;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  std::atomic<int> active{0}, most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      Status s = store->Read([&](Tx& tx) -> Status {
        NUCLEUS_RETURN_IF_ERROR(tx.datasets().List("owner").status());
        const int now = ++active;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(milliseconds(30));
        --active;
        return Status::Ok();
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 2);
}

// Another server's commit shows in ChangeStamp once the cached value is older than
// stamp_interval (api::KeyCache then drops its keys); this store's own commit at once.
TEST_F(PostgresStoreTest, ChangeStampIsCachedForItsIntervalExceptAfterOwnWrites) {
  PostgresOptions options;
  options.stamp_interval = milliseconds(500);
  auto mine = Open(options);
  auto other = Open();
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(other, nullptr);
  auto insert = [](Store& store, const std::string& id) {
    Dataset ds;
    ds.id = id;
    ds.owner = "owner";
    ds.name = id;
    return store.Write([&](Tx& tx) { return tx.datasets().Insert(ds); });
  };
  const auto start = std::chrono::steady_clock::now();
  const std::optional<uint64_t> before = mine->ChangeStamp();
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(insert(*other, "ds_elsewhere").ok());
  const std::optional<uint64_t> cached = mine->ChangeStamp();
  if (std::chrono::steady_clock::now() - start < options.stamp_interval) {
    EXPECT_EQ(cached, before);  // within the interval: no round trip, the old value
  }
  std::this_thread::sleep_for(options.stamp_interval + milliseconds(50));
  const std::optional<uint64_t> later = mine->ChangeStamp();
  ASSERT_TRUE(later.has_value());
  EXPECT_NE(*later, *before);
  ASSERT_TRUE(insert(*mine, "ds_here").ok());
  const std::optional<uint64_t> own = mine->ChangeStamp();
  ASSERT_TRUE(own.has_value());
  EXPECT_NE(*own, *later);
}

// Whole-run reads go through a cursor, a batch of Stmt::kRowsPerFetch rows at a time: a run
// of several batches comes back whole, once, in order, and a scan stopped early (its function
// fails) leaves the transaction usable.
TEST_F(PostgresStoreTest, RunScansLongerThanOneFetchReadEveryRowOnce) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const int64_t n = 2 * Stmt::kRowsPerFetch + 123;
  Dataset ds;
  ds.id = "ds_scan";
  ds.owner = "owner";
  ds.name = "scan";
  Item item;
  item.id = "di_scan";
  item.dataset_id = ds.id;
  item.reference_id = "img";
  Model model;
  model.id = "prj_scan";
  model.owner = "owner";
  model.reference_id = "m";
  ModelRun run;
  std::vector<std::string> identities;
  for (int64_t i = 0; i < n; ++i) identities.push_back("id:" + std::to_string(i));
  ASSERT_TRUE(store
                  ->Write([&](Tx& tx) -> Status {
                    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Insert(ds));
                    NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
                    NUCLEUS_RETURN_IF_ERROR(tx.models().Insert(&model));
                    run.id = "run_scan";
                    run.owner = "owner";
                    run.model_rowid = model.rowid;
                    run.dataset_id = ds.id;
                    NUCLEUS_RETURN_IF_ERROR(tx.models().InsertRun(&run));
                    std::vector<PredictionWrite> rows(static_cast<size_t>(n));
                    for (size_t i = 0; i < rows.size(); ++i) {
                      rows[i].item_rowid = item.rowid;
                      rows[i].id = identities[i];  // unique, as pred ids are
                      rows[i].type = "box";
                      rows[i].identity = identities[i];
                      rows[i].label = "car";
                      rows[i].payload_json = "{}";
                    }
                    return tx.predictions().PutMany(run.rowid, rows, false).status();
                  })
                  .ok());
  int64_t seen = 0, last = 0;
  bool ordered = true;
  ASSERT_TRUE(store
                  ->Read([&](Tx& tx) -> Status {
                    NUCLEUS_ASSIGN_OR_RETURN(RowidRange range,
                                             tx.predictions().RunRowidRange(run.rowid));
                    return tx.predictions().ScanRun(
                        run.rowid, range.first, range.last, [&](const PredictionRef& p) {
                          ordered = ordered && p.rowid > last;
                          last = p.rowid;
                          ++seen;
                          return Status::Ok();
                        });
                  })
                  .ok());
  EXPECT_EQ(seen, n);
  EXPECT_TRUE(ordered);
  int64_t streamed = 0;
  Status stopped = store->Read([&](Tx& tx) -> Status {
    Status s = tx.predictions().ForEachInRun(run.rowid, [&](const Prediction&) {
      return ++streamed == Stmt::kRowsPerFetch + 1 ? NotFound("enough") : Status::Ok();
    });
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    // The cursor closed with the scan: the transaction goes on.
    return tx.predictions().CountByRun(run.rowid).status();
  });
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_EQ(streamed, Stmt::kRowsPerFetch + 1);
}

TEST_F(PostgresStoreTest, OpenRefusesPoolSizesOutOfRange) {
  for (int size : {0, PostgresOptions::kMaxPoolSize + 1}) {
    PostgresOptions options;
    options.pool_size = size;
    auto store = PostgresStore::Open(scoped_uri_, options);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(PostgresStoreTest, OpenOfAnUnreachableDatabaseIsUnavailable) {
  auto store = PostgresStore::Open("postgresql://nucleus@/nucleus?host=/nonexistent-dir&port=1");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
}

TEST_F(PostgresStoreTest, PlaceholdersAreNumberedOutsideQuotes) {
  int params = 0;
  EXPECT_EQ(NumberPlaceholders("SELECT ? WHERE a = '?' AND b = ?", &params),
            "SELECT $1 WHERE a = '?' AND b = $2");
  EXPECT_EQ(params, 2);
  EXPECT_EQ(NumberPlaceholders("UPDATE t SET x = ?1 WHERE y = ?1 OR z = ?3", &params),
            "UPDATE t SET x = $1 WHERE y = $1 OR z = $3");
  EXPECT_EQ(params, 3);
}

}  // namespace
}  // namespace nucleus::store::postgres
