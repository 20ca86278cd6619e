// Model-run use cases (model_runs.md): create, info, commit (a "modelRunCommit" job), delete, and
// the runs of a dataset. Every call is scoped to `owner`: another owner's run or dataset is
// NotFound, exactly like a missing one. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "api/run_matching.h"
#include "core/models.h"
#include "nucleus/result.h"
#include "store/jobs.h"
#include "store/models.h"
#include "store/store.h"

namespace nucleus::api {

inline constexpr const char* kModelRunCommitJobType = "modelRunCommit";

using core::NewModelRun;

// POST dataset/{ds}/modelRun/create: attaches the run to the owner's model with that reference id,
// creating the model (named after the run) when there is none.
Result<store::ModelRun> CreateModelRun(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, NewModelRun input);
Result<store::ModelRun> GetModelRun(Context& ctx, const std::string& owner,
                                    const std::string& run_id);
// The run the model-level routes use for (dataset, model): the most recent one. With `create`, a
// new run is made on first use (named after the model); without, NotFound when there is none.
Result<store::ModelRun> RunOfModel(Context& ctx, const std::string& owner,
                                   const std::string& dataset_id, const std::string& model_id,
                                   bool create);
// Ids of the dataset's runs, oldest first (for dataset/{ds}/model_runs and dataset info).
// NotFound for an unknown dataset.
Result<std::vector<std::string>> ListModelRunIds(Context& ctx, const std::string& owner,
                                                 const std::string& dataset_id);
// The trained_slice_id of a model-level upload (predictions.md §3 [rec]): recorded on the run and
// added to the model's trained_slice_ids.
Status RecordTrainedSlice(Context& ctx, const std::string& owner, const std::string& run_id,
                          const std::string& slice_id);
// DELETE modelRun/{run}: the run and its predictions.
Status DeleteModelRun(Context& ctx, const std::string& owner, const std::string& run_id);
// What a run owns outside the predictions table (scene-category predictions); called by every
// path that deletes runs, inside its transaction.
Status DropRunExtras(store::Tx& tx, const store::ModelRun& run);

// POST modelRun/{run}/commit and .../calculateEvaluationMetrics: records the options on the run
// and submits a "modelRunCommit" job that calls MatchRunPredictions.
Result<store::Job> SubmitCommit(Context& ctx, const std::string& owner, const std::string& run_id,
                                const CommitOptions& options);
Status RunCommitJob(JobRun& run);

}  // namespace nucleus::api
