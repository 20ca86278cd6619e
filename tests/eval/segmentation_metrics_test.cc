// eval/segmentation_metrics: hand-built cases of the client's pixel pipeline (validate.md §8.5)
// and every value of tests/fixtures/validate/seg_metrics_reference.json, which the client's own
// nucleus/metrics/segmentation_metrics.py computed through its InMemoryLoader
// (bench/validate/gen_reference.py --segmentation; see tests/fixtures/validate/README.md).
#include "eval/segmentation_metrics.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace nucleus::eval {
namespace {

IndexImage Image(int64_t width, int64_t height, std::vector<uint16_t> pixels) {
  return {.width = width, .height = height, .pixels = std::move(pixels)};
}

TEST(SegmentationMetrics, ConfusionCountsPixelPairs) {
  // The client's docstring example: gt [0 1 2 3], pred [0 1 1 1].
  SegConfusion c = FastConfusionMatrix(Image(4, 1, {0, 1, 2, 3}), Image(4, 1, {0, 1, 1, 1}), 4);
  EXPECT_EQ(c.cells, (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}));
  // Indexes at or over n_class on either side are not counted (D16).
  SegConfusion d = FastConfusionMatrix(Image(3, 1, {0, 5, 1}), Image(3, 1, {0, 1, 7}), 2);
  EXPECT_EQ(d.cells, (std::vector<int64_t>{1, 0, 0, 0}));
}

TEST(SegmentationMetrics, SuppressionMovesWeakOrUnassignedDiagonalsToTheLastColumn) {
  // Class 1: 6 right of 8 ground-truth and 8 predicted pixels: IoU 6/10. Class 2: 1 right of
  // 3 and 1 predicted: IoU 1/3.
  SegConfusion c{.n = 3, .cells = {5, 0, 0, 2, 6, 0, 0, 2, 1}};
  SegConfusion kept = NonMaxSuppressConfusion(c, 0.3);
  EXPECT_EQ(kept.n, 4);
  EXPECT_EQ(kept.cells, (std::vector<int64_t>{5, 0, 0, 0, 2, 6, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0}));
  SegConfusion strict = NonMaxSuppressConfusion(c, 0.5);  // class 2 under the threshold
  EXPECT_EQ(strict.cells, (std::vector<int64_t>{5, 0, 0, 0, 2, 6, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0}));
}

TEST(SegmentationMetrics, MissingSideOrSegmentsWeighNothing) {
  IndexImage img = Image(2, 1, {1, 1});
  SegMask gt{.image = &img, .segments = {{1, "car"}}};
  SegMask bare{.image = &img, .segments = {}};
  for (SegMetric m : {SegMetric::kIou, SegMetric::kPrecision, SegMetric::kRecall, SegMetric::kMap,
                      SegMetric::kFwavacc}) {
    EXPECT_EQ(SegmentationItemResult(m, {}, &gt, nullptr)->weight, 0);
    EXPECT_EQ(SegmentationItemResult(m, {}, nullptr, &gt)->weight, 0);
    EXPECT_EQ(SegmentationItemResult(m, {}, &gt, &bare)->weight, 0);
  }
}

TEST(SegmentationMetrics, FiltersKeepTheRowsAndOrColumnsOfTheFilteredSegments) {
  // _filter_confusion_matrix: gt [0 1 1 2], pred [0 0 2 2]; the predicted segments are already
  // filtered to {2}. Precision's weight is the matrix's total after the mask.
  IndexImage gi = Image(4, 1, {0, 1, 1, 2}), pi = Image(4, 1, {0, 0, 2, 2});
  const SegMask gt{.image = &gi, .segments = {{1, "car"}, {2, "road"}}};
  const SegMask pred{.image = &pi, .segments = {{2, "road"}}};
  auto weight = [&](bool rows, bool cols) {
    SegParams p;
    p.filtered_gt = rows;
    p.filtered_pred = cols;
    return SegmentationItemResult(SegMetric::kPrecision, p, &gt, &pred)->weight;
  };
  EXPECT_EQ(weight(false, false), 4);  // unmasked
  EXPECT_EQ(weight(true, false), 3);   // rows 1, 2: the background row goes
  EXPECT_EQ(weight(false, true), 2);   // column 2 only
  EXPECT_EQ(weight(true, true), 3);    // the union of both
}

TEST(SegmentationMetrics, PerfectSemanticMask) {
  IndexImage img = Image(4, 1, {0, 1, 1, 2});
  SegMask gt{.image = &img, .segments = {{1, "car"}, {2, "road"}}};
  SegMask pred = gt;
  // Every class, index 0 included, is right: IoU, precision, recall and FWAVACC are 1.
  for (SegMetric m :
       {SegMetric::kIou, SegMetric::kPrecision, SegMetric::kRecall, SegMetric::kFwavacc}) {
    auto r = SegmentationItemResult(m, {}, &gt, &pred);
    ASSERT_TRUE(r.ok());
    EXPECT_DOUBLE_EQ(r->value, 1.0);
  }
  EXPECT_EQ(SegmentationItemResult(SegMetric::kIou, {}, &gt, &pred)->weight, 4);  // pixels
  // seg_map integrates precision 1 over [0, 1].
  EXPECT_NEAR(SegmentationItemResult(SegMetric::kMap, {}, &gt, &pred)->value, 1.0, 1e-15);
}

TEST(SegmentationMetrics, DisjointLabelsGiveNoIou) {
  // Index 0 is the only class and its label is not predicted: every IoU is NaN (D17).
  IndexImage img = Image(2, 1, {0, 0});
  SegMask gt{.image = &img, .segments = {{0, "a"}}};
  SegMask pred{.image = &img, .segments = {{0, "b"}}};
  auto r = SegmentationItemResult(SegMetric::kIou, {}, &gt, &pred);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->weight, 0);
}

