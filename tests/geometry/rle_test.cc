#include "geometry/rle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace nucleus::geometry {
namespace {

// Expected strings, areas and boxes below were produced with pycocotools 2.0.11.

// pycocotools 2.0.x rleToBbox as written there (two divisions per run): the reference for the
// incremental version.
Box ReferenceRleToBbox(const RleMask& mask) {
  const uint32_t h = mask.height, w = mask.width;
  const size_t m = (mask.counts.size() / 2) * 2;
  if (m == 0 || h == 0) return Box{};
  uint32_t xs = w, ys = h, xe = 0, ye = 0, cc = 0;
  for (size_t j = 0; j < m; ++j) {
    const uint32_t start = cc;
    cc += mask.counts[j];
    if (j % 2 == 0 || mask.counts[j] == 0) continue;
    const uint32_t y_start = start % h, x_start = (start - y_start) / h;
    const uint32_t y_end = (cc - 1) % h, x_end = (cc - 1 - y_end) / h;
    xs = std::min(xs, x_start);
    xe = std::max(xe, x_end);
    if (x_start < x_end) {
      ys = 0;
      ye = h - 1;
    } else {
      ys = std::min(ys, y_start);
      ye = std::max(ye, y_end);
    }
  }
  return Box{static_cast<double>(xs), static_cast<double>(ys),
             static_cast<double>(static_cast<uint32_t>(xe - xs + 1)),
             static_cast<double>(static_cast<uint32_t>(ye - ys + 1))};
}

TEST(RleTest, BboxMatchesPycocotoolsDivisionFormOnRandomMasks) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const uint32_t h = 1 + rng() % 40, w = 1 + rng() % 40;
    RleMask mask{h, w, {}};
    uint32_t left = h * w;
    // Short and long runs (some of several columns), zero-length runs included.
    while (left > 0) {
      const uint32_t max_run = rng() % 3 == 0 ? 5 * h : 3;
      const uint32_t run = std::min(left, static_cast<uint32_t>(rng() % (max_run + 1)));
      mask.counts.push_back(run);
      left -= run;
    }
    const Box got = RleToBbox(mask), want = ReferenceRleToBbox(mask);
    ASSERT_EQ(got.x, want.x) << trial;
    ASSERT_EQ(got.y, want.y) << trial;
    ASSERT_EQ(got.width, want.width) << trial;
    ASSERT_EQ(got.height, want.height) << trial;
  }
}

TEST(RleTest, PolygonRasterizationMatchesPycocotools) {
  const double triangle[] = {10, 10, 50, 10, 30, 50};
  const RleMask mask = RleFromPolygon(triangle, 80, 120);
  EXPECT_EQ(
      RleToString(mask),
      "Zi01_22N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N00N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2N2Nh^5");
  EXPECT_EQ(RleArea(mask), 800u);
  const Box box = RleToBbox(mask);
  EXPECT_EQ(box.x, 10);
  EXPECT_EQ(box.y, 10);
  EXPECT_EQ(box.width, 40);
  EXPECT_EQ(box.height, 39);
}

// Found by tests/fuzz/fuzz_coco_json: a repeated vertex made the edge's slope 0/0 and the
// rasterizer cast NaN to int (undefined behaviour; `make dev-test`'s UBSan aborts on it). The
// repeated vertex adds one boundary point that is skipped, so the mask is the plain triangle's.
TEST(RleTest, RepeatedPolygonVertexGivesTheSameMask) {
  const double triangle[] = {10, 10, 50, 10, 30, 50};
  const double repeated[] = {10, 10, 10, 10, 50, 10, 50, 10, 30, 50, 30, 50};
  const RleMask want = RleFromPolygon(triangle, 80, 120);
  const RleMask got = RleFromPolygon(repeated, 80, 120);
  EXPECT_EQ(got.counts, want.counts);
  EXPECT_EQ(RleArea(got), 800u);
}

TEST(RleTest, PolygonPastTheImageEdgeIsClipped) {
  const double quad[] = {-5.3, 2.7, 20.2, -3, 30.9, 25.5, 4.4, 40.1};
  const RleMask mask = RleFromPolygon(quad, 32, 24);
  EXPECT_EQ(RleToString(mask), "2g085L3M00o?1P@2M4MJ");
  EXPECT_EQ(RleArea(mask), 736u);
}

