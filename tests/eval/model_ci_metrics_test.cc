// eval/model_ci_metrics: hand-built cases for the documented behaviour (validate.md §8.3, §9)
// and every value of tests/fixtures/validate/polygon_metrics_reference.json, which the client's
// own nucleus/metrics computed (bench/validate/gen_reference.py; see the README there).
#include "eval/model_ci_metrics.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cfloat>
#include <cmath>
#include <string>

namespace nucleus::eval {
namespace {

TEST(ModelCiMetrics, BoxXYIsTheTopLeftCorner) {
  // Documented: x, y are the top-left corner (the client's code reads the centre, D1).
  CiShape a = BoxShape("car", 0, 0, 10, 10);
  CiShape b = BoxShape("car", 5, 0, 10, 10);
  EXPECT_DOUBLE_EQ(ShapeIou(a, b), 50.0 / 150.0);
  CiShape inside = BoxShape("car", 2, 2, 5, 5);
  EXPECT_DOUBLE_EQ(ShapeIou(a, inside), 25.0 / 100.0);
}

TEST(ModelCiMetrics, AssignmentIsOptimalNotGreedy) {
  // Greedy would take (0,0) = 0.9 and leave (1,1) = 0.0; the optimum is 0.8 + 0.7.
  std::vector<double> w = {0.9, 0.8, 0.7, 0.0};
  auto pairs = MaxWeightAssignment(w, 2, 2);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], std::make_pair(0, 1));
  EXPECT_EQ(pairs[1], std::make_pair(1, 0));
  // Rectangular both ways: min(rows, cols) pairs.
  EXPECT_EQ(MaxWeightAssignment(std::vector<double>{0.1, 0.5, 0.2}, 1, 3),
            (std::vector<std::pair<int, int>>{{0, 1}}));
  EXPECT_EQ(MaxWeightAssignment(std::vector<double>{0.1, 0.5, 0.2}, 3, 1),
            (std::vector<std::pair<int, int>>{{1, 0}}));
}

TEST(ModelCiMetrics, AveragePrecisionIntegratesPrecisionOverRecall) {
  // TP, FP, TP over 2 ground truths: recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
  std::vector<double> recall = {0.5, 0.5, 1.0};
  std::vector<double> precision = {1.0, 0.5, 2.0 / 3.0};
  EXPECT_DOUBLE_EQ(AveragePrecision(recall, precision), 0.5 * 1.0 + 0.5 * (2.0 / 3.0));
}

TEST(ModelCiMetrics, EdgeCasesHaveDefinedValues) {
  std::vector<CiShape> gt = {BoxShape("car", 0, 0, 10, 10)};
  std::vector<CiShape> none;
  std::vector<CiShape> preds = {BoxShape("car", 0, 0, 10, 10, 0.9)};
  CiDetectionParams p;
  auto recall_no_pred = DetectionItemResult(CiDetectionMetric::kRecall, p, gt, none);
  EXPECT_EQ(recall_no_pred.value, 0.0);
  EXPECT_EQ(recall_no_pred.weight, 1.0 + DBL_EPSILON);
  auto precision_no_pred = DetectionItemResult(CiDetectionMetric::kPrecision, p, gt, none);
  EXPECT_EQ(precision_no_pred.weight, 0.0);
  auto recall_no_gt = DetectionItemResult(CiDetectionMetric::kRecall, p, none, preds);
  EXPECT_EQ(recall_no_gt.value, 0.0);
  EXPECT_EQ(recall_no_gt.weight, DBL_EPSILON);
  auto map_no_gt = DetectionItemResult(CiDetectionMetric::kMap, p, none, preds);
  EXPECT_EQ(map_no_gt.value, 0.0);
  EXPECT_EQ(map_no_gt.weight, 1.0);
  for (auto metric : {CiDetectionMetric::kIou, CiDetectionMetric::kPrecision,
                      CiDetectionMetric::kRecall, CiDetectionMetric::kMap}) {
    EXPECT_EQ(DetectionItemResult(metric, p, none, none).weight, 0.0);
  }
  std::vector<CiScalar> nothing = {{0.0, 0.0}};
  EXPECT_EQ(AggregateScalars(nothing).weight, 0.0);
}

