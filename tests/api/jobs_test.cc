// JobService over a real SqliteStore: jobs survive a restart and report the statuses the
// official client's polling loop depends on (jobs.md §3).
#include "api/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <thread>

#include "core/ids.h"
#include "wire/job_codec.h"
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
        Context{*store_, *blobs_, core::SystemClock::Get(), nullptr, "key", {}, &wire::JobCodec()});
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
    id = jobs.SubmitEncoded("owner", "ds_1", "work", "{}").value().id;
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
  std::string id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
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
  std::string id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "owner", id).value().visible_status, "Running");
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "owner", id).value().visible_status, "Completed");
}

TEST_F(JobsTest, FailedJobEndsErroredWithFinalErrorMessage) {
  JobService jobs(*ctx_);
  jobs.Register("user", [](JobRun&) { return InvalidArgument("bad payload"); });
  jobs.Register("server", [](JobRun&) { return Internal("disk on fire"); });
  std::string user = jobs.SubmitEncoded("owner", "", "user", "{}").value().id;
  std::string server = jobs.SubmitEncoded("owner", "", "server", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(Read(user).status, "Errored_User");
  EXPECT_NE(Read(user).message_json.find("final_error"), std::string::npos);
  EXPECT_NE(Read(user).message_json.find("bad payload"), std::string::npos);
  EXPECT_EQ(Read(server).status, "Errored_Server");
}

TEST_F(JobsTest, AnotherOwnerCannotSeeTheJob) {
  JobService jobs(*ctx_);
  std::string id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  EXPECT_EQ(JobService::ReadStatusOf(*ctx_, "intruder", id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(JobErrors(*ctx_, "intruder", id).status().code(), StatusCode::kNotFound);
}

TEST_F(JobsTest, UnknownJobTypeEndsErroredServerInsteadOfRunningForever) {
  JobService jobs(*ctx_);
  std::string id = jobs.SubmitEncoded("owner", "", "mystery", "{}").value().id;
  ASSERT_TRUE(jobs.RunOne());
  EXPECT_EQ(Read(id).status, "Errored_Server");
}

// A worker claimed the job and then the process died, `times` times over (each claim counts an
// attempt; each restart requeues it).
void CrashWhileRunning(store::Store& store, int times) {
  for (int i = 0; i < times; ++i) {
    ASSERT_TRUE(store
                    .Write([&](store::Tx& tx) -> Status {
                      if (i > 0)
                        NUCLEUS_RETURN_IF_ERROR(tx.jobs().RequeueRunning(3, "{}", 0).status());
                      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Job> job,
                                               tx.jobs().ClaimNext(0));
                      return job ? Status::Ok() : Internal("nothing to claim");
                    })
                    .ok());
  }
}

TEST_F(JobsTest, HandlerThatThrowsEndsErroredServerAndTheWorkerCarriesOn) {
  JobService jobs(*ctx_);
  jobs.Register("oom", [](JobRun&) -> Status { throw std::bad_alloc(); });
  jobs.Register("throws", [](JobRun&) -> Status { throw std::runtime_error("vector::reserve"); });
  jobs.Register("odd", [](JobRun&) -> Status { throw 42; });
  jobs.Register("work", [](JobRun&) { return Status::Ok(); });
  const std::string oom = jobs.SubmitEncoded("owner", "", "oom", "{}").value().id;
  const std::string throws = jobs.SubmitEncoded("owner", "", "throws", "{}").value().id;
  const std::string odd = jobs.SubmitEncoded("owner", "", "odd", "{}").value().id;
  const std::string work = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  ASSERT_TRUE(jobs.Start(1).ok());
  for (int i = 0; i < 250 && Read(work).status != "Completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  jobs.Stop();
  EXPECT_EQ(Read(oom).status, "Errored_Server");
  EXPECT_NE(Read(oom).message_json.find("out of memory (std::bad_alloc)"), std::string::npos)
      << Read(oom).message_json;
  EXPECT_EQ(Read(throws).status, "Errored_Server");
  EXPECT_NE(Read(throws).message_json.find("vector::reserve"), std::string::npos)
      << Read(throws).message_json;
  EXPECT_EQ(Read(odd).status, "Errored_Server");
  EXPECT_NE(Read(odd).message_json.find("unknown type"), std::string::npos);
  EXPECT_EQ(Read(work).status, "Completed");
}

TEST_F(JobsTest, ClaimsCountAttempts) {
  JobService jobs(*ctx_);
  jobs.Register("work", [](JobRun&) { return Status::Ok(); });
  const std::string id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  EXPECT_EQ(Read(id).attempts, 0);
  CrashWhileRunning(*store_, 2);
  EXPECT_EQ(Read(id).attempts, 2);
  EXPECT_EQ(Read(id).status, "Running");
}

TEST_F(JobsTest, JobInterruptedTwiceIsRunAgainAfterRestart) {
  std::string id;
  {
    JobService jobs(*ctx_);
    id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  }
  CrashWhileRunning(*store_, 2);
  Open();
  JobService jobs(*ctx_);
  std::atomic<int> runs{0};
  jobs.Register("work", [&runs](JobRun&) {
    ++runs;
    return Status::Ok();
  });
  ASSERT_TRUE(jobs.Start(1).ok());
  for (int i = 0; i < 250 && Read(id).status != "Completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  jobs.Stop();
  EXPECT_EQ(Read(id).status, "Completed");
  EXPECT_EQ(Read(id).attempts, 3);
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(JobsTest, JobInterruptedOnEveryAttemptEndsErroredServerAtRestart) {
  std::string id, other;
  {
    JobService jobs(*ctx_);
    id = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  }
  CrashWhileRunning(*store_, 3);  // the first run and both retries
  ASSERT_EQ(Read(id).attempts, kMaxJobAttempts);
  Open();
  JobService jobs(*ctx_);
  std::atomic<int> runs{0};
  jobs.Register("work", [&runs](JobRun&) {
    ++runs;
    return Status::Ok();
  });
  ASSERT_TRUE(jobs.Start(1).ok());
  // A job submitted after the restart runs; once it has, the abandoned one had its chance.
  other = jobs.SubmitEncoded("owner", "", "work", "{}").value().id;
  for (int i = 0; i < 250 && Read(other).status != "Completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  jobs.Stop();
  EXPECT_EQ(Read(other).status, "Completed");
  EXPECT_EQ(runs.load(), 1);  // only `other`
  const store::Job job = Read(id);
  EXPECT_EQ(job.status, "Errored_Server");
  EXPECT_NE(job.message_json.find("final_error"), std::string::npos);
  EXPECT_NE(job.message_json.find("the server stopped while this job was running, 3 times"),
            std::string::npos)
      << job.message_json;
  EXPECT_EQ(JobService::GetOf(*ctx_, "owner", id).value().visible_status, "Errored_Server");
}

}  // namespace
}  // namespace nucleus::api
