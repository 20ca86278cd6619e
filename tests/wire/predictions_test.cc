#include "wire/predictions.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace nucleus::wire {
namespace {

constexpr std::string_view kBox =
    R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":3,"height":4},)"
    R"("reference_id":"a.jpg","annotation_id":"p1","metadata":{},"embedding_vector":null,)"
    R"("track_reference_id":null,"task_id":null,"confidence":0.5})";

TEST(DecodePredictionUploadTest, EmptyBodyIsRefusedAsNotAnObject) {
  auto upload = DecodePredictionUpload("  \n", false, core::DefaultLimits());
  ASSERT_FALSE(upload.ok());
  EXPECT_EQ(upload.status().message(), "request body must be a JSON object, got an empty body");
}

TEST(DecodePredictionUploadTest, ReadsBothArraysNumberingObjectsAcrossThem) {
  std::string body = R"({"update":true,"trained_slice_id":"slc_1","annotations":[)";
  body += kBox;
  body += R"(,{"type":"box"}],"segmentations":[{"reference_id":"a.jpg"}]})";
  auto upload = DecodePredictionUpload(body, false, core::DefaultLimits());
  ASSERT_TRUE(upload.ok()) << upload.status().message();
  EXPECT_TRUE(upload->update);
  EXPECT_EQ(upload->trained_slice_id.value_or(""), "slc_1");
  ASSERT_EQ(upload->batch.objects.size(), 1u);
  EXPECT_EQ(upload->batch.objects[0].payload_json, kBox);
  ASSERT_EQ(upload->batch.errors.size(), 2u);
  EXPECT_NE(upload->batch.errors[0].find("prediction 1"), std::string::npos);
  // A segmentation without "type" is read as a mask; it is the third object of the request.
  EXPECT_NE(upload->batch.errors[1].find("prediction 2"), std::string::npos);
  EXPECT_NE(upload->batch.errors[1].find("mask_url"), std::string::npos);
}

TEST(DecodePredictionUploadTest, TooManyObjectsRefuseTheRequest) {
  core::Limits limits = core::DefaultLimits();
  limits.max_batch_objects = 1;
  std::string body = R"({"annotations":[)";
  body += kBox;
  body += ",";
  body += kBox;
  body += "]}";
  auto upload = DecodePredictionUpload(body, false, limits);
  ASSERT_FALSE(upload.ok());
  EXPECT_NE(upload.status().message().find("max_batch_objects"), std::string::npos);
}

TEST(DecodePredictionUploadTest, AsyncReadsOnlyTheRequestId) {
  auto upload =
      DecodePredictionUpload(R"({"requestId":"r1","annotations":7})", true, core::DefaultLimits());
  ASSERT_TRUE(upload.ok()) << upload.status().message();
  EXPECT_EQ(upload->request_id, "r1");
  auto missing = DecodePredictionUpload(R"({"update":false})", true, core::DefaultLimits());
  EXPECT_FALSE(missing.ok());
}

TEST(DecodePredictionLineTest, NamesTheLineWhenItIsNotJson) {
  JsonDoc doc;
  auto parsed = DecodePredictionLine("{nope", 2, core::DefaultLimits(), &doc);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message().rfind("line 3 is not valid JSON", 0), 0u);
  auto good = DecodePredictionLine(kBox, 0, core::DefaultLimits(), &doc);
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->reference_id, "a.jpg");
}

TEST(PredictionErrorEntriesTest, QuoteTheLineOrTheObject) {
  EXPECT_EQ(EncodeLineError(3, "bad \"x\""), R"({"line":3,"error":"bad \"x\""})");
  EXPECT_EQ(EncodeObjectError(R"({"a":1})", "gone"), R"({"annotation":{"a":1},"error":"gone"})");
}

TEST(EncodePredictCountsTest, WritesTheAnswerKeysInOrder) {
  core::PredictCounts counts;
  counts.dataset_id = "ds_1";
  counts.processed = 2;
  counts.ignored = 1;
  counts.errors = {"e1"};
  EXPECT_EQ(EncodePredictCounts("run_1", counts),
            R"({"dataset_id":"ds_1","model_run_id":"run_1","predictions_processed":2,)"
            R"("predictions_ignored":1,"errors":["e1"]})");
}

struct Ref {
  std::string_view type;
  std::string_view payload_json;
};

TEST(PredictionGroupsTest, ItemEncodingEqualsTheGroupsWriterInTheClientsGroupOrder) {
  std::vector<Ref> refs = {{"polygon", "{\"p\":1}"},
                           {"box", "{\"b\":1}"},
                           {"scene_category", "{\"s\":1}"},
                           {"box", "{\"b\":2}"},
                           {"segmentation", "{\"m\":1}"}};
  PredictionGroupsWriter groups;
  for (const Ref& r : refs) groups.Add(r.type, r.payload_json);
  const std::string item = EncodeItemPredictions(std::span<const Ref>(refs));
  EXPECT_EQ(item, R"({"annotations":{"box":[{"b":1},{"b":2}],"polygon":[{"p":1}],)"
                  R"("category":[{"s":1}],"segmentation":[{"m":1}]}})");
  EXPECT_EQ(item, groups.Finish(/*wrap=*/true));
  EXPECT_EQ(EncodeItemPredictions(std::span<const Ref>()), R"({"annotations":{}})");
}

}  // namespace
}  // namespace nucleus::wire
