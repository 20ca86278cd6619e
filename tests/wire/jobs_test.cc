#include "wire/jobs.h"

#include <gtest/gtest.h>

namespace nucleus::wire {
namespace {

core::JobView View(std::string visible, int64_t completed, int64_t total) {
  core::JobView v;
  v.job.id = "job_1";
  v.job.type = "uploadPredictions";
  v.job.message_json = R"({"n":1})";
  v.job.completed_steps = completed;
  v.job.total_steps = total;
  v.visible_status = std::move(visible);
  return v;
}

TEST(EncodeJobStatusTest, ShowsProgressWithTwoDecimalsAndTheStoredMessage) {
  EXPECT_EQ(EncodeJobStatus(View("Running", 1, 3)),
            R"({"job_id":"job_1","status":"Running","message":{"n":1},"job_progress":"0.33",)"
            R"("completed_steps":1,"total_steps":3,"job_type":"uploadPredictions",)"
            R"("job_creation_time":"1970-01-01T00:00:00.000Z"})");
}

TEST(EncodeJobStatusTest, ACompletedJobShowsEveryStepDone) {
  const std::string json = EncodeJobStatus(View("Completed", 0, 0));
  EXPECT_NE(json.find(R"("job_progress":"1.00","completed_steps":1,"total_steps":1)"),
            std::string::npos)
      << json;
}

TEST(DecodeJobFilterTest, ABareToDateIncludesTheWholeDay) {
  auto filter =
      DecodeJobFilter(R"({"dataset_id": "ds_1", "job_types": ["a"], "from_date": "2026-01-02",)"
                      R"( "to_date": "2026-01-02", "limit": 5, "show_completed": true})",
                      "owner");
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(filter->owner, "owner");
  EXPECT_EQ(filter->dataset_id, "ds_1");
  EXPECT_EQ(filter->types, std::vector<std::string>{"a"});
  ASSERT_TRUE(filter->from_ms && filter->to_ms);
  EXPECT_EQ(*filter->to_ms - *filter->from_ms, 86'400'000 - 1);
  EXPECT_EQ(filter->limit, 5);
  EXPECT_TRUE(filter->show_completed);
}

TEST(DecodeJobFilterTest, ABadDateNamesTheField) {
  EXPECT_EQ(DecodeJobFilter(R"({"from_date": "soon"})", "o").status().message(),
            "field \"from_date\" of job listing: is not a date");
}

}  // namespace
}  // namespace nucleus::wire
