// jobs.h: owner-scoped reads, oldest-first claims that hand each job out once, leases (renew,
// expiry, takeover with the checkpoint, the old holder locked out), filtered newest-first
// listing and the bounded error log.
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
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> job,
                               tx.jobs().ClaimNext("srv_a", 1000 + i, 5000));
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
    EXPECT_EQ(got.lease_owner, "srv_a");
    EXPECT_EQ(got.lease_expires_at_ms, 6000);
    EXPECT_EQ(got.attempts, 1);
    NUCLEUS_ASSIGN_OR_RETURN(Job untouched, tx.jobs().GetAny(done.id));
    EXPECT_EQ(untouched.status, "Completed");
    return Status::Ok();
  }));
}

// A process that dies leaves its claimed jobs Running; once their leases lapse they are
// requeued and claimed again, while finished jobs stay finished and live leases stay put.
TEST_P(StoreConformanceTest, RunningJobsAreRequeuedOnceTheirLeaseLapses) {
  Job a = NewJob("owner_a", "t", 1);
  Job b = NewJob("owner_a", "t", 2);
  Job c = NewJob("owner_a", "t", 3);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (const Job& job : {a, b, c}) NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> first, tx.jobs().ClaimNext("srv_a", 10, 100));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> second, tx.jobs().ClaimNext("srv_a", 10, 100));
    EXPECT_TRUE(first && second);
    if (second) {
      second->status = "Errored_User";
      NUCLEUS_RETURN_IF_ERROR(tx.jobs().Update(*second));
    }
    return Status::Ok();
  }));
  Reopen();
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    // Before the lease lapses (at 110) nothing is recovered, nor claimed.
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs early, tx.jobs().RecoverExpired(3, "{}", 109));
    EXPECT_EQ(early.requeued, 0);
    EXPECT_EQ(early.abandoned, 0);
    NUCLEUS_ASSIGN_OR_RETURN(Job running, tx.jobs().GetAny(a.id));
    EXPECT_EQ(running.status, "Running");
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs recovered,
                             tx.jobs().RecoverExpired(/*max_attempts=*/3, "{}", 110));
    EXPECT_EQ(recovered.requeued, 1);
    EXPECT_EQ(recovered.abandoned, 0);
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(a.id));
    EXPECT_EQ(got.status, "Queued");
    EXPECT_EQ(got.lease_owner, "");
    NUCLEUS_ASSIGN_OR_RETURN(Job errored, tx.jobs().GetAny(b.id));
    EXPECT_EQ(errored.status, "Errored_User");
    EXPECT_EQ(errored.lease_owner, "");  // a job that ends gives its lease up
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> again, tx.jobs().ClaimNext("srv_b", 120, 100));
    EXPECT_TRUE(again && again->id == a.id);
    EXPECT_TRUE(again && again->attempts == 2 && again->lease_owner == "srv_b");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> next, tx.jobs().ClaimNext("srv_b", 120, 100));
    EXPECT_TRUE(next && next->id == c.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> none, tx.jobs().ClaimNext("srv_b", 120, 100));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
}

// Renewing moves the expiry; only the holder may renew; a renewed lease is not recovered.
TEST_P(StoreConformanceTest, TheHolderRenewsItsLeaseAndNoOneElseCan) {
  Job job = NewJob("owner_a", "t", 1);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    return tx.jobs().ClaimNext("srv_a", 1000, 300).status();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().RenewLease(job.id, "srv_a", 1600));
    EXPECT_EQ(tx.jobs().RenewLease(job.id, "srv_b", 9000).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(tx.jobs().RenewLease("job_missing", "srv_a", 9000).code(),
              StatusCode::kFailedPrecondition);
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs recovered, tx.jobs().RecoverExpired(3, "{}", 1500));
    EXPECT_EQ(recovered.requeued, 0);
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().HoldsLease(job.id, "srv_a"));
    EXPECT_EQ(tx.jobs().HoldsLease(job.id, "srv_b").code(), StatusCode::kFailedPrecondition);
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(job.id));
    EXPECT_EQ(got.lease_expires_at_ms, 1600);
    EXPECT_EQ(got.status, "Running");
    return Status::Ok();
  }));
}

