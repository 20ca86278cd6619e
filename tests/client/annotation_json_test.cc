// The JSON the SDK sends for every annotation and prediction shape, byte for byte (the key sets
// and order of docs/api/annotations.md §2 and predictions.md §1, as the Python client sends
// them), and that reading it back gives an object that writes the same bytes again.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/annotation_json.h"
#include "nucleus/nucleus.h"
#include "wire/json_reader.h"

namespace nucleus {
namespace {

struct Golden {
  std::string name;
  std::string json;
};

template <typename Object, typename Parse>
void ExpectWritesAndRoundTrips(const std::vector<Object>& objects,
                               const std::vector<Golden>& golden, Parse parse) {
  ASSERT_EQ(objects.size(), golden.size());
  for (size_t i = 0; i < objects.size(); ++i) {
    SCOPED_TRACE(golden[i].name);
    std::string written = to_json(objects[i]);
    EXPECT_EQ(written, golden[i].json);
    auto read = parse(written);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->index(), objects[i].index());
    EXPECT_EQ(to_json(*read), written);
  }
}

Json Meta() { return Json::object({{"k", "v"}, {"n", 2}}); }

// The role's own fields can be set only in that role (types.h: NotInThisRole).
template <typename T>
concept TakesConfidence = requires { T{.confidence = 0.5}; };
template <typename T>
concept TakesTaskId = requires { T{.task_id = "t"}; };
static_assert(TakesConfidence<BoxPrediction> && !TakesConfidence<BoxAnnotation>);
static_assert(TakesConfidence<CategoryPrediction> && !TakesConfidence<CategoryAnnotation>);
static_assert(TakesTaskId<CuboidAnnotation> && !TakesTaskId<CuboidPrediction>);
static_assert(TakesTaskId<MultiCategoryAnnotation>);

TEST(AnnotationJsonTest, EveryAnnotationShapeWritesAndRoundTrips) {
  std::vector<Annotation> annotations = {
      BoxAnnotation{.label = "car", .x = 1.5, .y = 2, .width = 30, .height = 40.25,
                    .reference_id = "a.jpg", .annotation_id = "box-1", .metadata = Meta(),
                    .embedding_vector = std::vector<double>{0.5, 1}, .track_reference_id = "t1",
                    .task_id = "task-1"},
      BoxAnnotation{.label = "car", .x = 1.5, .y = 2, .width = 30, .height = 40,
                    .reference_id = "a.jpg"},
      LineAnnotation{.label = "lane", .vertices = {{1, 2}, {3.5, 4}}, .reference_id = "a.jpg",
                     .annotation_id = "line-1", .metadata = Meta(), .track_reference_id = "t1",
                     .task_id = "task-1"},
      LineAnnotation{.label = "lane", .reference_id = "a.jpg"},
      PolygonAnnotation{.label = "bus", .vertices = {{0, 0}, {10, 0}, {10, 10}},
                        .reference_id = "a.jpg", .annotation_id = "poly-1", .metadata = Meta(),
                        .embedding_vector = std::vector<double>{2}, .track_reference_id = "t1",
                        .task_id = "task-1"},
      PolygonAnnotation{.label = "bus", .vertices = {{0, 0}}, .reference_id = "a.jpg"},
      KeypointsAnnotation{.label = "face",
                          .keypoints = {{1, 2, true}, {std::nullopt, std::nullopt, false}},
                          .names = {"nose", "chin"}, .reference_id = "a.jpg",
                          .skeleton = std::vector<std::pair<int, int>>{{0, 1}},
                          .annotation_id = "kp-1", .metadata = Meta(), .track_reference_id = "t1",
                          .task_id = "task-1"},
      KeypointsAnnotation{.label = "face", .keypoints = {{1, 2, true}}, .names = {"nose"},
                          .reference_id = "a.jpg"},
      CuboidAnnotation{.label = "truck", .position = {1, 2, 3}, .dimensions = {4, 5, 6.5},
                       .yaw = 0.25, .reference_id = "scene", .annotation_id = "cub-1",
                       .metadata = Meta(), .track_reference_id = "t1", .task_id = "task-1"},
      CuboidAnnotation{.label = "truck", .reference_id = "scene", .annotation_id = "",
                       .metadata = Json::object(), .track_reference_id = "", .task_id = ""},
      SegmentationAnnotation{.mask_url = "https://example.com/m.png",
                             .annotations = {{.label = "grass", .index = 1},
                                             {.label = "sky", .index = 2, .metadata = Meta()}},
                             .reference_id = "a.jpg", .annotation_id = "mask-1"},
      SegmentationAnnotation{.mask_url = "s3://bucket/m.png", .reference_id = "a.jpg"},
      CategoryAnnotation{.label = "day", .reference_id = "a.jpg", .taxonomy_name = "weather",
                         .metadata = Meta(), .track_reference_id = "t1", .task_id = "task-1"},
      CategoryAnnotation{.label = "day", .reference_id = "a.jpg"},
      MultiCategoryAnnotation{.labels = {"red", "round"}, .reference_id = "a.jpg",
                              .taxonomy_name = "looks", .metadata = Meta(),
                              .track_reference_id = "t1", .task_id = "task-1"},
      MultiCategoryAnnotation{.labels = {}, .reference_id = "a.jpg"},
  };
  std::vector<Golden> golden = {
      {"box",
       R"({"label":"car","type":"box","geometry":{"x":1.5,"y":2,"width":30,"height":40.25},)"
       R"("reference_id":"a.jpg","annotation_id":"box-1","metadata":{"k":"v","n":2},)"
       R"("embedding_vector":[0.5,1],"track_reference_id":"t1","task_id":"task-1"})"},
      {"box, default id",
       R"({"label":"car","type":"box","geometry":{"x":1.5,"y":2,"width":30,"height":40},)"
       R"("reference_id":"a.jpg","annotation_id":"car-1.5-2-30-40-a.jpg","metadata":{},)"
       R"("embedding_vector":null,"track_reference_id":null,"task_id":null})"},
      {"line",
       R"({"label":"lane","type":"line","geometry":{"vertices":[{"x":1,"y":2},{"x":3.5,"y":4}]},)"
       R"("reference_id":"a.jpg","annotation_id":"line-1","metadata":{"k":"v","n":2},)"
       R"("track_reference_id":"t1","task_id":"task-1"})"},
      {"line, no vertices",
       R"({"label":"lane","type":"line","geometry":{"vertices":[]},"reference_id":"a.jpg",)"
       R"("annotation_id":null,"metadata":{},"track_reference_id":null,"task_id":null})"},
      {"polygon",
       R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":0,"y":0},{"x":10,"y":0},)"
       R"({"x":10,"y":10}]},"reference_id":"a.jpg","annotation_id":"poly-1","metadata":{"k":"v",)"
       R"("n":2},"embedding_vector":[2],"track_reference_id":"t1","task_id":"task-1"})"},
      {"polygon, defaults",
       R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":0,"y":0}]},)"
       R"("reference_id":"a.jpg","annotation_id":null,"metadata":{},"embedding_vector":null,)"
       R"("track_reference_id":null,"task_id":null})"},
      {"keypoints",
       R"({"label":"face","type":"keypoints","geometry":{"keypoints":[{"x":1,"y":2,)"
       R"("visible":true},{"x":null,"y":null,"visible":false}],"names":["nose","chin"],)"
       R"("skeleton":[[0,1]]},"reference_id":"a.jpg","annotation_id":"kp-1","metadata":{"k":"v",)"
       R"("n":2},"track_reference_id":"t1","task_id":"task-1"})"},
      {"keypoints, default id",
       R"({"label":"face","type":"keypoints","geometry":{"keypoints":[{"x":1,"y":2,)"
       R"("visible":true}],"names":["nose"],"skeleton":null},"reference_id":"a.jpg",)"
       R"("annotation_id":"face-a.jpg-keypoints","metadata":{},"track_reference_id":null,)"
       R"("task_id":null})"},
      {"cuboid",
       R"({"label":"truck","type":"cuboid","geometry":{"position":{"x":1,"y":2,"z":3},)"
       R"("dimensions":{"x":4,"y":5,"z":6.5},"yaw":0.25},"reference_id":"scene",)"
       R"("annotation_id":"cub-1","metadata":{"k":"v","n":2},"track_reference_id":"t1",)"
       R"("task_id":"task-1"})"},
      {"cuboid, empty optional keys left out",
       R"({"label":"truck","type":"cuboid","geometry":{"position":{"x":0,"y":0,"z":0},)"
       R"("dimensions":{"x":0,"y":0,"z":0},"yaw":0},"reference_id":"scene"})"},
      {"segmentation",
       R"({"type":"mask","mask_url":"https://example.com/m.png","annotations":[{"label":"grass",)"
       R"("index":1},{"label":"sky","index":2,"metadata":{"k":"v","n":2}}],)"
       R"("annotation_id":"mask-1","reference_id":"a.jpg"})"},
      {"segmentation, defaults",
       R"({"type":"mask","mask_url":"s3://bucket/m.png","annotations":[],"annotation_id":null,)"
       R"("reference_id":"a.jpg"})"},
      {"category",
       R"({"label":"day","type":"category","geometry":{},"reference_id":"a.jpg",)"
       R"("metadata":{"k":"v","n":2},"track_reference_id":"t1","task_id":"task-1",)"
       R"("taxonomy_name":"weather"})"},
      {"category, defaults",
       R"({"label":"day","type":"category","geometry":{},"reference_id":"a.jpg","metadata":{},)"
       R"("track_reference_id":null,"task_id":null})"},
      {"multicategory",
       R"({"labels":["red","round"],"type":"multicategory","geometry":{},"reference_id":"a.jpg",)"
       R"("metadata":{"k":"v","n":2},"track_reference_id":"t1","task_id":"task-1",)"
       R"("taxonomy_name":"looks"})"},
      {"multicategory, defaults",
       R"({"labels":[],"type":"multicategory","geometry":{},"reference_id":"a.jpg",)"
       R"("metadata":{},"track_reference_id":null,"task_id":null})"},
  };
  ExpectWritesAndRoundTrips(annotations, golden, annotation_from_json);
}

TEST(AnnotationJsonTest, EveryPredictionShapeWritesAndRoundTrips) {
  ClassPdf pdf = {{"car", 0.75}, {"bus", 0.25}};
  std::vector<Prediction> predictions = {
      BoxPrediction{.label = "car", .x = 1.5, .y = 2, .width = 30, .height = 40.25,
                    .reference_id = "a.jpg", .confidence = 0.0, .annotation_id = "box-1",
                    .metadata = Meta(), .class_pdf = pdf,
                    .embedding_vector = std::vector<double>{0.5, 1}, .track_reference_id = "t1"},
      BoxPrediction{.label = "car", .x = 1.5, .y = 2, .width = 30, .height = 40,
                    .reference_id = "a.jpg"},
      LinePrediction{.label = "lane", .vertices = {{1, 2}, {3.5, 4}}, .reference_id = "a.jpg",
                     .confidence = 0.5, .annotation_id = "line-1", .metadata = Meta(),
                     .class_pdf = pdf, .track_reference_id = "t1"},
      LinePrediction{.label = "lane", .reference_id = "a.jpg"},
      PolygonPrediction{.label = "bus", .vertices = {{0, 0}, {10, 0}, {10, 10}},
                        .reference_id = "a.jpg", .confidence = 1, .annotation_id = "poly-1",
                        .metadata = Meta(), .class_pdf = pdf,
                        .embedding_vector = std::vector<double>{2}, .track_reference_id = "t1"},
      PolygonPrediction{.label = "bus", .vertices = {{0, 0}}, .reference_id = "a.jpg"},
      KeypointsPrediction{.label = "face",
                          .keypoints = {{1, 2, true}, {std::nullopt, std::nullopt, false}},
                          .names = {"nose", "chin"}, .reference_id = "a.jpg",
                          .skeleton = std::vector<std::pair<int, int>>{{0, 1}}, .confidence = 0.9,
                          .annotation_id = "kp-1", .metadata = Meta(), .class_pdf = pdf,
                          .track_reference_id = "t1"},
      KeypointsPrediction{.label = "face", .keypoints = {{1, 2, true}}, .names = {"nose"},
                          .reference_id = "a.jpg"},
      CuboidPrediction{.label = "truck", .position = {1, 2, 3}, .dimensions = {4, 5, 6.5},
                       .yaw = 0.25, .reference_id = "scene", .confidence = 0.125,
                       .annotation_id = "cub-1", .metadata = Meta(), .class_pdf = pdf,
                       .track_reference_id = "t1"},
      CuboidPrediction{.label = "truck", .reference_id = "scene", .annotation_id = "",
                       .metadata = Json::object(), .track_reference_id = ""},
      SegmentationPrediction{.mask_url = "https://example.com/m.png",
                             .annotations = {{.label = "grass", .index = 1},
                                             {.label = "sky", .index = 2, .metadata = Meta()}},
                             .reference_id = "a.jpg", .annotation_id = "mask-1"},
      SegmentationPrediction{.mask_url = "gs://bucket/m.png", .reference_id = "a.jpg"},
      CategoryPrediction{.label = "day", .reference_id = "a.jpg", .taxonomy_name = "weather",
                         .confidence = 0.5, .metadata = Meta(), .class_pdf = pdf,
                         .track_reference_id = "t1"},
      CategoryPrediction{.label = "day", .reference_id = "a.jpg"},
  };
  std::vector<Golden> golden = {
      {"box",
       R"({"label":"car","type":"box","geometry":{"x":1.5,"y":2,"width":30,"height":40.25},)"
       R"("reference_id":"a.jpg","annotation_id":"box-1","metadata":{"k":"v","n":2},)"
       R"("embedding_vector":[0.5,1],"track_reference_id":"t1","task_id":null,"confidence":0,)"
       R"("class_pdf":{"bus":0.25,"car":0.75}})"},
      {"box, default id",
       R"({"label":"car","type":"box","geometry":{"x":1.5,"y":2,"width":30,"height":40},)"
       R"("reference_id":"a.jpg","annotation_id":"car-1.5-2-30-40-a.jpg","metadata":{},)"
       R"("embedding_vector":null,"track_reference_id":null,"task_id":null})"},
      {"line",
       R"({"label":"lane","type":"line","geometry":{"vertices":[{"x":1,"y":2},{"x":3.5,"y":4}]},)"
       R"("reference_id":"a.jpg","annotation_id":"line-1","metadata":{"k":"v","n":2},)"
       R"("track_reference_id":"t1","task_id":null,"confidence":0.5,"class_pdf":{"bus":0.25,)"
       R"("car":0.75}})"},
      {"line, no vertices",
       R"({"label":"lane","type":"line","geometry":{"vertices":[]},"reference_id":"a.jpg",)"
       R"("annotation_id":null,"metadata":{},"track_reference_id":null,"task_id":null})"},
      {"polygon",
       R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":0,"y":0},{"x":10,"y":0},)"
       R"({"x":10,"y":10}]},"reference_id":"a.jpg","annotation_id":"poly-1","metadata":{"k":"v",)"
       R"("n":2},"embedding_vector":[2],"track_reference_id":"t1","task_id":null,"confidence":1,)"
       R"("class_pdf":{"bus":0.25,"car":0.75}})"},
      {"polygon, defaults",
       R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":0,"y":0}]},)"
       R"("reference_id":"a.jpg","annotation_id":null,"metadata":{},"embedding_vector":null,)"
       R"("track_reference_id":null,"task_id":null})"},
      {"keypoints",
       R"({"label":"face","type":"keypoints","geometry":{"keypoints":[{"x":1,"y":2,)"
       R"("visible":true},{"x":null,"y":null,"visible":false}],"names":["nose","chin"],)"
       R"("skeleton":[[0,1]]},"reference_id":"a.jpg","annotation_id":"kp-1","metadata":{"k":"v",)"
       R"("n":2},"track_reference_id":"t1","task_id":null,"confidence":0.9,)"
       R"("class_pdf":{"bus":0.25,"car":0.75}})"},
      {"keypoints, default id",
       R"({"label":"face","type":"keypoints","geometry":{"keypoints":[{"x":1,"y":2,)"
       R"("visible":true}],"names":["nose"],"skeleton":null},"reference_id":"a.jpg",)"
       R"("annotation_id":"face-a.jpg-keypoints","metadata":{},"track_reference_id":null,)"
       R"("task_id":null})"},
      {"cuboid",
       R"({"label":"truck","type":"cuboid","geometry":{"position":{"x":1,"y":2,"z":3},)"
       R"("dimensions":{"x":4,"y":5,"z":6.5},"yaw":0.25},"reference_id":"scene",)"
       R"("annotation_id":"cub-1","metadata":{"k":"v","n":2},"track_reference_id":"t1",)"
       R"("confidence":0.125,"class_pdf":{"bus":0.25,"car":0.75}})"},
      {"cuboid, empty optional keys left out",
       R"({"label":"truck","type":"cuboid","geometry":{"position":{"x":0,"y":0,"z":0},)"
       R"("dimensions":{"x":0,"y":0,"z":0},"yaw":0},"reference_id":"scene"})"},
      {"segmentation",
       R"({"type":"mask","mask_url":"https://example.com/m.png","annotations":[{"label":"grass",)"
       R"("index":1},{"label":"sky","index":2,"metadata":{"k":"v","n":2}}],)"
       R"("annotation_id":"mask-1","reference_id":"a.jpg"})"},
      {"segmentation, defaults",
       R"({"type":"mask","mask_url":"gs://bucket/m.png","annotations":[],"annotation_id":null,)"
       R"("reference_id":"a.jpg"})"},
      {"category",
       R"({"label":"day","type":"category","geometry":{},"reference_id":"a.jpg",)"
       R"("metadata":{"k":"v","n":2},"track_reference_id":"t1","task_id":null,)"
       R"("taxonomy_name":"weather","confidence":0.5,"class_pdf":{"bus":0.25,"car":0.75}})"},
      {"category, defaults",
       R"({"label":"day","type":"category","geometry":{},"reference_id":"a.jpg","metadata":{},)"
       R"("track_reference_id":null,"task_id":null})"},
  };
  ExpectWritesAndRoundTrips(predictions, golden, prediction_from_json);
}

// Group answers (ModelRun::iloc, Dataset::iloc, ...): the key picks the shape, whatever the
// object's "type" says; "segmentation" holds masks.
constexpr std::string_view kGroups =
    R"({"box":[{"type":"polygon","label":"car","reference_id":"r","geometry":{"x":1,"y":2,)"
    R"("width":3,"height":4},"confidence":0.5}],)"
    R"("line":[{"label":"lane","reference_id":"r","geometry":{"vertices":[{"x":1,"y":2}]}}],)"
    R"("polygon":[],"keypoints":[],"cuboid":[],)"
    R"("segmentation":[{"mask_url":"https://m","reference_id":"r","annotations":[]}],)"
    R"("category":[{"label":"day","reference_id":"r","task_id":"t"}]})";

TEST(AnnotationJsonTest, GroupKeysChooseTheShape) {
  wire::JsonDoc doc;
  ASSERT_TRUE(doc.Parse(kGroups).ok());
  auto predictions = client::ParsePredictionGroups(doc.root());
  ASSERT_TRUE(predictions.ok()) << predictions.status().ToString();
  EXPECT_EQ(predictions->size(), 4u);
  ASSERT_EQ(predictions->box.size(), 1u);
  EXPECT_EQ(predictions->box[0].width, 3);
  EXPECT_EQ(predictions->box[0].confidence, 0.5);
  ASSERT_EQ(predictions->line.size(), 1u);
  EXPECT_EQ(predictions->line[0].vertices.size(), 1u);
  EXPECT_EQ(predictions->segmentation.size(), 1u);
  EXPECT_EQ(predictions->category.size(), 1u);

  auto annotations = client::ParseAnnotationGroups(doc.root());
  ASSERT_TRUE(annotations.ok()) << annotations.status().ToString();
  EXPECT_EQ(annotations->size(), 4u);
  ASSERT_EQ(annotations->category.size(), 1u);
  EXPECT_EQ(annotations->category[0].task_id, std::optional<std::string>("t"));
}

TEST(AnnotationJsonTest, UnknownGroupsAreAnErrorForPredictionsAndSkippedForAnnotations) {
  wire::JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"multicategory":[{"labels":["a"],"reference_id":"r"}],)"
                        R"("scene":[1],"box":null})")
                  .ok());
  auto predictions = client::ParsePredictionGroups(doc.root());
  ASSERT_FALSE(predictions.ok());
  EXPECT_EQ(predictions.status().message(), "unexpected prediction group \"multicategory\"");

  auto annotations = client::ParseAnnotationGroups(doc.root());
  ASSERT_TRUE(annotations.ok()) << annotations.status().ToString();
  EXPECT_EQ(annotations->size(), 1u);
  ASSERT_EQ(annotations->multicategory.size(), 1u);
  EXPECT_EQ(annotations->multicategory[0].labels, std::vector<std::string>{"a"});
}

TEST(AnnotationJsonTest, ErrorsNameTheObjectAndTheKey) {
  EXPECT_EQ(prediction_from_json(R"({"type":"box","label":"car"})").status().message(),
            "prediction: missing \"reference_id\"");
  EXPECT_EQ(annotation_from_json(R"({"type":"box","label":"car"})").status().message(),
            "annotation: missing \"reference_id\"");
  EXPECT_EQ(prediction_from_json(R"({"reference_id":"r"})").status().message(),
            "segmentation: missing \"mask_url\"");
  EXPECT_EQ(prediction_from_json(R"([1])").status().message(),
            "prediction must be a JSON object, got an array");
  wire::JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"box":[1]})").ok());
  EXPECT_EQ(client::ParseAnnotationGroups(doc.root()).status().message(),
            "annotation must be a JSON object, got a number");
}

}  // namespace
}  // namespace nucleus
