#include "eval/matching.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
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

// The dense reference: every pair's IoU in a ground truth x prediction matrix, then MatchItem.
std::vector<Match> DenseReference(const std::vector<Shape>& gt, const std::vector<std::string>& gl,
                                  const std::vector<Shape>& pred,
                                  const std::vector<std::string>& pl, const LabelPolicy& policy) {
  std::vector<double> iou(gt.size() * pred.size(), 0.0);
  for (size_t g = 0; g < gt.size(); ++g) {
    for (size_t p = 0; p < pred.size(); ++p) iou[g * pred.size() + p] = ShapeIou(gt[g], pred[p]);
  }
  return MatchItem(iou, gt.size(), pred.size(), gl, pl, policy);
}

void ExpectSameMatches(const std::vector<Match>& got, const std::vector<Match>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].ground_truth, want[i].ground_truth) << "entry " << i;
    EXPECT_EQ(got[i].prediction, want[i].prediction) << "entry " << i;
    EXPECT_EQ(got[i].iou, want[i].iou) << "entry " << i;  // bit for bit
  }
}

// A random shape of `kind` on a small integer grid, so many pairs touch, coincide or tie in IoU;
// a few are degenerate (negative or zero size, non-finite coordinates).
Shape RandomShape(std::mt19937& rng, int kind, int spread) {
  std::uniform_int_distribution<int> pos(0, spread), size(1, 8), rare(0, 40);
  const double x = pos(rng), y = pos(rng), w = size(rng), h = size(rng);
  switch (kind) {
    case 0: {
      const int r = rare(rng);
      if (r == 0) return Box{x, y, -w, h};
      if (r == 1) return Box{x, y, 0, h};
      if (r == 2) return Box{std::numeric_limits<double>::quiet_NaN(), y, w, h};
      if (r == 3) return Box{x, y, std::numeric_limits<double>::infinity(), h};
      return Box{x, y, w, h};
    }
    case 1: {
      // A triangle or a quadrilateral inside the box (x, y, w, h).
      std::vector<geometry::Point> ring = {{x, y}, {x + w, y}, {x + w, y + h}};
      if (rare(rng) % 2 == 0) ring.push_back({x, y + h});
      return ring;
    }
    case 2:
      return geometry::RotatedBox{x, y, w, h, (rare(rng) % 4) * 0.4};
    default:
      return geometry::Cuboid{x, y, 0, w, h, 2, (rare(rng) % 4) * 0.4};
  }
}

TEST(MatchingTest, IndexedMatchingEqualsTheDenseReferenceOnRandomItemsWithTies) {
  std::mt19937 rng(20261207);
  const std::vector<std::string> names = {"car", "bus", "truck"};
  const std::vector<AllowedLabelMatch> table = {{"car", "truck"}, {"bus", "bus"}};
  const std::vector<LabelPolicy> policies = {LabelPolicy(), LabelPolicy(false, {}),
                                             LabelPolicy(false, table)};
  size_t matched_pairs = 0, tied = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int kind = trial % 5;  // 4: boxes and polygons mixed in one item (never match)
    std::uniform_int_distribution<int> count(0, 60), label(0, 2), mixed(0, 1);
    std::vector<Shape> gt, pred;
    std::vector<std::string> gl, pl;
    const int num_gt = count(rng), num_pred = count(rng);
    const int spread = trial % 2 == 0 ? 4 : 30;  // crowded items tie often
    for (int i = 0; i < num_gt; ++i) {
      gt.push_back(RandomShape(rng, kind == 4 ? mixed(rng) : kind, spread));
      gl.push_back(names[static_cast<size_t>(label(rng))]);
    }
    for (int i = 0; i < num_pred; ++i) {
      pred.push_back(RandomShape(rng, kind == 4 ? mixed(rng) : kind, spread));
      pl.push_back(names[static_cast<size_t>(label(rng))]);
    }
    const LabelPolicy& policy = policies[static_cast<size_t>(trial) % policies.size()];
    const std::vector<Match> want = DenseReference(gt, gl, pred, pl, policy);
    SCOPED_TRACE("trial " + std::to_string(trial));
    ExpectSameMatches(MatchItemShapes(gt, gl, pred, pl, policy), want);
    const ItemMatching limited = MatchItemIndexed(gt, gl, pred, pl, policy);
    EXPECT_FALSE(limited.too_many_pairs);
    ExpectSameMatches(limited.matches, want);
    // A matched pair is tied when its ground truth or its prediction has another pair with
    // the same IoU: then the tie-break decided which pair was taken.
    for (const Match& m : want) {
      if (m.ground_truth < 0 || m.prediction < 0) continue;
      ++matched_pairs;
      const size_t g = static_cast<size_t>(m.ground_truth), p = static_cast<size_t>(m.prediction);
      bool tie = false;
      for (size_t q = 0; q < pred.size() && !tie; ++q) {
        tie = q != p && ShapeIou(gt[g], pred[q]) == m.iou;
      }
      for (size_t h = 0; h < gt.size() && !tie; ++h) {
        tie = h != g && ShapeIou(gt[h], pred[p]) == m.iou;
      }
      tied += tie ? 1 : 0;
    }
  }
  // The data exercised what it is meant to: many pairs, and many consecutive ties.
  EXPECT_GT(matched_pairs, 2000u);
  EXPECT_GT(tied, 200u);
}

