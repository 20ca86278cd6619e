// Numbers that do not fit (issue 10, point 5) and the caps of wire/limits.h (point 4), at the
// parser. Built with the dev preset, an out-of-range float-to-int cast aborts the test (UBSan
// float-cast-overflow), so "returns an error" here also means "without undefined behaviour".
#include "wire/limits.h"

#include <gtest/gtest.h>

#include <string>

#include "wire/annotations.h"
#include "wire/items.h"

namespace nucleus::wire {
namespace {

// OptInt of field "n" in `json`; `parsed` false when the document itself was refused.
Status ReadInt(const std::string& json, int64_t* out, bool* parsed = nullptr) {
  JsonDoc doc;
  Status s = doc.Parse(json);
  if (parsed) *parsed = s.ok();
  if (!s.ok()) return s;
  JsonObject obj;
  s = AsObject(doc.root(), "request body", &obj);
  if (!s.ok()) return s;
  return OptInt(obj, "n", "request body", out);
}

TEST(OptIntTest, AcceptsEveryInt64AndIntegralDoubles) {
  int64_t n = 0;
  ASSERT_TRUE(ReadInt(R"({"n": 9223372036854775807})", &n).ok());
  EXPECT_EQ(n, INT64_MAX);
  ASSERT_TRUE(ReadInt(R"({"n": -9223372036854775808})", &n).ok());
  EXPECT_EQ(n, INT64_MIN);
  ASSERT_TRUE(ReadInt(R"({"n": 2e3})", &n).ok());
  EXPECT_EQ(n, 2000);
  ASSERT_TRUE(ReadInt(R"({"n": -4.0})", &n).ok());
  EXPECT_EQ(n, -4);
}

TEST(OptIntTest, OutOfRangeNumbersAreFieldErrorsNotUndefinedBehaviour) {
  for (const char* json :
       {R"({"n": 1e300})", R"({"n": -1e300})", R"({"n": 9223372036854775808})",
        R"({"n": 18446744073709551615})", R"({"n": 9.3e18})", R"({"n": -9.3e18})"}) {
    int64_t n = 7;
    Status s = ReadInt(json, &n);
    EXPECT_FALSE(s.ok()) << json;
    EXPECT_NE(s.message().find("field \"n\" of request body: must be an integer that fits in 64"),
              std::string::npos)
        << s.message();
    EXPECT_EQ(n, 7) << "the output must stay untouched on error: " << json;
  }
}

TEST(OptIntTest, FractionsAndNonNumbersAreRefused) {
  int64_t n = 0;
  EXPECT_FALSE(ReadInt(R"({"n": 0.5})", &n).ok());
  EXPECT_FALSE(ReadInt(R"({"n": "5"})", &n).ok());
  EXPECT_FALSE(ReadInt(R"({"n": [5]})", &n).ok());
}

TEST(OptIntTest, FourHundredDigitIntegerIsRefused) {
  const std::string json = "{\"n\": 1" + std::string(399, '0') + "}";
  int64_t n = 7;
  bool parsed = false;
  Status s = ReadInt(json, &n, &parsed);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(n, 7);
}

TEST(OptIntInRangeTest, NamesTheFieldAndTheRange) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"limit": -1})").ok());
  JsonObject obj;
  ASSERT_TRUE(AsObject(doc.root(), "request body", &obj).ok());
  int64_t v = 50;
  Status s = OptIntInRange(obj, "limit", "examples request", 0, 100, &v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "field \"limit\" of examples request: must be an integer in [0, 100], got -1");
  EXPECT_EQ(v, 50);
}

TEST(ParseItemTest, HugeWidthIsAnErrorNamingTheField) {
  for (const char* width : {"1e300", "18446744073709551615", "-1", "0.5"}) {
    JsonDoc doc;
    ASSERT_TRUE(
        doc.Parse(std::string(R"({"reference_id": "a", "image_url": "u", "width": )") + width + "}")
            .ok());
    auto item = ParseItem(doc.root(), "item 0");
    ASSERT_FALSE(item.ok()) << width;
    EXPECT_NE(item.status().message().find("field \"width\" of item 0 (reference_id \"a\")"),
              std::string::npos)
        << item.status().message();
  }
}

TEST(JsonDepthTest, CountsNestingAndStopsAtTheCap) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"a": 1, "b": {"c": [1, {"d": 2}]}})").ok());
  EXPECT_EQ(JsonDepth(doc.root(), 100), 4);
  EXPECT_EQ(JsonDepth(doc.root(), 2), 2);
  ASSERT_TRUE(doc.Parse("3").ok());
  EXPECT_EQ(JsonDepth(doc.root(), 100), 0);
}

Result<ParsedAnnotation> ParseWith(const std::string& json, const Limits& limits) {
  JsonDoc doc;
  Status s = doc.Parse(json);
  if (!s.ok()) return s;
  AnnotationParseOptions options;
  options.limits = &limits;
  return ParseAnnotation(doc.root(), 4, options);
}

