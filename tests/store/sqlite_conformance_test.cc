// SqliteStore runs the Store conformance suite: one database file in the test's directory,
// opened again on the same file when the suite reopens the store.
#include "conformance/conformance.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::store::conformance {
namespace {

std::unique_ptr<Store> OpenSqliteIn(const std::string& dir) {
  Result<std::unique_ptr<sqlite::SqliteStore>> store =
      sqlite::SqliteStore::Open(dir + "/nucleus.db");
  if (!store.ok()) {
    ADD_FAILURE() << "SqliteStore::Open: " << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"sqlite", OpenSqliteIn}), BackendName);

}  // namespace
}  // namespace nucleus::store::conformance
