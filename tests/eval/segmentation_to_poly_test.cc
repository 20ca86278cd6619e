// eval/segmentation_to_poly: hand-built cases (validate.md §8.5, D20) and every value of
// tests/fixtures/validate/seg_to_poly_reference.json, which the client's own
// nucleus/metrics/segmentation_to_poly_metrics.py computed (rasterio rasterising the shapes,
// its InMemoryLoader holding the predicted masks; bench/validate/gen_reference.py --seg-to-poly).
#include "eval/segmentation_to_poly.h"

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

SegShape Box(std::string label, double x, double y, double w, double h) {
  return {.label = std::move(label),
          .is_box = true,
          .ring = {},
          .x = x,
          .y = y,
          .width = w,
          .height = h};
}

SegShape Polygon(std::string label, std::vector<geometry::Point> ring) {
  return {.label = std::move(label), .is_box = false, .ring = std::move(ring)};
}

TEST(SegmentationToPoly, PolygonsFirstThenBoxesEachItsIndexLaterOnesPaintOver) {
  // The box comes first in the list but is rasterised after the polygon (the client
  // concatenates polygons + boxes) and paints over it; its x/y is the top-left corner (D1).
  const SegShape shapes[] = {Box("car", 1, 0, 2, 1),
                             Polygon("road", {{0, 0}, {4, 0}, {4, 2}, {0, 2}})};
  auto mask = RasterizeGroundTruthShapes(shapes, 5, 3);
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->image.pixels,
            (std::vector<uint16_t>{1, 2, 2, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(mask->segments.size(), 2u);
  EXPECT_EQ(mask->segments[0].index, 1);
  EXPECT_EQ(mask->segments[0].label, "road");
  EXPECT_EQ(mask->segments[1].index, 2);
  EXPECT_EQ(mask->segments[1].label, "car");
  const std::vector<SegSegment> segments = GroundTruthSegments(shapes);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].index, 1);
  EXPECT_EQ(segments[0].label, "road");
  EXPECT_EQ(segments[1].index, 2);
  EXPECT_EQ(segments[1].label, "car");
}

TEST(SegmentationToPoly, TooManyShapesAreRefused) {
  std::vector<SegShape> shapes(kMaxSegmentIndex + 1, Box("car", 0, 0, 1, 1));
  auto mask = RasterizeGroundTruthShapes(shapes, 2, 2);
  ASSERT_FALSE(mask.ok());
  EXPECT_NE(mask.status().message().find("at most 1023"), std::string::npos);
}

TEST(SegmentationToPoly, NoMaskNoSegmentsOrNoShapesWeighNothing) {
  IndexImage img = Image(2, 1, {1, 1});
  const SegMask pred{.image = &img, .segments = {{1, "car"}}};
  const SegMask bare{.image = &img, .segments = {}};
  const SegShape shapes[] = {Box("car", 0, 0, 2, 1)};
  EXPECT_EQ(SegmentationToPolyItemResult(SegMetric::kIou, {}, shapes, nullptr)->weight, 0);
  EXPECT_EQ(SegmentationToPolyItemResult(SegMetric::kIou, {}, shapes, &bare)->weight, 0);
  EXPECT_EQ(SegmentationToPolyItemResult(SegMetric::kIou, {}, {}, &pred)->weight, 0);  // D20
  // A box alone is measured (the client raises without a polygon, D20): a perfect match.
  auto r = SegmentationToPolyItemResult(SegMetric::kRecall, {}, shapes, &pred);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(r->weight, 0);
  EXPECT_EQ(r->value, 1.0);
}

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
  std::vector<SegShape> shapes;  // boxes first: the function must put polygons first itself
  IndexImage pred_image;
  std::optional<SegMask> pred;
};

FixtureItem ReadItem(simdjson::dom::object item) {
  FixtureItem f;
  for (simdjson::dom::object b : item["boxes"].get_array()) {
    f.shapes.push_back(Box(std::string(b["label"].get_string().value()), b["x"].get_double(),
                           b["y"].get_double(), b["width"].get_double(), b["height"].get_double()));
  }
  for (simdjson::dom::object p : item["polygons"].get_array()) {
    std::vector<geometry::Point> ring;
    for (simdjson::dom::array v : p["vertices"].get_array()) {
      ring.push_back({v.at(0).get_double(), v.at(1).get_double()});
    }
    f.shapes.push_back(Polygon(std::string(p["label"].get_string().value()), std::move(ring)));
  }
  simdjson::dom::element pred = item["prediction"];
  if (!pred.is_null()) {
    f.pred_image =
        Paint(item["width"].get_int64(), item["height"].get_int64(), pred["rects"].get_array());
    f.pred.emplace();
    for (simdjson::dom::array s : pred["segments"].get_array()) {
      f.pred->segments.push_back(
          {s.at(0).get_int64().value(), std::string(s.at(1).get_string().value())});
    }
  }
  return f;
}

SegMetric MetricOf(std::string_view function) {
  if (function == "segmentation_to_poly_iou") return SegMetric::kIou;
  if (function == "segmentation_to_poly_recall") return SegMetric::kRecall;
  if (function == "segmentation_to_poly_map") return SegMetric::kMap;
  return SegMetric::kPrecision;  // _precision and _ap (the client's AP is SegmentationPrecision)
}

void ExpectClose(double got, double want, const std::string& where) {
  EXPECT_LE(std::abs(got - want), 1e-9 * std::max(1.0, std::abs(want)))
      << where << ": got " << got << ", client " << want;
}

TEST(SegmentationToPoly, EqualTheClientsOnGeneratedShapesAndMasks) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(NUCLEUS_SEG_TO_POLY_FIXTURE);
  std::vector<FixtureItem> items;
  for (simdjson::dom::object item : doc["items"].get_array()) items.push_back(ReadItem(item));
  int configs = 0;
  for (simdjson::dom::object config : doc["configs"].get_array()) {
    SegParams params;
    double t = 0;
    if (config["iou_threshold"].get_double().get(t) == simdjson::SUCCESS) params.iou_threshold = t;
    simdjson::dom::array list;
    if (config["iou_thresholds"].get_array().get(list) == simdjson::SUCCESS) {
      for (double v : list) params.iou_thresholds.push_back(v);
    }
    const std::string_view function = config["function"].get_string().value();
    const std::string name =
        std::string(function) + " " +
        simdjson::to_string(config["iou_threshold"].error() ? config["iou_thresholds"]
                                                            : config["iou_threshold"]);
    std::vector<CiScalar> results;
    size_t i = 0;
    for (simdjson::dom::array want : config["item_results"].get_array()) {
      FixtureItem& f = items[i];
      if (f.pred) f.pred->image = &f.pred_image;
      auto got = SegmentationToPolyItemResult(MetricOf(function), params, f.shapes,
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
  EXPECT_EQ(configs, 8);
}

}  // namespace
}  // namespace nucleus::eval
