// jobs.h: owner-scoped reads, oldest-first claims that hand each job out once, requeue after a
// crash, filtered newest-first listing and the bounded error log.
#include <set>

#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

std::vector<std::string> Ids(const std::vector<Job>& jobs) {
  std::vector<std::string> ids;
  for (const Job& job : jobs) ids.push_back(job.id);
  return ids;
}

TEST_P(StoreConformanceTest, JobsAreReadByTheirOwnerOnly) {
  Job job = NewJob("owner_a", "uploadDatasetItems", 10);
  job.dataset_id = "ds_x";
  job.request_json = R"({"items":3})";
  job.total_steps = 3;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.jobs().Insert(job); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().Get("owner_a", job.id));
    EXPECT_EQ(got.type, "uploadDatasetItems");
    EXPECT_EQ(got.status, "Queued");
    EXPECT_EQ(got.dataset_id, "ds_x");
    EXPECT_EQ(got.request_json, R"({"items":3})");
    EXPECT_EQ(got.total_steps, 3);
    EXPECT_EQ(tx.jobs().Get("owner_b", job.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.jobs().Get("owner_a", "job_missing").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.jobs().GetAny("job_missing").status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(Job any, tx.jobs().GetAny(job.id));
    EXPECT_EQ(any.owner, "owner_a");
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ClaimNextHandsOutTheOldestQueuedJobOnce) {
  Job late = NewJob("owner_a", "t", 300);
  Job early = NewJob("owner_b", "t", 100);
  Job middle = NewJob("owner_a", "t", 200);
  Job done = NewJob("owner_a", "t", 50);
  done.status = "Completed";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Job& job : {late, early, middle, done})
      NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    return Status::Ok();
  }));
  std::vector<std::string> claimed;
  for (int i = 0; i < 4; ++i) {
    NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> job, tx.jobs().ClaimNext(1000 + i));
      if (job) {
        EXPECT_EQ(job->status, "Running");
        claimed.push_back(job->id);
      }
      return Status::Ok();
    }));
  }
  EXPECT_EQ(claimed, (std::vector<std::string>{early.id, middle.id, late.id}));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(early.id));
    EXPECT_EQ(got.status, "Running");
    EXPECT_EQ(got.updated_at_ms, 1000);
    NUCLEUS_ASSIGN_OR_RETURN(Job untouched, tx.jobs().GetAny(done.id));
    EXPECT_EQ(untouched.status, "Completed");
    return Status::Ok();
  }));
}

