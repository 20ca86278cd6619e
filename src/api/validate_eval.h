// Model CI evaluations (docs/api/validate.md §4, §5): evaluating a model on scenario tests as a
// job, the per-test history and per-item results. Scoped to `owner` like every Model CI call.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "core/validate.h"
#include "nucleus/result.h"
#include "store/jobs.h"

namespace nucleus::api {

// The job type of POST validate/{prj}/evaluate (the client's CustomerJobTypes.TEST_EVALUATION);
// its handler is composed in server/ (the stored arguments are JSON): StartScenarioTestEvaluation,
// then RunScenarioTestEvaluation or FailScenarioTestEvaluation for each evaluation id of the
// request (core::JobRequest::reference_ids; model_id holds the model).
inline constexpr char kTestEvaluationJobType[] = "testEvaluation";
// POST validate/{prj}/metrics: the same work, one job per scenario test.
inline constexpr char kModelMetricsJobType[] = "modelMetrics";

// POST validate/{prj}/evaluate (§4.1): one "pending" evaluation per (named test, metric), with
// the metric's threshold and comparison copied, and one job evaluating them all. NotFound for an
// unknown model or test name; InvalidArgument for no names.
Result<store::Job> EvaluateModelOnScenarioTests(Context& ctx, const std::string& owner,
                                                const std::string& model_id,
                                                const std::vector<std::string>& test_names);
// POST validate/{prj}/metrics (§4.2): one job per scenario test of the owner (none: empty).
Result<std::vector<store::Job>> EvaluateModelOnAllScenarioTests(Context& ctx,
                                                                const std::string& owner,
                                                                const std::string& model_id);

// In the job: marks evaluation `id` (of the job's owner) "started" and returns it.
Result<core::ScenarioTestEvaluation> StartScenarioTestEvaluation(JobRun& run,
                                                                 const std::string& id);
// What the evaluations of one job read, kept across them: the items of a test's slice with their
// ground truth are read once per (test, model, kind of shapes), so the metrics of one test share
// one snapshot; a run's predictions (without payloads) are scanned once per job, at the first
// test that needs them, and kept grouped by item for the others (memory: about 40 bytes plus
// label and packed geometry per prediction of the run). Evaluations with filters or of cat_f1
// read whole prediction rows for their test instead. The seg_* evaluations share each item's
// pixel counts (api/validate_seg.h, SegmentationReads). Not thread-safe: one per job run.
//
// Box and polygon functions without filters (bbox_*, poly_*) take the batched path of
// api/validate_detection.h instead: predictions and ground truth read once per job as compact
// records, every metric of a test computed in one pass over its items. Declaring the job's
// evaluations first (Expect) lets that pass compute all of a test's metrics at once.
class EvaluationReads {
 public:
  EvaluationReads();
  ~EvaluationReads();
  // Declares an evaluation the job will run with `args` (optional; see above).
  void Expect(const core::ScenarioTestEvaluation& e, const core::EvalArguments& args);
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Computes the evaluation's metric with `args` over the slice's items, the model's predictions
// of its latest run on the slice's dataset (none: every item without predictions) and the
// current ground truth (shared through `reads`, see there), filtered by the
// arguments' filters (§8.2; `fields` reads the stored objects' attributes); stores the item
// results, the aggregate and the pass/fail, "completed". InvalidArgument (the caller marks the
// evaluation errored) for a function this server does not compute yet, or a filter that cannot
// be applied to an object (a missing field without allow_missing, an order across kinds).
Status RunScenarioTestEvaluation(JobRun& run, core::ScenarioTestEvaluation evaluation,
                                 const core::EvalArguments& args, EvaluationReads& reads,
                                 const core::ObjectFieldReader& fields);
// The evaluations `ids` of the job's owner, as stored (to declare them: EvaluationReads::Expect).
// NotFound for an unknown id.
Result<std::vector<core::ScenarioTestEvaluation>> ListJobEvaluations(
    JobRun& run, const std::vector<std::string>& ids);
// Marks the evaluation "errored" with `message`.
Status FailScenarioTestEvaluation(JobRun& run, core::ScenarioTestEvaluation evaluation,
                                  const std::string& message);

// POST validate/scenario_test/upload_results (§3.9): stores the results as a completed
// evaluation of the model (result: overall_metric; one item evaluation per entity, its
// dataset_item_id the entity's reference id) and returns it. NotFound for an unknown test or
// model; InvalidArgument unless the function is one of the owner's external functions and a
// metric of the test.
Result<core::ScenarioTestEvaluation> UploadExternalResults(Context& ctx, const std::string& owner,
                                                           const core::ExternalResults& input);

// GET validate/scenario_test/{ut}/eval_history/details (§5.1): newest first.
Result<std::vector<core::ScenarioTestEvaluation>> ListScenarioTestEvaluations(
    Context& ctx, const std::string& owner, const std::string& test_id);

struct EvaluationWithItems {
  core::ScenarioTestEvaluation evaluation;
  std::vector<core::ItemEvaluation> items;  // slice order
};
// GET validate/eval/{ute}/info (§5.2).
Result<EvaluationWithItems> GetScenarioTestEvaluation(Context& ctx, const std::string& owner,
                                                      const std::string& id);

}  // namespace nucleus::api
