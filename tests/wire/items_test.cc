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
  auto item = Parse(R"({"metadata": {"b": [1, 2.5, false, null], "a": {"x": 0.30000000000000004}},)"
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

TEST(DecodeItemLineTest, ReusesOneDocumentAcrossLines) {
  JsonDoc doc;
  std::string error;
  auto first = DecodeItemLine(doc, R"({"reference_id": "a", "image_url": "u1"})", "item 0",
                              DefaultLimits(), &error);
  auto second = DecodeItemLine(doc, R"({"reference_id": "b", "image_url": "u2"})", "item 1",
                               DefaultLimits(), &error);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->reference_id, "a");  // owned copies, not views into the document
  EXPECT_EQ(second->image_url, "u2");
}

TEST(DecodeItemLineTest, FailuresBecomeJobErrorEntries) {
  JsonDoc doc;
  std::string error;
  EXPECT_FALSE(DecodeItemLine(doc, "{not json", "item 2", DefaultLimits(), &error));
  EXPECT_EQ(error.rfind(R"({"item":"{not json","error":")", 0), 0u) << error;
  EXPECT_FALSE(DecodeItemLine(doc, R"({"reference_id": "r", "width": -1})", "item 3",
                              DefaultLimits(), &error));
  EXPECT_EQ(error.rfind(R"({"item":{"reference_id":"r","width":-1},"error":"field )", 0), 0u)
      << error;
}

TEST(DecodeAppendBodyTest, KeepsGoodItemsAndCountsBadOnesWithTheirJson) {
  auto request = DecodeAppendBody(
      R"({"update": true, "items": [{"reference_id": "a", "image_url": "u", "width": 3},)"
      R"( {"reference_id": 7}]})",
      DefaultLimits());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_TRUE(request->update);
  ASSERT_EQ(request->parsed.size(), 2u);
  ASSERT_TRUE(request->parsed[0].has_value());
  EXPECT_EQ(request->parsed[0]->extra_json, R"("width":3)");
  EXPECT_FALSE(request->parsed[1].has_value());
  EXPECT_EQ(request->rejected.counts.upload_errors, 1);
  EXPECT_EQ(request->rejected.error_payload, std::vector<std::string>{R"({"reference_id":7})"});
}

TEST(DecodeAppendBodyTest, RequestLevelErrorsFailTheRequest) {
  EXPECT_EQ(DecodeAppendBody("", DefaultLimits()).status().message(),
            "request body must be a JSON object, got an empty body");
  EXPECT_EQ(DecodeAppendBody(R"({"update": false})", DefaultLimits())
                .status()
                .message()
                .rfind(R"(field "items" of request body)", 0),
            0u);
  Limits limits = DefaultLimits();
  limits.max_batch_objects = 1;
  auto over = DecodeAppendBody(R"({"items": [{}, {}]})", limits);
  EXPECT_NE(over.status().message().find("max_batch_objects"), std::string::npos);
}

TEST(DecodeExportPageBodyTest, RefusesAQuery) {
  auto page = DecodeExportPageBody(R"({"pageSize": 5})", 10000);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->page_size, 5);
  EXPECT_FALSE(page->page_token.has_value());
  EXPECT_EQ(DecodeExportPageBody(R"({"query": "x"})", 10000).status().message(),
            R"(field "query" of request body: is not supported (send null))");
}

TEST(EncodeItemTest, WritesLocationMetadataThenExtras) {
  core::Item item;
  item.id = "di_1";
  item.reference_id = "a\"b";
  item.image_url = "s3://x";
  item.metadata_json = R"({"k":1})";
  item.extra_json = R"("width":3)";
  EXPECT_EQ(EncodeItem(item),
            R"({"id":"di_1","reference_id":"a\"b","image_url":"s3://x","metadata":{"k":1},)"
            R"("width":3})");
}

TEST(EncodeMetadataUpdateResponseTest, NamesTheLevelAndListsMalformedThenUnknown) {
  core::MetadataOutcome out;
  out.updated = 2;
  out.ignored = 1;
  out.unknown_reference_ids = {"gone"};
  EXPECT_EQ(EncodeMetadataUpdateResponse("ds_1", "scene", out, {"bad entry"}),
            R"({"dataset_id":"ds_1","updated_scenes":2,"ignored_scenes":2,"errors":["bad entry",)"
            R"("{\"reference_id\":\"gone\",\"error\":\"Scene with reference id gone doesn't )"
            R"(exist.\"}"]})");
}

TEST(MetadataMergerTest, PatchOverwritesInPlaceAndAppendsNewKeys) {
  const core::MetadataMerger& merger = MetadataMerger();
  EXPECT_EQ(*merger.MergeItem(R"({"a":1,"b":{"x":1}})", R"({"c":3,"b":2})"),
            R"({"a":1,"b":2,"c":3})");
  EXPECT_EQ(*merger.MergeItem("", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(
      *merger.SetMember(R"("width":3,"camera_params":{"fx":1})", "camera_params", R"({"fx":2})"),
      R"("width":3,"camera_params":{"fx":2})");
  EXPECT_EQ(*merger.SetMember("", "camera_params", "{}"), R"("camera_params":{})");
}

}  // namespace
}  // namespace nucleus::wire