TEST(MatchingTest, ExtentsBoundTheShapes) {
  const std::optional<Extent> box = ShapeExtent(Box{1, 2, 3, 4});
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(box->x0, 1);
  EXPECT_EQ(box->y0, 2);
  EXPECT_EQ(box->x1, 4);
  EXPECT_EQ(box->y1, 6);
  const std::optional<Extent> flipped = ShapeExtent(Box{1, 2, -3, 4});
  ASSERT_TRUE(flipped.has_value());
  EXPECT_EQ(flipped->x0, -2);
  EXPECT_EQ(flipped->x1, 1);
  // A rotated square of side 2 reaches sqrt(2) from its centre at 45 degrees.
  const std::optional<Extent> rotated = ShapeExtent(geometry::RotatedBox{0, 0, 2, 2, 0.785398});
  ASSERT_TRUE(rotated.has_value());
  EXPECT_LE(rotated->x0, -std::sqrt(2.0));
  EXPECT_GE(rotated->x1, std::sqrt(2.0));
  EXPECT_FALSE(ShapeExtent(Box{std::numeric_limits<double>::quiet_NaN(), 0, 1, 1}).has_value());
  EXPECT_FALSE(ShapeExtent(geometry::RleMask{}).has_value());
}

TEST(MatchingTest, AnItemWithMoreCandidatePairsThanTheLimitIsGivenUp) {
  // 30 x 30 identical boxes: 900 overlapping pairs.
  std::vector<Shape> gt(30, Shape{Box{0, 0, 10, 10}}), pred(30, Shape{Box{1, 1, 10, 10}});
  std::vector<std::string> gl(30, "a"), pl(30, "a");
  const ItemMatching over = MatchItemIndexed(gt, gl, pred, pl, LabelPolicy(), 899);
  EXPECT_TRUE(over.too_many_pairs);
  EXPECT_TRUE(over.matches.empty());
  EXPECT_EQ(over.candidate_pairs, 900u);
  const ItemMatching at = MatchItemIndexed(gt, gl, pred, pl, LabelPolicy(), 900);
  EXPECT_FALSE(at.too_many_pairs);
  EXPECT_EQ(at.candidate_pairs, 900u);
  ExpectSameMatches(at.matches, DenseReference(gt, gl, pred, pl, LabelPolicy()));
  // Pairs the label policy refuses do not count.
  std::vector<std::string> other(30, "b");
  const ItemMatching refused = MatchItemIndexed(gt, gl, pred, other, LabelPolicy(false, {}), 1);
  EXPECT_FALSE(refused.too_many_pairs);
  EXPECT_EQ(refused.candidate_pairs, 0u);
}

TEST(MatchingTest, ExaminedPairsAreLimitedToo) {
  // 100 x 100 cuboids at one spot but stacked in z: every footprint meets, no volume overlaps,
  // so each of the 10,000 pairs costs an IoU and none is a candidate.
  std::vector<Shape> gt, pred;
  for (int i = 0; i < 100; ++i) {
    gt.push_back(geometry::Cuboid{0, 0, i * 10.0, 4, 2, 2, 0});
    pred.push_back(geometry::Cuboid{0, 0, i * 10.0 + 5, 4, 2, 2, 0});
  }
  std::vector<std::string> gl(100, "a"), pl(100, "a");
  const ItemMatching over = MatchItemIndexed(gt, gl, pred, pl, LabelPolicy(), 4999);
  EXPECT_TRUE(over.too_many_pairs);
  EXPECT_EQ(over.candidate_pairs, 0u);
  EXPECT_EQ(over.examined_pairs, 9998u);
  const ItemMatching at = MatchItemIndexed(gt, gl, pred, pl, LabelPolicy(), 5000);
  EXPECT_FALSE(at.too_many_pairs);
  EXPECT_EQ(at.examined_pairs, 10000u);
  EXPECT_EQ(at.matches.size(), 200u);  // all unmatched
}

TEST(MatchingTest, DisjointShapesAreNotCandidates) {
  // Far-apart boxes in a row: no pair overlaps, so none is held.
  std::vector<Shape> gt, pred;
  for (int i = 0; i < 1000; ++i) {
    gt.push_back(Box{i * 100.0, 0, 10, 10});
    pred.push_back(Box{i * 100.0 + 50, 0, 10, 10});
  }
  std::vector<std::string> gl(1000, "a"), pl(1000, "a");
  const ItemMatching m = MatchItemIndexed(gt, gl, pred, pl, LabelPolicy(), 0);
  EXPECT_FALSE(m.too_many_pairs);
  EXPECT_EQ(m.candidate_pairs, 0u);
  EXPECT_EQ(m.examined_pairs, 0u);
  EXPECT_EQ(m.matches.size(), 2000u);
}

}  // namespace
}  // namespace nucleus::eval