TEST(ModelCiMetrics, CuboidFootprintHasItsLengthAlongTheHeading) {
  // dimensions.x along the yaw (D7 documents the client's 90-degree-off precision/recall).
  CiCuboid a{.label = "car", .dx = 4, .dy = 2, .dz = 2};
  CiCuboid shifted_along = a;
  shifted_along.x = 2;  // half the length along the heading (yaw 0: the x axis)
  auto [iou3d, iou2d] = CuboidIou3d2d(a, shifted_along);
  EXPECT_NEAR(iou2d, 4.0 / 12.0, 1e-6);  // overlap 2 x 2 of two 4 x 2 footprints
  EXPECT_NEAR(iou3d, 8.0 / 24.0, 1e-6);
  CiCuboid far = a;
  far.x = 25;  // centres 25 apart: the client does not intersect them
  EXPECT_EQ(CuboidIou3d2d(a, far).first, 0.0);
  // Greedy many-to-one: both ground truths take the one prediction.
  std::vector<CiCuboid> gt = {a, a};
  std::vector<CiCuboid> preds = {a};
  CiDetectionParams p{.enforce_label_match = true, .iou_threshold = 0.0};
  auto iou = CuboidItemResult(CiCuboidMetric::kIou3d, p, gt, preds);
  EXPECT_NEAR(iou.value, 1.0, 1e-6);
  EXPECT_EQ(iou.weight, 2.0);
  auto recall = CuboidItemResult(CiCuboidMetric::kRecall, p, gt, preds);
  EXPECT_EQ(recall.value, 0.5);
}

TEST(ModelCiMetrics, MapHonoursItsIouThreshold) {
  // IoU 50/150 = 1/3: a match at 0.3, not at 0.5 (the client's PolygonMAP always uses 0.5, D3).
  std::vector<CiShape> gt = {BoxShape("car", 0, 0, 10, 10)};
  std::vector<CiShape> preds = {BoxShape("car", 5, 0, 10, 10, 0.9)};
  CiDetectionParams low{.iou_threshold = 0.3};
  CiDetectionParams high{.iou_threshold = 0.5};
  EXPECT_EQ(DetectionItemResult(CiDetectionMetric::kMap, low, gt, preds).value, 1.0);
  EXPECT_EQ(DetectionItemResult(CiDetectionMetric::kMap, high, gt, preds).value, 0.0);
}

// --- the client's values on generated data -------------------------------------------------

std::vector<CiShape> Shapes(simdjson::dom::array list, bool boxes_only) {
  std::vector<CiShape> out;
  for (simdjson::dom::object s : list) {
    std::string_view type = s["type"].get_string().value();
    if (type == "cuboid" || type == "category" || (boxes_only && type != "box")) continue;
    CiShape shape;
    shape.label = std::string(s["label"].get_string().value());
    if (type == "box") {
      shape = BoxShape(shape.label, s["x"].get_double().value(), s["y"].get_double().value(),
                       s["width"].get_double().value(), s["height"].get_double().value());
    } else {
      for (simdjson::dom::array v : s["vertices"].get_array()) {
        shape.ring.push_back({v.at(0).get_double().value(), v.at(1).get_double().value()});
      }
    }
    double confidence = 0;
    if (s["confidence"].get_double().get(confidence) == simdjson::SUCCESS) {
      shape.confidence = confidence;
    }
    out.push_back(std::move(shape));
  }
  return out;
}

std::vector<CiCuboid> Cuboids(simdjson::dom::array list) {
  std::vector<CiCuboid> out;
  for (simdjson::dom::object s : list) {
    if (s["type"].get_string().value() != "cuboid") continue;
    simdjson::dom::array p = s["position"].get_array().value();
    simdjson::dom::array d = s["dimensions"].get_array().value();
    CiCuboid c{.label = std::string(s["label"].get_string().value()),
               .x = p.at(0).get_double().value(),
               .y = p.at(1).get_double().value(),
               .z = p.at(2).get_double().value(),
               .dx = d.at(0).get_double().value(),
               .dy = d.at(1).get_double().value(),
               .dz = d.at(2).get_double().value(),
               .yaw = s["yaw"].get_double().value()};
    double confidence = 0;
    if (s["confidence"].get_double().get(confidence) == simdjson::SUCCESS) {
      c.confidence = confidence;
    }
    out.push_back(std::move(c));
  }
  return out;
}

