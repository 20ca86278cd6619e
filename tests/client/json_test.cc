// nucleus::Json and the SDK's JSON shapes, without a server.
#include <gtest/gtest.h>

#include "nucleus/nucleus.h"

namespace nucleus {
namespace {

TEST(JsonTest, RoundTripsTypesAndKeyOrder) {
  auto parsed = Json::parse(R"({"b":1,"a":[true,null,0.30000000000000004,"x"],"c":{"d":-2.5}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->dump(), R"({"b":1,"a":[true,null,0.30000000000000004,"x"],"c":{"d":-2.5}})");
  EXPECT_TRUE((*parsed)["b"].is_int());
  EXPECT_TRUE(parsed->find("a")->as_array()[2].is_double());
}

TEST(JsonTest, IntAndDoubleWithSameValueCompareEqual) {
  EXPECT_EQ(Json(1), Json(1.0));
  EXPECT_NE(Json("1"), Json(1));
  EXPECT_EQ(Json::object({{"a", 1}, {"b", 2}}), Json::object({{"b", 2}, {"a", 1}}));
}

TEST(JsonTest, InvalidTextIsAnError) {
  auto parsed = Json::parse("{\"a\":");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonTest, EscapesStrings) {
  EXPECT_EQ(Json("a\"b\\c\n").dump(), R"("a\"b\\c\n")");
}

TEST(DatasetItemTest, LocalMeansNotHttpHttpsS3OrGs) {
  EXPECT_FALSE(DatasetItem{.image_location = "https://x/y.jpg"}.is_local());
  EXPECT_FALSE(DatasetItem{.image_location = "s3://b/k.jpg"}.is_local());
  EXPECT_FALSE(DatasetItem{.image_location = "gs://b/k.jpg"}.is_local());
  EXPECT_TRUE(DatasetItem{.image_location = "gcs://b/k.jpg"}.is_local());
  EXPECT_TRUE(DatasetItem{.image_location = "tests/a.jpg"}.is_local());
}

TEST(EvaluationMatchTest, ConfusionCategoryFollowsThePythonClient) {
  EvaluationMatch m{.model_prediction_label = "car", .ground_truth_annotation_label = "car"};
  EXPECT_EQ(m.confusion_category(), ConfusionCategory::kTruePositive);
  m.ground_truth_annotation_label = "bus";
  EXPECT_EQ(m.confusion_category(), ConfusionCategory::kFalsePositive);
  m.true_positive = true;
  EXPECT_EQ(m.confusion_category(), ConfusionCategory::kTruePositive);
  EvaluationMatch fn{.ground_truth_annotation_label = "car"};
  EXPECT_EQ(fn.confusion_category(), ConfusionCategory::kFalseNegative);
}

}  // namespace
}  // namespace nucleus
