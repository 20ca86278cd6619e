// JobService over a real SqliteStore: jobs survive a restart and report the statuses the
// official client's polling loop depends on (jobs.md §3).
#include "api/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/ids.h"
#include "store/blobs.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-jobs-" + core::RandomHex(6));
    fs::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    ctx_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  // Opens the data directory as a fresh process would.
  void Open() {
    ctx_.reset();
    store_.reset();
    store_ = std::move(store::sqlite::SqliteStore::Open((dir_ / "nucleus.db").string())).value();
    blobs_ = std::move(store::OpenLocalBlobStore((dir_ / "blobs").string())).value();
    ctx_ = std::make_unique<Context>(
        Context{*store_, *blobs_, core::SystemClock::Get(), nullptr, "key"});
  }
  store::Job Read(const std::string& id) {
    store::Job job;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
                        NUCLEUS_ASSIGN_OR_RETURN(job, tx.jobs().GetAny(id));
                        return Status::Ok();
                      }).ok());
    return job;
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<Context> ctx_;
};

TEST_F(JobsTest, JobInterruptedByACrashIsResumedAfterRestart) {
  std::string id;
  {
    JobService jobs(*ctx_);
    jobs.Register("work", [](JobRun&) { return Status::Ok(); });
    id = jobs.Submit("owner", "ds_1", "work", "{}").value().id;
    // A worker claimed it (status Running) and then the process died: simulate the claim.
    ASSERT_TRUE(store_->Write([](store::Tx& tx) -> Status {
                        return tx.jobs().ClaimNext(0).status();
                      }).ok());
  }
  EXPECT_EQ(Read(id).status, "Running");

  Open();
  JobService jobs(*ctx_);
  std::atomic<int> runs{0};
  jobs.Register("work", [&runs](JobRun&) {
    ++runs;
    return Status::Ok();
  });
  ASSERT_TRUE(jobs.Start(1).ok());
  for (int i = 0; i < 200 && Read(id).status != "Completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  jobs.Stop();
  EXPECT_EQ(Read(id).status, "Completed");
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(JobsTest, QueuedJobAndFirstReadOfAFinishedJobShowRunning) {
  JobService jobs(*ctx_);
  jobs.Register("work", [](JobRun& run) {
    run.SetMessage(R"({"done":true})");
    return run.Progress(3, 3);
  });
  std::string id = jobs.Submit("owner", "", "work", "{}").value().id;
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "owner", id).value().visible_status, "Running");
  ASSERT_TRUE(jobs.RunOne());
  // The first read already happened while queued, so the finished job now shows Completed.
  JobView view = JobService::ReadStatusOf(*ctx_, "owner", id).value();
  EXPECT_EQ(view.visible_status, "Completed");
  EXPECT_EQ(view.job.completed_steps, 3);
  EXPECT_EQ(view.job.message_json, R"({"done":true})");
}

TEST_F(JobsTest, JobFinishedBeforeAnyReadShowsRunningOnce) {
  JobService jobs(*ctx_);
  jobs.Register("work", [](JobRun&) { return Status::Ok(); });
  std::string id = jobs.Submit("owner", "", "work", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "owner", id).value().visible_status, "Running");
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "owner", id).value().visible_status, "Completed");
}

TEST_F(JobsTest, FailedJobEndsErroredWithFinalErrorMessage) {
  JobService jobs(*ctx_);
  jobs.Register("user", [](JobRun&) { return InvalidArgument("bad payload"); });
  jobs.Register("server", [](JobRun&) { return Internal("disk on fire"); });
  std::string user = jobs.Submit("owner", "", "user", "{}").value().id;
  std::string server = jobs.Submit("owner", "", "server", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(Read(user).status, "Errored_User");
  EXPECT_NE(Read(user).message_json.find("final_error"), std::string::npos);
  EXPECT_NE(Read(user).message_json.find("bad payload"), std::string::npos);
  EXPECT_EQ(Read(server).status, "Errored_Server");
}

TEST_F(JobsTest, AnotherOwnerCannotSeeTheJob) {
  JobService jobs(*ctx_);
  std::string id = jobs.Submit("owner", "", "work", "{}").value().id;
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "intruder", id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(JobErrors(*ctx_, "intruder", id).status().code(), StatusCode::kNotFound);
}

TEST_F(JobsTest, UnknownJobTypeEndsErroredServerInsteadOfRunningForever) {
  JobService jobs(*ctx_);
  std::string id = jobs.Submit("owner", "", "mystery", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(Read(id).status, "Errored_Server");
}

}  // namespace
}  // namespace nucleus::api