CiCuboidMetric CuboidMetricOf(std::string_view name) {
  if (name == "iou_3d") return CiCuboidMetric::kIou3d;
  if (name == "iou_2d") return CiCuboidMetric::kIou2d;
  if (name == "precision") return CiCuboidMetric::kPrecision;
  return CiCuboidMetric::kRecall;
}

// Relative 1e-9 (absolute near 0): the client sums in the same order, but computes intersection
// areas with GEOS and IoUs through numpy, whose last bits may differ from ours.
void ExpectClose(double got, double want, const std::string& where) {
  EXPECT_LE(std::abs(got - want), 1e-9 * std::max(1.0, std::abs(want)))
      << where << ": got " << got << ", client " << want;
}

CiDetectionMetric MetricOf(std::string_view name) {
  if (name == "iou") return CiDetectionMetric::kIou;
  if (name == "precision") return CiDetectionMetric::kPrecision;
  if (name == "recall") return CiDetectionMetric::kRecall;
  return CiDetectionMetric::kMap;
}

std::vector<CiCategory> Categories(simdjson::dom::array list) {
  std::vector<CiCategory> out;
  for (simdjson::dom::object s : list) {
    if (s["type"].get_string().value() != "category") continue;
    CiCategory c{.label = std::string(s["label"].get_string().value())};
    std::string_view taxonomy;
    if (s["taxonomy_name"].get_string().get(taxonomy) == simdjson::SUCCESS) c.taxonomy = taxonomy;
    double confidence = 0;
    if (s["confidence"].get_double().get(confidence) == simdjson::SUCCESS) {
      c.confidence = confidence;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Whether a configuration has filters: those are applied by api/ (the live test in tests/py
// compares them); here only the metrics themselves are compared.
bool Filtered(simdjson::dom::object config) {
  simdjson::dom::element f;
  return (config["annotation_filters"].get(f) == simdjson::SUCCESS && !f.is_null()) ||
         (config["prediction_filters"].get(f) == simdjson::SUCCESS && !f.is_null());
}

TEST(ModelCiMetrics, CategoryF1IsScikitLearnsOverTaxonomyPairs) {
  // Hand-made: a:a, a:b, b:b, c:a. Labels a, b, c: F1 a = 2/(2+1+1) = 0.5, b = 2/3, c = 0.
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"a", "a"}, {"a", "b"}, {"b", "b"}, {"c", "a"}};
  EXPECT_DOUBLE_EQ(*F1Score(pairs, CiF1Method::kMacro), (0.5 + 2.0 / 3.0) / 3.0);
  EXPECT_DOUBLE_EQ(*F1Score(pairs, CiF1Method::kMicro), 0.5);  // accuracy
  EXPECT_DOUBLE_EQ(*F1Score(pairs, CiF1Method::kWeighted), (0.5 * 2 + 2.0 / 3.0) / 4.0);
  EXPECT_FALSE(F1Score({}, CiF1Method::kMacro).has_value());
  // Only a taxonomy on both sides pairs; label strings carry the taxonomy; confidence drops.
  std::vector<CiCategory> gt = {{"animal", "cat", {}}, {"", "day", {}}};
  std::vector<CiCategory> preds = {
      {"weather", "sun", 0.9}, {"animal", "dog", 0.9}, {"", "day", 0.2}};
  EXPECT_EQ(CategoryPairs(gt, preds, 0.0), (std::vector<std::pair<std::string, std::string>>{
                                               {"animal->cat", "animal->dog"}, {"day", "day"}}));
  EXPECT_EQ(CategoryPairs(gt, preds, 0.5).size(), 1u);
}

TEST(ModelCiMetrics, CategoryF1EqualsTheClientsOnGeneratedData) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(NUCLEUS_VALIDATE_FIXTURE).get(doc), simdjson::SUCCESS);
  simdjson::dom::array items = doc["items"].get_array().value();
  int configs = 0;
  for (simdjson::dom::object config : doc["configs"].get_array()) {
    if (config["shapes"].get_string().value() != "category" || Filtered(config)) continue;
    std::string_view method_name = config["f1_method"].get_string().value();
    CiF1Method method = method_name == "micro"      ? CiF1Method::kMicro
                        : method_name == "weighted" ? CiF1Method::kWeighted
                                                    : CiF1Method::kMacro;
    const double threshold = config["confidence_threshold"].get_double().value();
    std::vector<std::pair<std::string, std::string>> all;
    size_t i = 0;
    simdjson::dom::array expected = config["item_results"].get_array().value();
    for (simdjson::dom::object item : items) {
      auto pairs = CategoryPairs(Categories(item["ground_truth"].get_array().value()),
                                 Categories(item["predictions"].get_array().value()), threshold);
      simdjson::dom::array want = expected.at(i).get_array().value();
      std::string where = "cat_f1 " + std::string(method_name) + " item " + std::to_string(i++);
      std::optional<double> value = F1Score(pairs, CiF1Method::kMacro);
      ASSERT_EQ(value.has_value(), want.at(1).get_double().value() != 0) << where;
      if (value) ExpectClose(*value, want.at(0).get_double().value(), where);
      all.insert(all.end(), pairs.begin(), pairs.end());
    }
    ExpectClose(*F1Score(all, method), config["aggregate"].at(0).get_double().value(),
                "cat_f1 " + std::string(method_name) + " aggregate");
    ++configs;
  }
  EXPECT_EQ(configs, 3);
}