std::string Polygon(int vertices) {
  std::string v;
  for (int i = 0; i < vertices; ++i) {
    if (i > 0) v += ',';
    v += R"({"x": )";
    v += std::to_string(i);
    v += R"(, "y": 1})";
  }
  return R"({"type": "polygon", "label": "car", "reference_id": "img", "annotation_id": "p",)"
         R"( "geometry": {"vertices": [)" +
         v + "]}}";
}

TEST(AnnotationLimitsTest, TooManyVerticesNamesTheObjectFieldAndCap) {
  Limits limits;
  limits.max_vertices = 5;
  EXPECT_TRUE(ParseWith(Polygon(5), limits).ok());
  auto a = ParseWith(Polygon(6), limits);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(),
            "field \"geometry.vertices\" of annotation 4 (reference_id \"img\", annotation_id "
            "\"p\"): has 6 entries, over the limit of 5 (max_vertices)");
}

TEST(AnnotationLimitsTest, DefaultsAcceptLargeLegitimatePolygons) {
  EXPECT_TRUE(ParseWith(Polygon(20000), DefaultLimits()).ok());
}

TEST(AnnotationLimitsTest, LongIdsAndLabelsAreRefused) {
  Limits limits;
  limits.max_id_bytes = 8;
  const std::string ok = R"({"type": "box", "label": "car", "reference_id": "img", )"
                         R"("annotation_id": "a", "geometry": {"x": 0, "y": 0, "width": 1, )"
                         R"("height": 1}})";
  EXPECT_TRUE(ParseWith(ok, limits).ok());
  auto long_ref = ParseWith(R"({"type": "box", "label": "car", "reference_id": "img-123456",)"
                            R"( "geometry": {"x": 0, "y": 0, "width": 1, "height": 1}})",
                            limits);
  ASSERT_FALSE(long_ref.ok());
  EXPECT_NE(long_ref.status().message().find(
                "field \"reference_id\" of annotation 4 (reference_id \"img-123456\"): is 10 "
                "bytes long, over the limit of 8 (max_id_bytes)"),
            std::string::npos)
      << long_ref.status().message();
  auto long_label = ParseWith(R"({"type": "box", "label": "a-long-label", "reference_id": "i",)"
                              R"( "geometry": {"x": 0, "y": 0, "width": 1, "height": 1}})",
                              limits);
  ASSERT_FALSE(long_label.ok());
  EXPECT_NE(long_label.status().message().find("field \"label\""), std::string::npos);
  auto long_ann = ParseWith(R"({"type": "box", "label": "c", "reference_id": "i", )"
                            R"("annotation_id": "0123456789", "geometry": {"x": 0, "y": 0, )"
                            R"("width": 1, "height": 1}})",
                            limits);
  ASSERT_FALSE(long_ann.ok());
  EXPECT_NE(long_ann.status().message().find("field \"annotation_id\""), std::string::npos);
}

TEST(AnnotationLimitsTest, MetadataSizeAndDepthAreCapped) {
  Limits limits;
  limits.max_metadata_bytes = 40;
  limits.max_json_depth = 2;
  auto with_metadata = [&](const std::string& metadata) {
    return ParseWith(R"({"type": "box", "label": "c", "reference_id": "i", "metadata": )" +
                         metadata + R"(, "geometry": {"x": 0, "y": 0, "width": 1, "height": 1}})",
                     limits);
  };
  EXPECT_TRUE(with_metadata(R"({"a": {"b": 1}})").ok());
  auto deep = with_metadata(R"({"a": {"b": {"c": 1}}})");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find(
                "field \"metadata\" of annotation 4 (reference_id \"i\"): is nested more than 2 "
                "levels deep (max_json_depth)"),
            std::string::npos)
      << deep.status().message();
  auto big = with_metadata(R"({"text": ")" + std::string(64, 'x') + R"("})");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("over the limit of 40 (max_metadata_bytes)"),
            std::string::npos)
      << big.status().message();
}

TEST(ItemLimitsTest, ReferenceIdUrlAndMetadataAreCapped) {
  Limits limits;
  limits.max_id_bytes = 4;
  limits.max_url_bytes = 10;
  limits.max_json_depth = 1;
  auto parse = [&](const std::string& json) {
    JsonDoc doc;
    EXPECT_TRUE(doc.Parse(json).ok());
    return ParseItem(doc.root(), "item 2", limits);
  };
  EXPECT_TRUE(
      parse(R"({"reference_id": "abcd", "image_url": "http://x/", "metadata": {"a": 1}})").ok());
  auto ref = parse(R"({"reference_id": "abcde", "image_url": "u"})");
  ASSERT_FALSE(ref.ok());
  EXPECT_NE(ref.status().message().find("field \"reference_id\" of item 2"), std::string::npos);
  auto url = parse(R"({"reference_id": "a", "image_url": "http://example.com/x.jpg"})");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("field \"image_url\""), std::string::npos);
  auto deep = parse(R"({"reference_id": "a", "image_url": "u", "metadata": {"a": {"b": 1}}})");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("field \"metadata\""), std::string::npos);
}

}  // namespace
}  // namespace nucleus::wire
