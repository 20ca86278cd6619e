// The evaluation job's path for the box and polygon functions of Model CI (bbox_* and poly_*
// without filters; validate.md §8.3), kept apart from validate_eval.cc's general path, which
// gives the same values (tests/eval/model_ci_batch_test.cc, tests/py/test_validate.py).
//
// Per job, the run's predictions and the dataset's ground truth are read once as compact
// payload-free records (boxes inline, polygon rings in one array, labels interned) and grouped
// by item; per scenario test, every expected box/polygon metric of the test is computed in one
// pass over its items (eval::CiItemEvaluator: one IoU matrix per item, shared assignments), on
// up to 4 threads. Memory for the length of the job: 80 bytes per box or polygon of the run and
// of the dataset's ground truth read, 16 per polygon vertex, and the item ids of a large test's
// dataset. Not thread-safe: one per job run.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/jobs.h"
#include "core/validate.h"
#include "eval/model_ci_metrics.h"
#include "nucleus/result.h"

namespace nucleus::api {

// The metric and inputs of a detection function this server computes (box, polygon, cuboid
// and category functions; the mask functions are api/validate_seg.h's).
struct DetectionFunction {
  eval::CiDetectionMetric metric;
  bool polygons;
  bool cuboids = false;
  eval::CiCuboidMetric cuboid_metric = eval::CiCuboidMetric::kIou3d;
  bool categories = false;  // cat_f1
};
// nullopt for a function that is not one of those.
std::optional<DetectionFunction> DetectionFunctionOf(std::string_view id);

// Whether the evaluation of function `function_id` with `args` takes this path.
bool IsBatchedDetection(std::string_view function_id, const core::EvalArguments& args);

// One evaluation's values: one per item of the test's slice (member order, each item once;
// nullopt: nothing measured) and the aggregate.
struct DetectionValues {
  const std::vector<std::string>* item_ids = nullptr;  // owned by the DetectionJob
  std::vector<std::optional<double>> values;
  std::optional<double> result;
};

class DetectionJob {
 public:
  DetectionJob();
  ~DetectionJob();

  // Declares an evaluation the job will run, so that the first evaluation of its test computes
  // it too. Optional: an evaluation not declared is computed when it runs.
  void Expect(const core::ScenarioTestEvaluation& e, const core::EvalArguments& args);

  // The values of evaluation `e` (IsBatchedDetection). Reads what the job has not read yet: the
  // test's slice members, the latest run of the model on the slice's dataset (none: every item
  // without predictions), that run's predictions and the dataset's ground truth. NotFound when
  // the test, its slice or the model is gone.
  Result<DetectionValues> Compute(JobRun& run, const core::ScenarioTestEvaluation& e,
                                  const core::EvalArguments& args);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nucleus::api
