// Model use cases (models.md). Every call is scoped to `owner`: another owner's model (or run) is
// NotFound, exactly like a missing one. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "core/models.h"
#include "nucleus/result.h"
#include "store/models.h"

namespace nucleus::api {

using core::NewModel;

// POST models/add. AlreadyExists when the owner has a model with that reference id.
Result<store::Model> CreateModel(Context& ctx, const std::string& owner, NewModel input);
// GET models/, oldest first.
Result<std::vector<store::Model>> ListModels(Context& ctx, const std::string& owner);
// GET model/{id}: `id` is a model id ("prj_...") or a run id ("run_..."): then the run's model.
Result<store::Model> GetModel(Context& ctx, const std::string& owner, const std::string& id);
// DELETE model/{prj}: the model, its runs and their predictions (and the runs' scene categories).
// The model and its runs are retired at once (gone from every listing and lookup); the rows are
// removed by a kModelDeletionJobType job, a bounded number of predictions per transaction so
// other writers are not held up. Without a job service the deletion is done in the call.
Status DeleteModel(Context& ctx, const std::string& owner, const std::string& id);

inline constexpr char kModelDeletionJobType[] = "modelDeletion";
class JobRun;
// The job behind DeleteModel; safe to re-run after a crash.
Status RunModelDeletionJob(JobRun& job);

// Tags: adding is idempotent and keeps insertion order; returns the model's new list.
Result<std::vector<std::string>> AddModelTags(Context& ctx, const std::string& owner,
                                              const std::string& id,
                                              const std::vector<std::string>& tags);
// Removes the listed tags that exist. InvalidArgument with the exact client-facing message
// "Deleted 0 tags from model. The specified tag(s) were not found." when none of them exists.
Result<std::vector<std::string>> RemoveModelTags(Context& ctx, const std::string& owner,
                                                 const std::string& id,
                                                 const std::vector<std::string>& tags);

// Trained slice ids: added without duplicates / removed; returns the new list.
Result<std::vector<std::string>> AddTrainedSliceIds(Context& ctx, const std::string& owner,
                                                    const std::string& id,
                                                    const std::vector<std::string>& slice_ids);
Result<std::vector<std::string>> RemoveTrainedSliceIds(Context& ctx, const std::string& owner,
                                                       const std::string& id,
                                                       const std::vector<std::string>& slice_ids);

}  // namespace nucleus::api
