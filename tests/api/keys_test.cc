// CreateKey: owners are free-form except for the prefix reserved for retired models.
#include "api/keys.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/ids.h"
#include "store/models.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

TEST(CreateKeyTest, RefusesAnOwnerWithTheRetiredModelPrefix) {
  fs::path dir = fs::temp_directory_path() / ("nucleus-keys-" + core::RandomHex(6));
  fs::create_directories(dir);
  {
    auto store = std::move(store::sqlite::SqliteStore::Open((dir / "nucleus.db").string())).value();
    Result<CreatedKey> retired =
        CreateKey(*store, "k", 0, std::string(store::kRetiredOwnerPrefix) + "prj_1");
    ASSERT_FALSE(retired.ok());
    EXPECT_EQ(retired.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(retired.status().message().find("owner"), std::string::npos);
    Result<CreatedKey> chosen = CreateKey(*store, "k", 0, "team-a");
    ASSERT_TRUE(chosen.ok()) << chosen.status().message();
    EXPECT_EQ(chosen->key.owner, "team-a");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nucleus::api
