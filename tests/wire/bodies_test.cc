#include "wire/bodies.h"

#include <gtest/gtest.h>

namespace nucleus::wire {
namespace {

TEST(ParseBodyObjectTest, APostNeedsAnObjectAndSaysWhatItGot) {
  JsonDoc doc;
  JsonObject obj;
  Status empty = ParseBodyObject(" \r\n", "POST", &doc, &obj);
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "request body must be a JSON object, got an empty body");
  Status array = ParseBodyObject("[]", "PUT", &doc, &obj);
  EXPECT_EQ(array.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(array.message().find("request body"), std::string::npos);
}

TEST(ParseBodyObjectTest, AnEmptyBodyOfAGetOrDeleteIsAnEmptyObject) {
  JsonDoc doc;
  JsonObject obj;
  ASSERT_TRUE(ParseBodyObject("", "DELETE", &doc, &obj).ok());
  EXPECT_EQ(obj.size(), 0u);
}

TEST(StringListChangeTest, ReadsTheListAndAnswersWithTheStoredOne) {
  auto values = DecodeStringListChange(R"({"tags": ["a", "b"]})", "POST", "tags");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b"}));
  auto absent = DecodeStringListChange("", "DELETE", "tags");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->empty());
  EXPECT_EQ(EncodeStringListChange("model_id", "prj_1", "tags", {"x", "y\""}),
            R"({"model_id":"prj_1","tags":["x","y\""]})");
}

TEST(StringListChangeTest, ANonStringEntryNamesTheField) {
  auto bad = DecodeStringListChange(R"({"tags": ["a", 1]})", "POST", "tags");
  EXPECT_EQ(bad.status().message(), "field \"tags\" of request body: must be an array of strings");
}

}  // namespace
}  // namespace nucleus::wire
