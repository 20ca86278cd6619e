// Prediction use cases (model_runs.md §4-9, predictions.md §3-4): upload into a run (sync, and
// async from a signed-URL NDJSON payload as an "uploadPredictions" job) and the reads.
//
// Every call is scoped to `owner`: another owner's run, model or dataset is NotFound, exactly like
// a missing one. A sync upload is one Store::Write: predictions whose reference id names no item,
// that repeat an identity already seen in the same request, or that did not parse become `errors`
// strings, and the rest of the batch is kept. Identity and update rules are annotations.md §3.1
// within the run. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/item_caps.h"
#include "api/jobs.h"
#include "core/predictions.h"
#include "nucleus/result.h"
#include "store/jobs.h"
#include "store/predictions.h"

namespace nucleus::api {

inline constexpr const char* kPredictionUploadJobType = "uploadPredictions";

using core::PredictCounts;
using core::PredictionBatch;

// Writes the batch into run `run_id` (model_runs.md §4). The batch is consumed.
// Objects past max_predictions_per_item on their item become errors before anything is written;
// `per_item` counts across calls (an async upload's chunks), null = this batch alone.
// `also`, when given, runs in the write's transaction with the batch's counts (errors included):
// an async upload commits its job's errors and checkpoint with the chunk (JobRun::CommitChunk);
// its error rolls the whole batch back and is returned.
using PredictionsWritten = std::function<Status(store::Tx&, const PredictCounts&)>;
Result<PredictCounts> PutPredictions(Context& ctx, const std::string& owner,
                                     const std::string& run_id, PredictionBatch batch, bool update,
                                     PerItemCounter* per_item = nullptr,
                                     const PredictionsWritten& also = nullptr);

// POST modelRun/{run}/predict?async=1 and dataset/{ds}/model/{prj}/uploadPredictions?async=1:
// checks the run and the payload uploaded under `request_id` to `upload_dataset_id`'s signed URL,
// then submits an "uploadPredictions" job (core::JobRequest: payload, model_run_id, update) that
// streams it, one prediction object per line. Its handler decodes lines, so it is composed in
// server/ (server/job_handlers.h) from the prediction decoder of the wire layer and
// PutPredictions.
Result<store::Job> SubmitPredictionUpload(Context& ctx, const std::string& owner,
                                          const std::string& run_id,
                                          const std::string& upload_dataset_id,
                                          const std::string& request_id, bool update);

// Reads of one item's predictions in a run: `fn` gets them in insertion order, inside the read
// snapshot, as store::PredictionRepo::ReadItem gives them (type and payload_json; views valid
// only during the call). NotFound when the run or the item does not exist; else `fn`'s Status.
using ItemPredictionsFn = std::function<Status(std::span<const store::PredictionRef>)>;
Status PredictionsAtIndex(Context& ctx, const std::string& owner, const std::string& run_id,
                          int64_t index, const ItemPredictionsFn& fn);
Status PredictionsOfItemId(Context& ctx, const std::string& owner, const std::string& run_id,
                           const std::string& item_id, const ItemPredictionsFn& fn);
Status PredictionsOfReference(Context& ctx, const std::string& owner, const std::string& run_id,
                              const std::string& reference_id, const ItemPredictionsFn& fn);
// One prediction's payload (its JSON as returned on read) by (reference id, annotation id);
// NotFound when absent.
Result<std::string> PredictionByAnnotationId(Context& ctx, const std::string& owner,
                                             const std::string& run_id,
                                             const std::string& reference_id,
                                             const std::string& annotation_id);
// Streams every prediction of the run (grouped by item, insertion order) inside one read
// snapshot.
Status ForEachRunPrediction(Context& ctx, const std::string& owner, const std::string& run_id,
                            const std::function<Status(const store::Prediction&)>& fn);

}  // namespace nucleus::api