TEST(ModelCiMetrics, EqualTheClientsOwnMetricsOnGeneratedData) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(NUCLEUS_VALIDATE_FIXTURE).get(doc), simdjson::SUCCESS);
  simdjson::dom::array items = doc["items"].get_array().value();
  ASSERT_GE(items.size(), 300u);
  int configs = 0;
  for (simdjson::dom::object config : doc["configs"].get_array()) {
    std::string name(config["function"].get_string().value());
    std::string_view shapes = config["shapes"].get_string().value();
    if (shapes == "category" || Filtered(config)) continue;
    bool boxes_only = shapes == "box";
    CiDetectionParams params{
        .enforce_label_match = config["enforce_label_match"].get_bool().value(),
        .iou_threshold = config["iou_threshold"].get_double().value(),
        .confidence_threshold = config["confidence_threshold"].get_double().value()};
    name += " (label match " + std::to_string(params.enforce_label_match) + ", t " +
            std::to_string(params.iou_threshold) + ")";
    CiDetectionMetric metric = MetricOf(config["metric"].get_string().value());
    std::vector<CiScalar> results;
    size_t i = 0;
    simdjson::dom::array expected = config["item_results"].get_array().value();
    ASSERT_EQ(expected.size(), items.size());
    for (simdjson::dom::object item : items) {
      CiScalar r;
      if (shapes == "cuboid") {
        r = CuboidItemResult(CuboidMetricOf(config["metric"].get_string().value()), params,
                             Cuboids(item["ground_truth"].get_array().value()),
                             Cuboids(item["predictions"].get_array().value()));
      } else {
        auto gt = Shapes(item["ground_truth"].get_array().value(), boxes_only);
        auto preds = Shapes(item["predictions"].get_array().value(), boxes_only);
        r = DetectionItemResult(metric, params, gt, preds);
      }
      simdjson::dom::array want = expected.at(i).get_array().value();
      std::string where = name + " item " + std::to_string(i);
      ExpectClose(r.weight, want.at(1).get_double().value(), where + " weight");
      if (r.weight != 0) ExpectClose(r.value, want.at(0).get_double().value(), where);
      results.push_back(r);
      ++i;
    }
    CiScalar total = AggregateScalars(results);
    simdjson::dom::array want = config["aggregate"].get_array().value();
    ExpectClose(total.value, want.at(0).get_double().value(), name + " aggregate");
    ExpectClose(total.weight, want.at(1).get_double().value(), name + " aggregate weight");
    ++configs;
  }
  EXPECT_GE(configs, 17);
}

}  // namespace
}  // namespace nucleus::eval
