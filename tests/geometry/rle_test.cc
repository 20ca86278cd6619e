#include "geometry/rle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
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

// maskApi.c's rleFrPoly as this file had it before the boundary points were windowed: every
// upsampled boundary point is kept. Coordinates are kept small enough below that it is defined.
// RleFromPolygon must give bit-identical masks.
RleMask ReferenceFromPolygon(std::span<const double> xy, uint32_t height, uint32_t width) {
  const size_t h = height, w = width;
  const size_t k = xy.size() / 2;
  if (k == 0) return RleMask{height, width, {static_cast<uint32_t>(h * w)}};
  // Upsample and get discrete points densely along the entire boundary.
  constexpr double kScale = 5;
  std::vector<int> x(k + 1), y(k + 1);
  for (size_t j = 0; j < k; ++j) x[j] = static_cast<int>(kScale * xy[j * 2 + 0] + .5);
  x[k] = x[0];
  for (size_t j = 0; j < k; ++j) y[j] = static_cast<int>(kScale * xy[j * 2 + 1] + .5);
  y[k] = y[0];
  size_t m = 0;
  for (size_t j = 0; j < k; ++j) {
    m += std::max(static_cast<uint32_t>(std::abs(x[j] - x[j + 1])),
                  static_cast<uint32_t>(std::abs(y[j] - y[j + 1]))) +
         1;
  }
  std::vector<int> u(m), v(m);
  m = 0;
  for (size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    // A repeated vertex (dx == dy == 0) made this 0/0: NaN, then an int cast of NaN below
    // (undefined; found by fuzzing). Its one point shares x with its neighbours, so the
    // downsampling below skips it and any finite slope gives pycocotools' mask.
    const double s = dx == 0 && dy == 0 ? 0.0
                     : dx >= dy         ? static_cast<double>(ye - ys) / dx
                                        : static_cast<double>(xe - xs) / dy;
    if (dx >= dy) {
      for (int d = 0; d <= dx; ++d) {
        const int t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = static_cast<int>(ys + s * t + .5);
        ++m;
      }
    } else {
      for (int d = 0; d <= dy; ++d) {
        const int t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = static_cast<int>(xs + s * t + .5);
        ++m;
      }
    }
  }
  // Get points along the y-boundary and downsample.
  const size_t n_points = m;
  std::vector<uint32_t> a;
  a.reserve(n_points + 1);
  const double x_max = static_cast<double>(w - 1);  // size_t arithmetic, as in maskApi.c
  for (size_t j = 1; j < n_points; ++j) {
    if (u[j] == u[j - 1]) continue;
    double xd = static_cast<double>(u[j] < u[j - 1] ? u[j] : u[j] - 1);
    xd = (xd + .5) / kScale - .5;
    if (std::floor(xd) != xd || xd < 0 || xd > x_max) continue;
    double yd = static_cast<double>(v[j] < v[j - 1] ? v[j] : v[j - 1]);
    yd = (yd + .5) / kScale - .5;
    if (yd < 0) {
      yd = 0;
    } else if (yd > static_cast<double>(h)) {
      yd = static_cast<double>(h);
    }
    yd = std::ceil(yd);
    a.push_back(
        static_cast<uint32_t>(static_cast<int>(xd) * static_cast<int>(h) + static_cast<int>(yd)));
  }
  // Compute the RLE encoding given the y-boundary points.
  a.push_back(static_cast<uint32_t>(h * w));
  std::sort(a.begin(), a.end());
  uint32_t p = 0;
  for (uint32_t& value : a) {
    const uint32_t t = value;
    value -= p;
    p = t;
  }
  RleMask mask{height, width, {}};
  mask.counts.reserve(a.size());
  size_t j = 0;
  mask.counts.push_back(a[j++]);
  while (j < a.size()) {
    if (a[j] > 0) {
      mask.counts.push_back(a[j++]);
    } else {
      ++j;
      if (j < a.size()) mask.counts.back() += a[j++];
    }
  }
  return mask;
}

TEST(RleTest, WindowedPolygonMatchesReference) {
  std::mt19937 rng(20261207);
  for (int trial = 0; trial < 3000; ++trial) {
    const uint32_t h = 1 + rng() % 40, w = 1 + rng() % 40;
    const size_t k = 1 + rng() % 7;
    // Vertices from far outside to inside the image, some on pixel centres, some repeated,
    // some on a line (steep and shallow edges, both directions).
    std::vector<double> xy;
    for (size_t j = 0; j < k; ++j) {
      const int kind = static_cast<int>(rng() % 4);
      for (uint32_t extent : {w, h}) {
        const double span = kind == 0 ? 6.0 * extent : 1.5 * extent;
        double c = std::uniform_real_distribution<double>(-span / 2, extent + span / 2)(rng);
        if (kind == 1) c = std::round(c);
        if (kind == 2 && j > 0) c = xy[xy.size() - 2];
        xy.push_back(c);
      }
    }
    const RleMask want = ReferenceFromPolygon(xy, h, w);
    const RleMask got = RleFromPolygon(xy, h, w);
    ASSERT_EQ(got.counts, want.counts) << "trial " << trial;
  }
}

// Found by tests/fuzz/fuzz_coco_json: a vertex at 1e46 overflowed the int cast (undefined), and
// vertices far outside the image made the work proportional to their distance. Coordinates are
// clamped (pycocotools is undefined there) and only boundary points near the image are kept, so
// this returns at once with the part of the polygon inside the image.
TEST(RleTest, PolygonWithVerticesFarOutsideTheImage) {
  const double far[] = {-1e46, -1e46, 1e46, -1e46, 1e46, 1e46, -1e46, 1e46};
  const RleMask all = RleFromPolygon(far, 30, 40);
  EXPECT_EQ(RleArea(all), 1200u);
  const double wide[] = {-4e7, 10, 4e7, 10, 4e7, 20, -4e7, 20};
  const double narrow[] = {-5, 10, 45, 10, 45, 20, -5, 20};
  EXPECT_EQ(RleFromPolygon(wide, 30, 40).counts, RleFromPolygon(narrow, 30, 40).counts);
  const double nan_vertex[] = {0, 0, std::nan(""), 5, 10, 10};
  EXPECT_EQ(RleFromPolygon(nan_vertex, 30, 40).height, 30u);
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

// Runs that stop short of height x width (a malformed mask): pycocotools' rleIou loops forever
// on them; ours must return. The masks' boxes overlap, so the run walk is reached.
TEST(RleTest, MasksWhoseRunsEndEarlyStillGiveAnIou) {
  const RleMask full = RleFromBox(Box{0, 0, 4, 4}, 10, 10);
  const RleMask shorter{10, 10, {5, 2, 2, 2, 5}};  // adds up to 16 of 100 pixels
  const double iou = RleIou(shorter, full);
  EXPECT_GE(iou, 0.0);
  EXPECT_LE(iou, 1.0);
  const double reversed = RleIou(full, shorter);
  EXPECT_GE(reversed, 0.0);
  EXPECT_LE(reversed, 1.0);
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
