// The jobs of models, model runs and evaluations over a real SqliteStore: each is submitted with a
// typed core::JobRequest and reports a core::JobMessage through the job codec, and jobs queued by
// earlier versions (hand-written JSON requests) still run.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/dashboard.h"
#include "api/datasets.h"
#include "api/evaluations.h"
#include "api/jobs.h"
#include "api/model_runs.h"
#include "api/models.h"
#include "core/ids.h"
#include "store/blobs.h"
#include "store/sqlite/sqlite_store.h"
#include "wire/job_codec.h"

namespace nucleus::api {
namespace {

namespace fs = std::filesystem;

class TypedJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-typed-jobs-" + core::RandomHex(6));
    fs::create_directories(dir_);
    store_ = std::move(store::sqlite::SqliteStore::Open((dir_ / "nucleus.db").string())).value();
    blobs_ = std::move(store::OpenLocalBlobStore((dir_ / "blobs").string())).value();
    ctx_ = std::make_unique<Context>(
        Context{*store_, *blobs_, core::SystemClock::Get(), nullptr, "key", {}, &wire::JobCodec()});
    jobs_ = std::make_unique<JobService>(*ctx_);
    ctx_->jobs = jobs_.get();
    jobs_->Register(kModelRunCommitJobType, RunCommitJob);
    jobs_->Register(kModelDeletionJobType, RunModelDeletionJob);
    jobs_->Register(kEvaluationJobType, RunEvaluationJob);
    dataset_ = CreateDataset(*ctx_, "owner", NewDataset{.name = "d"}).value().id;
    run_ = CreateModelRun(*ctx_, "owner", dataset_, NewModelRun{.name = "r"}).value();
  }
  void TearDown() override {
    jobs_.reset();
    ctx_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  store::Job Read(const std::string& id) {
    return JobService::GetOf(*ctx_, "owner", id).value().job;
  }
  core::JobRequest StoredRequest(const store::Job& job) {
    return wire::JobCodec().DecodeRequest(job.type, job.request_json).value();
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<Context> ctx_;
  std::unique_ptr<JobService> jobs_;
  std::string dataset_;
  store::ModelRun run_;
};

TEST_F(TypedJobsTest, CommitKeepsItsRequestOnTheRunAndReportsTheMatching) {
  CommitOptions options;
  options.class_agnostic = false;
  options.allowed_label_matches = {{"bus", "car"}};
  const store::Job submitted = SubmitCommit(*ctx_, "owner", run_.id, options).value();
  const core::JobRequest request = StoredRequest(submitted);
  EXPECT_EQ(request.model_run_id, run_.id);
  EXPECT_FALSE(request.commit.class_agnostic);
  EXPECT_EQ(request.commit.allowed_label_matches, options.allowed_label_matches);
  const store::ModelRun committing = GetModelRun(*ctx_, "owner", run_.id).value();
  EXPECT_EQ(committing.status, "Committing");
  EXPECT_EQ(committing.commit_request_json, submitted.request_json);

  ASSERT_TRUE(jobs_->RunOne());
  const store::Job done = Read(submitted.id);
  EXPECT_EQ(done.status, "Completed") << done.message_json;
  EXPECT_EQ(done.message_json, R"({"model_run_commit":{"model_run_id":")" + run_.id +
                                   R"(","matching":"computed","predictions":0,)"
                                   R"("ground_truth":0,"matches":0}})");
  EXPECT_EQ(GetModelRun(*ctx_, "owner", run_.id).value().status, "Committed");
}

TEST_F(TypedJobsTest, ModelDeletionRemovesTheModelAndCountsWhatItRemoved) {
  ASSERT_TRUE(DeleteModel(*ctx_, "owner", run_.model_id).ok());
  EXPECT_EQ(GetModel(*ctx_, "owner", run_.model_id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(jobs_->RunOne());
  const std::vector<JobView> listed =
      ListJobs(*ctx_, store::JobFilter{.owner = "owner", .show_completed = true}).value();
  ASSERT_EQ(listed.size(), 1u);
  const store::Job& job = listed[0].job;
  EXPECT_EQ(StoredRequest(job).model_id, run_.model_id);
  EXPECT_EQ(job.status, "Completed") << job.message_json;
  EXPECT_EQ(job.message_json, R"({"model_deletion":{"model_id":")" + run_.model_id +
                                  R"(","model_runs":1,"predictions":0}})");
}

