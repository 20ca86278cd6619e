// PostgresStore runs the Store conformance suite against the throwaway cluster of tests/pg
// (ctest fixture "pg"; the libpq URI is read from the file named by $NUCLEUS_PG_URI_FILE). Each
// test's directory maps to its own schema (created on first open, found again on reopen), so
// the tests run side by side in one database. No cluster: every test fails, none is skipped.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "conformance/conformance.h"
#include "store/postgres/conn.h"
#include "store/postgres/postgres_store.h"

namespace nucleus::store::conformance {
namespace {

std::string ClusterUri() {
  const char* file = std::getenv("NUCLEUS_PG_URI_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  std::string uri;
  std::getline(in, uri);
  return uri;
}

std::unique_ptr<Store> OpenPostgresIn(const std::string& dir) {
  const std::string uri = ClusterUri();
  if (uri.empty()) {
    ADD_FAILURE() << "no PostgreSQL cluster: $NUCLEUS_PG_URI_FILE is unset or empty (run "
                     "through ctest, which starts tests/pg/pg_cluster.sh)";
    return nullptr;
  }
  std::ostringstream schema;
  schema << "t_" << std::hex << std::hash<std::string>{}(dir);
  auto admin = postgres::Conn::Open(uri);
  if (!admin.ok()) {
    ADD_FAILURE() << admin.status().ToString();
    return nullptr;
  }
  Status created = (*admin)->ExecScript("CREATE SCHEMA IF NOT EXISTS " + schema.str());
  if (!created.ok()) {
    ADD_FAILURE() << created.ToString();
    return nullptr;
  }
  std::string scoped = uri;
  scoped += uri.find('?') == std::string::npos ? "?" : "&";
  scoped += "options=-csearch_path%3D" + schema.str();
  postgres::PostgresOptions options;
  options.pool_size = 4;
  // The suite checks Store's contract that another store's commit moves the stamp at once;
  // the cache that production runs with (stamp_interval, default 200 ms) has its own test in
  // postgres_store_test.cc.
  options.stamp_interval = std::chrono::milliseconds(0);
  auto store = postgres::PostgresStore::Open(scoped, options);
  if (!store.ok()) {
    ADD_FAILURE() << "PostgresStore::Open: " << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"postgres", OpenPostgresIn}),
                         BackendName);

}  // namespace
}  // namespace nucleus::store::conformance