TEST(RleTest, SelfIntersectingPolygonFollowsPycocotools) {
  const double bowtie[] = {0, 0, 10, 10, 0, 10, 10, 0};
  const RleMask mask = RleFromPolygon(bowtie, 12, 12);
  EXPECT_EQ(RleToString(mask), "912051K031M011O0O11OO11N11ON31MN514O?");
  EXPECT_EQ(RleArea(mask), 50u);
}

TEST(RleTest, BoxesIouMergeAndCrowd) {
  const RleMask a = RleFromBox(Box{0, 0, 4, 4}, 8, 8);
  const RleMask b = RleFromBox(Box{2, 2, 4, 4}, 8, 8);
  EXPECT_EQ(RleToString(a), "04400000P1");
  EXPECT_EQ(RleToString(b), "b04400000>");
  EXPECT_DOUBLE_EQ(RleIou(a, b), 4.0 / 28);
  EXPECT_DOUBLE_EQ(RleIou(a, b, /*gt_is_crowd=*/true), 4.0 / 16);
  const std::vector<RleView> both = {a, b};
  EXPECT_EQ(RleArea(RleMerge(both)), 28u);
  EXPECT_EQ(RleArea(RleMerge(both, /*intersect=*/true)), 4u);
}

TEST(RleTest, IdenticalMasksHaveIouOne) {
  const RleMask a = RleFromBox(Box{1, 1, 3, 2}, 5, 5);
  EXPECT_DOUBLE_EQ(RleIou(a, a), 1.0);
}

TEST(RleTest, EmptyMasksHaveIouZeroNotNan) {
  const RleMask empty{4, 4, {16}};
  EXPECT_EQ(RleIou(empty, empty), 0.0);
  EXPECT_EQ(RleArea(empty), 0u);
  const Box box = RleToBbox(empty);
  EXPECT_EQ(box.width, 0);
}

TEST(RleTest, DifferentSizesGiveMinusOne) {
  const RleMask a = RleFromBox(Box{0, 0, 4, 4}, 8, 8);
  const RleMask b = RleFromBox(Box{0, 0, 4, 4}, 8, 9);
  EXPECT_EQ(RleIou(a, b), -1.0);
}

TEST(RleTest, StringRoundTripAndUncompressedCounts) {
  RleMask mask{4, 5, {3, 2, 0, 1, 14}};
  Result<RleMask> back = RleFromString(RleToString(mask), 4, 5);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->counts, mask.counts);
}

TEST(RleTest, InvalidStringIsAnError) {
  EXPECT_FALSE(RleFromString("ab~", 4, 4).ok());
  EXPECT_FALSE(RleFromString("\x7f", 4, 4).ok());
}

// Found by tests/fuzz/fuzz_rle: twelve continuation characters ('[' carries the 0x20 bit) and a
// thirteenth, negative one ('N') made the sign extension shift an int64 by 65 bits. Twelve
// characters (60 bits) is the longest accepted count; longer ones are an error.
TEST(RleTest, CountLongerThanTwelveCharactersIsAnError) {
  EXPECT_FALSE(RleFromString(std::string(12, '[') + "N", 4, 4).ok());
  EXPECT_FALSE(RleFromString("bT12" + std::string(12, '[') + "N2N", 4, 4).ok());
  Result<RleMask> longest = RleFromString(std::string(11, '[') + "N", 4, 4);
  EXPECT_TRUE(longest.ok());
}

TEST(RleTest, EncodeDecodeRoundTrip) {
  const std::vector<uint8_t> bitmap = {0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0};
  const RleMask mask = RleEncode(bitmap, 3, 4);
  EXPECT_EQ(mask.counts, (std::vector<uint32_t>{1, 2, 3, 3, 1, 1, 1}));
  Result<std::vector<uint8_t>> back = RleDecode(mask);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bitmap);
  EXPECT_FALSE(RleDecode(RleMask{3, 4, {20}}).ok());
}

}  // namespace
}  // namespace nucleus::geometry
