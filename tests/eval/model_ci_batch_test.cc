// eval/model_ci_batch: the evaluation job's path gives exactly DetectionItemResult's values (the
// straightforward path, pinned against the client's metrics by model_ci_metrics_test) on random
// items: boxes (some of zero size), convex and non-convex polygons, three labels, confidences
// with ties and without, every metric with and without label matching at several IoU and
// confidence thresholds, computed together in one call as the job does.
#include "eval/model_ci_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "eval/model_ci_metrics.h"

namespace nucleus::eval {
namespace {

const char* const kLabels[] = {"car", "bus", "truck"};

// One random shape, from which both paths' inputs are built.
struct Drawn {
  uint32_t label;
  bool box;
  double x, y, w, h;                  // box
  std::vector<geometry::Point> ring;  // polygon
  std::optional<double> confidence;
};

Drawn Draw(std::mt19937& rng, bool prediction) {
  std::uniform_int_distribution<int> pick(0, 99);
  auto coordinate = [&](int max) { return pick(rng) % max + (pick(rng) % 4) * 0.25; };
  Drawn d{};
  d.label = static_cast<uint32_t>(pick(rng) % 3);
  if (prediction && pick(rng) >= 10) {
    static const double kConfidences[] = {0.1, 0.3, 0.5, 0.5, 0.7, 0.9, 0.95};
    d.confidence = kConfidences[pick(rng) % 7];
  }
  const int kind = pick(rng);
  d.x = coordinate(30);
  d.y = coordinate(30);
  if (kind < 70) {
    d.box = true;
    d.w = kind < 5 ? 0.0 : coordinate(20);
    d.h = coordinate(20);
  } else if (kind < 88) {  // convex: a triangle or a quadrilateral, either orientation
    d.ring = {{d.x, d.y},
              {d.x + 1 + coordinate(15), d.y},
              {d.x + coordinate(15), d.y + 1 + coordinate(15)}};
    if (kind % 2 == 0) d.ring.push_back({d.x - coordinate(5), d.y + coordinate(10)});
    if (kind % 3 == 0) std::reverse(d.ring.begin(), d.ring.end());
  } else {  // non-convex: an L
    const double s = 2 + coordinate(10);
    d.ring = {{d.x, d.y},         {d.x + 2 * s, d.y},     {d.x + 2 * s, d.y + s},
              {d.x + s, d.y + s}, {d.x + s, d.y + 2 * s}, {d.x, d.y + 2 * s}};
  }
  return d;
}

CiShape ToShape(const Drawn& d) {
  if (d.box) return BoxShape(kLabels[d.label], d.x, d.y, d.w, d.h, d.confidence);
  return CiShape{.label = kLabels[d.label], .ring = d.ring, .confidence = d.confidence};
}

CiShapeRef ToRef(const Drawn& d) {
  if (d.box) return BoxShapeRef(d.label, d.x, d.y, d.w, d.h, d.confidence);
  return PolygonShapeRef(d.label, d.ring, d.confidence);
}

std::vector<CiMetricSpec> AllSpecs() {
  std::vector<CiMetricSpec> specs;
  for (CiDetectionMetric metric : {CiDetectionMetric::kIou, CiDetectionMetric::kPrecision,
                                   CiDetectionMetric::kRecall, CiDetectionMetric::kMap}) {
    for (bool enforce : {false, true}) {
      for (double iou : {0.0, 0.3, 0.5}) {
        for (double confidence : {0.0, 0.5}) {
          specs.push_back({metric, {enforce, iou, confidence}});
        }
      }
    }
  }
  return specs;
}

TEST(ModelCiBatch, EqualsTheStraightforwardPathOnRandomItems) {
  std::mt19937 rng(20261207);
  std::vector<CiMetricSpec> specs = AllSpecs();
  CiItemEvaluator evaluator;  // reused across items, as in the job
  std::vector<CiScalar> out(specs.size());
  int compared = 0, nonzero = 0;
  for (int item = 0; item < 2000; ++item) {
    std::uniform_int_distribution<int> n_gt(0, 6), n_preds(0, 12);
    std::vector<Drawn> gt(n_gt(rng)), preds(n_preds(rng));
    for (Drawn& d : gt) d = Draw(rng, false);
    for (Drawn& d : preds) d = Draw(rng, true);
    std::vector<CiShape> gt_shapes, pred_shapes;
    std::vector<CiShapeRef> gt_refs, pred_refs;
    for (const Drawn& d : gt) gt_shapes.push_back(ToShape(d)), gt_refs.push_back(ToRef(d));
    for (const Drawn& d : preds) pred_shapes.push_back(ToShape(d)), pred_refs.push_back(ToRef(d));
    // The specs in a new order for every item, so that sharing is exercised both ways.
    std::shuffle(specs.begin(), specs.end(), rng);
    evaluator.Evaluate(specs, gt_refs, pred_refs, out);
    for (size_t k = 0; k < specs.size(); ++k) {
      const CiScalar expected =
          DetectionItemResult(specs[k].metric, specs[k].params, gt_shapes, pred_shapes);
      ASSERT_EQ(out[k].value, expected.value) << "item " << item << " spec " << k;
      ASSERT_EQ(out[k].weight, expected.weight) << "item " << item << " spec " << k;
      ++compared;
      if (expected.value != 0) ++nonzero;
    }
  }
  EXPECT_EQ(compared, 2000 * 48);
  EXPECT_GT(nonzero, compared / 4);  // the data matches often enough to mean something
}

TEST(ModelCiBatch, OneMetricAloneEqualsItWithOthers) {
  // A metric computed alone and among others (sharing assignments) gives the same value.
  std::mt19937 rng(7);
  std::vector<CiMetricSpec> specs = AllSpecs();
  CiItemEvaluator together, alone;
  std::vector<CiScalar> all(specs.size());
  for (int item = 0; item < 300; ++item) {
    std::vector<Drawn> gt(4), preds(9);
    for (Drawn& d : gt) d = Draw(rng, false);
    for (Drawn& d : preds) d = Draw(rng, true);
    std::vector<CiShapeRef> gt_refs, pred_refs;
    for (const Drawn& d : gt) gt_refs.push_back(ToRef(d));
    for (const Drawn& d : preds) pred_refs.push_back(ToRef(d));
    together.Evaluate(specs, gt_refs, pred_refs, all);
    for (size_t k = 0; k < specs.size(); ++k) {
      CiScalar one;
      alone.Evaluate(std::span(&specs[k], 1), gt_refs, pred_refs, std::span(&one, 1));
      ASSERT_EQ(one.value, all[k].value);
      ASSERT_EQ(one.weight, all[k].weight);
    }
  }
}

}  // namespace
}  // namespace nucleus::eval
