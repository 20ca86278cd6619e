#include "wire/annotations_request.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::wire {
namespace {

constexpr const char* kBox =
    R"({"type": "box", "label": "car", "reference_id": "a.jpg", "annotation_id": "b1",)"
    R"( "geometry": {"x": 1, "y": 2, "width": 3, "height": 4}})";
constexpr const char* kMask =
    R"({"reference_id": "a.jpg", "mask_url": "s3://m.png", "annotations": []})";

std::string Body(const std::string& annotations, const std::string& segmentations,
                 const std::string& update = "false") {
  return R"({"annotations": [)" + annotations + R"(], "segmentations": [)" + segmentations +
         R"(], "update": )" + update + "}";
}

TEST(DecodeAnnotateRequestTest, AnnotationsComeBeforeSegmentationsWhichDefaultToMasks) {
  auto request = DecodeAnnotateRequest(Body(kBox, kMask, "true"), DefaultLimits());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_TRUE(request->update);
  ASSERT_EQ(request->objects.size(), 2u);
  const core::AnnotationInput& box = request->objects[0];
  ASSERT_TRUE(box.parsed.has_value()) << box.error;
  EXPECT_EQ(box.parsed->type, core::AnnotationType::kBox);
  EXPECT_FALSE(box.is_segmentation);
  EXPECT_EQ(box.raw_json, "");  // only async job entries need the object as sent
  const core::AnnotationInput& mask = request->objects[1];
  ASSERT_TRUE(mask.parsed.has_value()) << mask.error;
  EXPECT_EQ(mask.parsed->type, core::AnnotationType::kSegmentation);
  EXPECT_TRUE(mask.is_segmentation);
}

TEST(DecodeAnnotateRequestTest, MultipartPutsSegmentationsFirstAndNamesThePart) {
  auto request = DecodeMultipartAnnotateRequest(Body(kBox, kMask), DefaultLimits());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_EQ(request->objects.size(), 2u);
  EXPECT_TRUE(request->objects[0].is_segmentation);
  EXPECT_FALSE(request->objects[1].is_segmentation);

  auto bad = DecodeMultipartAnnotateRequest(R"({"update": "yes"})", DefaultLimits());
  EXPECT_EQ(bad.status().message(),
            "field \"update\" of part \"serialized_request\": must be a boolean, got a string");
}

TEST(DecodeAnnotateRequestTest, AMalformedObjectIsAnInputWithItsErrorNotAFailure) {
  auto request = DecodeAnnotateRequest(
      Body(std::string(kBox) + R"(, {"type": "ellipse", "reference_id": "a.jpg"})", ""),
      DefaultLimits());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_EQ(request->objects.size(), 2u);
  EXPECT_TRUE(request->objects[0].parsed.has_value());
  EXPECT_FALSE(request->objects[1].parsed.has_value());
  EXPECT_NE(request->objects[1].error.find("annotation 1"), std::string::npos)
      << request->objects[1].error;
  EXPECT_NE(request->objects[1].error.find("ellipse"), std::string::npos);
}

TEST(DecodeAnnotateRequestTest, RequestLevelProblemsNameTheBodyAndTheField) {
  EXPECT_EQ(DecodeAnnotateRequest("", DefaultLimits()).status().message(),
            "request body must be a JSON object, got an empty body");
  EXPECT_EQ(DecodeAnnotateRequest(R"({"update": 1})", DefaultLimits()).status().message(),
            "field \"update\" of request body: must be a boolean, got a number");
  auto not_array = DecodeAnnotateRequest(R"({"annotations": {}})", DefaultLimits());
  EXPECT_EQ(not_array.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_array.status().message().find("field \"annotations\""), std::string::npos)
      << not_array.status().message();
}

TEST(DecodeAnnotateRequestTest, OverMaxBatchObjectsCountsBothArraysTogether) {
  core::Limits limits = DefaultLimits();
  limits.max_batch_objects = 1;
  EXPECT_TRUE(DecodeAnnotateRequest(Body(kBox, ""), limits).ok());
  auto over = DecodeAnnotateRequest(Body(kBox, kMask), limits);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("max_batch_objects"), std::string::npos)
      << over.status().message();
  EXPECT_NE(over.status().message().find("\"annotations\" + \"segmentations\""),
            std::string::npos)
      << over.status().message();
}

