// Bodies of the model-run routes (model_runs.md): create, info, commit. Errors name the object
// and the field (`field "name" of model run: ...`). Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/jobs.h"
#include "core/models.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"

namespace nucleus::wire {

// {"name", "reference_id"?, "metadata"?, "annotation_metadata_schema"?}
Result<core::NewModelRun> DecodeNewModelRun(std::string_view body);
// {"model_run_id", "model_id"}
std::string EncodeModelRunCreated(const core::ModelRun& run);
// GET modelRun/{run}/info.
std::string EncodeModelRunInfo(const core::ModelRun& run);

// Commit options (model_runs.md §3, predictions.md §5) from a request body object:
// "class_agnostic"?, "allowed_label_matches"? ([{"ground_truth_label", "model_prediction_label"}],
// which implies class_agnostic false). Errors name "commit options" or allowed_label_matches[i].
Status ReadCommitRequest(JsonObject body, core::CommitOptions* options);
// POST modelRun/{run}/commit: the body (method `method`) holding commit options.
Result<core::CommitOptions> DecodeCommitRequest(std::string_view body, std::string_view method);
// Its answer: {"model_run_id": run_id, <the job object, "Running">}.
std::string EncodeCommitSubmitted(std::string_view run_id, const core::Job& job);

}  // namespace nucleus::wire
