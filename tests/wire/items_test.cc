#include "wire/items.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::wire {
namespace {

Result<core::ItemInput> Parse(const std::string& json) {
  JsonDoc doc;
  Status s = doc.Parse(json);
  if (!s.ok()) return s;
  return ParseItem(doc.root(), "item 3");
}

TEST(ParseItemTest, KeepsLocationAndMetadataExactlyAsSent) {
  auto item = Parse(
      R"({"metadata": {"b": [1, 2.5, false, null], "a": {"x": 0.30000000000000004}},)"
      R"( "reference_id": "image_001", "width": 1920, "height": 1080,)"
      R"( "image_url": "s3://bucket/images/001.jpg"})");
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->reference_id, "image_001");
  EXPECT_EQ(item->image_url, "s3://bucket/images/001.jpg");
  EXPECT_EQ(item->pointcloud_url, "");
  EXPECT_EQ(item->metadata_json, R"({"b":[1,2.5,false,null],"a":{"x":0.30000000000000004}})");
  EXPECT_EQ(item->width, 1920);
  EXPECT_EQ(item->height, 1080);
  EXPECT_FALSE(item->update.has_value());
}

TEST(ParseItemTest, MissingOrNullMetadataIsEmptyObject) {
  EXPECT_EQ(Parse(R"({"reference_id": "a", "image_url": "u"})")->metadata_json, "{}");
  EXPECT_EQ(Parse(R"({"reference_id": "a", "image_url": "u", "metadata": null})")->metadata_json,
            "{}");
}

TEST(ParseItemTest, MultipartItemsCarryTheirOwnUpdateFlag) {
  auto item = Parse(R"({"reference_id": "a", "image_url": "tests/x.jpg", "update": true})");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->update, true);
}

TEST(ParseItemTest, SceneFrameFormUsesUrlAndType) {
  auto cloud = Parse(R"({"reference_id": "f", "url": "s3://b/f.json", "type": "pointcloud"})");
  ASSERT_TRUE(cloud.ok());
  EXPECT_EQ(cloud->pointcloud_url, "s3://b/f.json");
  auto image = Parse(R"({"reference_id": "f", "url": "s3://b/f.jpg", "type": "image"})");
  EXPECT_EQ(image->image_url, "s3://b/f.jpg");
}

TEST(ParseItemTest, ErrorsNameTheItemAndTheField) {
  auto no_ref = Parse(R"({"image_url": "u"})");
  ASSERT_FALSE(no_ref.ok());
  EXPECT_EQ(no_ref.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_ref.status().message().find("\"reference_id\" of item 3"), std::string::npos);

  auto bad_width = Parse(R"({"reference_id": "a.jpg", "image_url": "u", "width": "wide"})");
  ASSERT_FALSE(bad_width.ok());
  EXPECT_EQ(bad_width.status().message(),
            "field \"width\" of item 3 (reference_id \"a.jpg\"): must be a non-negative integer, "
            "got a string");

  auto no_url = Parse(R"({"reference_id": "a"})");
  ASSERT_FALSE(no_url.ok());
  EXPECT_NE(no_url.status().message().find("\"image_url\""), std::string::npos);

  EXPECT_FALSE(Parse(R"({"reference_id": "a", "image_url": "u", "metadata": [1]})").ok());
  EXPECT_FALSE(Parse(R"({"reference_id": "a", "image_url": "u", "update": 1})").ok());
  EXPECT_FALSE(Parse(R"(["not", "an", "object"])").ok());
}

TEST(ParseMetadataUpdateTest, ReadsMetadataAndCameraParams) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"reference_id": "r", "metadata": {"k": 1},
                            "camera_params": {"fx": 1000}})")
                  .ok());
  auto entry = ParseMetadataUpdate(doc.root(), "metadata entry 0");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->reference_id, "r");
  EXPECT_EQ(entry->metadata_json, R"({"k":1})");
  EXPECT_EQ(entry->camera_params_json, R"({"fx":1000})");
}

TEST(ParseItemLineTest, ReusesOneDocumentAcrossLines) {
  JsonDoc doc;
  auto first = ParseItemLine(doc, R"({"reference_id": "a", "image_url": "u1"})", "item 0");
  auto second = ParseItemLine(doc, R"({"reference_id": "b", "image_url": "u2"})", "item 1");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->reference_id, "a");  // owned copies, not views into the document
  EXPECT_EQ(second->image_url, "u2");
  EXPECT_FALSE(ParseItemLine(doc, "{not json", "item 2").ok());
}

}  // namespace
}  // namespace nucleus::wire
