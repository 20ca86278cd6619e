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
                        return tx.jobs().ClaimNext("srv_dead", 0, 0).status();
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
// attempt; its lease lapses at once, so the next claim recovers it).
void CrashWhileRunning(store::Store& store, int times) {
  for (int i = 0; i < times; ++i) {
    ASSERT_TRUE(store
                    .Write([&](store::Tx& tx) -> Status {
                      if (i > 0)
                        NUCLEUS_RETURN_IF_ERROR(tx.jobs().RecoverExpired(3, "{}", 0).status());
                      NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Job> job,
                                               tx.jobs().ClaimNext("srv_dead", 0, 0));
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

// Two services over one store stand for two server processes sharing a data directory.

// While its handler runs, a service renews its lease: another service polling all along never
// takes the job, however much longer than the lease the run lasts.
TEST_F(JobsTest, ARunningJobKeepsItsLeaseAndNoOtherServerTakesItOver) {
  JobService a(*ctx_, /*lease_ms=*/150);
  JobService b(*ctx_, /*lease_ms=*/150);
  std::atomic<int> runs{0};
  JobHandler slow = [&runs](JobRun&) {
    ++runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return Status::Ok();
  };
  a.Register("work", slow);
  b.Register("work", slow);
  const std::string id = a.SubmitEncoded("owner", "", "work", "{}").value().id;
  ASSERT_TRUE(a.Start(1).ok());
  for (int i = 0; i < 100 && Read(id).status != "Running"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Read(id).lease_owner.rfind(a.lease_owner() + "/", 0), 0u) << Read(id).lease_owner;
  for (int i = 0; i < 30 && Read(id).status == "Running"; ++i) {
    EXPECT_FALSE(b.RunOne());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  a.Stop();
  EXPECT_EQ(Read(id).status, "Completed");
  EXPECT_EQ(Read(id).attempts, 1);
  EXPECT_EQ(runs.load(), 1);
}

// A server that stopped renewing (paused past its lease) loses the job to another one, which
// resumes from the last committed checkpoint; what the first one writes afterwards (a chunk, its
// progress, its outcome) is refused and rolled back, so the job's result is the second's alone.
TEST_F(JobsTest, AServerThatLostItsLeaseWritesNothingMoreAndTheTakeoverResumes) {
  JobService a(*ctx_, /*lease_ms=*/100);  // never Start()ed: no renewer, as if paused
  JobService b(*ctx_, /*lease_ms=*/10000);
  std::atomic<bool> taken_over{false};
  std::atomic<int> late_write{-1};
  std::atomic<int> late_progress{-1};
  auto chunk = [](JobRun& run, int64_t position, int64_t sum) {
    return run.ctx().store.Write([&](store::Tx& tx) {
      return run.CommitChunk(tx, {"error at " + std::to_string(position)},
                             JobChunk{.position = position,
                                      .counters = {sum},
                                      .completed_steps = position,
                                      .total_steps = 4});
    });
  };
  a.Register("sum", [&](JobRun& run) {
    EXPECT_EQ(run.resume_position(), 0);
    EXPECT_TRUE(chunk(run, 1, 10).ok());
    while (!taken_over) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    late_write = static_cast<int>(chunk(run, 2, 99).code());
    late_progress = static_cast<int>(run.Progress(4, 4).code());
    run.SetMessage(R"({"from":"a"})");
    return Status::Ok();
  });
  b.Register("sum", [&](JobRun& run) {
    EXPECT_EQ(run.resume_position(), 1);
    EXPECT_EQ(run.resume_counters(), std::vector<int64_t>{10});
    const int64_t base = run.resume_counters()[0];
    for (int64_t p = run.resume_position() + 1; p <= 4; ++p) {
      NUCLEUS_RETURN_IF_ERROR(chunk(run, p, base + p));
    }
    run.SetMessage(R"({"from":"b"})");
    return Status::Ok();
  });
  const std::string id = a.SubmitEncoded("owner", "", "sum", "{}").value().id;
  std::thread first([&] { EXPECT_TRUE(a.RunOne()); });
  while (Read(id).checkpoint_position != 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // a's lease lapses
  ASSERT_TRUE(b.RunOne());
  taken_over = true;
  first.join();
  EXPECT_EQ(late_write.load(), static_cast<int>(StatusCode::kFailedPrecondition));
  EXPECT_EQ(late_progress.load(), static_cast<int>(StatusCode::kFailedPrecondition));
  const store::Job job = Read(id);
  EXPECT_EQ(job.status, "Completed");
  EXPECT_EQ(job.message_json, R"({"from":"b"})");
  EXPECT_EQ(job.checkpoint_position, 4);
  EXPECT_EQ(job.checkpoint_counters, std::vector<int64_t>{14});
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(JobErrors(*ctx_, "owner", id).value(),
            (std::vector<std::string>{"error at 1", "error at 2", "error at 3", "error at 4"}));
}

// Leases are per claim, not per process: a run stalled past its lease and claimed again by its
// own server is fenced off from the new run just as from another server's.
TEST_F(JobsTest, AStalledRunIsFencedOffEvenFromARetakeByItsOwnServer) {
  JobService a(*ctx_, /*lease_ms=*/100);  // never Start()ed: no renewer, as if stalled
  std::atomic<int> runs{0};
  std::atomic<bool> retaken{false};
  std::atomic<bool> stale_done{false};
  std::atomic<int> stale_write{-1};
  a.Register("work", [&](JobRun& run) -> Status {
    if (++runs == 1) {  // the stalled run: writes once the job was claimed again
      while (!retaken) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      stale_write = static_cast<int>(run.Progress(1, 9).code());
      stale_done = true;
      return Status::Ok();
    }
    retaken = true;  // the new run holds the job until the stalled one has tried
    while (!stale_done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return run.Progress(2, 2);
  });
  const std::string id = a.SubmitEncoded("owner", "", "work", "{}").value().id;
  std::thread first([&] { EXPECT_TRUE(a.RunOne()); });
  while (Read(id).status != "Running") std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::thread second([&] { EXPECT_TRUE(a.RunOne()); });  // recovers the lapsed lease
  first.join();
  second.join();
  EXPECT_EQ(stale_write.load(), static_cast<int>(StatusCode::kFailedPrecondition));
  EXPECT_EQ(runs.load(), 2);
  const store::Job job = Read(id);
  EXPECT_EQ(job.status, "Completed");
  EXPECT_EQ(job.total_steps, 2);  // never the stalled run's 9
  EXPECT_EQ(job.attempts, 2);
}

}  // namespace
}  // namespace nucleus::api
