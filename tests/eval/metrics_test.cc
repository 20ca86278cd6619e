#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <vector>

namespace nucleus::eval {
namespace {

MatchRecord Pair(const char* gt, const char* pred, double iou, double confidence) {
  return MatchRecord{true, true, gt, pred, iou, confidence};
}
MatchRecord FalsePositive(const char* pred, double confidence) {
  return MatchRecord{false, true, "", pred, 0, confidence};
}
MatchRecord FalseNegative(const char* gt) { return MatchRecord{true, false, gt, "", 0, 0}; }

TEST(MetricsTest, PrecisionRecallF1AtThreshold) {
  const std::vector<MatchRecord> r = {Pair("a", "a", 0.9, 0.9), Pair("a", "a", 0.4, 0.8),
                                      FalsePositive("a", 0.7), FalseNegative("a")};
  const PrecisionRecall pr = ComputePrecisionRecall(r, 0.5);
  EXPECT_EQ(pr.true_positives, 1);
  EXPECT_EQ(pr.false_positives, 2);
  EXPECT_EQ(pr.false_negatives, 2);
  EXPECT_DOUBLE_EQ(pr.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(pr.recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(pr.f1, 1.0 / 3);
}

TEST(MetricsTest, EmptyRecordsGiveZerosNotNan) {
  const PrecisionRecall pr = ComputePrecisionRecall({}, 0.5);
  EXPECT_EQ(pr.precision, 0.0);
  EXPECT_EQ(pr.recall, 0.0);
  EXPECT_EQ(pr.f1, 0.0);
}

TEST(MetricsTest, AveragePrecisionIsCocoInterpolated) {
  // TP 0.9, FP 0.7, TP 0.6 over three ground truths: 56/101, as fixture 01_basic.
  const std::vector<MatchRecord> r = {Pair("a", "a", 1, 0.9), FalsePositive("a", 0.7),
                                      Pair("a", "a", 1, 0.6), FalseNegative("a")};
  EXPECT_NEAR(AveragePrecision(r, "a", 0.5), 56.0 / 101, 1e-15);
  EXPECT_EQ(AveragePrecision(r, "b", 0.5), -1);
}

TEST(MetricsTest, MeanApAveragesLabelsWithGroundTruth) {
  const std::vector<MatchRecord> r = {Pair("a", "a", 0.8, 0.9), FalseNegative("b"),
                                      FalsePositive("c", 0.5)};
  const MeanAp m = ComputeMeanAp(r);
  EXPECT_DOUBLE_EQ(m.map50, 0.5);  // a: 1, b: 0; c has no ground truth
  EXPECT_DOUBLE_EQ(m.map75, 0.5);
  EXPECT_DOUBLE_EQ(m.map50_95, (1.0 * 7 / 10 + 0) / 2);  // a is a TP up to 0.8
  EXPECT_EQ(m.ap50_by_label.at("c"), -1);
}

TEST(MetricsTest, PrCurveRanksByConfidence) {
  const std::vector<MatchRecord> r = {FalsePositive("a", 0.2), Pair("a", "a", 0.9, 0.8)};
  const auto curve = PrecisionRecallCurve(r, "a", 0.5);
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_DOUBLE_EQ(curve[0].confidence, 0.8);
  EXPECT_DOUBLE_EQ(curve[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(curve[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(curve[1].recall, 1.0);
}

TEST(MetricsTest, ConfusionMatrixHasBackgroundRowAndColumn) {
  const std::vector<MatchRecord> r = {Pair("a", "b", 0.9, 1), Pair("a", "a", 0.3, 1),
                                      FalsePositive("b", 1), FalseNegative("b")};
  const ConfusionMatrix cm = ComputeConfusionMatrix(r, 0.5);
  ASSERT_EQ(cm.labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cm.counts[0][1], 1);  // a predicted as b
  EXPECT_EQ(cm.counts[0][2], 1);  // a below threshold: missed
  EXPECT_EQ(cm.counts[2][0], 1);  // ... and its prediction is background
  EXPECT_EQ(cm.counts[2][1], 1);  // false positive b
  EXPECT_EQ(cm.counts[1][2], 1);  // missed b
}

TEST(MetricsTest, TideAttributesEachErrorType) {
  const std::vector<MatchRecord> r = {Pair("a", "a", 0.9, 1),  Pair("a", "b", 0.9, 1),
                                      Pair("a", "a", 0.3, 1),  Pair("a", "b", 0.3, 1),
                                      Pair("a", "a", 0.05, 1), FalsePositive("a", 1),
                                      FalseNegative("a")};
  const TideErrors e = ComputeTideErrors(r);
  EXPECT_EQ(e.true_positives, 1);
  EXPECT_EQ(e.classification, 1);
  EXPECT_EQ(e.localization, 1);
  EXPECT_EQ(e.both, 1);
  EXPECT_EQ(e.background, 2);
  EXPECT_EQ(e.missed, 2);
}

}  // namespace
}  // namespace nucleus::eval
