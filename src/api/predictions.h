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
#include "nucleus/result.h"
#include "store/jobs.h"
#include "store/predictions.h"
#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace nucleus::api {

inline constexpr const char* kPredictionUploadJobType = "uploadPredictions";

// The objects of one upload, parsed; `raw_json` (parallel to `objects`, or empty) keeps each
// object as sent for async job error entries.
struct PredictionBatch {
  std::vector<wire::ParsedAnnotation> objects;
  std::vector<std::string> raw_json;
  std::vector<std::string> errors;  // objects that did not parse
  int64_t parse_failures = 0;
};

// Parses the elements of an "annotations" (or, with `segmentations`, a "segmentations") array;
// `first_index` numbers the objects in error messages.
// The object-level caps of `limits` apply to each object.
void ParsePredictionArray(wire::JsonArray array, bool segmentations, int64_t first_index,
                          const wire::Limits& limits, PredictionBatch* batch);

struct PredictCounts {
  std::string dataset_id;  // the run's
  int64_t processed = 0;  // created + replaced
  int64_t ignored = 0;    // already existed and update was false
  int64_t errored = 0;    // parse failures, unknown reference ids, repeats within the request
  std::vector<std::string> errors;
};

// Writes the batch into run `run_id` (model_runs.md §4). The batch is consumed.
// Objects past max_predictions_per_item on their item become errors before anything is written;
// `per_item` counts across calls (an async upload's chunks), null = this batch alone.
Result<PredictCounts> PutPredictions(Context& ctx, const std::string& owner,
                                     const std::string& run_id, PredictionBatch batch, bool update,
                                     PerItemCounter* per_item = nullptr);

// POST modelRun/{run}/predict?async=1 and dataset/{ds}/model/{prj}/uploadPredictions?async=1:
// checks the run and the payload uploaded under `request_id` to `upload_dataset_id`'s signed URL,
// then submits an "uploadPredictions" job that streams it (one prediction object per line).
Result<store::Job> SubmitPredictionUpload(Context& ctx, const std::string& owner,
                                          const std::string& run_id,
                                          const std::string& upload_dataset_id,
                                          const std::string& request_id, bool update);
// The job handler: one transaction and one progress step per chunk of lines; per-object failures
// become job errors (naming the reference id) and the job still completes with message
// {"prediction_upload": {"total", "errored", "ignored", "processed"}}. Memory does not grow with
// the payload.
Status RunPredictionUploadJob(JobRun& run);

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
