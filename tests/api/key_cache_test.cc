// KeyCache over real SqliteStores: a cached answer never outlives a revocation by more than
// KeyCache::kRecheck, whether the change comes from this store or from another connection
// (another process, like `nucleus keys revoke` while the server runs).
#include "api/key_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "api/keys.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

// Longer than KeyCache::kRecheck: a change committed before this is seen by the next call.
void WaitPastRecheck() { std::this_thread::sleep_for(KeyCache::kRecheck * 3); }

class KeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-keycache-" + core::RandomHex(6));
    fs::create_directories(dir_);
    server_store_ = Open();
    cli_store_ = Open();  // what `nucleus keys ...` would use, while the server runs
  }
  void TearDown() override {
    server_store_.reset();
    cli_store_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<store::sqlite::SqliteStore> Open() {
    return std::move(store::sqlite::SqliteStore::Open((dir_ / "nucleus.db").string())).value();
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> server_store_;
  std::unique_ptr<store::sqlite::SqliteStore> cli_store_;
};

TEST_F(KeyCacheTest, AnswersTheOwnerOfAnActiveKeyRepeatedly) {
  CreatedKey key = CreateKey(*cli_store_, "k", 0).value();
  KeyCache cache(*server_store_);
  for (int i = 0; i < 3; ++i) {
    Result<std::string> owner = cache.Authenticate(key.secret);
    ASSERT_TRUE(owner.ok()) << owner.status().message();
    EXPECT_EQ(*owner, key.key.owner);
  }
}

TEST_F(KeyCacheTest, RefusesMissingAndUnknownKeys) {
  KeyCache cache(*server_store_);
  EXPECT_EQ(cache.Authenticate("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.Authenticate("nk_unknown").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(KeyCacheTest, RefusesAKeyRevokedByAnotherConnectionOnceTheRecheckIntervalPassed) {
  CreatedKey key = CreateKey(*cli_store_, "k", 0).value();
  KeyCache cache(*server_store_);
  ASSERT_TRUE(cache.Authenticate(key.secret).ok());
  ASSERT_TRUE(cache.Authenticate(key.secret).ok());  // now answered from memory
  ASSERT_TRUE(RevokeKey(*cli_store_, key.key.id).ok());
  WaitPastRecheck();
  EXPECT_EQ(cache.Authenticate(key.secret).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(KeyCacheTest, RefusesAKeyRevokedThroughTheServersOwnStore) {
  CreatedKey key = CreateKey(*server_store_, "k", 0).value();
  KeyCache cache(*server_store_);
  ASSERT_TRUE(cache.Authenticate(key.secret).ok());
  ASSERT_TRUE(RevokeKey(*server_store_, key.key.key_prefix).ok());
  WaitPastRecheck();
  EXPECT_EQ(cache.Authenticate(key.secret).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(KeyCacheTest, RefusesAKeyRevokedByItsWholeSecret) {
  CreatedKey key = CreateKey(*cli_store_, "k", 0).value();
  CreatedKey other = CreateKey(*cli_store_, "other", 0).value();
  KeyCache cache(*server_store_);
  ASSERT_TRUE(cache.Authenticate(key.secret).ok());
  Result<std::string> revoked = RevokeKey(*cli_store_, key.secret);
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  EXPECT_EQ(*revoked, key.key.id);
  WaitPastRecheck();
  EXPECT_EQ(cache.Authenticate(key.secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(cache.Authenticate(other.secret).ok());
  // An unknown secret is NotFound, and the message does not quote it.
  const std::string unknown = "nk_" + std::string(48, 'a');
  Result<std::string> missing = RevokeKey(*cli_store_, unknown);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message().find(unknown), std::string::npos);
}

TEST_F(KeyCacheTest, AcceptsAKeyCreatedAfterOthersWereCached) {
  KeyCache cache(*server_store_);
  CreatedKey first = CreateKey(*cli_store_, "first", 0).value();
  ASSERT_TRUE(cache.Authenticate(first.secret).ok());
  CreatedKey second = CreateKey(*cli_store_, "second", 0).value();
  Result<std::string> owner = cache.Authenticate(second.secret);
  ASSERT_TRUE(owner.ok()) << owner.status().message();
  EXPECT_EQ(*owner, second.key.owner);
  EXPECT_EQ(*cache.Authenticate(first.secret), first.key.owner);
}

}  // namespace
}  // namespace nucleus::api
