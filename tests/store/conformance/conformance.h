// The Store conformance suite: one set of tests of the contracts written in src/store/*.h that
// every backend passes. A backend joins by instantiating the suite with a factory that opens
// (or creates) a store in a directory, e.g. tests/store/sqlite_conformance_test.cc:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreBackend{"sqlite", OpenSqliteIn}),
//                            BackendName);
//
// The tests use only the Store interface: what they check is what callers (api/) may rely on,
// never a backend's internals. A factory must open the same data again when called twice with
// the same directory (the suite reopens a store to check durability and restart behaviour).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "nucleus/status.h"
#include "store/annotations.h"
#include "store/datasets.h"
#include "store/evaluations.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/keys.h"
#include "store/matches.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/scenes.h"
#include "store/store.h"
#include "store/uploads.h"

namespace nucleus::store::conformance {

using StoreFactory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct StoreBackend {
  std::string name;  // the instantiation's test-name suffix
  StoreFactory open;
};

// Test names and failure messages show the backend's name instead of the struct's bytes.
inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info);

#define NUCLEUS_ASSERT_OK(expr)                                                    \
  do {                                                                             \
    const ::nucleus::Status nucleus_assert_status_ = (expr);                       \
    ASSERT_TRUE(nucleus_assert_status_.ok()) << nucleus_assert_status_.ToString(); \
  } while (0)
#define NUCLEUS_EXPECT_OK(expr)                                                    \
  do {                                                                             \
    const ::nucleus::Status nucleus_expect_status_ = (expr);                       \
    EXPECT_TRUE(nucleus_expect_status_.ok()) << nucleus_expect_status_.ToString(); \
  } while (0)

// A fresh store in a new temporary directory per test, plus helpers that create the rows most
// tests hang their objects from. A helper records a test failure (and returns what it tried to
// store) when the store refuses something the contract allows.
class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Closes the store and opens the directory again, as a restarted process would.
  void Reopen();

  Status Write(const std::function<Status(Tx&)>& fn) { return store_->Write(fn); }
  Status Read(const std::function<Status(Tx&)>& fn) { return store_->Read(fn); }

  // A unique id with `prefix`, e.g. NextId("ds_") -> "ds_t1".
  std::string NextId(const std::string& prefix);

  // Committed rows. Each returns what was stored (with rowid / seq filled in).
  Dataset AddDataset(const std::string& owner, int64_t created_at_ms = 1000);
  Item AddItem(const std::string& dataset_id, const std::string& reference_id);
  Annotation NewAnnotation(const Item& item, const std::string& identity, const std::string& label,
                           const std::string& payload_json);
  Model AddModel(const std::string& owner, const std::string& reference_id);
  ModelRun AddRun(const Model& model, const std::string& dataset_id, int64_t created_at_ms = 1000);
  Job NewJob(const std::string& owner, const std::string& type, int64_t created_at_ms);

  // Every item of the dataset, via List (one page).
  std::vector<Item> AllItems(const std::string& dataset_id);

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  int64_t next_id_ = 0;
};

}  // namespace nucleus::store::conformance
