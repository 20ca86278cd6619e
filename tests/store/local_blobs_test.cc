// store/blobs.h with OpenLocalBlobStore: unique names, immutable bytes, a blob visible only
// after Commit, names confined to the root, and the line reader's contract.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "store/blobs.h"

namespace nucleus::store {
namespace {

namespace fs = std::filesystem;

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("nucleus-blobs-" + std::to_string(rd()) + std::to_string(rd())) / "blobs";
    Result<std::unique_ptr<BlobStore>> opened = OpenLocalBlobStore(root_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    blobs_ = std::move(opened).value();
  }
  void TearDown() override {
    blobs_.reset();
    std::error_code ec;
    fs::remove_all(root_.parent_path(), ec);
  }
  std::vector<std::string> Lines(const std::string& name, Status* status) {
    std::vector<std::string> lines;
    *status = blobs_->ForEachLine(name, [&](std::string_view line) {
      lines.emplace_back(line);
      return Status::Ok();
    });
    return lines;
  }

  fs::path root_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST_F(LocalBlobStoreTest, PutGivesNewNamesAndKeepsBytesExactly) {
  const std::string bytes("\x89PNG\r\n\0\x01\xff", 9);
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    Result<std::string> name = blobs_->Put(bytes, ".png");
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    EXPECT_EQ(name->substr(name->size() - 4), ".png");
    names.insert(*name);
  }
  EXPECT_EQ(names.size(), 20u);
  Result<std::string> got = blobs_->Get(*names.begin());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, bytes);
  // PathOf names the file that holds them.
  std::ifstream in(blobs_->PathOf(*names.begin()), std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), bytes);
  EXPECT_EQ(blobs_->Get("blob_missing.png").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalBlobStoreTest, CreatedBlobIsVisibleOnlyAfterCommit) {
  Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create("uploads/ds_1/req.ndjson");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("first\n").ok());
  ASSERT_TRUE((*writer)->Append("second").ok());
  EXPECT_EQ((*writer)->size(), 12);
  EXPECT_EQ(blobs_->Get("uploads/ds_1/req.ndjson").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*writer)->Commit().ok());
  Result<std::string> got = blobs_->Get("uploads/ds_1/req.ndjson");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "first\nsecond");

  {
    Result<std::unique_ptr<BlobWriter>> abandoned = blobs_->Create("uploads/ds_1/gone.ndjson");
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE((*abandoned)->Append("never committed").ok());
  }
  EXPECT_EQ(blobs_->Get("uploads/ds_1/gone.ndjson").status().code(), StatusCode::kNotFound);
  // Nothing of the abandoned blob stays on disk.
  for (const fs::directory_entry& entry : fs::directory_iterator(root_ / "uploads" / "ds_1")) {
    EXPECT_EQ(entry.path().filename(), "req.ndjson");
  }
}

TEST_F(LocalBlobStoreTest, CommittedBlobsSurviveReopening) {
  Result<std::string> name = blobs_->Put("kept", ".bin");
  ASSERT_TRUE(name.ok());
  blobs_.reset();
  Result<std::unique_ptr<BlobStore>> reopened = OpenLocalBlobStore(root_.string());
  ASSERT_TRUE(reopened.ok());
  Result<std::string> got = (*reopened)->Get(*name);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "kept");
}

TEST_F(LocalBlobStoreTest, NamesOutsideTheRootAreRefused) {
  for (const char* name : {"", "../escape.bin", "a/../../escape.bin", "/etc/passwd"}) {
    Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create(name);
    ASSERT_FALSE(writer.ok()) << name;
    EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escape.bin"));
}

TEST_F(LocalBlobStoreTest, ForEachLineSplitsOnNewlinesAndStopsEarly) {
  Result<std::string> name = blobs_->Put("a\n\nb\nlast without newline", ".ndjson");
  ASSERT_TRUE(name.ok());
  Status status;
  std::vector<std::string> lines = Lines(*name, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "b", "last without newline"}));

  Result<std::string> ends = blobs_->Put("x\ny\n", ".ndjson");
  ASSERT_TRUE(ends.ok());
  EXPECT_EQ(Lines(*ends, &status), (std::vector<std::string>{"x", "y"}));

  int calls = 0;
  status = blobs_->ForEachLine(*name, [&](std::string_view) {
    return ++calls == 2 ? InvalidArgument("line 2 is bad") : Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 2 is bad");
  EXPECT_EQ(calls, 2);

  Lines("missing.ndjson", &status);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace nucleus::store
