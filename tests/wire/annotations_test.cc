#include "wire/annotations.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::wire {
namespace {

using core::AnnotationType;

Result<ParsedAnnotation> Parse(const std::string& json, AnnotationParseOptions options = {},
                               int64_t index = 0) {
  // The parser keeps no references into the document once it returns.
  JsonDoc doc;
  Status s = doc.Parse(json);
  if (!s.ok()) return s;
  return ParseAnnotation(doc.root(), index, options);
}

std::string ErrorOf(const std::string& json, AnnotationParseOptions options = {},
                    int64_t index = 0) {
  auto r = Parse(json, options, index);
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

const char* kBox =
    R"({"label": "car", "type": "box", "geometry": {"x": 50, "y": 60.5, "width": 70, "height": 80},
        "reference_id": "image_001", "annotation_id": "car-1", "metadata": {"color": "red", "n": [1, 2.5, null, true]},
        "embedding_vector": null, "track_reference_id": null, "task_id": "task_1"})";

TEST(ParseAnnotationTest, BoxKeepsEveryReadKeyInClientOrder) {
  auto r = Parse(kBox);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->type, AnnotationType::kBox);
  EXPECT_EQ(r->reference_id, "image_001");
  EXPECT_EQ(r->annotation_id.value(), "car-1");
  EXPECT_EQ(r->label, "car");
  EXPECT_EQ(r->identity, "id:car-1");
  EXPECT_DOUBLE_EQ(r->geometry.box.y, 60.5);
  EXPECT_DOUBLE_EQ(r->geometry.box.height, 80);
  EXPECT_EQ(r->payload_json,
            R"({"label":"car","type":"box","geometry":{"x":50,"y":60.5,"width":70,"height":80},)"
            R"("reference_id":"image_001","annotation_id":"car-1",)"
            R"("metadata":{"color":"red","n":[1,2.5,null,true]},"embedding_vector":null,)"
            R"("track_reference_id":null,"task_id":"task_1"})");
}

TEST(ParseAnnotationTest, DoublesRoundTripInShortestForm) {
  auto r = Parse(R"({"label": "a", "type": "box", "reference_id": "r", "annotation_id": "x",
                     "geometry": {"x": 0.30000000000000004, "y": 1e-7, "width": 0.1, "height": 3},
                     "metadata": {"v": 0.30000000000000004}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->geometry.box.x, 0.30000000000000004);
  EXPECT_NE(r->payload_json.find(R"("x":0.30000000000000004,"y":1e-07,"width":0.1,"height":3)"),
            std::string::npos)
      << r->payload_json;
  EXPECT_NE(r->payload_json.find(R"("metadata":{"v":0.30000000000000004})"), std::string::npos)
      << r->payload_json;
}

