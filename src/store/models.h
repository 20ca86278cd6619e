// Models (models.md) and model runs (model_runs.md). A model belongs to an owner and is unique
// per (owner, reference_id); a run applies one model to one dataset and owns that pair's
// predictions (store/predictions.h). Deleting a model deletes its runs; deleting a run (or its
// dataset) deletes its predictions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/models.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The records live in core/ so that wire/ can encode them.
using Model = core::Model;
using ModelRun = core::ModelRun;

// A retired model and its runs belong to the owner "retired:<model id>": no owner-scoped lookup or
// listing sees them any more, while their deletion (a job: a run can hold millions of
// predictions) runs in the background. API keys cannot have an owner with this prefix.
inline constexpr std::string_view kRetiredOwnerPrefix = "retired:";

class ModelRepo {
 public:
  virtual ~ModelRepo() = default;
  // Assigns `model->rowid`. AlreadyExists when the owner has a model with that reference id.
  virtual Status Insert(Model* model) = 0;
  // NotFound unless the model exists and belongs to `owner`.
  virtual Result<Model> Get(const std::string& owner, const std::string& id) = 0;
  virtual Result<std::optional<Model>> FindByRef(const std::string& owner,
                                                 const std::string& reference_id) = 0;
  virtual Result<Model> GetByRowid(int64_t rowid) = 0;
  // The owner's models, oldest first.
  virtual Result<std::vector<Model>> List(const std::string& owner) = 0;
  virtual Status SetTags(int64_t rowid, const std::vector<std::string>& tags) = 0;
  virtual Status SetTrainedSliceIds(int64_t rowid, const std::vector<std::string>& ids) = 0;
  // Removes the model with its runs and their predictions.
  virtual Status Delete(int64_t rowid) = 0;
  // Moves the model and its runs to the owner kRetiredOwnerPrefix + model id.
  virtual Status Retire(int64_t rowid) = 0;

  // Assigns `run->rowid`; `run->model_rowid` must name an existing model.
  virtual Status InsertRun(ModelRun* run) = 0;
  // NotFound unless the run exists and belongs to `owner`.
  virtual Result<ModelRun> GetRun(const std::string& owner, const std::string& id) = 0;
  // The most recent run of (model, dataset), if any.
  virtual Result<std::optional<ModelRun>> LatestRun(int64_t model_rowid,
                                                    const std::string& dataset_id) = 0;
  // The dataset's runs, oldest first, without the runs of retired models.
  virtual Result<std::vector<ModelRun>> ListRuns(const std::string& dataset_id) = 0;
  // The model's runs on every dataset, oldest first.
  virtual Result<std::vector<ModelRun>> ListRunsOfModel(int64_t model_rowid) = 0;
  // Writes status, commit_request_json and trained_slice_id.
  virtual Status UpdateRun(const ModelRun& run) = 0;
  // Removes the run and its predictions.
  virtual Status DeleteRun(int64_t rowid) = 0;
};

}  // namespace nucleus::store
