#include "wire/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "wire/json_reader.h"

namespace nucleus::wire {
namespace {

TEST(JsonWriterTest, WritesCompactNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Bool(true).Null().String("x").EndArray();
  w.Key("c").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,null,"x"],"c":{}})");
}

TEST(JsonWriterTest, DoublesRoundTripExactly) {
  for (double v : {0.1, 0.30000000000000004, 1e-300, 123456789.123456789, -0.0, 5e-324}) {
    std::string out;
    AppendJsonDouble(v, &out);
    EXPECT_EQ(std::strtod(out.c_str(), nullptr), v) << out;
  }
  std::string out;
  AppendJsonDouble(0.30000000000000004, &out);
  EXPECT_EQ(out, "0.30000000000000004");
}

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  std::string out;
  AppendJsonDouble(std::numeric_limits<double>::quiet_NaN(), &out);
  EXPECT_EQ(out, "null");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  AppendJsonString("a\"b\\c\n\x01", &out);
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriterTest, ErrorBodyIsCompact) { EXPECT_EQ(ErrorBody("bad"), R"({"error":"bad"})"); }

TEST(JsonReaderTest, DecodesUnicodeEscapesIncludingSurrogatePairs) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"name": "caf\u00e9 \ud83d\ude00"})").ok());
  JsonObject obj;
  ASSERT_TRUE(AsObject(doc.root(), "body", &obj).ok());
  std::string name;
  ASSERT_TRUE(GetString(obj, "name", "body", &name).ok());
  EXPECT_EQ(name, "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(JsonReaderTest, ErrorsNameTheObjectAndField) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"width": "wide"})").ok());
  JsonObject obj;
  ASSERT_TRUE(AsObject(doc.root(), "body", &obj).ok());
  double width = 0;
  Status s = GetNumber(obj, "width", "annotation 3", &width);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("annotation 3"), std::string::npos);
  EXPECT_NE(s.message().find("width"), std::string::npos);
}

TEST(JsonReaderTest, MinifyKeepsTypesAndOrder) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"b": [1, 2.5, true, null], "a": {"x": "y"}})").ok());
  EXPECT_EQ(Minify(doc.root()), R"({"b":[1,2.5,true,null],"a":{"x":"y"}})");
}

}  // namespace
}  // namespace nucleus::wire
