#include "api/models.h"

#include <algorithm>

#include "api/jobs.h"
#include "api/model_runs.h"
#include "core/ids.h"
#include "store/predictions.h"

namespace nucleus::api {
namespace {

void AppendNew(std::vector<std::string>* list, const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    if (std::find(list->begin(), list->end(), v) == list->end()) list->push_back(v);
  }
}

// Removes `values` from `list`; returns how many were removed.
size_t RemoveAll(std::vector<std::string>* list, const std::vector<std::string>& values) {
  size_t before = list->size();
  std::erase_if(*list, [&](const std::string& v) {
    return std::find(values.begin(), values.end(), v) != values.end();
  });
  return before - list->size();
}

Result<store::Model> ModelById(store::Tx& tx, const std::string& owner, const std::string& id) {
  if (core::IdPrefix(id) == "run") {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, id));
    return tx.models().GetByRowid(run.model_rowid);
  }
  return tx.models().Get(owner, id);
}

}  // namespace

Result<store::Model> CreateModel(Context& ctx, const std::string& owner, NewModel input) {
  if (input.name.empty()) return InvalidArgument("field \"name\" of model: must not be empty");
  store::Model m;
  m.id = core::NewId("prj");
  m.owner = owner;
  m.name = std::move(input.name);
  m.reference_id = std::move(input.reference_id);
  m.metadata_json = std::move(input.metadata_json);
  m.bundle_name = std::move(input.bundle_name);
  AppendNew(&m.tags, input.tags);
  AppendNew(&m.trained_slice_ids, input.trained_slice_ids);
  m.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Model> existing,
                             tx.models().FindByRef(owner, m.reference_id));
    if (existing) {
      return AlreadyExists("a model with reference_id \"" + m.reference_id +
                           "\" already exists (" + existing->id + ")");
    }
    return tx.models().Insert(&m);
  }));
  return m;
}

Result<std::vector<store::Model>> ListModels(Context& ctx, const std::string& owner) {
  std::vector<store::Model> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.models().List(owner));
    return Status::Ok();
  }));
  return out;
}

Result<store::Model> GetModel(Context& ctx, const std::string& owner, const std::string& id) {
  store::Model out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, ModelById(tx, owner, id));
    return Status::Ok();
  }));
  return out;
}

namespace {

// Removes the model's rows in one transaction (runs by cascade, predictions by trigger).
Status DeleteModelRows(store::Tx& tx, int64_t model_rowid) {
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::ModelRun> runs,
                           tx.models().ListRunsOfModel(model_rowid));
  for (const store::ModelRun& run : runs) NUCLEUS_RETURN_IF_ERROR(DropRunExtras(tx, run));
  return tx.models().Delete(model_rowid);
}

// Predictions removed per write transaction by the deletion job.
constexpr int64_t kDeletionChunk = 50000;

}  // namespace

Status DeleteModel(Context& ctx, const std::string& owner, const std::string& id) {
  if (ctx.jobs == nullptr) {
    return ctx.store.Write([&](store::Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
      return DeleteModelRows(tx, m.rowid);
    });
  }
  core::JobRequest request;
  request.model_id = id;
  return ctx.jobs
      ->Submit(owner, "", kModelDeletionJobType, request,
               [&](store::Tx& tx) -> Status {
                 NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
                 return tx.models().Retire(m.rowid);
               })
      .status();
}

Status RunModelDeletionJob(JobRun& job) {
  Context& ctx = job.ctx();
  const std::string& model_id = job.request().model_id;
  if (model_id.empty()) {
    return InvalidArgument("field \"model_id\" of model deletion request: is required");
  }
  const std::string retired_owner = std::string(store::kRetiredOwnerPrefix) + model_id;
  std::optional<store::Model> model;
  std::vector<store::ModelRun> runs;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    Result<store::Model> m = tx.models().Get(retired_owner, model_id);
    if (m.status().code() == StatusCode::kNotFound) return Status::Ok();  // already deleted
    NUCLEUS_RETURN_IF_ERROR(m.status());
    model = *m;
    NUCLEUS_ASSIGN_OR_RETURN(runs, tx.models().ListRunsOfModel(model->rowid));
    return Status::Ok();
  }));
  int64_t deleted = 0;
  if (model) {
    const int64_t steps = static_cast<int64_t>(runs.size()) + 1;
    for (size_t r = 0; r < runs.size(); ++r) {
      // The run's predictions in bounded transactions, then the run itself.
      for (int64_t n = kDeletionChunk; n == kDeletionChunk;) {
        NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
          NUCLEUS_ASSIGN_OR_RETURN(n, tx.predictions().DeleteSomeOfRun(runs[r].rowid,
                                                                       kDeletionChunk));
          return Status::Ok();
        }));
        deleted += n;
      }
      NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
        NUCLEUS_RETURN_IF_ERROR(DropRunExtras(tx, runs[r]));
        return tx.models().DeleteRun(runs[r].rowid);
      }));
      NUCLEUS_RETURN_IF_ERROR(job.Progress(static_cast<int64_t>(r) + 1, steps));
    }
    NUCLEUS_RETURN_IF_ERROR(
        ctx.store.Write([&](store::Tx& tx) { return DeleteModelRows(tx, model->rowid); }));
    NUCLEUS_RETURN_IF_ERROR(job.Progress(steps, steps));
  }
  core::JobMessage message;
  message.Object("model_deletion")
      .String("model_id", model_id)
      .Int("model_runs", static_cast<int64_t>(runs.size()))
      .Int("predictions", deleted);
  job.SetMessage(message);
  return Status::Ok();
}

Result<std::vector<std::string>> AddModelTags(Context& ctx, const std::string& owner,
                                              const std::string& id,
                                              const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
    out = m.tags;
    AppendNew(&out, tags);
    return tx.models().SetTags(m.rowid, out);
  }));
  return out;
}

Result<std::vector<std::string>> RemoveModelTags(Context& ctx, const std::string& owner,
                                                 const std::string& id,
                                                 const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
    out = m.tags;
    if (RemoveAll(&out, tags) == 0) {
      // Exact text asserted by the client's tests (models.md §6).
      return InvalidArgument("Deleted 0 tags from model. The specified tag(s) were not found.");
    }
    return tx.models().SetTags(m.rowid, out);
  }));
  return out;
}

Result<std::vector<std::string>> AddTrainedSliceIds(Context& ctx, const std::string& owner,
                                                    const std::string& id,
                                                    const std::vector<std::string>& slice_ids) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
    out = m.trained_slice_ids;
    AppendNew(&out, slice_ids);
    return tx.models().SetTrainedSliceIds(m.rowid, out);
  }));
  return out;
}

Result<std::vector<std::string>> RemoveTrainedSliceIds(Context& ctx, const std::string& owner,
                                                       const std::string& id,
                                                       const std::vector<std::string>& slice_ids) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Model m, tx.models().Get(owner, id));
    out = m.trained_slice_ids;
    RemoveAll(&out, slice_ids);
    return tx.models().SetTrainedSliceIds(m.rowid, out);
  }));
  return out;
}

}  // namespace nucleus::api
