// Data-driven: every case in tests/cases/eval/ (README.md there) must reproduce pycocotools'
// stats and per-category AP within 1e-12, on 1 and 2 threads.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
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

}  // namespace
}  // namespace nucleus::eval
