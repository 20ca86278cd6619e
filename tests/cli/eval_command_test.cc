// `nucleus eval`: argument handling (required files, --iou-type, --threads), the pycocotools
// summary on stdout, the --json line, and one error line with exit status 1 for a bad file.
#include "cli/eval_command.h"

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "nucleus/json.h"

namespace nucleus::cli {
namespace {

using testing::Lines;
using testing::ParseIn;
using testing::RunBinary;
using testing::TempDir;

// One image, one "car" (category 3) of area 400 (COCO "small"), one "bus" (category 5) of area
// 10000 ("large"); the detections find the car exactly and miss the bus.
constexpr const char* kGt = R"({
  "images": [{"id": 1, "file_name": "a.jpg", "width": 200, "height": 200}],
  "categories": [{"id": 3, "name": "car"}, {"id": 5, "name": "bus"}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 3, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
    {"id": 2, "image_id": 1, "category_id": 5, "bbox": [50, 50, 100, 100], "area": 10000, "iscrowd": 0}
  ]})";
constexpr const char* kDt = R"([
  {"image_id": 1, "category_id": 3, "bbox": [10, 10, 20, 20], "score": 0.9}
])";

TEST(RunEvalTest, PrintsThePycocotoolsSummary) {
  TempDir dir;
  EvalOptions options;
  options.gt_path = dir.Write("gt.json", kGt);
  options.dt_path = dir.Write("dt.json", kDt);
  Result<std::string> out = RunEval(options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<std::string> lines = Lines(*out);
  ASSERT_EQ(lines.size(), 12u) << *out;
  // Mean over the two categories: car 1.0, bus 0.0.
  EXPECT_EQ(lines[0],
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500");
  EXPECT_EQ(lines[3],
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 1.000");
  EXPECT_EQ(lines[4],
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000");
  EXPECT_EQ(lines[5],
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.000");
  EXPECT_EQ(lines[6],
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.500");
  EXPECT_EQ(out->find('{'), std::string::npos) << "no JSON line without --json";
}

TEST(RunEvalTest, JsonLineCarriesStatsAndPerClassApByCategoryId) {
  TempDir dir;
  EvalOptions options;
  options.gt_path = dir.Write("gt.json", kGt);
  options.dt_path = dir.Write("dt.json", kDt);
  options.json = true;
  options.threads = 2;
  Result<std::string> out = RunEval(options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<std::string> lines = Lines(*out);
  ASSERT_EQ(lines.size(), 13u);
  Result<Json> json = Json::parse(lines.back());
  ASSERT_TRUE(json.ok()) << lines.back();
  EXPECT_EQ(json->find("iou_type")->as_string(), "bbox");
  const Json* stats = json->find("stats");
  ASSERT_NE(stats, nullptr);
  ASSERT_EQ(stats->size(), 12u);
  EXPECT_NEAR((*stats)[0].as_double(), 0.5, 1e-12);
  EXPECT_NEAR((*stats)[3].as_double(), 1, 1e-12);
  EXPECT_EQ((*stats)[4].as_double(), -1);
  EXPECT_EQ((*stats)[5].as_double(), 0);
  const Json* per_class = json->find("per_class_ap");
  ASSERT_NE(per_class, nullptr);
  EXPECT_EQ(per_class->size(), 2u);
  ASSERT_NE(per_class->find("3"), nullptr) << lines.back();
  EXPECT_NEAR(per_class->find("3")->as_double(), 1, 1e-12);
  EXPECT_EQ(per_class->find("5")->as_double(), 0);
  // Shortest round-trip doubles: "-1" and "0", not "-1.000000"; the summary lines above round.
  EXPECT_NE(lines.back().find(",-1,0,"), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("\"5\":0}}"), std::string::npos) << lines.back();
}

TEST(RunEvalTest, UnreadableOrBrokenFilesAreNamed) {
  TempDir dir;
  EvalOptions options;
  options.gt_path = dir.Write("gt.json", kGt);
  options.dt_path = dir.Path("missing-dt.json");
  Result<std::string> out = RunEval(options);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("missing-dt.json"), std::string::npos)
      << out.status().message();
  options.dt_path = dir.Write("broken-dt.json", "[{\"image_id\": 1, ");
  out = RunEval(options);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("broken-dt.json"), std::string::npos)
      << out.status().message();
  options.dt_path = dir.Write("dt.json", kDt);
  options.gt_path = dir.Write("broken-gt.json", "{\"images\": 3}");
  out = RunEval(options);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("broken-gt.json"), std::string::npos)
      << out.status().message();
}

TEST(EvalCommandTest, RejectsMissingFilesAndOutOfRangeOptionsBeforeRunning) {
  TempDir dir;
  std::string gt = dir.Write("gt.json", kGt);
  std::string dt = dir.Write("dt.json", kDt);
  {
    CLI::App app;
    AddEvalCommand(app);
    EXPECT_EQ(ParseIn(app, {"eval", "--gt", gt}), "RequiredError");
  }
  {
    CLI::App app;
    AddEvalCommand(app);
    EXPECT_EQ(ParseIn(app, {"eval", "--dt", dt}), "RequiredError");
  }
  {
    CLI::App app;
    AddEvalCommand(app);
    EXPECT_EQ(ParseIn(app, {"eval", "--gt", gt, "--dt", dt, "--iou-type", "mask"}),
              "ValidationError");
  }
  for (const char* threads : {"0", "257", "many"}) {
    CLI::App app;
    AddEvalCommand(app);
    EXPECT_EQ(ParseIn(app, {"eval", "--gt", gt, "--dt", dt, "--threads", threads}),
              "ValidationError")
        << threads;
  }
}

// The built binary end to end: the summary on stdout with exit status 0; a bad file gives one
// line on stderr naming it and exit status 1.
TEST(EvalCommandTest, BinaryPrintsSummaryOrOneErrorLine) {
  TempDir dir;
  std::string gt = dir.Write("gt.json", kGt);
  std::string dt = dir.Write("dt.json", kDt);
  testing::Run ok = RunBinary(NUCLEUS_BIN, {"eval", "--gt", gt, "--dt", dt, "--json"}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  std::vector<std::string> lines = Lines(ok.out);
  ASSERT_EQ(lines.size(), 13u) << ok.out;
  EXPECT_EQ(lines[0],
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500");
  EXPECT_EQ(lines.back().rfind("{\"iou_type\":\"bbox\",\"stats\":[", 0), 0u) << lines.back();

  testing::Run bad =
      RunBinary(NUCLEUS_BIN, {"eval", "--gt", gt, "--dt", dir.Path("none.json")}, dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(bad.out.empty()) << bad.out;
  std::vector<std::string> err = Lines(bad.err);
  ASSERT_EQ(err.size(), 1u) << bad.err;
  EXPECT_EQ(err[0].rfind("nucleus eval: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find("none.json"), std::string::npos) << err[0];

  testing::Run usage = RunBinary(NUCLEUS_BIN, {"eval", "--gt", gt}, dir);
  EXPECT_NE(usage.exit_code, 0);
  EXPECT_NE(usage.err.find("--dt"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace nucleus::cli