TEST_F(TypedJobsTest, EvaluationJobCarriesTheLabelMatchesTyped) {
  NewEvaluation input;
  input.allowed_label_matches = {{"bus", "car"}};
  input.allowed_label_matches_json = R"([{"groundTruthLabel":"bus","modelPredictionLabel":"car"}])";
  const store::Evaluation created = CreateEvaluation(*ctx_, "owner", run_.id, input).value();
  EXPECT_EQ(created.allowed_label_matches_json, input.allowed_label_matches_json);
  const core::JobRequest request = StoredRequest(Read(created.job_id));
  EXPECT_EQ(request.evaluation_id, created.id);
  EXPECT_FALSE(request.commit.class_agnostic);
  EXPECT_EQ(request.commit.allowed_label_matches, input.allowed_label_matches);

  ASSERT_TRUE(jobs_->RunOne());
  EXPECT_EQ(GetEvaluation(*ctx_, "owner", created.id).value().status, "succeeded");
  EXPECT_EQ(
      Read(created.job_id).message_json,
      R"({"evaluation_id":")" + created.id + R"(","predictions":0,"ground_truth":0,"matches":0})");
}

// The registered evaluation job fills the dashboard's cache once the evaluation has succeeded, so
// the first visit of the run page reads it; the bare RunEvaluationJob leaves the cache alone.
TEST_F(TypedJobsTest, EvaluationJobWarmsTheDashboardSummary) {
  const store::Evaluation bare = CreateEvaluation(*ctx_, "owner", run_.id, {}).value();
  ASSERT_TRUE(jobs_->RunOne());
  EXPECT_EQ(GetEvaluation(*ctx_, "owner", bare.id).value().status, "succeeded");
  EXPECT_FALSE(DashboardEvaluationCached(bare.id, 0.5));

  jobs_->Register(kEvaluationJobType, RunEvaluationJobWarmingDashboard);
  const store::Evaluation warmed = CreateEvaluation(*ctx_, "owner", run_.id, {}).value();
  EXPECT_FALSE(DashboardEvaluationCached(warmed.id, 0.5));
  ASSERT_TRUE(jobs_->RunOne());
  EXPECT_EQ(Read(warmed.job_id).status, "Completed");
  EXPECT_EQ(
      Read(warmed.job_id).message_json,
      R"({"evaluation_id":")" + warmed.id + R"(","predictions":0,"ground_truth":0,"matches":0})");
  EXPECT_TRUE(DashboardEvaluationCached(warmed.id, 0.5));
  EXPECT_FALSE(DashboardEvaluationCached(warmed.id, 0.75));  // only the page's first read
}

// An earlier version's evaluation job named only the evaluation: it still runs class-agnostic
// evaluations, and fails (asking for a new one) rather than ignore stored label matches.
TEST_F(TypedJobsTest, EvaluationJobsOfEarlierVersionsRunOrFailLoudly) {
  const store::Evaluation plain = CreateEvaluation(*ctx_, "owner", run_.id, {}).value();
  NewEvaluation with_matches;
  with_matches.allowed_label_matches = {{"bus", "car"}};
  with_matches.allowed_label_matches_json =
      R"([{"groundTruthLabel":"bus","modelPredictionLabel":"car"}])";
  const store::Evaluation matched = CreateEvaluation(*ctx_, "owner", run_.id, with_matches).value();
  ASSERT_TRUE(jobs_->RunOne());
  ASSERT_TRUE(jobs_->RunOne());
  const std::string old_plain = jobs_
                                    ->SubmitEncoded("owner", dataset_, kEvaluationJobType,
                                             R"({"evaluation_id":")" + plain.id + R"("})")
                                    .value()
                                    .id;
  const std::string old_matched = jobs_
                                      ->SubmitEncoded("owner", dataset_, kEvaluationJobType,
                                               R"({"evaluation_id":")" + matched.id + R"("})")
                                      .value()
                                      .id;
  ASSERT_TRUE(jobs_->RunOne());
  ASSERT_TRUE(jobs_->RunOne());
  EXPECT_EQ(Read(old_plain).status, "Completed");
  EXPECT_EQ(GetEvaluation(*ctx_, "owner", plain.id).value().status, "succeeded");
  const store::Job failed = Read(old_matched);
  EXPECT_EQ(failed.status, "Errored_Server");
  EXPECT_NE(failed.message_json.find("queued by an earlier version"), std::string::npos)
      << failed.message_json;
  EXPECT_EQ(GetEvaluation(*ctx_, "owner", matched.id).value().status, "failed");
}

}  // namespace
}  // namespace nucleus::api
