// store/blobs.h with OpenLocalBlobStore: the blob conformance suite (blobs/), and what is
// particular to files: a blob is a file under the root, and nothing escapes it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "blobs/blob_conformance.h"
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
  fs::path root_;
  std::unique_ptr<BlobStore> blobs_;
};

// The file of a blob holds its bytes under the root; an abandoned write leaves no file behind.
TEST_F(LocalBlobStoreTest, BlobsAreFilesUnderTheRoot) {
  const std::string bytes("\x89PNG\r\n\0\x01\xff", 9);
  Result<std::string> name = blobs_->Put(bytes, ".png");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  std::ifstream in(root_ / *name, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), bytes);

  {
    Result<std::unique_ptr<BlobWriter>> abandoned = blobs_->Create("uploads/ds_1/gone.ndjson");
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE((*abandoned)->Append("never committed").ok());
  }
  EXPECT_TRUE(fs::is_empty(root_ / "uploads" / "ds_1"));
  ASSERT_FALSE(blobs_->Create("../escape.bin").ok());
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escape.bin"));
}

}  // namespace

namespace blobs_conformance {
namespace {

std::unique_ptr<BlobStore> OpenLocalIn(const std::string& dir) {
  Result<std::unique_ptr<BlobStore>> opened = OpenLocalBlobStore(dir + "/blobs");
  if (!opened.ok()) {
    ADD_FAILURE() << opened.status().ToString();
    return nullptr;
  }
  return std::move(opened).value();
}

INSTANTIATE_TEST_SUITE_P(Local, BlobStoreConformanceTest,
                         ::testing::Values(BlobBackend{"local", OpenLocalIn}), BlobBackendName);

}  // namespace
}  // namespace blobs_conformance
}  // namespace nucleus::store
