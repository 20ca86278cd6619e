#include "wire/job_codec.h"

#include <gtest/gtest.h>

namespace nucleus::wire {
namespace {

TEST(JobCodecTest, RequestRoundTripsEveryField) {
  core::JobRequest r;
  r.payload = "blob/ab";
  r.request_id = "req";
  r.update = true;
  r.model_run_id = "run_1";
  r.commit.class_agnostic = false;
  r.commit.allowed_label_matches = {{"truck", "bus"}, {"car", "van \"x\""}};
  r.model_id = "prj_1";
  r.evaluation_id = "eval_1";
  r.reference_ids = {"a", "b/c"};
  r.body = "{\"updates\":[]}";
  const core::JobCodec& codec = JobCodec();
  auto back = codec.DecodeRequest("anything", codec.EncodeRequest(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->payload, r.payload);
  EXPECT_EQ(back->request_id, r.request_id);
  EXPECT_TRUE(back->update);
  EXPECT_EQ(back->model_run_id, r.model_run_id);
  EXPECT_FALSE(back->commit.class_agnostic);
  EXPECT_EQ(back->commit.allowed_label_matches, r.commit.allowed_label_matches);
  EXPECT_EQ(back->model_id, r.model_id);
  EXPECT_EQ(back->evaluation_id, r.evaluation_id);
  EXPECT_EQ(back->reference_ids, r.reference_ids);
  EXPECT_EQ(back->body, r.body);
}

TEST(JobCodecTest, DefaultsSurviveARoundTrip) {
  const core::JobCodec& codec = JobCodec();
  auto back = codec.DecodeRequest("modelRunCommit", codec.EncodeRequest(core::JobRequest{}));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->commit.class_agnostic);
  EXPECT_FALSE(back->update);
  EXPECT_TRUE(back->payload.empty());
}

// Rows written by earlier versions stay readable: prediction and scene uploads named the payload
// "blob", and a metadataUpdate kept the request body itself as its request.
TEST(JobCodecTest, ReadsRowsOfEarlierVersions) {
  const core::JobCodec& codec = JobCodec();
  auto pred = codec.DecodeRequest("uploadPredictions",
                                  R"({"model_run_id":"run_9","blob":"k","update":true})");
  ASSERT_TRUE(pred.ok());
  EXPECT_EQ(pred->payload, "k");
  EXPECT_EQ(pred->model_run_id, "run_9");
  EXPECT_TRUE(pred->update);
  const std::string body = R"({"updates":[{"reference_id":"a","metadata":{}}],"level":"item"})";
  auto meta = codec.DecodeRequest("metadataUpdate", body);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->body, body);
  auto commit = codec.DecodeRequest(
      "modelRunCommit",
      R"({"model_run_id":"r","class_agnostic":false,"allowed_label_matches":[)"
      R"({"ground_truth_label":"a","model_prediction_label":"b"}]})");
  ASSERT_TRUE(commit.ok());
  ASSERT_EQ(commit->commit.allowed_label_matches.size(), 1u);
  EXPECT_EQ(commit->commit.allowed_label_matches[0].second, "b");
}

TEST(JobCodecTest, MalformedRequestNamesTheJobRequest) {
  auto bad = JobCodec().DecodeRequest("x", R"({"update":"yes"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("job request"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(JobCodec().DecodeRequest("x", "[1]").ok());
}

TEST(JobCodecTest, MessageKeepsFieldOrderAndNesting) {
  core::JobMessage m;
  m.Object("prediction_upload").Int("total", 3).String("model_run_id", "run_\"1");
  m.Strings("errors", {"a", "b"}).Int("n", -2);
  EXPECT_EQ(JobCodec().EncodeMessage(m),
            R"({"prediction_upload":{"total":3,"model_run_id":"run_\"1"},"errors":["a","b"],"n":-2})");
  EXPECT_EQ(JobCodec().EncodeMessage(core::JobMessage{}), "{}");
}

}  // namespace
}  // namespace nucleus::wire