TEST(SegmentationMetrics, BadInputIsAnError) {
  IndexImage a = Image(2, 1, {0, 1}), b = Image(1, 2, {0, 1});
  SegMask gt{.image = &a, .segments = {{1, "car"}}};
  SegMask pred{.image = &b, .segments = {{1, "car"}}};
  auto sizes = SegmentationItemResult(SegMetric::kIou, {}, &gt, &pred);
  ASSERT_FALSE(sizes.ok());
  EXPECT_EQ(sizes.status().message(),
            "the ground-truth mask is 2 x 1 pixels, the predicted one 1 x 2");
  SegMask negative{.image = &a, .segments = {{-1, "car"}}};
  EXPECT_FALSE(SegmentationItemResult(SegMetric::kIou, {}, &negative, &gt).ok());
  SegMask huge{.image = &a, .segments = {{kMaxSegmentIndex + 1, "car"}}};
  EXPECT_FALSE(SegmentationItemResult(SegMetric::kIou, {}, &gt, &huge).ok());
}

// ---- the client's values on generated masks ----

// Paints the fixture's rectangles [x0, y0, x1, y1, value] in order over zeros.
IndexImage Paint(int64_t width, int64_t height, simdjson::dom::array rects) {
  IndexImage img = Image(width, height, std::vector<uint16_t>(size_t(width * height), 0));
  for (simdjson::dom::array r : rects) {
    const int64_t x0 = r.at(0).get_int64(), y0 = r.at(1).get_int64(), x1 = r.at(2).get_int64(),
                  y1 = r.at(3).get_int64(), v = r.at(4).get_int64();
    for (int64_t y = y0; y < y1; ++y) {
      for (int64_t x = x0; x < x1; ++x) img.pixels[size_t(y * width + x)] = uint16_t(v);
    }
  }
  return img;
}

struct FixtureItem {
  IndexImage gt_image, pred_image;
  std::optional<SegMask> gt, pred;
};

std::optional<SegMask> Side(simdjson::dom::element side, int64_t w, int64_t h, IndexImage* img) {
  if (side.is_null()) return std::nullopt;
  *img = Paint(w, h, side["rects"].get_array());
  SegMask mask{.image = nullptr, .segments = {}};
  for (simdjson::dom::array s : side["segments"].get_array()) {
    mask.segments.push_back(
        {s.at(0).get_int64().value(), std::string(s.at(1).get_string().value())});
  }
  return mask;
}

SegMetric SegMetricOf(std::string_view name) {
  if (name == "iou") return SegMetric::kIou;
  if (name == "precision") return SegMetric::kPrecision;
  if (name == "recall") return SegMetric::kRecall;
  if (name == "fwavacc") return SegMetric::kFwavacc;
  return SegMetric::kMap;
}

// The client sums in numpy's order where it matters; 1e-9 relative leaves room for the rest.
void ExpectClose(double got, double want, const std::string& where) {
  EXPECT_LE(std::abs(got - want), 1e-9 * std::max(1.0, std::abs(want)))
      << where << ": got " << got << ", client " << want;
}

TEST(SegmentationMetrics, EqualTheClientsOnGeneratedMasks) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(NUCLEUS_SEG_FIXTURE);
  std::vector<FixtureItem> items;
  for (simdjson::dom::object item : doc["items"].get_array()) {
    const int64_t w = item["width"].get_int64(), h = item["height"].get_int64();
    FixtureItem& f = items.emplace_back();
    f.gt = Side(item["ground_truth"], w, h, &f.gt_image);
    f.pred = Side(item["prediction"], w, h, &f.pred_image);
  }
  int configs = 0;
  for (simdjson::dom::object config : doc["configs"].get_array()) {
    SegParams params;
    double t = 0;
    if (config["iou_threshold"].get_double().get(t) == simdjson::SUCCESS) params.iou_threshold = t;
    simdjson::dom::array list;
    if (config["iou_thresholds"].get_array().get(list) == simdjson::SUCCESS) {
      for (double v : list) params.iou_thresholds.push_back(v);
    }
    const std::string name =
        std::string(config["function"].get_string().value()) + " " +
        simdjson::to_string(config["iou_threshold"].error() ? config["iou_thresholds"]
                                                            : config["iou_threshold"]);
    const SegMetric metric = SegMetricOf(config["metric"].get_string().value());
    std::vector<CiScalar> results;
    size_t i = 0;
    for (simdjson::dom::array want : config["item_results"].get_array()) {
      FixtureItem& f = items[i];
      if (f.gt) f.gt->image = &f.gt_image;
      if (f.pred) f.pred->image = &f.pred_image;
      auto got = SegmentationItemResult(metric, params, f.gt ? &*f.gt : nullptr,
                                        f.pred ? &*f.pred : nullptr);
      ASSERT_TRUE(got.ok()) << got.status().message();
      const std::string where = name + " item " + std::to_string(i);
      ExpectClose(got->value, want.at(0).get_double(), where);
      ExpectClose(got->weight, want.at(1).get_double(), where + " weight");
      results.push_back(*got);
      ++i;
    }
    EXPECT_EQ(i, items.size());
    CiScalar total = AggregateScalars(results);
    simdjson::dom::array agg = config["aggregate"].get_array();
    ExpectClose(total.value, agg.at(0).get_double(), name + " aggregate");
    ExpectClose(total.weight, agg.at(1).get_double(), name + " aggregate weight");
    ++configs;
  }
  EXPECT_EQ(configs, 9);
}

}  // namespace
}  // namespace nucleus::eval
