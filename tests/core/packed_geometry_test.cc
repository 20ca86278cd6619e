#include "core/packed_geometry.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace nucleus::core {
namespace {

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

ParsedAnnotation Object(AnnotationType type) {
  ParsedAnnotation a;
  a.type = type;
  return a;
}

UnpackedGeometry RoundTrip(const ParsedAnnotation& a) {
  UnpackedGeometry out;
  EXPECT_TRUE(UnpackGeometry(PackGeometry(a), &out));
  EXPECT_EQ(out.type, a.type);
  return out;
}

// The edge values every double field is tried with: bit-exact except -0.0 (see the header).
const double kEdges[] = {0.0,
                         1.5,
                         -123.25,
                         1e308,
                         -1e308,
                         std::numeric_limits<double>::max(),
                         std::numeric_limits<double>::lowest(),
                         std::numeric_limits<double>::denorm_min(),
                         -std::numeric_limits<double>::denorm_min(),
                         std::numeric_limits<double>::min() / 3,  // a denormal
                         0.1 + 0.2};

TEST(PackedGeometryTest, BoxRoundTripsEveryEdgeValueBitForBit) {
  for (double d : kEdges) {
    ParsedAnnotation a = Object(AnnotationType::kBox);
    a.geometry.box = {d, -d, std::fabs(d), 7};
    UnpackedGeometry out = RoundTrip(a);
    EXPECT_EQ(Bits(out.geometry.box.x), Bits(d)) << d;
    EXPECT_EQ(Bits(out.geometry.box.y), Bits(-d == 0 ? 0.0 : -d)) << d;
    EXPECT_EQ(Bits(out.geometry.box.width), Bits(std::fabs(d))) << d;
    EXPECT_EQ(Bits(out.geometry.box.height), Bits(7.0));
  }
}

TEST(PackedGeometryTest, BoxLayoutIsTagThenFourLittleEndianDoubles) {
  ParsedAnnotation a = Object(AnnotationType::kBox);
  a.geometry.box = {1.0, 0, 0, -2.0};
  const std::string packed = PackGeometry(a);
  ASSERT_EQ(packed.size(), 33u);
  EXPECT_EQ(packed[0], '\x01');
  // 1.0 = 0x3FF0000000000000, least significant byte first.
  EXPECT_EQ(packed.substr(1, 8), std::string("\0\0\0\0\0\0\xF0\x3F", 8));
  EXPECT_EQ(packed.substr(25, 8), std::string("\0\0\0\0\0\0\x00\xC0", 8));
}

TEST(PackedGeometryTest, NegativeZeroPacksAsTheZeroThePayloadReadsBackAs) {
  ParsedAnnotation a = Object(AnnotationType::kPolygon);
  a.geometry.vertices = {{-0.0, 1}, {2, -0.0}, {3, 3}};
  UnpackedGeometry out = RoundTrip(a);
  ASSERT_EQ(out.geometry.vertices.size(), 3u);
  EXPECT_FALSE(std::signbit(out.geometry.vertices[0].x));
  EXPECT_FALSE(std::signbit(out.geometry.vertices[1].y));
}

TEST(PackedGeometryTest, NanAndInfinitiesAreKeptBitForBit) {
  // Upload refuses them, so no payload carries one; the codec still does not alter them.
  const double nan = std::bit_cast<double>(uint64_t{0x7FF8000000000123});
  ParsedAnnotation a = Object(AnnotationType::kCuboid);
  a.geometry.cuboid = {{nan, INFINITY, -INFINITY}, {1, 2, 3}, nan};
  UnpackedGeometry out = RoundTrip(a);
  EXPECT_EQ(Bits(out.geometry.cuboid.position.x), Bits(nan));
  EXPECT_EQ(out.geometry.cuboid.position.y, INFINITY);
  EXPECT_EQ(out.geometry.cuboid.position.z, -INFINITY);
  EXPECT_EQ(Bits(out.geometry.cuboid.yaw), Bits(nan));
}

TEST(PackedGeometryTest, LineAndPolygonRoundTripWithTheirVertices) {
  for (AnnotationType type : {AnnotationType::kLine, AnnotationType::kPolygon}) {
    ParsedAnnotation a = Object(type);
    for (double d : kEdges) a.geometry.vertices.push_back({d, 1 - d});
    UnpackedGeometry out = RoundTrip(a);
    ASSERT_EQ(out.geometry.vertices.size(), a.geometry.vertices.size());
    for (size_t i = 0; i < a.geometry.vertices.size(); ++i) {
      EXPECT_EQ(Bits(out.geometry.vertices[i].x), Bits(a.geometry.vertices[i].x));
      EXPECT_EQ(Bits(out.geometry.vertices[i].y), Bits(a.geometry.vertices[i].y));
    }
  }
}

TEST(PackedGeometryTest, AMillionVertexPolygonRoundTripsAndTheViewReadsIt) {
  ParsedAnnotation a = Object(AnnotationType::kPolygon);
  const size_t n = 1'000'000;
  a.geometry.vertices.resize(n);
  for (size_t i = 0; i < n; ++i) a.geometry.vertices[i] = {i * 0.5, -static_cast<double>(i)};
  const std::string packed = PackGeometry(a);
  EXPECT_EQ(packed.size(), 5 + 16 * n);
  UnpackedGeometry out;
  ASSERT_TRUE(UnpackGeometry(packed, &out));
  ASSERT_EQ(out.geometry.vertices.size(), n);
  EXPECT_EQ(out.geometry.vertices[n - 1].x, (n - 1) * 0.5);
  PackedGeometryView view;
  ASSERT_TRUE(view.Reset(packed));
  EXPECT_EQ(view.type(), AnnotationType::kPolygon);
  ASSERT_EQ(view.vertex_count(), n);
  EXPECT_EQ(view.vertex(n - 1).y, -static_cast<double>(n - 1));
  EXPECT_EQ(view.vertex(0).x, 0.0);
}

TEST(PackedGeometryTest, KeypointsRoundTripWithNamesSkeletonAndMissingPositions) {
  ParsedAnnotation a = Object(AnnotationType::kKeypoints);
  a.geometry.keypoints = {{1.5, 2.5, true, true}, {0, 0, false, false}, {1e308, -0.5, false, true}};
  a.geometry.keypoint_names = {"nose", "", "ear \xC3\xA9"};
  a.geometry.skeleton = {{0, 1}, {1, 2}, {2, 0}};
  UnpackedGeometry out = RoundTrip(a);
  const AnnotationGeometry& g = out.geometry;
  ASSERT_EQ(g.keypoints.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(g.keypoints[i].x, a.geometry.keypoints[i].x);
    EXPECT_EQ(g.keypoints[i].y, a.geometry.keypoints[i].y);
    EXPECT_EQ(g.keypoints[i].visible, a.geometry.keypoints[i].visible);
    EXPECT_EQ(g.keypoints[i].has_position, a.geometry.keypoints[i].has_position);
  }
  EXPECT_EQ(g.keypoint_names, a.geometry.keypoint_names);
  EXPECT_EQ(g.skeleton, a.geometry.skeleton);
}

TEST(PackedGeometryTest, CuboidRoundTripsAndTheViewReadsIt) {
  ParsedAnnotation a = Object(AnnotationType::kCuboid);
  a.geometry.cuboid = {{1, 2, 3}, {4, 5, 6}, -3.14159};
  UnpackedGeometry out = RoundTrip(a);
  const CuboidGeometry& c = out.geometry.cuboid;
  EXPECT_EQ(c.position.z, 3);
  EXPECT_EQ(c.dimensions.x, 4);
  EXPECT_EQ(c.yaw, -3.14159);
  const std::string packed = PackGeometry(a);  // the view borrows it
  PackedGeometryView view;
  ASSERT_TRUE(view.Reset(packed));
  EXPECT_EQ(view.cuboid().dimensions.z, 6);
  EXPECT_EQ(view.cuboid().yaw, -3.14159);
}

TEST(PackedGeometryTest, CategoriesKeepTheirLabels) {
  for (AnnotationType type : {AnnotationType::kCategory, AnnotationType::kMultiCategory,
                              AnnotationType::kSceneCategory}) {
    ParsedAnnotation a = Object(type);
    a.labels = type == AnnotationType::kMultiCategory
                   ? std::vector<std::string>{"a", "", "long label with \"quotes\""}
                   : std::vector<std::string>{"sunny"};
    EXPECT_EQ(RoundTrip(a).labels, a.labels);
  }
  ParsedAnnotation none = Object(AnnotationType::kMultiCategory);
  EXPECT_TRUE(RoundTrip(none).labels.empty());
}

TEST(PackedGeometryTest, SegmentationKeepsItsMaskReferenceAndSegments) {
  ParsedAnnotation a = Object(AnnotationType::kSegmentation);
  a.mask_url = "https://example.com/m.png";
  a.geometry.segments = {{"road", 0}, {"car", 1}, {"sky", 9'000'000'000'000}};
  a.labels = {"road", "car", "sky"};
  UnpackedGeometry out = RoundTrip(a);
  EXPECT_EQ(out.mask_url, a.mask_url);
  ASSERT_EQ(out.geometry.segments.size(), 3u);
  EXPECT_EQ(out.geometry.segments[2].label, "sky");
  EXPECT_EQ(out.geometry.segments[2].index, 9'000'000'000'000);
}

TEST(PackedGeometryTest, TruncatedOrPaddedValuesAreRefused) {
  ParsedAnnotation k = Object(AnnotationType::kKeypoints);
  k.geometry.keypoints = {{1, 2, true, true}};
  k.geometry.keypoint_names = {"nose"};
  k.geometry.skeleton = {{0, 0}};
  ParsedAnnotation s = Object(AnnotationType::kSegmentation);
  s.mask_url = "m";
  s.geometry.segments = {{"x", 1}};
  ParsedAnnotation p = Object(AnnotationType::kPolygon);
  p.geometry.vertices = {{0, 0}, {1, 0}, {1, 1}};
  for (const ParsedAnnotation& a : {k, s, p}) {
    const std::string packed = PackGeometry(a);
    UnpackedGeometry out;
    for (size_t n = 0; n < packed.size(); ++n) {
      EXPECT_FALSE(UnpackGeometry(packed.substr(0, n), &out)) << n;
    }
    EXPECT_FALSE(UnpackGeometry(packed + '\0', &out));
  }
}

TEST(PackedGeometryTest, CorruptCountsAndUnknownTagsAreRefusedWithoutAllocating) {
  UnpackedGeometry out;
  // A polygon claiming 2^32 - 1 vertices in 4 bytes: refused before any vector is sized.
  EXPECT_FALSE(UnpackGeometry(std::string("\x03\xFF\xFF\xFF\xFF", 5), &out));
  EXPECT_FALSE(UnpackGeometry(std::string("\x00", 1), &out));
  EXPECT_FALSE(UnpackGeometry(std::string("\x0A", 1), &out));
  EXPECT_FALSE(UnpackGeometry("", &out));
  PackedGeometryView view;
  EXPECT_FALSE(view.Reset(""));
  EXPECT_FALSE(view.Reset(std::string("\x01\0\0", 3)));                     // short box
  EXPECT_FALSE(view.Reset(std::string("\x03\x02\0\0\0", 5)));               // 2 vertices, 0 bytes
  EXPECT_FALSE(view.Reset(std::string("\x05", 1) + std::string(55, 'x')));  // short cuboid
}

}  // namespace
}  // namespace nucleus::core