TEST(ParseAnnotationTest, NegativeWidthNamesObjectAndField) {
  std::string msg = ErrorOf(
      R"({"label": "car", "type": "box", "geometry": {"x": 0, "y": 0, "width": -5, "height": 1},
          "reference_id": "a.jpg", "annotation_id": "car-1"})",
      {}, 3);
  EXPECT_NE(msg.find("annotation 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"a.jpg\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"car-1\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("geometry.width"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, NegativeHeightIsRejected) {
  std::string msg = ErrorOf(
      R"({"label": "car", "type": "box", "geometry": {"x": 0, "y": 0, "width": 5, "height": -1},
          "reference_id": "a.jpg"})");
  EXPECT_NE(msg.find("geometry.height"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, WrongTypeOfGeometryNumberIsRejected) {
  std::string msg = ErrorOf(
      R"({"label": "car", "type": "box", "geometry": {"x": "0", "y": 0, "width": 5, "height": 1},
          "reference_id": "a.jpg"})");
  EXPECT_NE(msg.find("geometry.x"), std::string::npos) << msg;
  EXPECT_NE(msg.find("must be a number, got a string"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, MissingLabelIsRejected) {
  std::string msg = ErrorOf(
      R"({"type": "box", "geometry": {"x": 0, "y": 0, "width": 5, "height": 1},
          "reference_id": "a.jpg"})");
  EXPECT_NE(msg.find("\"label\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("is required"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, MissingReferenceIdIsRejected) {
  std::string msg = ErrorOf(
      R"({"type": "box", "label": "a", "geometry": {"x": 0, "y": 0, "width": 5, "height": 1}})");
  EXPECT_NE(msg.find("reference_id"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, UnknownTypeIsRejected) {
  std::string msg = ErrorOf(R"({"type": "ellipse", "label": "a", "reference_id": "r"})");
  EXPECT_NE(msg.find("unknown type \"ellipse\""), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, NonObjectIsRejected) {
  std::string msg = ErrorOf(R"([1, 2])", {}, 7);
  EXPECT_NE(msg.find("annotation 7"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, NumbersTooLargeForADoubleAreRejectedByTheDocument) {
  JsonDoc doc;
  EXPECT_FALSE(doc.Parse(R"({"x": 1e400})").ok());
  EXPECT_FALSE(doc.Parse(R"({"x": NaN})").ok());
}

TEST(ParseAnnotationTest, BoxWithoutAnnotationIdGetsFreshIdentityEachTime) {
  const char* json = R"({"label": "a", "type": "box", "reference_id": "r",
                         "geometry": {"x": 0, "y": 0, "width": 1, "height": 1}})";
  auto a = Parse(json);
  auto b = Parse(json);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->annotation_id.has_value());
  EXPECT_NE(a->identity, b->identity);
  EXPECT_NE(a->payload_json.find(R"("annotation_id":null)"), std::string::npos);
}

TEST(ParseAnnotationTest, PolygonNeedsThreeVertices) {
  std::string msg = ErrorOf(
      R"({"label": "bus", "type": "polygon", "reference_id": "r", "annotation_id": "p",
          "geometry": {"vertices": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}})");
  EXPECT_NE(msg.find("geometry.vertices"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at least 3"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, PolygonVertexWithoutYIsRejected) {
  std::string msg = ErrorOf(
      R"({"label": "bus", "type": "polygon", "reference_id": "r",
          "geometry": {"vertices": [{"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5}]}})");
  EXPECT_NE(msg.find("geometry.vertices[2].y"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, PolygonKeepsVerticesAndEmbedding) {
  auto r = Parse(R"({"label": "bus", "type": "polygon", "reference_id": "r", "annotation_id": "p",
                     "geometry": {"vertices": [{"x": 100, "y": 100}, {"x": 150, "y": 200},
                                               {"x": 200, "y": 100}]},
                     "metadata": {}, "embedding_vector": [0.5, 1], "track_reference_id": "t",
                     "task_id": null})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->geometry.vertices.size(), 3u);
  EXPECT_DOUBLE_EQ(r->geometry.vertices[1].y, 200);
  EXPECT_EQ(r->payload_json,
            R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":100,"y":100},)"
            R"({"x":150,"y":200},{"x":200,"y":100}]},"reference_id":"r","annotation_id":"p",)"
            R"("metadata":{},"embedding_vector":[0.5,1],"track_reference_id":"t","task_id":null})");
}

TEST(ParseAnnotationTest, LineNeedsTwoVerticesAndHasNoEmbedding) {
  auto r = Parse(R"({"label": "lane", "type": "line", "reference_id": "r",
                     "geometry": {"vertices": [{"x": 10, "y": 20}, {"x": 11, "y": 21}]}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->type, AnnotationType::kLine);
  EXPECT_EQ(r->payload_json.find("embedding_vector"), std::string::npos);
  EXPECT_FALSE(Parse(R"({"label": "lane", "type": "line", "reference_id": "r",
                         "geometry": {"vertices": [{"x": 10, "y": 20}]}})")
                   .ok());
}

TEST(ParseAnnotationTest, KeypointsKeepNullCoordinatesOfInvisiblePoints) {
  auto r = Parse(R"({"label": "face", "type": "keypoints", "reference_id": "r",
                     "annotation_id": "k",
                     "geometry": {"keypoints": [{"x": 100, "y": 100, "visible": true},
                                                {"x": null, "y": null, "visible": false}],
                                  "names": ["left_eye", "nose"], "skeleton": [[0, 1]]}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->geometry.keypoints.size(), 2u);
  EXPECT_FALSE(r->geometry.keypoints[1].has_position);
  EXPECT_NE(r->payload_json.find(
                R"("keypoints":[{"x":100,"y":100,"visible":true},{"x":null,"y":null,"visible":false}],)"
                R"("names":["left_eye","nose"],"skeleton":[[0,1]])"),
            std::string::npos)
      << r->payload_json;
}

TEST(ParseAnnotationTest, KeypointsWithoutSkeletonReadBackWithNullSkeleton) {
  auto r = Parse(R"({"label": "face", "type": "keypoints", "reference_id": "r",
                     "geometry": {"keypoints": [{"x": 1, "y": 1, "visible": true}],
                                  "names": ["nose"]}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->payload_json.find(R"("skeleton":null)"), std::string::npos) << r->payload_json;
}

TEST(ParseAnnotationTest, KeypointsNamesMustMatchKeypointsAndSkeletonIndexes) {
  std::string msg = ErrorOf(
      R"({"label": "face", "type": "keypoints", "reference_id": "r",
          "geometry": {"keypoints": [{"x": 1, "y": 1, "visible": true}], "names": ["a", "b"]}})");
  EXPECT_NE(msg.find("geometry.names"), std::string::npos) << msg;
  msg = ErrorOf(
      R"({"label": "face", "type": "keypoints", "reference_id": "r",
          "geometry": {"keypoints": [{"x": 1, "y": 1, "visible": true}], "names": ["a"],
                       "skeleton": [[0, 3]]}})");
  EXPECT_NE(msg.find("geometry.skeleton[0][1]"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, CuboidEchoesOnlyTheOptionalKeysThatWereSent) {
  auto r = Parse(R"({"label": "car", "type": "cuboid",
                     "geometry": {"position": {"x": 100, "y": 100, "z": 10},
                                  "dimensions": {"x": 5, "y": 10, "z": 5}, "yaw": 0.3},
                     "reference_id": "lidar_frame_1", "annotation_id": "car-3d-1",
                     "track_reference_id": "red_car"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->geometry.cuboid.position.z, 10);
  EXPECT_DOUBLE_EQ(r->geometry.cuboid.dimensions.y, 10);
  EXPECT_DOUBLE_EQ(r->geometry.cuboid.yaw, 0.3);
  EXPECT_EQ(r->payload_json,
            R"({"label":"car","type":"cuboid","geometry":{"position":{"x":100,"y":100,"z":10},)"
            R"("dimensions":{"x":5,"y":10,"z":5},"yaw":0.3},"reference_id":"lidar_frame_1",)"
            R"("annotation_id":"car-3d-1","track_reference_id":"red_car"})");
}

TEST(ParseAnnotationTest, CuboidNeedsFullPositionAndNonNegativeDimensions) {
  EXPECT_NE(ErrorOf(R"({"label": "car", "type": "cuboid", "reference_id": "r",
                        "geometry": {"position": {"x": 1, "y": 1},
                                     "dimensions": {"x": 5, "y": 10, "z": 5}}})")
                .find("geometry.position.z"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"label": "car", "type": "cuboid", "reference_id": "r",
                        "geometry": {"position": {"x": 1, "y": 1, "z": 0},
                                     "dimensions": {"x": 5, "y": -10, "z": 5}}})")
                .find("geometry.dimensions.y"),
            std::string::npos);
}

TEST(ParseAnnotationTest, CategoryIsKeyedByTaxonomyAndHasNoAnnotationId) {
  auto r = Parse(R"({"label": "dress", "type": "category", "geometry": {},
                     "reference_id": "image_001", "metadata": {}, "track_reference_id": null,
                     "task_id": null, "taxonomy_name": "clothing_type"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->type, AnnotationType::kCategory);
  EXPECT_FALSE(r->annotation_id.has_value());
  EXPECT_EQ(r->identity, "category:clothing_type");
  EXPECT_EQ(r->payload_json,
            R"({"label":"dress","type":"category","geometry":{},"reference_id":"image_001",)"
            R"("metadata":{},"track_reference_id":null,"task_id":null,)"
            R"("taxonomy_name":"clothing_type"})");
}

TEST(ParseAnnotationTest, CategoryWithoutTaxonomyReadsBackWithoutOne) {
  auto r = Parse(R"({"label": "dress", "type": "category", "geometry": {},
                     "reference_id": "image_001"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->identity, "category:");
  EXPECT_EQ(r->payload_json.find("taxonomy_name"), std::string::npos);
}

TEST(ParseAnnotationTest, SceneCategoryWithNullMetadataReadsAsEmptyObject) {
  auto r = Parse(R"({"label": "running", "type": "category", "geometry": {},
                     "reference_id": "scene_1", "metadata": null, "task_id": null,
                     "taxonomy_name": "action"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->payload_json.find(R"("metadata":{})"), std::string::npos);
}

TEST(ParseAnnotationTest, MulticategoryKeepsLabels) {
  auto r = Parse(R"({"labels": ["red", "large"], "type": "multicategory", "geometry": {},
                     "reference_id": "image_001", "metadata": {}, "track_reference_id": null,
                     "task_id": null, "taxonomy_name": "attributes"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->labels, (std::vector<std::string>{"red", "large"}));
  EXPECT_EQ(r->identity, "multicategory:attributes");
  EXPECT_NE(r->payload_json.find(R"("labels":["red","large"],"type":"multicategory")"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"labels": ["red", 3], "type": "multicategory", "reference_id": "r"})")
                .find("labels[1]"),
            std::string::npos);
}

TEST(ParseAnnotationTest, MaskKeepsUrlAndSegmentsWithoutInventedMetadata) {
  auto r = Parse(R"({"type": "mask", "mask_url": "testdata/000000000285.png",
                     "annotations": [{"label": "grass", "index": 1},
                                     {"label": "bus", "index": 3, "metadata": {"color": "yellow"}}],
                     "annotation_id": "image_002-mask", "reference_id": "image_002"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->type, AnnotationType::kSegmentation);
  EXPECT_EQ(r->identity, "segmentation");
  EXPECT_EQ(r->mask_url, "testdata/000000000285.png");
  EXPECT_EQ(r->labels, (std::vector<std::string>{"grass", "bus"}));
  EXPECT_EQ(r->payload_json,
            R"({"type":"mask","mask_url":"testdata/000000000285.png","annotations":[)"
            R"({"label":"grass","index":1},{"label":"bus","index":3,"metadata":{"color":"yellow"}}],)"
            R"("annotation_id":"image_002-mask","reference_id":"image_002"})");
}

TEST(ParseAnnotationTest, MaskWithoutTypeParsesOnlyWhenDefaulted) {
  const char* json = R"({"mask_url": "https://x/m.png", "annotations": [], "reference_id": "r"})";
  EXPECT_FALSE(Parse(json).ok());
  AnnotationParseOptions options;
  options.default_to_mask = true;
  EXPECT_TRUE(Parse(json, options).ok());
}

TEST(ParseAnnotationTest, MaskNeedsUrlAndIntegerIndexes) {
  EXPECT_NE(ErrorOf(R"({"type": "mask", "annotations": [], "reference_id": "r"})")
                .find("mask_url"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"type": "mask", "mask_url": "u", "reference_id": "r",
                        "annotations": [{"label": "a", "index": 1.5}]})")
                .find("annotations[0].index"),
            std::string::npos);
}

TEST(ParseAnnotationTest, PredictionKeepsConfidenceZeroAndClassPdf) {
  AnnotationParseOptions options;
  options.prediction = true;
  auto r = Parse(R"({"label": "car", "type": "box", "geometry": {"x": 0, "y": 0, "width": 100,
                     "height": 100}, "reference_id": "image_001", "annotation_id": "a",
                     "metadata": {}, "embedding_vector": null, "track_reference_id": null,
                     "task_id": null, "confidence": 0.0, "class_pdf": {"car": 0.9, "truck": 0.1}})",
                 options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->confidence.has_value());
  EXPECT_EQ(*r->confidence, 0.0);
  EXPECT_NE(r->payload_json.find(R"("confidence":0,"class_pdf":{"car":0.9,"truck":0.1}})"),
            std::string::npos)
      << r->payload_json;
}

TEST(ParseAnnotationTest, PredictionConfidenceMustBeANumber) {
  AnnotationParseOptions options;
  options.prediction = true;
  std::string msg = ErrorOf(R"({"label": "car", "type": "category", "reference_id": "r",
                                "confidence": "high"})",
                            options, 2);
  EXPECT_NE(msg.find("prediction 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("confidence"), std::string::npos) << msg;
  msg = ErrorOf(R"({"label": "car", "type": "category", "reference_id": "r",
                    "class_pdf": {"car": "x"}})",
                options);
  EXPECT_NE(msg.find("class_pdf.car"), std::string::npos) << msg;
}

