// Data-driven: every case in tests/fixtures/coco/ must reproduce pycocotools' stats within
// 1e-12 (bbox, and segm where the case has expected_segm_stats.json).

#include <gtest/gtest.h>
#include <simdjson.h>

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

struct Expected {
  std::vector<double> stats;
  std::vector<std::pair<int64_t, double>> per_category;
  std::vector<double> iou_thresholds;
};

Expected ReadExpected(const fs::path& path) {
  Expected e;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(path.string());
  for (double v : doc["stats"].get_array()) e.stats.push_back(v);
  for (auto [key, value] : doc["per_category_AP"].get_object()) {
    e.per_category.emplace_back(std::stoll(std::string(key)), double(value));
  }
  for (double v : doc["iouThrs"].get_array()) e.iou_thresholds.push_back(v);
  return e;
}

struct Case {
  std::string name;
  IouType iou_type;
};

// Keeps test listings readable ("01_basic segm" instead of the param's bytes).
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name << (c.iou_type == IouType::kSegm ? " segm" : " bbox");
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(NUCLEUS_FIXTURES_DIR)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& dir : dirs) {
    if (fs::exists(dir / "expected_bbox_stats.json")) {
      cases.push_back({dir.filename().string(), IouType::kBbox});
    }
    if (fs::exists(dir / "expected_segm_stats.json")) {
      cases.push_back({dir.filename().string(), IouType::kSegm});
    }
  }
  return cases;
}

class CocoFixtureTest : public testing::TestWithParam<Case> {};

// `as_nucleus_eval`: parsed and evaluated as `nucleus eval` does (compact box results, the
// detections given up to EvaluateCoco).
void CheckCase(const Case& c, int threads, bool as_nucleus_eval = false) {
  const fs::path dir = fs::path(NUCLEUS_FIXTURES_DIR) / c.name;
  const char* kind = c.iou_type == IouType::kBbox ? "bbox" : "segm";
  const Expected expected = ReadExpected(dir / (std::string("expected_") + kind + "_stats.json"));
  const std::string gt_text = ReadFile(dir / "gt.json");
  const std::string dt_text = ReadFile(dir / "dt.json");
  Result<CocoFiles> files =
      ParseCocoFiles(gt_text, "gt.json", dt_text, "dt.json", c.iou_type, threads,
                     /*dt_text_outlives_result=*/as_nucleus_eval,
                     /*compact_boxes=*/as_nucleus_eval);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const CocoParams params = DefaultCocoParams(c.iou_type);
  ASSERT_EQ(params.iou_thresholds, expected.iou_thresholds);
  const CocoEvalResult result =
      as_nucleus_eval ? EvaluateCoco(files->gt, std::move(files->dt), params, threads)
                      : EvaluateCoco(files->gt, files->dt, params, threads);
  const std::vector<CocoSummaryLine> lines = SummarizeCoco(result, params);
  ASSERT_EQ(lines.size(), expected.stats.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NEAR(lines[i].value, expected.stats[i], 1e-12)
        << c.name << " " << kind << " stat " << i << ": " << FormatSummaryLine(lines[i], params);
  }
  const std::vector<double> per_category = PerCategoryAp(result);
  for (const auto& [category_id, ap] : expected.per_category) {
    const auto it =
        std::find(files->gt.category_ids.begin(), files->gt.category_ids.end(), category_id);
    ASSERT_NE(it, files->gt.category_ids.end());
    EXPECT_NEAR(per_category[it - files->gt.category_ids.begin()], ap, 1e-12)
        << c.name << " category " << category_id;
  }
}

TEST_P(CocoFixtureTest, MatchesPycocotoolsStats) { CheckCase(GetParam(), 1); }

TEST_P(CocoFixtureTest, MatchesPycocotoolsStatsOnTwoThreads) { CheckCase(GetParam(), 2); }

TEST_P(CocoFixtureTest, MatchesPycocotoolsStatsAsNucleusEvalReadsThem) {
  CheckCase(GetParam(), 1, /*as_nucleus_eval=*/true);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CocoFixtureTest, testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<Case>& param_info) {
                           std::string name = param_info.param.name;
                           name += param_info.param.iou_type == IouType::kBbox ? "Bbox" : "Segm";
                           std::string out;
                           for (char ch : name) {
                             if (std::isalnum(static_cast<unsigned char>(ch))) out += ch;
                           }
                           return out;
                         });

}  // namespace
}  // namespace nucleus::eval
