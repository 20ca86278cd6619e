// CollectGarbage over a real SqliteStore and local blob folder: what is deleted after the delay
// and what is kept (api/blob_gc.h). The clock is moved past the delay instead of waiting; file
// write times are real, so "old" means the clock is ahead of them.
#include "api/blob_gc.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "api/datasets.h"
#include "api/items.h"
#include "api/uploads.h"
#include "core/ids.h"
#include "core/strings.h"
#include "wire/job_codec.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/sqlite/sqlite_store.h"
#include "store/uploads.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDelayMs = 60 * 1000;

class SettableClock final : public core::Clock {
 public:
  core::Timestamp Now() const override { return now_; }
  void Set(core::Timestamp t) { now_ = t; }

 private:
  core::Timestamp now_ = core::SystemClock::Get().Now();
};

class BlobGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-gc-" + core::RandomHex(6));
    fs::create_directories(dir_);
    store_ = std::move(store::sqlite::SqliteStore::Open((dir_ / "nucleus.db").string())).value();
    blobs_ = std::move(store::OpenLocalBlobStore((dir_ / "blobs").string())).value();
    ctx_ = std::make_unique<Context>(
        Context{*store_, *blobs_, clock_, nullptr, "key", {}, &wire::JobCodec()});
    dataset_ = CreateDataset(*ctx_, "owner", NewDataset{.name = "d"}).value().id;
  }
  void TearDown() override {
    ctx_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  bool Exists(const std::string& name) { return fs::exists(dir_ / "blobs" / name); }
  // Runs a sweep as if `ms_after_now` had passed since the real now.
  GcStats SweepAt(int64_t ms_after_now) {
    clock_.Set(core::SystemClock::Get().Now() + std::chrono::milliseconds(ms_after_now));
    Result<GcStats> stats = CollectGarbage(*ctx_, kDelayMs);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : GcStats{};
  }
  // An item whose image is the local file `bytes`; returns the blob name.
  std::string AppendLocalImage(const std::string& ref, std::string_view bytes) {
    core::ItemInput item;
    item.reference_id = ref;
    item.image_url = ref + ".jpg";
    std::vector<LocalItem> items{LocalItem{item, bytes}};
    auto out = AppendLocalItems(*ctx_, "owner", dataset_, std::move(items), false,
                                "http://h/v1/nucleus/blob/");
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return "img/" + core::Sha256Hex(bytes) + ".jpg";
  }
  // A signed upload of `body` under `request_id`; returns the payload's blob name.
  std::string Upload(const std::string& request_id, const std::string& body) {
    auto url = CreateSignedUploadUrl(*ctx_, "owner", dataset_, request_id, "http://h");
    EXPECT_TRUE(url.ok());
    std::string expires = url->substr(url->find("expires=") + 8);
    expires = expires.substr(0, expires.find('&'));
    std::string sig = url->substr(url->find("sig=") + 4);
    Status put = ReceiveSignedUpload(*ctx_, dataset_, request_id, expires, sig,
                                     [&](const auto& sink) { return sink(body); });
    EXPECT_TRUE(put.ok()) << put.ToString();
    return UploadedPayload(*ctx_, "owner", dataset_, request_id).value();
  }

  fs::path dir_;
  SettableClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<Context> ctx_;
  std::string dataset_;
};

TEST_F(BlobGcTest, NothingIsDeletedBeforeTheDelay) {
  std::string payload = Upload("r1", "{}\n");
  ASSERT_TRUE(blobs_->Put("orphan", ".jpg").ok());
  GcStats stats = SweepAt(kDelayMs / 2);
  EXPECT_EQ(stats.sessions_deleted, 0);
  EXPECT_EQ(stats.blobs_deleted, 0);
  EXPECT_TRUE(Exists(payload));
  EXPECT_TRUE(UploadedPayload(*ctx_, "owner", dataset_, "r1").ok());
}

TEST_F(BlobGcTest, UnclaimedUploadAndUnreferencedBlobsGoAfterTheDelay) {
  std::string payload = Upload("r1", "{}\n");
  std::string kept = AppendLocalImage("kept", "kept-bytes");
  std::string dropped = AppendLocalImage("dropped", "dropped-bytes");
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    NUCLEUS_ASSIGN_OR_RETURN(std::optional<int64_t> rowid,
                                             tx.items().FindRowidByRef(dataset_, "dropped"));
                    return tx.items().Delete(rowid.value());
                  })
                  .ok());
  GcStats stats = SweepAt(kDelayMs + 1000);
  EXPECT_EQ(stats.sessions_deleted, 1);
  EXPECT_EQ(stats.blobs_deleted, 2);
  EXPECT_FALSE(Exists(payload));
  EXPECT_FALSE(Exists(dropped));
  EXPECT_TRUE(Exists(kept));
  EXPECT_FALSE(UploadedPayload(*ctx_, "owner", dataset_, "r1").ok());
}

TEST_F(BlobGcTest, PayloadOfAQueuedJobIsKeptUntilTheJobEnds) {
  std::string payload = Upload("r1", "{}\n");
  store::Job job{.id = "job_gc",
                 .owner = "owner",
                 .dataset_id = dataset_,
                 .type = "uploadDatasetItems",
                 .status = "Queued",
                 .request_json = "{\"payload\":\"" + payload + "\",\"request_id\":\"r1\"}"};
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.jobs().Insert(job); }).ok());
  GcStats stats = SweepAt(kDelayMs + 1000);
  EXPECT_EQ(stats.sessions_deleted, 1);  // the session goes; the job still names the file
  EXPECT_EQ(stats.blobs_deleted, 0);
  EXPECT_TRUE(Exists(payload));
  job.status = "Completed";
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.jobs().Update(job); }).ok());
  EXPECT_EQ(SweepAt(kDelayMs + 1000).blobs_deleted, 1);
  EXPECT_FALSE(Exists(payload));
}

TEST_F(BlobGcTest, RemoveIfWrittenBeforeKeepsABlobRewrittenAfterTheCutoff) {
  Result<std::string> name = blobs_->Put("bytes", ".png");
  ASSERT_TRUE(name.ok());
  const int64_t before_write = core::ToUnixMillis(core::SystemClock::Get().Now()) - 5000;
  Result<bool> removed = blobs_->RemoveIfWrittenBefore(*name, before_write);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  EXPECT_TRUE(Exists(*name));
  removed = blobs_->RemoveIfWrittenBefore(*name, before_write + 60000);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(Exists(*name));
  EXPECT_FALSE(blobs_->RemoveIfWrittenBefore("../x", before_write).ok());
}

}  // namespace
}  // namespace nucleus::api
