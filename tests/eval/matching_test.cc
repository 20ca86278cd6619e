#include "eval/matching.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nucleus::eval {
namespace {

using geometry::Box;

std::vector<Match> MatchIou(const std::vector<double>& iou, size_t g, size_t p,
                            const std::vector<std::string>& gl, const std::vector<std::string>& pl,
                            const LabelPolicy& policy = LabelPolicy()) {
  return MatchItem(iou, g, p, gl, pl, policy);
}

TEST(MatchingTest, TakesHighestIouFirst) {
  // gt0-pred0 0.6, gt0-pred1 0.9, gt1-pred0 0.5: pred1 takes gt0, pred0 falls to gt1.
  const auto m = MatchIou({0.6, 0.9, 0.5, 0.0}, 2, 2, {"a", "a"}, {"a", "a"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].ground_truth, 0);
  EXPECT_EQ(m[0].prediction, 1);
  EXPECT_DOUBLE_EQ(m[0].iou, 0.9);
  EXPECT_EQ(m[1].ground_truth, 1);
  EXPECT_EQ(m[1].prediction, 0);
}

TEST(MatchingTest, TiesGoToLowestGroundTruthThenLowestPrediction) {
  const auto m = MatchIou({0.5, 0.5, 0.5, 0.5}, 2, 2, {"a", "a"}, {"a", "a"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].ground_truth, 0);
  EXPECT_EQ(m[0].prediction, 0);
  EXPECT_EQ(m[1].ground_truth, 1);
  EXPECT_EQ(m[1].prediction, 1);
}

TEST(MatchingTest, IsOneToOneAndReportsLeftovers) {
  // Two predictions on one ground truth: the better one matches, the other is a false positive.
  const auto m = MatchIou({0.8, 0.7}, 1, 2, {"a"}, {"a", "a"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].ground_truth, 0);
  EXPECT_EQ(m[0].prediction, 0);
  EXPECT_EQ(m[1].ground_truth, -1);
  EXPECT_EQ(m[1].prediction, 1);
}

TEST(MatchingTest, ZeroIouNeverMatches) {
  const auto m = MatchIou({0.0}, 1, 1, {"a"}, {"a"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].prediction, -1);
  EXPECT_EQ(m[1].ground_truth, -1);
}

TEST(MatchingTest, TouchingBoxesDoNotMatch) {
  const std::vector<Shape> gt = {Box{0, 0, 10, 10}};
  const std::vector<Shape> pred = {Box{10, 0, 10, 10}};
  const auto m = MatchItemShapes(gt, {{"a"}}, pred, {{"a"}}, LabelPolicy());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].prediction, -1);
}

TEST(MatchingTest, ClassAgnosticByDefault) {
  const auto m = MatchIou({0.7}, 1, 1, {"car"}, {"truck"});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].ground_truth, 0);
  EXPECT_EQ(m[0].prediction, 0);
}

TEST(MatchingTest, NotClassAgnosticMatchesSameLabelsOnly) {
  const LabelPolicy policy(false, {});
  const auto m = MatchIou({0.9, 0.6}, 1, 2, {"car"}, {"truck", "car"}, policy);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].prediction, 1);
  EXPECT_EQ(m[1].prediction, 0);
  EXPECT_EQ(m[1].ground_truth, -1);
}

TEST(MatchingTest, AllowedLabelMatchesAllowOnlyListedPairs) {
  const std::vector<AllowedLabelMatch> table = {{"car", "truck"}};
  const LabelPolicy policy(true, table);  // a table turns class_agnostic off
  EXPECT_TRUE(policy.Allows("car", "truck"));
  EXPECT_FALSE(policy.Allows("truck", "car"));
  EXPECT_FALSE(policy.Allows("car", "car"));
  const auto m = MatchIou({0.5, 0.9}, 1, 2, {"car"}, {"truck", "car"}, policy);
  EXPECT_EQ(m[0].prediction, 0);
}

TEST(MatchingTest, EmptyItemGivesNothing) { EXPECT_TRUE(MatchIou({}, 0, 0, {}, {}).empty()); }

TEST(MatchingTest, PredictionsWithoutGroundTruthAreAllFalsePositives) {
  const auto m = MatchIou({}, 0, 2, {}, {"a", "b"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].ground_truth, -1);
  EXPECT_EQ(m[0].prediction, 0);
  EXPECT_EQ(m[1].prediction, 1);
}

TEST(MatchingTest, GroundTruthWithoutPredictionsIsAllFalseNegatives) {
  const auto m = MatchIou({}, 2, 0, {"a", "b"}, {});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].prediction, -1);
  EXPECT_EQ(m[1].ground_truth, 1);
}

TEST(MatchingTest, ShapesOfDifferentKindsNeverMatch) {
  EXPECT_EQ(ShapeIou(Shape{Box{0, 0, 1, 1}}, Shape{geometry::RotatedBox{0.5, 0.5, 1, 1, 0}}), 0.0);
}

}  // namespace
}  // namespace nucleus::eval
