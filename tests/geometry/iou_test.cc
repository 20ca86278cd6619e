#include "geometry/iou.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace nucleus::geometry {
namespace {

TEST(BoxIouTest, HandComputedOverlap) {
  // 10x10 boxes offset by 5 in x: inter 50, union 150.
  EXPECT_DOUBLE_EQ(BoxIou(Box{0, 0, 10, 10}, Box{5, 0, 10, 10}), 50.0 / 150);
}

TEST(BoxIouTest, IdenticalIsOneContainedIsAreaRatio) {
  EXPECT_DOUBLE_EQ(BoxIou(Box{1, 2, 3, 4}, Box{1, 2, 3, 4}), 1.0);
  EXPECT_DOUBLE_EQ(BoxIou(Box{2, 2, 2, 2}, Box{0, 0, 8, 8}), 4.0 / 64);
}

TEST(BoxIouTest, TouchingAndEmptyBoxesHaveIouZeroNotNan) {
  EXPECT_EQ(BoxIou(Box{0, 0, 10, 10}, Box{10, 0, 10, 10}), 0.0);
  EXPECT_EQ(BoxIou(Box{}, Box{}), 0.0);
  EXPECT_EQ(BoxIou(Box{0, 0, 0, 5}, Box{0, 0, 0, 5}), 0.0);
}

TEST(BoxIouTest, CrowdUsesDetectionAreaAsUnion) {
  // Fixture 03: detection [85,85,20,20] on a crowd box [0,0,100,100]: 225 / 400.
  EXPECT_DOUBLE_EQ(BoxIou(Box{85, 85, 20, 20}, Box{0, 0, 100, 100}, true), 0.5625);
}

TEST(BoxIouTest, FollowsPycocotoolsArithmetic) {
  // 0.4999999999999993 from fixture 08 comes from the exact operation order.
  const double iou = BoxIou(Box{0, 0, 10, 10}, Box{0, 0, 10, 20.000000000000028});
  EXPECT_LT(iou, 0.5);
}

TEST(PolygonIouTest, SquaresHalfOverlapping) {
  const std::vector<Point> a = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
  const std::vector<Point> b = {{5, 0}, {15, 0}, {15, 10}, {5, 10}};
  EXPECT_NEAR(PolygonIou(a, b), 50.0 / 150, 1e-12);
  EXPECT_NEAR(PolygonArea(a), 100, 1e-9);
}

TEST(PolygonIouTest, OrientationDoesNotMatter) {
  const std::vector<Point> a = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
  const std::vector<Point> reversed = {{0, 10}, {10, 10}, {10, 0}, {0, 0}};
  EXPECT_NEAR(PolygonIou(a, reversed), 1.0, 1e-12);
}

TEST(PolygonIouTest, ContainedTriangle) {
  const std::vector<Point> square = {{0, 0}, {4, 0}, {4, 4}, {0, 4}};
  const std::vector<Point> triangle = {{0, 0}, {4, 0}, {0, 4}};
  EXPECT_NEAR(PolygonIou(square, triangle), 8.0 / 16, 1e-12);
}

TEST(PolygonIouTest, DegenerateInputGivesZero) {
  const std::vector<Point> square = {{0, 0}, {4, 0}, {4, 4}, {0, 4}};
  const std::vector<Point> line = {{0, 0}, {4, 4}};
  const std::vector<Point> collinear = {{0, 0}, {1, 1}, {2, 2}};
  const std::vector<Point> touching = {{4, 0}, {8, 0}, {8, 4}, {4, 4}};
  const std::vector<Point> bad = {{0, 0}, {NAN, 0}, {4, 4}};
  EXPECT_EQ(PolygonIou(square, line), 0.0);
  EXPECT_EQ(PolygonIou(square, collinear), 0.0);
  EXPECT_EQ(PolygonIou(square, touching), 0.0);
  EXPECT_EQ(PolygonIou(square, bad), 0.0);
  EXPECT_EQ(PolygonIou(line, line), 0.0);
}

TEST(PolygonIouTest, SelfIntersectingUsesNonZeroWinding) {
  // A bow tie: two triangles of area 4 each.
  const std::vector<Point> bowtie = {{0, 0}, {4, 4}, {4, 0}, {0, 4}};
  EXPECT_NEAR(PolygonArea(bowtie), 8, 1e-9);
  const std::vector<Point> square = {{0, 0}, {4, 0}, {4, 4}, {0, 4}};
  EXPECT_NEAR(PolygonIou(bowtie, square), 8.0 / 16, 1e-12);
}

TEST(RotatedBoxIouTest, UnrotatedEqualsAxisAligned) {
  EXPECT_NEAR(RotatedBoxIou(RotatedBox{5, 5, 10, 10, 0}, RotatedBox{10, 5, 10, 10, 0}), 50.0 / 150,
              1e-12);
}

TEST(RotatedBoxIouTest, QuarterTurnOfSquareIsIdentical) {
  EXPECT_NEAR(RotatedBoxIou(RotatedBox{0, 0, 2, 2, 0}, RotatedBox{0, 0, 2, 2, M_PI / 2}), 1.0,
              1e-12);
}

TEST(RotatedBoxIouTest, PlusAndMinusPiAreTheSameOrientation) {
  const RotatedBox a{1, 2, 6, 2, M_PI}, b{1, 2, 6, 2, -M_PI}, c{1, 2, 6, 2, 0};
  EXPECT_NEAR(RotatedBoxIou(a, b), 1.0, 1e-12);
  EXPECT_NEAR(RotatedBoxIou(a, c), 1.0, 1e-12);
}

TEST(RotatedBoxIouTest, CrossOfTwoRectangles) {
  // 4x2 and the same turned by 90 degrees: inter 4, union 12.
  EXPECT_NEAR(RotatedBoxIou(RotatedBox{0, 0, 4, 2, 0}, RotatedBox{0, 0, 4, 2, M_PI / 2}), 4.0 / 12,
              1e-12);
}

TEST(RotatedBoxIouTest, SquareAndItsDiamond) {
  // Unit square vs. the same turned 45 degrees: octagon of area 2(sqrt2 - 1).
  const double inter = 2 * (std::sqrt(2.0) - 1);
  EXPECT_NEAR(RotatedBoxIou(RotatedBox{0, 0, 1, 1, 0}, RotatedBox{0, 0, 1, 1, M_PI / 4}),
              inter / (2 - inter), 1e-12);
}

TEST(RotatedBoxIouTest, TouchingAndZeroAreaGiveZero) {
  EXPECT_EQ(RotatedBoxIou(RotatedBox{0, 0, 2, 2, 0}, RotatedBox{2, 0, 2, 2, 0}), 0.0);
  EXPECT_EQ(RotatedBoxIou(RotatedBox{0, 0, 0, 2, 0}, RotatedBox{0, 0, 0, 2, 0}), 0.0);
}

TEST(CuboidIouTest, HandComputed) {
  // 2x2x2 cubes offset by 1 along x: inter 1*2*2 = 4, union 16 - 4 = 12.
  const Cuboid a{0, 0, 0, 2, 2, 2, 0}, b{1, 0, 0, 2, 2, 2, 0};
  EXPECT_NEAR(CuboidIou(a, b), 4.0 / 12, 1e-12);
  EXPECT_NEAR(CuboidBevIou(a, b), 2.0 / 6, 1e-12);
}

TEST(CuboidIouTest, ZOverlapScalesIntersection) {
  // Same footprint, half the height overlapping: inter 2, union 6.
  const Cuboid a{0, 0, 0, 1, 2, 2, 0}, b{0, 0, 1, 1, 2, 2, 0};
  EXPECT_NEAR(CuboidIou(a, b), 2.0 / 6, 1e-12);
  EXPECT_NEAR(CuboidBevIou(a, b), 1.0, 1e-12);
}

TEST(CuboidIouTest, YawOfPlusMinusPiAndContainment) {
  const Cuboid a{3, 4, 1, 4, 2, 1, M_PI}, b{3, 4, 1, 4, 2, 1, -M_PI};
  EXPECT_NEAR(CuboidIou(a, b), 1.0, 1e-12);
  const Cuboid big{0, 0, 0, 4, 4, 4, 0.3}, small{0, 0, 0, 2, 2, 2, 0.3};
  EXPECT_NEAR(CuboidIou(big, small), 8.0 / 64, 1e-12);
}

TEST(CuboidIouTest, TouchingAndFlatGiveZero) {
  EXPECT_EQ(CuboidIou(Cuboid{0, 0, 0, 2, 2, 2, 0}, Cuboid{0, 0, 2, 2, 2, 2, 0}), 0.0);
  EXPECT_EQ(CuboidIou(Cuboid{0, 0, 0, 2, 2, 0, 0}, Cuboid{0, 0, 0, 2, 2, 0, 0}), 0.0);
}

TEST(OksTest, PerfectKeypointsGiveOne) {
  const std::vector<double> kp = {10, 10, 2, 20, 20, 2, 0, 0, 0};
  const std::vector<double> sigmas = {0.1, 0.1, 0.1};
  EXPECT_DOUBLE_EQ(Oks(kp, kp, 100, Box{10, 10, 10, 10}, sigmas), 1.0);
}

TEST(OksTest, HandComputedDistance) {
  // One visible keypoint off by (3, 4): e = 25 / (2*0.1)^2 / (100 + eps) / 2.
  const std::vector<double> gt = {0, 0, 2};
  const std::vector<double> dt = {3, 4, 1};
  const std::vector<double> sigmas = {0.1};
  const double e = 25 / (0.2 * 0.2) / (100 + 2.220446049250313e-16) / 2;
  EXPECT_DOUBLE_EQ(Oks(gt, dt, 100, Box{0, 0, 10, 10}, sigmas), std::exp(-e));
}

TEST(OksTest, NoVisibleGroundTruthUsesGrownBox) {
  // Inside the box grown by its size on every side: distance 0 for all keypoints.
  const std::vector<double> gt = {0, 0, 0, 0, 0, 0};
  const std::vector<double> dt = {5, 5, 1, -5, -5, 1};
  const std::vector<double> sigmas = {0.1, 0.1};
  EXPECT_DOUBLE_EQ(Oks(gt, dt, 100, Box{0, 0, 10, 10}, sigmas), 1.0);
}

}  // namespace
}  // namespace nucleus::geometry
