#include "api/dataset_runs.h"

#include "store/datasets.h"

namespace nucleus::api {

Result<std::vector<std::string>> ListDatasetModelRunIds(Context& ctx, const std::string& owner,
                                                        const std::string& dataset_id) {
  std::vector<std::string> ids;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    // No store of model runs exists yet, so a dataset has none; model_runs.md's area reads them
    // here once it adds its repository.
    return Status::Ok();
  }));
  return ids;
}

}  // namespace nucleus::api
