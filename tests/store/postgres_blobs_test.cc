// The blob conformance suite (blobs/) against PostgresStore::blobs(), on the throwaway cluster
// of tests/pg (ctest fixture "pg"): each test directory maps to its own schema, as in
// postgres_conformance_test.cc. Also: the server-wide secret shared by stores on one database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "blobs/blob_conformance.h"
#include "store/postgres/conn.h"
#include "store/postgres/postgres_store.h"

namespace nucleus::store::blobs_conformance {
namespace {

std::string ClusterUri() {
  const char* file = std::getenv("NUCLEUS_PG_URI_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  std::string uri;
  std::getline(in, uri);
  return uri;
}

std::unique_ptr<postgres::PostgresStore> OpenStoreIn(const std::string& dir) {
  const std::string uri = ClusterUri();
  if (uri.empty()) {
    ADD_FAILURE() << "no PostgreSQL cluster: $NUCLEUS_PG_URI_FILE is unset or empty (run "
                     "through ctest, which starts tests/pg/pg_cluster.sh)";
    return nullptr;
  }
  std::ostringstream schema;
  schema << "b_" << std::hex << std::hash<std::string>{}(dir);
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
  options.pool_size = 2;
  auto store = postgres::PostgresStore::Open(scoped, options);
  if (!store.ok()) {
    ADD_FAILURE() << "PostgresStore::Open: " << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

// The store's blobs, owning the store they live in.
class HeldBlobs final : public BlobStore {
 public:
  explicit HeldBlobs(std::unique_ptr<postgres::PostgresStore> store)
      : store_(std::move(store)), blobs_(store_->blobs()) {}
  Result<std::string> Put(std::string_view data, std::string_view extension) override {
    return blobs_.Put(data, extension);
  }
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& name) override {
    return blobs_.Create(name);
  }
  Result<std::string> Get(const std::string& name) override { return blobs_.Get(name); }
  Status ForEachPiece(const std::string& name,
                      const std::function<Status(std::string_view piece)>& fn) override {
    return blobs_.ForEachPiece(name, fn);
  }
  Status ForEachLine(const std::string& name,
                     const std::function<Status(std::string_view line)>& fn) override {
    return blobs_.ForEachLine(name, fn);
  }
  Status ForEach(
      const std::function<void(const std::string& name, int64_t written_at_ms)>& fn) override {
    return blobs_.ForEach(fn);
  }
  Result<bool> RemoveIfWrittenBefore(const std::string& name, int64_t cutoff_ms) override {
    return blobs_.RemoveIfWrittenBefore(name, cutoff_ms);
  }

 private:
  std::unique_ptr<postgres::PostgresStore> store_;
  BlobStore& blobs_;
};

std::unique_ptr<BlobStore> OpenPostgresBlobsIn(const std::string& dir) {
  std::unique_ptr<postgres::PostgresStore> store = OpenStoreIn(dir);
  if (store == nullptr) return nullptr;
  return std::make_unique<HeldBlobs>(std::move(store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, BlobStoreConformanceTest,
                         ::testing::Values(BlobBackend{"postgres", OpenPostgresBlobsIn}),
                         BlobBackendName);

// Two stores on one database (two servers) get the secret the first one stored, whatever they
// offer; a store opened later gets it too.
TEST(PostgresSharedSecretTest, EveryStoreOnADatabaseGetsTheFirstStoredValue) {
  const std::string dir = "secret-" + std::to_string(std::rand()) + std::to_string(::getpid());
  std::unique_ptr<postgres::PostgresStore> a = OpenStoreIn(dir);
  std::unique_ptr<postgres::PostgresStore> b = OpenStoreIn(dir);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Result<std::string> first = a->SharedSecret("signing_key", "from-a");
  Result<std::string> second = b->SharedSecret("signing_key", "from-b");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*first, "from-a");
  EXPECT_EQ(*second, "from-a");
  Result<std::string> other = b->SharedSecret("another", "from-b");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, "from-b");
  a.reset();
  std::unique_ptr<postgres::PostgresStore> c = OpenStoreIn(dir);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(*c->SharedSecret("signing_key", "from-c"), "from-a");
}

}  // namespace
}  // namespace nucleus::store::blobs_conformance
