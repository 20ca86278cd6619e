#include "eval/coco_json.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::eval {
namespace {

const char* kGt =
    R"({"images":[{"id":1,"width":10,"height":10}],"categories":[{"id":1}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2],"area":4,"iscrowd":0}]})";

std::string Padded(std::string_view s) {
  std::string out;
  out.reserve(s.size() + kJsonPadding);
  out.append(s.data(), s.size());
  return out;
}

Status ParseDt(const std::string& dt) {
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(kGt), "gt.json", Padded(dt), "dt.json", IouType::kBbox, 1);
  return files.ok() ? Status::Ok() : files.status();
}

TEST(CocoJsonTest, BadFieldNamesFileLineAndElement) {
  const Status s = ParseDt(
      "[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1},\n"
      "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1],\"score\":1}]");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dt.json: line 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bbox"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, SyntaxErrorNamesPosition) {
  const Status s = ParseDt("[{\"image_id\":1,\"category_id\":1 \"bbox\":[0,0,1,1],\"score\":1}]");
  EXPECT_NE(s.message().find("dt.json: line 1, column"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, UnknownImageIsAnError) {
  const Status s = ParseDt("[{\"image_id\":9,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1}]");
  EXPECT_NE(s.message().find("image_id 9"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, UnknownCategoryIsDropped) {
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(kGt), "gt.json",
                     Padded("[{\"image_id\":1,\"category_id\":7,\"bbox\":[0,0,1,1],\"score\":1},"
                            "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1}]"),
                     "dt.json", IouType::kBbox, 1);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->dt.size(), 1u);
  EXPECT_EQ(files->dt.areas[0], 1.0);
}

TEST(CocoJsonTest, MissingGroundTruthFieldIsNamed) {
  Result<CocoGroundTruth> gt =
      ParseCocoGroundTruth(Padded(R"({"images":[{"id":1}],"categories":[{"id":1}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2]}]})"),
                           "gt.json", IouType::kBbox);
  ASSERT_FALSE(gt.ok());
  EXPECT_NE(gt.status().message().find("annotations[0]"), std::string::npos);
  EXPECT_NE(gt.status().message().find("\"area\""), std::string::npos);
}

TEST(CocoJsonTest, UnpaddedTextIsCopiedNotOverread) {
  std::string gt(kGt);
  gt.shrink_to_fit();
  Result<CocoGroundTruth> parsed = ParseCocoGroundTruth(gt, "gt.json", IouType::kBbox);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 1u);
}

}  // namespace
}  // namespace nucleus::eval