TEST(ParseAnnotationTest, GroundTruthIgnoresConfidence) {
  auto r = Parse(R"({"label": "car", "type": "category", "reference_id": "r", "confidence": 1})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->confidence.has_value());
  EXPECT_EQ(r->payload_json.find("confidence"), std::string::npos);
}

TEST(ParseAnnotationTest, MulticategoryIsNotAPredictionType) {
  AnnotationParseOptions options;
  options.prediction = true;
  EXPECT_NE(ErrorOf(R"({"labels": ["a"], "type": "multicategory", "reference_id": "r"})", options)
                .find("unknown type"),
            std::string::npos);
}

TEST(ParseAnnotationTest, WrongTypesOfCommonFieldsAreRejected) {
  const char* base = R"({"label": "a", "type": "box", "reference_id": "r",
                         "geometry": {"x": 0, "y": 0, "width": 1, "height": 1}, )";
  EXPECT_NE(ErrorOf(std::string(base) + R"("metadata": [1]})").find("metadata"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(base) + R"("task_id": 5})").find("task_id"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(base) + R"("annotation_id": 5})").find("annotation_id"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(base) + R"("embedding_vector": [1, "x"]})")
                .find("embedding_vector[1]"),
            std::string::npos);
}

}  // namespace
}  // namespace nucleus::wire
