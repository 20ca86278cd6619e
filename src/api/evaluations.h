// Evaluation use cases (evaluation.md): the object query over a run's committed matches
// (queryObjectsPage, §1) and Evaluations V2 (§2): create (an "evaluationV2" job that computes
// the evaluation's own match set), get, list, delete, charts and examples.
//
// Metrics are computed on demand from the stored matches, so thresholds and filters apply at
// query time: mAP, per-class AP, AP by size and PR curves by the COCO protocol over the box
// objects (eval/coco_eval.h; runs without boxes fall back to eval/metrics.h over the matches),
// counts, confusion matrix and TIDE from the matches (eval/metrics.h).
// Every call is scoped to `owner`; another owner's objects are NotFound. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "api/run_matching.h"
#include "core/evaluations.h"
#include "nucleus/result.h"
#include "store/evaluations.h"
#include "store/matches.h"

namespace nucleus::api {

inline constexpr const char* kEvaluationJobType = "evaluationV2";

// ---- queryObjectsPage (evaluation.md §1) ----

using core::ObjectsPage;
using core::ObjectsQuery;
using core::PatchMode;

// InvalidArgument for a bad token or a missing run id; NotFound for another owner's dataset or
// run, or a run of another dataset; FailedPrecondition when the run has not been committed.
Result<ObjectsPage> QueryObjects(Context& ctx, const std::string& owner, const ObjectsQuery& q);

// ---- Evaluations V2 (evaluation.md §2) ----

using core::NewEvaluation;

// Records a "pending" evaluation and submits its job (temporal_workflow_id = the job id).
Result<store::Evaluation> CreateEvaluation(Context& ctx, const std::string& owner,
                                           const std::string& run_id, NewEvaluation input);
Result<store::Evaluation> GetEvaluation(Context& ctx, const std::string& owner,
                                        const std::string& id);
// Newest first. NotFound for an unknown run.
Result<std::vector<store::Evaluation>> ListEvaluations(Context& ctx, const std::string& owner,
                                                       const std::string& run_id);
// Removes the evaluation and its matches.
Status DeleteEvaluation(Context& ctx, const std::string& owner, const std::string& id);
// The job: "computing", then "succeeded" with the match set stored, or "failed".
Status RunEvaluationJob(JobRun& job);

using core::Charts;
using core::ChartsQuery;
using core::LabelValue;
using core::MatchFilters;
using core::Range;

// FailedPrecondition until the evaluation has succeeded.
Result<Charts> EvaluationCharts(Context& ctx, const std::string& owner, const std::string& id,
                                const ChartsQuery& query);

using core::Example;
using core::ExamplesPage;
using core::ExamplesQuery;
using core::ExampleType;

// A pair is a true positive when its labels match (equal or allowed) and its IoU is at least
// 0.5; its prediction is otherwise a false positive and its ground truth a false negative.
Result<ExamplesPage> EvaluationExamples(Context& ctx, const std::string& owner,
                                        const std::string& id, const ExamplesQuery& query);

}  // namespace nucleus::api
