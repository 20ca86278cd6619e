#include "api/model_runs.h"

#include "api/scenes.h"
#include "core/ids.h"
#include "store/datasets.h"
#include "store/predictions.h"

namespace nucleus::api {
namespace {

store::ModelRun NewRun(Context& ctx, const std::string& owner, const store::Model& model,
                       const std::string& dataset_id, std::string name) {
  store::ModelRun run;
  run.id = core::NewId("run");
  run.owner = owner;
  run.model_rowid = model.rowid;
  run.model_id = model.id;
  run.dataset_id = dataset_id;
  run.name = std::move(name);
  run.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
  return run;
}

}  // namespace

Result<store::ModelRun> CreateModelRun(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, NewModelRun input) {
  store::ModelRun run;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    std::optional<store::Model> model;
    if (input.reference_id) {
      NUCLEUS_ASSIGN_OR_RETURN(model, tx.models().FindByRef(owner, *input.reference_id));
    }
    if (!model) {
      // No model with that reference id: create one for the run (model_runs.md §1 [rec]).
      store::Model m;
      m.id = core::NewId("prj");
      m.owner = owner;
      m.name = input.name;
      m.reference_id = input.reference_id ? *input.reference_id : m.id;
      m.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
      NUCLEUS_RETURN_IF_ERROR(tx.models().Insert(&m));
      model = std::move(m);
    }
    run = NewRun(ctx, owner, *model, dataset_id, std::move(input.name));
    run.metadata_json = std::move(input.metadata_json);
    run.annotation_metadata_schema_json = std::move(input.annotation_metadata_schema_json);
    return tx.models().InsertRun(&run);
  }));
  return run;
}

Result<store::ModelRun> GetModelRun(Context& ctx, const std::string& owner,
                                    const std::string& run_id) {
  store::ModelRun run;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(run, tx.models().GetRun(owner, run_id));
    return Status::Ok();
  }));
  return run;
}

Result<store::ModelRun> RunOfModel(Context& ctx, const std::string& owner,
                                   const std::string& dataset_id, const std::string& model_id,
                                   bool create) {
  store::ModelRun run;
  auto find = [&](store::Tx& tx, bool may_create) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(store::Model model, tx.models().Get(owner, model_id));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::ModelRun> latest,
                             tx.models().LatestRun(model.rowid, dataset_id));
    if (latest) {
      run = std::move(*latest);
      return Status::Ok();
    }
    if (!may_create) {
      return NotFound("model " + model_id + " has no predictions on dataset " + dataset_id);
    }
    run = NewRun(ctx, owner, model, dataset_id, model.name);
    return tx.models().InsertRun(&run);
  };
  // Reads first: the common case (the run exists) then takes no write lock.
  Status found = ctx.store.Read([&](store::Tx& tx) { return find(tx, false); });
  if (found.ok() || !create || found.code() != StatusCode::kNotFound) {
    if (!found.ok()) return found;
    return run;
  }
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) { return find(tx, true); }));
  return run;
}

Result<std::vector<std::string>> ListModelRunIds(Context& ctx, const std::string& owner,
                                                 const std::string& dataset_id) {
  std::vector<std::string> ids;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::ModelRun> runs, tx.models().ListRuns(dataset_id));
    for (store::ModelRun& r : runs) ids.push_back(std::move(r.id));
    return Status::Ok();
  }));
  return ids;
}

Status DropRunExtras(store::Tx& tx, const store::ModelRun& run) {
  // Scene-category predictions (store/scenes.h) are keyed by run id.
  return tx.scenes().DeleteCategoriesOfRun(run.id).status();
}

Status RecordTrainedSlice(Context& ctx, const std::string& owner, const std::string& run_id,
                          const std::string& slice_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    if (run.trained_slice_id != slice_id) {
      run.trained_slice_id = slice_id;
      NUCLEUS_RETURN_IF_ERROR(tx.models().UpdateRun(run));
    }
    NUCLEUS_ASSIGN_OR_RETURN(store::Model model, tx.models().GetByRowid(run.model_rowid));
    for (const std::string& id : model.trained_slice_ids) {
      if (id == slice_id) return Status::Ok();
    }
    model.trained_slice_ids.push_back(slice_id);
    return tx.models().SetTrainedSliceIds(model.rowid, model.trained_slice_ids);
  });
}

Status DeleteModelRun(Context& ctx, const std::string& owner, const std::string& run_id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_RETURN_IF_ERROR(DropRunExtras(tx, run));
    return tx.models().DeleteRun(run.rowid);  // predictions go by trigger
  });
}

Result<store::Job> SubmitCommit(Context& ctx, const std::string& owner, const std::string& run_id,
                                const CommitOptions& options) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  store::ModelRun run;
  core::JobRequest request;
  request.commit = options;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(run, tx.models().GetRun(owner, run_id));
    request.model_run_id = run.id;
    // Kept on the run for its next commit, as the job codec writes it.
    run.commit_request_json = ctx.job_codec->EncodeRequest(request);
    run.status = "Committing";
    return tx.models().UpdateRun(run);
  }));
  return ctx.jobs->Submit(owner, run.dataset_id, kModelRunCommitJobType, request);
}

Status RunCommitJob(JobRun& job) {
  Context& ctx = job.ctx();
  const core::JobRequest& request = job.request();
  const CommitOptions& options = request.commit;
  if (request.model_run_id.empty()) {
    return InvalidArgument("field \"model_run_id\" of commit request: is required");
  }
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run,
                           GetModelRun(ctx, job.job().owner, request.model_run_id));
  NUCLEUS_ASSIGN_OR_RETURN(MatchSummary summary, MatchRunPredictions(ctx, run, options, job));
  int64_t predictions = summary.predictions;
  if (!summary.computed) {
    NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(predictions, tx.predictions().CountByRun(run.rowid));
      return Status::Ok();
    }));
  }
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun current, tx.models().GetRun(run.owner, run.id));
    current.status = summary.computed ? "Committed" : "Committed (matching pending)";
    return tx.models().UpdateRun(current);
  }));
  core::JobMessage message;
  core::JobMessage& commit = message.Object("model_run_commit");
  commit.String("model_run_id", run.id)
      .String("matching", summary.computed ? "computed" : "pending")
      .Int("predictions", predictions);
  if (summary.computed) {
    commit.Int("ground_truth", summary.ground_truth).Int("matches", summary.matches);
  }
  job.SetMessage(message);
  return Status::Ok();
}

}  // namespace nucleus::api
