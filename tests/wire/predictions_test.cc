#include "wire/predictions.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "wire/annotations.h"

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

namespace nucleus::wire {
namespace {

// Parses `json` as prediction `index`, with `source` offered as its canonical text.
Result<core::ParsedAnnotation> ParseWithSource(std::string_view json, std::string_view source,
                                               size_t* canonical_size) {
  JsonDoc doc;
  Status s = doc.Parse(json);
  if (!s.ok()) return s;
  AnnotationParseOptions options;
  options.prediction = true;
  return ParseAnnotation(doc.root(), 0, options, source, canonical_size);
}

// Objects of every prediction shape, as a Python client writes them (spaces, its key order).
const std::vector<std::string> kShapes = {
    R"({"label": "car", "type": "box", "geometry": {"x": 1.5, "y": 2, "width": 100000,
        "height": 0.1}, "reference_id": "a.jpg", "annotation_id": "p1", "metadata": {"k": [1]},
        "embedding_vector": [0.5, 1e-7], "track_reference_id": null, "task_id": "t",
        "confidence": 0.25, "class_pdf": {"car": 0.75, "bus": 0.25}})",
    R"({"label": "lane", "type": "line", "geometry": {"vertices": [{"x": 1, "y": 2},
        {"x": 3.25, "y": -4}]}, "reference_id": "a.jpg", "annotation_id": null})",
    R"({"type": "polygon", "label": "bus", "reference_id": "a.jpg", "geometry": {"vertices":
        [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}]}, "confidence": 1})",
    R"({"label": "face", "type": "keypoints", "geometry": {"keypoints": [{"x": 1, "y": 2,
        "visible": true}, {"visible": false}], "names": ["nose", "chin"], "skeleton": [[0, 1]]},
        "reference_id": "a.jpg", "annotation_id": "k1"})",
    R"({"label": "face", "type": "keypoints", "geometry": {"keypoints": [{"x": 1, "y": 2,
        "visible": true}], "names": ["nose"]}, "reference_id": "a.jpg"})",
    R"({"label": "car", "type": "cuboid", "geometry": {"position": {"x": 1, "y": 2, "z": 3},
        "dimensions": {"x": 4, "y": 5, "z": 6}}, "reference_id": "a.jpg", "metadata": {}})",
    R"({"label": "dress", "type": "category", "reference_id": "a.jpg", "taxonomy_name": "t",
        "confidence": 0.5})",
    R"({"type": "mask", "mask_url": "https://x/m.png", "annotations": [{"label": "grass",
        "index": 1, "metadata": {"a": 1}}, {"label": "bus", "index": 3}],
        "reference_id": "a.jpg"})",
};

TEST(CanonicalPassThroughTest, CanonicalTextOfEveryShapeIsTakenAsTheSameBytes) {
  for (const std::string& json : kShapes) {
    size_t size = 0;
    auto written = ParseWithSource(json, "", &size);
    ASSERT_TRUE(written.ok()) << json << ": " << written.status().message();
    EXPECT_EQ(size, 0u);
    const std::string canonical = written->payload_json;
    // Sent as we write it: the bytes are taken, and everything else is parsed alike.
    auto taken = ParseWithSource(canonical, canonical, &size);
    ASSERT_TRUE(taken.ok()) << canonical;
    EXPECT_EQ(size, canonical.size()) << canonical;
    EXPECT_EQ(taken->payload_json, canonical);
    EXPECT_EQ(taken->type, written->type);
    EXPECT_EQ(taken->label, written->label);
    EXPECT_EQ(taken->confidence, written->confidence);
    // Followed by the rest of a request body: only the object's own bytes are taken.
    auto prefix = ParseWithSource(canonical, canonical + R"(,{"label":"x"}])", &size);
    ASSERT_TRUE(prefix.ok());
    EXPECT_EQ(size, canonical.size());
    EXPECT_EQ(prefix->payload_json, canonical);
    // Sent otherwise (spaces, other key order): written again, to the same bytes.
    auto rewritten = ParseWithSource(json, json, &size);
    ASSERT_TRUE(rewritten.ok());
    EXPECT_EQ(size, 0u) << json;
    EXPECT_EQ(rewritten->payload_json, canonical);
  }
}

TEST(CanonicalPassThroughTest, TextThatDiffersAnywhereIsNotTaken) {
  const std::string canonical =
      R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":3,"height":4},)"
      R"("reference_id":"a.jpg","annotation_id":"p1","metadata":{},"embedding_vector":null,)"
      R"("track_reference_id":null,"task_id":null,"confidence":0.5})";
  size_t size = 0;
  ASSERT_TRUE(ParseWithSource(canonical, canonical, &size).ok());
  EXPECT_EQ(size, canonical.size());
  // Same values, other spellings: 1.0 for 1, an escaped letter, a missing optional key.
  const std::vector<std::pair<std::string, std::string>> variants = {
      {R"("x":1,)", R"("x":1.0,)"},
      {R"("a.jpg")", R"("\u0061.jpg")"},
      {R"("task_id":null,)", ""},
  };
  // A string that needs an escape is always written again (conservative: even when escaped as
  // we would).
  {
    std::string text = canonical;
    text.replace(text.find("p1"), 2, R"(p\"1)");
    auto parsed = ParseWithSource(text, text, &size);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(size, 0u);
    EXPECT_EQ(parsed->payload_json, text);
  }
  for (const auto& [from, to] : variants) {
    std::string text = canonical;
    text.replace(text.find(from), from.size(), to);
    auto parsed = ParseWithSource(text, text, &size);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(size, 0u) << text;
    EXPECT_EQ(parsed->payload_json, canonical);
  }
}

TEST(DecodePredictionUploadTest, CompactBodiesAndSpacedBodiesGiveTheSamePayloads) {
  std::string compact = R"({"update":false,"annotations":[)";
  std::string spaced = R"({"update": false, "annotations": [)";
  for (int i = 0; i < 3; ++i) {
    std::string object(kBox);
    object.replace(object.find("p1"), 2, "p" + std::to_string(i));
    compact += (i > 0 ? "," : "") + object;
    spaced += (i > 0 ? ", " : "") + object;
  }
  compact += "]}";
  spaced += "]}";
  auto a = DecodePredictionUpload(compact, false, core::DefaultLimits());
  auto b = DecodePredictionUpload(spaced, false, core::DefaultLimits());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->batch.objects.size(), 3u);
  ASSERT_EQ(b->batch.objects.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a->batch.objects[i].payload_json, b->batch.objects[i].payload_json);
    EXPECT_NE(a->batch.objects[i].payload_json.find("\"p" + std::to_string(i) + "\""),
              std::string::npos);
  }
}

}  // namespace
}  // namespace nucleus::wire
