#include "wire/models.h"

#include <gtest/gtest.h>

#include "wire/model_runs.h"

namespace nucleus::wire {
namespace {

TEST(DecodeNewModelTest, KeepsMetadataAsSentAndEveryList) {
  auto model =
      DecodeNewModel(R"({"name": "m", "reference_id": "r", "metadata": {"b": 1, "a": [0.5]},)"
                     R"( "bundle_name": "bn", "tags": ["t1"], "trained_slice_ids": ["slc_1"]})");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->name, "m");
  EXPECT_EQ(model->reference_id, "r");
  EXPECT_EQ(model->metadata_json, R"({"b":1,"a":[0.5]})");
  EXPECT_EQ(model->bundle_name, "bn");
  EXPECT_EQ(model->tags, std::vector<std::string>{"t1"});
  EXPECT_EQ(model->trained_slice_ids, std::vector<std::string>{"slc_1"});
}

TEST(DecodeNewModelTest, ErrorsNameTheModelAndTheField) {
  EXPECT_EQ(DecodeNewModel(R"({"reference_id": "r"})").status().message(),
            "field \"name\" of model: is required");
  EXPECT_EQ(
      DecodeNewModel(R"({"name": "m", "reference_id": "r", "metadata": []})").status().message(),
      "field \"metadata\" of model: must be an object");
}

TEST(EncodeModelTest, ShowsBundleNameOnlyWhenSet) {
  core::Model m{.id = "prj_1", .name = "n", .reference_id = "r", .tags = {"a"}};
  EXPECT_EQ(EncodeModel(m), R"({"id":"prj_1","name":"n","ref_id":"r","metadata":{},"tags":["a"],)"
                            R"("trained_slice_ids":[]})");
  m.bundle_name = std::string("bundle");
  EXPECT_EQ(EncodeModelList({m}),
            R"({"models":[{"id":"prj_1","name":"n","ref_id":"r","metadata":{},"tags":["a"],)"
            R"("trained_slice_ids":[],"bundle_name":"bundle"}]})");
}

TEST(DecodeNewModelRunTest, SchemaMustBeAnObject) {
  auto run = DecodeNewModelRun(R"({"name": "r", "reference_id": null, "metadata": {"k": 1}})");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_FALSE(run->reference_id.has_value());
  EXPECT_EQ(run->metadata_json, R"({"k":1})");
  EXPECT_EQ(run->annotation_metadata_schema_json, "null");
  EXPECT_EQ(
      DecodeNewModelRun(R"({"name": "r", "annotation_metadata_schema": 3})").status().message(),
      "field \"annotation_metadata_schema\" of model run: must be an object or null");
}

TEST(DecodeCommitRequestTest, LabelMatchesImplyNotClassAgnostic) {
  auto options = DecodeCommitRequest(R"({"allowed_label_matches": [{"ground_truth_label": "car",)"
                                     R"( "model_prediction_label": "auto"}]})",
                                     "POST");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_FALSE(options->class_agnostic);
  ASSERT_EQ(options->allowed_label_matches.size(), 1u);
  EXPECT_EQ(options->allowed_label_matches[0].first, "car");
  EXPECT_EQ(options->allowed_label_matches[0].second, "auto");
  auto plain = DecodeCommitRequest("{}", "POST");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->class_agnostic);
}

TEST(DecodeCommitRequestTest, AMalformedPairNamesItsIndex) {
  auto bad =
      DecodeCommitRequest(R"({"allowed_label_matches": [{"ground_truth_label": "a",)"
                          R"( "model_prediction_label": "b"}, {"ground_truth_label": "c"}]})",
                          "POST");
  EXPECT_EQ(bad.status().message(),
            "field \"model_prediction_label\" of allowed_label_matches[1]: is required");
}

TEST(EncodeCommitSubmittedTest, PutsTheRunIdBeforeTheJobObject) {
  const core::Job job{.id = "job_1", .type = "modelRunCommit", .status = "Queued"};
  EXPECT_EQ(EncodeCommitSubmitted("run_1", job),
            R"({"model_run_id":"run_1","job_id":"job_1","job_last_known_status":"Running",)"
            R"("job_type":"modelRunCommit","job_creation_time":"1970-01-01T00:00:00.000Z"})");
}

}  // namespace
}  // namespace nucleus::wire
