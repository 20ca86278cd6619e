#include "wire/datasets.h"

#include <gtest/gtest.h>

namespace nucleus::wire {
namespace {

TEST(DecodeNewDatasetTest, KeepsSchemasAsSent) {
  auto input = DecodeNewDataset(
      R"({"name": "d", "is_scene": true,)"
      R"( "annotation_metadata_schema": {"x": {"type": "number"}}})");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  EXPECT_EQ(input->name, "d");
  EXPECT_TRUE(input->is_scene);
  EXPECT_FALSE(input->use_privacy_mode);
  EXPECT_EQ(input->annotation_metadata_schema_json, R"({"x":{"type":"number"}})");
  EXPECT_EQ(input->item_metadata_schema_json, "null");
}

TEST(DecodeNewDatasetTest, ErrorsNameTheDatasetAndTheField) {
  EXPECT_EQ(DecodeNewDataset("{}").status().message(), "field \"name\" of dataset: is required");
  EXPECT_EQ(DecodeNewDataset("").status().message(),
            "request body must be a JSON object, got an empty body");
}

TEST(EncodeDatasetInfoTest, ShowsEveryFieldInTheClientsOrder) {
  core::DatasetInfo info;
  info.dataset = core::Dataset{.id = "ds_1", .name = "d", .tags = {"t"}};
  info.length = 2;
  info.model_run_ids = {"run_1"};
  EXPECT_EQ(EncodeDatasetInfo(info),
            R"({"dataset_id":"ds_1","name":"d","length":2,"model_run_ids":["run_1"],)"
            R"("slice_ids":[],"annotation_metadata_schema":null,"item_metadata_schema":null,)"
            R"("tags":["t"],"is_scene":false,"use_privacy_mode":false})");
}

TEST(EncodeDatasetListsTest, IdsAndNamesAreParallelArrays) {
  const core::Dataset a{.id = "ds_a", .name = "A"};
  const core::Dataset b{.id = "ds_b", .name = "B"};
  EXPECT_EQ(EncodeDatasetIdsAndNames({a, b}),
            R"({"dataset_ids":["ds_a","ds_b"],"dataset_names":["A","B"]})");
  EXPECT_EQ(EncodeDatasetDetails({a}),
            R"([{"id":"ds_a","name":"A","is_public":false,"is_scene":false}])");
}

}  // namespace
}  // namespace nucleus::wire
