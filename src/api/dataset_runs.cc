#include "api/dataset_runs.h"

#include "store/datasets.h"
#include "store/models.h"

namespace nucleus::api {

Result<std::vector<std::string>> ListDatasetModelRunIds(Context& ctx, const std::string& owner,
                                                        const std::string& dataset_id) {
  std::vector<std::string> ids;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::ModelRun> runs, tx.models().ListRuns(dataset_id));
    for (store::ModelRun& run : runs) ids.push_back(std::move(run.id));
    return Status::Ok();
  }));
  return ids;
}

}  // namespace nucleus::api