TEST(DecodeAnnotationLineTest, KeepsTheObjectAsSentForTheJobsErrorEntries) {
  JsonDoc doc;
  core::AnnotationInput ok = DecodeAnnotationLine(doc, kBox, 0, DefaultLimits());
  ASSERT_TRUE(ok.parsed.has_value()) << ok.error;
  EXPECT_EQ(ok.raw_json.substr(0, 28), R"({"type":"box","label":"car",)");

  core::AnnotationInput mask = DecodeAnnotationLine(
      doc, R"({"type": "segmentation", "reference_id": "a.jpg"})", 1, DefaultLimits());
  EXPECT_TRUE(mask.is_segmentation);  // counted as a mask even though it did not parse
  EXPECT_FALSE(mask.parsed.has_value());

  core::AnnotationInput broken = DecodeAnnotationLine(doc, "{not json", 7, DefaultLimits());
  EXPECT_FALSE(broken.parsed.has_value());
  EXPECT_NE(broken.error.find("annotation 7"), std::string::npos) << broken.error;
  EXPECT_EQ(broken.raw_json, R"("{not json")");
  EXPECT_EQ(EncodeAnnotationJobError(broken, "bad"),
            R"({"annotation":"{not json","error":"bad"})");
  EXPECT_EQ(EncodeAnnotationJobError(core::AnnotationInput(), "x"),
            R"({"annotation":null,"error":"x"})");
}

TEST(DecodeAnnotationDeletionRequestTest, AnEmptyBodyDeletesNothing) {
  auto empty = DecodeAnnotationDeletionRequest("");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->reference_ids.empty());
  auto two = DecodeAnnotationDeletionRequest(R"({"reference_ids": ["a", "b"]})");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->reference_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(DecodeAnnotationDeletionRequest(R"({"reference_ids": [1]})").status().message(),
            "field \"reference_ids\" of request body: must be an array of strings");
}

TEST(DecodeNewTaxonomyTest, ErrorsNameTheTaxonomy) {
  auto t = DecodeNewTaxonomy(
      R"({"taxonomy_name": "t", "type": "category", "labels": ["a", "b"], "update": true})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name, "t");
  EXPECT_EQ(t->labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(t->update);
  EXPECT_EQ(DecodeNewTaxonomy(R"({"taxonomy_name": "t", "type": "category", "labels": "a"})")
                .status()
                .message(),
            "field \"labels\" of taxonomy: must be an array of strings");
}

TEST(EncodeAnnotationsTest, AnswersHaveTheClientsShapes) {
  core::AnnotateCounts counts;
  counts.processed = 2;
  counts.ignored = 1;
  counts.errors = {"bad \"x\""};
  EXPECT_EQ(EncodeAnnotateResult("ds_1", counts),
            R"({"dataset_id":"ds_1","annotations_processed":2,"annotations_ignored":1,)"
            R"("errors":["bad \"x\""]})");
  EXPECT_EQ(EncodeTaxonomyStatus("ds_1", "t", "Taxonomy created"),
            R"({"dataset_id":"ds_1","taxonomy_name":"t","status":"Taxonomy created"})");
  EXPECT_EQ(EncodeClassLabels({"car", "cat"}), R"({"data":["car","cat"]})");

  core::ParsedAnnotation mask;
  mask.payload_json = R"({"mask_url":"m.png"})";
  AttachStoredMaskUrl(mask, "http://h/blob/mask/a.png");
  EXPECT_EQ(mask.payload_json, R"({"mask_url":"m.png","stored_mask_url":"http://h/blob/mask/a.png"})");
}

}  // namespace
}  // namespace nucleus::wire