// The takeover: srv_a's lease lapses, srv_b claims the job with the checkpoint srv_a committed
// last, and from then on srv_a holds nothing: its renewals and lease checks fail, so whatever it
// still tries to write for the job is rolled back by its caller.
TEST_P(StoreConformanceTest, AJobTakenOverKeepsItsCheckpointAndTheOldHolderLosesItsLease) {
  Job job = NewJob("owner_a", "t", 1);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Insert(job));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> claimed, tx.jobs().ClaimNext("srv_a", 0, 100));
    EXPECT_TRUE(claimed.has_value());
    if (!claimed) return Status::Ok();
    EXPECT_EQ(claimed->checkpoint_position, 0);
    EXPECT_TRUE(claimed->checkpoint_counters.empty());
    claimed->checkpoint_position = 5000;
    claimed->checkpoint_counters = {4990, 0, 10, -1, int64_t{1} << 40};
    claimed->completed_steps = 1;
    claimed->total_steps = 3;
    return tx.jobs().Update(*claimed);
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs recovered, tx.jobs().RecoverExpired(3, "{}", 100));
    EXPECT_EQ(recovered.requeued, 1);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> taken, tx.jobs().ClaimNext("srv_b", 100, 100));
    EXPECT_TRUE(taken.has_value());
    if (!taken) return Status::Ok();
    EXPECT_EQ(taken->checkpoint_position, 5000);
    EXPECT_EQ(taken->checkpoint_counters,
              (std::vector<int64_t>{4990, 0, 10, -1, int64_t{1} << 40}));
    EXPECT_EQ(taken->completed_steps, 1);
    EXPECT_EQ(taken->lease_owner, "srv_b");
    EXPECT_EQ(taken->lease_expires_at_ms, 200);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.jobs().HoldsLease(job.id, "srv_a").code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(tx.jobs().RenewLease(job.id, "srv_a", 500).code(), StatusCode::kFailedPrecondition);
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().HoldsLease(job.id, "srv_b"));
    return tx.jobs().RenewLease(job.id, "srv_b", 500);
  }));
  // A finished job has no holder.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(job.id));
    got.status = "Completed";
    NUCLEUS_RETURN_IF_ERROR(tx.jobs().Update(got));
    EXPECT_EQ(tx.jobs().HoldsLease(job.id, "srv_b").code(), StatusCode::kFailedPrecondition);
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs none, tx.jobs().RecoverExpired(3, "{}", 10000));
    EXPECT_EQ(none.requeued + none.abandoned, 0);
    return Status::Ok();
  }));
}

// A job whose lease lapsed on its last attempt ends Errored_Server with the given message
// instead of running again.
TEST_P(StoreConformanceTest, AnExpiredJobOutOfAttemptsIsAbandoned) {
  Job job = NewJob("owner_a", "t", 1);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.jobs().Insert(job); }));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs r,
                               tx.jobs().RecoverExpired(2, R"({"final_error":"gone"})", 1000));
      EXPECT_EQ(r.requeued, attempt == 1 ? 0 : 1);
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<Job> claimed, tx.jobs().ClaimNext("srv_a", 0, 10));
      EXPECT_TRUE(claimed && claimed->attempts == attempt);
      return Status::Ok();
    }));
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(RecoveredJobs r,
                             tx.jobs().RecoverExpired(2, R"({"final_error":"gone"})", 1000));
    EXPECT_EQ(r.abandoned, 1);
    EXPECT_EQ(r.requeued, 0);
    NUCLEUS_ASSIGN_OR_RETURN(Job got, tx.jobs().GetAny(job.id));
    EXPECT_EQ(got.status, "Errored_Server");
    EXPECT_EQ(got.message_json, R"({"final_error":"gone"})");
    EXPECT_EQ(got.updated_at_ms, 1000);
    EXPECT_EQ(got.lease_owner, "");
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
