// The typed requests and results of the prediction use cases (model_runs.md §4-5,
// predictions.md §3): what wire/predictions.h decodes an upload into and what api/predictions.h
// answers. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/annotations.h"

namespace nucleus::core {

// The objects of one upload (or of one chunk of an async upload), parsed and validated.
struct PredictionBatch {
  std::vector<ParsedAnnotation> objects;
  // Objects that did not parse, each already worded as its `errors` entry.
  std::vector<std::string> errors;
};

// A prediction upload body: {"annotations": [...], "segmentations": [...], "update": bool,
// "trained_slice_id": "..."}, or, on an `?async=1` call, {"requestId": "...", "update": bool}.
struct PredictionUpload {
  bool update = false;
  PredictionBatch batch;                        // sync calls
  std::optional<std::string> trained_slice_id;  // sync calls; as sent
  std::string request_id;                       // async calls: the signed-URL upload to read
};

// What a sync upload (or one chunk of an async one) did.
struct PredictCounts {
  std::string dataset_id;  // the run's
  int64_t processed = 0;   // created + replaced
  int64_t ignored = 0;     // already existed and update was false
  int64_t errored = 0;     // parse failures, unknown reference ids, repeats within the request
  // Every error, in order: the batch's parse failures first, then the objects refused by the
  // per-item cap or at write time.
  std::vector<std::string> errors;
  // Parallel to `errors`: the position in PredictionBatch::objects (as passed in) of the object
  // the entry is about, or -1 for the batch's parse failures. An async upload uses it to quote the
  // object's line beside the message.
  std::vector<int64_t> error_objects;
};

}  // namespace nucleus::core
