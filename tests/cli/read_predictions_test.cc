// cli::ReadPredictionsFile, what `nucleus upload predictions FILE` uploads: NDJSON of prediction
// objects checked by the server's own rules (errors name the file and line), or a COCO results
// array mapped through an optional COCO ground-truth file.
#include <gtest/gtest.h>

#include <variant>

#include "cli/client_commands.h"
#include "cli_test_util.h"

namespace nucleus::cli {
namespace {

using testing::TempDir;

TEST(ReadPredictionsFileTest, NdjsonKeepsEveryObjectInOrderAndSkipsBlankLines) {
  TempDir dir;
  std::string path = dir.Write(
      "preds.ndjson",
      R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":3,"height":4},"reference_id":"a.jpg","annotation_id":"p0","confidence":0.25})"
      "\n\n   \n"
      R"({"label":"bus","type":"polygon","geometry":{"vertices":[{"x":0,"y":0},{"x":5,"y":0},{"x":5,"y":5}]},"reference_id":"b.jpg","annotation_id":"p1"})"
      "\r\n"
      R"({"label":"sun","type":"category","geometry":{},"reference_id":"a.jpg","taxonomy_name":"weather"})");
  Result<std::vector<Prediction>> read = ReadPredictionsFile(path, {});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 3u);
  const auto* box = std::get_if<BoxPrediction>(&(*read)[0]);
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->label, "car");
  EXPECT_EQ(box->x, 1);
  EXPECT_EQ(box->height, 4);
  EXPECT_EQ(box->reference_id, "a.jpg");
  EXPECT_EQ(box->annotation_id, std::optional<std::string>("p0"));
  EXPECT_EQ(box->confidence, std::optional<double>(0.25));
  const auto* polygon = std::get_if<PolygonPrediction>(&(*read)[1]);
  ASSERT_NE(polygon, nullptr);
  EXPECT_EQ(polygon->vertices.size(), 3u);
  EXPECT_EQ(polygon->reference_id, "b.jpg");
  const auto* category = std::get_if<CategoryPrediction>(&(*read)[2]);
  ASSERT_NE(category, nullptr);
  EXPECT_EQ(category->taxonomy_name, std::optional<std::string>("weather"));
}

// A bad object fails the whole file before anything is uploaded, naming the file and the
// 1-based line (blank lines count).
TEST(ReadPredictionsFileTest, BadNdjsonLineIsNamedWithFileAndLine) {
  TempDir dir;
  const std::string good =
      R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":3,"height":4},"reference_id":"a.jpg"})";
  struct Case {
    std::string line;
    std::string says;  // part of the message beyond file and line
  };
  const Case cases[] = {
      {R"({"label":"car","type":"box","geometry":{"x":1},"reference_id":"a.jpg"})", "geometry.y"},
      {R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":-3,"height":4},"reference_id":"a.jpg"})",
       "width"},
      {R"({"label":"car","type":"box", "geometry":)", ""},
      {R"({"label":"car","type":"hexagon","geometry":{},"reference_id":"a.jpg"})", "type"},
  };
  for (const Case& c : cases) {
    std::string path = dir.Write("bad.ndjson", good + "\n\n" + c.line + "\n" + good + "\n");
    Result<std::vector<Prediction>> read = ReadPredictionsFile(path, {});
    ASSERT_FALSE(read.ok()) << c.line;
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = read.status().message();
    EXPECT_NE(message.find(path + " line 3: "), std::string::npos) << message;
    EXPECT_NE(message.find(c.says), std::string::npos) << message;
  }
}

TEST(ReadPredictionsFileTest, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  Result<std::vector<Prediction>> read = ReadPredictionsFile(dir.Path("nope.ndjson"), {});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("nope.ndjson"), std::string::npos);
}

TEST(ReadPredictionsFileTest, CocoResultsWithoutGroundTruthUseIdsAsText) {
  TempDir dir;
  std::string path = dir.Write("dt.json", R"(  [
    {"image_id": 7, "category_id": 3, "bbox": [1.5, 2, 10, 20], "score": 0.75},
    {"image_id": 8, "category_id": 1, "bbox": [0, 0, 1, 1]}
  ])");
  Result<std::vector<Prediction>> read = ReadPredictionsFile(path, {});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  const auto& first = std::get<BoxPrediction>((*read)[0]);
  EXPECT_EQ(first.reference_id, "7");
  EXPECT_EQ(first.label, "3");
  EXPECT_EQ(first.x, 1.5);
  EXPECT_EQ(first.y, 2);
  EXPECT_EQ(first.width, 10);
  EXPECT_EQ(first.height, 20);
  EXPECT_EQ(first.confidence, std::optional<double>(0.75));
  EXPECT_EQ(first.annotation_id, std::optional<std::string>("det-0"));
  const auto& second = std::get<BoxPrediction>((*read)[1]);
  EXPECT_FALSE(second.confidence.has_value());
  EXPECT_EQ(second.annotation_id, std::optional<std::string>("det-1"));
}

TEST(ReadPredictionsFileTest, CocoGroundTruthMapsFileNamesAndCategoryNames) {
  TempDir dir;
  std::string gt = dir.Write("gt.json", R"({
    "images": [{"id": 7, "file_name": "street.jpg"}],
    "categories": [{"id": 3, "name": "car"}],
    "annotations": []})");
  std::string path = dir.Write(
      "dt.json", R"([{"image_id": 7, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.5},
                     {"image_id": 9, "category_id": 4, "bbox": [1, 2, 3, 4], "score": 0.5}])");
  Result<std::vector<Prediction>> read = ReadPredictionsFile(path, CocoMapping{gt});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ(std::get<BoxPrediction>((*read)[0]).reference_id, "street.jpg");
  EXPECT_EQ(std::get<BoxPrediction>((*read)[0]).label, "car");
  // Ids the ground truth does not name stay as text.
  EXPECT_EQ(std::get<BoxPrediction>((*read)[1]).reference_id, "9");
  EXPECT_EQ(std::get<BoxPrediction>((*read)[1]).label, "4");
}

TEST(ReadPredictionsFileTest, BadCocoInputIsNamed) {
  TempDir dir;
  std::string short_bbox =
      dir.Write("dt.json", R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},
                     {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3]}])");
  Result<std::vector<Prediction>> read = ReadPredictionsFile(short_bbox, {});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find(short_bbox + ": result 1 "), std::string::npos)
      << read.status().message();

  std::string good =
      dir.Write("ok.json", R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}])");
  std::string bad_gt = dir.Write("gt.json", "{not json");
  read = ReadPredictionsFile(good, CocoMapping{bad_gt});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(bad_gt), std::string::npos) << read.status().message();
  read = ReadPredictionsFile(good, CocoMapping{dir.Path("missing-gt.json")});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("missing-gt.json"), std::string::npos);

  std::string broken = dir.Write("broken.json", "[{\"image_id\": 1,");
  read = ReadPredictionsFile(broken, {});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(broken), std::string::npos) << read.status().message();
}

}  // namespace
}  // namespace nucleus::cli
