// Data-driven: every case in tests/cases/eval/ (README.md there) must reproduce pycocotools'
// stats and per-category AP within 1e-12, on 1 and 2 threads.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eval/coco_eval.h"
#include "eval/coco_json.h"

namespace nucleus::eval {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text.reserve(text.size() + kJsonPadding);
  return text;
}

struct Case {
  std::string name;
  std::string kind;  // "bbox", "segm", "keypoints"
  IouType iou_type;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name << " " << c.kind; }

std::vector<Case> AllCases() {
  static const std::pair<const char*, IouType> kKinds[] = {
      {"bbox", IouType::kBbox}, {"segm", IouType::kSegm}, {"keypoints", IouType::kKeypoints}};
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(NUCLEUS_CASES_DIR)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<Case> cases;
  for (const fs::path& dir : dirs) {
    for (const auto& [kind, type] : kKinds) {
      if (fs::exists(dir / (std::string("expected_") + kind + "_stats.json"))) {
        cases.push_back({dir.filename().string(), kind, type});
      }
    }
  }
  return cases;
}

void CheckCase(const Case& c, int threads) {
  const fs::path dir = fs::path(NUCLEUS_CASES_DIR) / c.name;
  simdjson::dom::parser parser;
  simdjson::dom::element expected =
      parser.load((dir / ("expected_" + c.kind + "_stats.json")).string());
  const std::string gt_text = ReadFile(dir / "gt.json");
  const std::string dt_text = ReadFile(dir / "dt.json");
  Result<CocoFiles> files =
      ParseCocoFiles(gt_text, "gt.json", dt_text, "dt.json", c.iou_type, threads);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const CocoParams params = DefaultCocoParams(c.iou_type);
  std::vector<double> iou_thresholds;
  for (double v : expected["iouThrs"].get_array()) iou_thresholds.push_back(v);
  ASSERT_EQ(params.iou_thresholds, iou_thresholds);
  const CocoEvalResult result = EvaluateCoco(files->gt, files->dt, params, threads);
  const std::vector<CocoSummaryLine> lines = SummarizeCoco(result, params);
  std::vector<double> stats;
  for (double v : expected["stats"].get_array()) stats.push_back(v);
  ASSERT_EQ(lines.size(), stats.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NEAR(lines[i].value, stats[i], 1e-12)
        << c.name << " " << c.kind << " stat " << i << ": " << FormatSummaryLine(lines[i], params);
  }
  const std::vector<double> per_category = PerCategoryAp(result);
  for (auto [key, value] : expected["per_category_AP"].get_object()) {
    const int64_t category_id = std::stoll(std::string(key));
    const auto it =
        std::find(files->gt.category_ids.begin(), files->gt.category_ids.end(), category_id);
    ASSERT_NE(it, files->gt.category_ids.end());
    EXPECT_NEAR(per_category[it - files->gt.category_ids.begin()], double(value), 1e-12)
        << c.name << " category " << category_id;
  }
}

class CocoCaseTest : public testing::TestWithParam<Case> {};

TEST_P(CocoCaseTest, MatchesPycocotoolsStats) { CheckCase(GetParam(), 1); }

TEST_P(CocoCaseTest, MatchesPycocotoolsStatsOnTwoThreads) { CheckCase(GetParam(), 2); }

INSTANTIATE_TEST_SUITE_P(Cases, CocoCaseTest, testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<Case>& param_info) {
                           std::string out;
                           for (char ch : param_info.param.name + param_info.param.kind) {
                             if (std::isalnum(static_cast<unsigned char>(ch))) out += ch;
                           }
                           return out;
                         });

// Above 65,536 detections the (category, image) grouping runs as a parallel counting sort; it
// must give exactly the serial result.
TEST(CocoEvalThreadsTest, ManyDetectionsGiveTheSameResultsOnOneAndTwoThreads) {
  uint64_t state = 12345;
  auto next = [&](int mod) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % static_cast<uint64_t>(mod));
  };
  char buf[200];
  std::string gt = R"({"images":[)";
  for (int i = 1; i <= 300; ++i) {
    std::snprintf(buf, sizeof buf, R"(%s{"id":%d,"width":640,"height":480})", i > 1 ? "," : "", i);
    gt += buf;
  }
  gt += R"(],"categories":[{"id":1},{"id":2},{"id":3}],"annotations":[)";
  int ann = 0;
  for (int i = 1; i <= 300; ++i) {
    for (int g = 0; g < 3; ++g) {
      const int category = 1 + next(3), x = next(500), y = next(400);
      std::snprintf(buf, sizeof buf,
                    R"(%s{"id":%d,"image_id":%d,"category_id":%d,"bbox":[%d,%d,60,50],)"
                    R"("area":3000,"iscrowd":0})",
                    ann ? "," : "", ann + 1, i, category, x, y);
      ++ann;
      gt += buf;
    }
  }
  gt += "]}";
  std::string dt = "[";
  for (int d = 0; d < 70000; ++d) {
    const int image = 1 + next(300), category = 1 + next(3), x = next(500), y = next(400);
    std::snprintf(buf, sizeof buf,
                  R"(%s{"image_id":%d,"category_id":%d,"bbox":[%d,%d,60,50],"score":0.%03d})",
                  d ? "," : "", image, category, x, y, next(1000));
    dt += buf;
  }
  dt += "]";
  gt.reserve(gt.size() + kJsonPadding);
  dt.reserve(dt.size() + kJsonPadding);
  const CocoParams params = DefaultCocoParams(IouType::kBbox);
  std::vector<double> stats[2];
  std::vector<double> precision[2];
  for (int threads = 1; threads <= 2; ++threads) {
    Result<CocoFiles> files = ParseCocoFiles(gt, "gt.json", dt, "dt.json", IouType::kBbox, threads);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    ASSERT_EQ(files->dt.size(), 70000u);
    const CocoEvalResult result = EvaluateCoco(files->gt, files->dt, params, threads);
    for (const CocoSummaryLine& line : SummarizeCoco(result, params)) {
      stats[threads - 1].push_back(line.value);
    }
    precision[threads - 1] = result.precision;
  }
  EXPECT_EQ(stats[0], stats[1]);
  EXPECT_EQ(precision[0], precision[1]);
  EXPECT_GT(stats[0][1], 0);  // some detections match: the comparison is not vacuous
}

}  // namespace
}  // namespace nucleus::eval