// A process that dies leaves its claimed jobs Running; the next one requeues them and they are
// claimed again, while finished jobs stay finished.
TEST_P(StoreConformanceTest, RunningJobsAreRequeuedAfterARestart) {
  Job a = NewJob("owner_a", "t", 1);
  Job b = NewJob("owner_a", "t", 2);
  Job c = NewJob("owner_a", "t", 3);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Job& job : {a, b, c}) NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> first, tx.jobs().ClaimNext(10));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> second, tx.jobs().ClaimNext(10));
    EXPECT_TRUE(first && second);
    if (second) {
      second->status = "Errored_User";
      NUCLEUS_RETURN_IF_ERROR(tx.jobs().Update(*second));
    }
    return Status::Ok();
  }));
  Reopen();
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs recovered,
                             tx.jobs().RequeueRunning(/*max_attempts=*/3, "{}", 30));
    EXPECT_EQ(recovered.requeued, 1);
    EXPECT_EQ(recovered.abandoned, 0);
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(a.id));
    EXPECT_EQ(got.status, "Queued");
    NUCLEUS_ASSIGN_OR_RETURN(Job errored, tx.jobs().GetAny(b.id));
    EXPECT_EQ(errored.status, "Errored_User");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> again, tx.jobs().ClaimNext(20));
    EXPECT_TRUE(again && again->id == a.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> next, tx.jobs().ClaimNext(20));
    EXPECT_TRUE(next && next->id == c.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> none, tx.jobs().ClaimNext(20));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, JobUpdateWritesProgressAndStatusReadsCount) {
  Job job = NewJob("owner_a", "t", 1);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.jobs().Insert(job); }));
  job.status = "Completed";
  job.message_json = R"({"new_items":2})";
  job.completed_steps = 2;
  job.total_steps = 2;
  job.updated_at_ms = 99;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Update(job));
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().IncrementStatusReads(job.id));
    return tx.jobs().IncrementStatusReads(job.id);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(job.id));
    EXPECT_EQ(got.status, "Completed");
    EXPECT_EQ(got.message_json, R"({"new_items":2})");
    EXPECT_EQ(got.completed_steps, 2);
    EXPECT_EQ(got.total_steps, 2);
    EXPECT_EQ(got.updated_at_ms, 99);
    EXPECT_EQ(got.created_at_ms, 1);
    EXPECT_EQ(got.status_reads, 2);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, JobListFiltersAndIsNewestFirst) {
  std::vector<Job> jobs;
  for (int i = 0; i < 6; ++i) {
    Job job = NewJob(i == 5 ? "owner_b" : "owner_a",
                     i % 2 ? "uploadAnnotations" : "uploadDatasetItems", 100 * (i + 1));
    job.dataset_id = i < 3 ? "ds_1" : "ds_2";
    if (i == 1) job.status = "Completed";
    if (i == 2) job.status = "Errored_Server";
    jobs.push_back(job);
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Job& job : jobs) NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    return Status::Ok();
  }));
  auto list = [&](JobFilter filter) {
    std::vector<Job> out;
    Status status = Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(out, tx.jobs().List(filter));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return Ids(out);
  };
  JobFilter all;
  all.owner = "owner_a";
  all.show_completed = true;
  EXPECT_EQ(list(all),
            (std::vector<std::string>{jobs[4].id, jobs[3].id, jobs[2].id, jobs[1].id, jobs[0].id}));
  JobFilter running = all;
  running.show_completed = false;
  EXPECT_EQ(list(running),
            (std::vector<std::string>{jobs[4].id, jobs[3].id, jobs[2].id, jobs[0].id}));
  JobFilter by_dataset = all;
  by_dataset.dataset_id = "ds_2";
  EXPECT_EQ(list(by_dataset), (std::vector<std::string>{jobs[4].id, jobs[3].id}));
  JobFilter by_type = all;
  by_type.types = {"uploadAnnotations"};
  EXPECT_EQ(list(by_type), (std::vector<std::string>{jobs[3].id, jobs[1].id}));
  JobFilter by_time = all;
  by_time.from_ms = 200;  // inclusive bounds
  by_time.to_ms = 400;
  EXPECT_EQ(list(by_time), (std::vector<std::string>{jobs[3].id, jobs[2].id, jobs[1].id}));
  JobFilter limited = all;
  limited.limit = 2;
  EXPECT_EQ(list(limited), (std::vector<std::string>{jobs[4].id, jobs[3].id}));
  JobFilter limited_type = by_type;
  limited_type.limit = 1;
  EXPECT_EQ(list(limited_type), std::vector<std::string>{jobs[3].id});
  JobFilter other;
  other.owner = "owner_b";
  EXPECT_EQ(list(other), std::vector<std::string>{jobs[5].id});
}

TEST_P(StoreConformanceTest, JobErrorsKeepTheMostRecentOldestFirst) {
  Job job = NewJob("owner_a", "t", 1);
  Job other = NewJob("owner_a", "t", 2);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(other));
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().AppendErrors(job.id, {"e1", "e2"}));
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().AppendErrors(other.id, {"x1"}));
    return tx.jobs().AppendErrors(job.id, {"e3", "e4", "e5"});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> last3, tx.jobs().Errors(job.id, 3));
    EXPECT_EQ(last3, (std::vector<std::string>{"e3", "e4", "e5"}));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> all, tx.jobs().Errors(job.id, 100));
    EXPECT_EQ(all, (std::vector<std::string>{"e1", "e2", "e3", "e4", "e5"}));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> others, tx.jobs().Errors(other.id, 100));
    EXPECT_EQ(others, std::vector<std::string>{"x1"});
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
