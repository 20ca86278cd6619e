// The model runs of a dataset (datasets.md §16). Runs belong to model_runs.md's area; this is the
// one place GET dataset/{ds}/model_runs asks, so that area extends this function when runs exist.
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "nucleus/result.h"

namespace nucleus::api {

// Ids ("run_...") of the runs on the dataset, oldest first; NotFound for an unknown dataset.
Result<std::vector<std::string>> ListDatasetModelRunIds(Context& ctx, const std::string& owner,
                                                        const std::string& dataset_id);

}  // namespace nucleus::api
