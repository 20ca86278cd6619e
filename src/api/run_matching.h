// The matching step of a commit (model_runs.md §3, predictions.md §5): the seam between the
// commit job (api/model_runs.cc) and the evaluation engine (src/eval/).
//
// MatchRunPredictions is owned by the engine's area: it reads the run's predictions
// (store::PredictionRepo::ForEachInRun) and the dataset's ground truth, matches them per item as
// docs/design/matching.md says, stores the matches (replacing the previous commit's) and
// reports what it did (`computed = true`).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "core/jobs.h"
#include "eval/matching.h"
#include "nucleus/result.h"
#include "store/models.h"

namespace nucleus::api {

// The commit options are the job request's (core/jobs.h).
using CommitOptions = core::CommitOptions;

struct MatchSummary {
  bool computed = false;  // true once matches were stored
  int64_t predictions = 0;
  int64_t ground_truth = 0;
  int64_t matches = 0;
};

// Runs inside the "modelRunCommit" job; may report progress through `job`.
Result<MatchSummary> MatchRunPredictions(Context& ctx, const store::ModelRun& run,
                                         const CommitOptions& options, JobRun& job);

// Matches the run's box, polygon and cuboid predictions against the dataset's ground truth of
// the same kinds (eval/matching.h) and replaces match set `set_key` (store/matches.h) with the
// result, in one transaction. Shapes come from the stored packed geometry
// (core/packed_geometry.h); payloads are neither read nor parsed, and an object without packed
// geometry (its payload did not parse, or a row the start-up backfill has not reached) is not
// matched. MatchRunPredictions uses the run id as the key; an evaluation uses
// its own id. Other kinds (lines, keypoints, masks, categories) are not matched.
// Candidate pairs come from eval::MatchItemIndexed (no ground truth x prediction matrix). An
// item with more than `max_candidate_pairs` overlapping pairs (IoU > 0, labels allowed), or
// more than twice that many pairs whose bounding boxes overlap (each costs an IoU), ends the
// whole computation with kInvalidArgument naming the item by reference id, and nothing is
// stored: matching holds at most that many pairs (16 bytes each) per matching thread (<= 4).
Result<MatchSummary> ComputeMatchSet(Context& ctx, const store::ModelRun& run,
                                     const CommitOptions& options, const std::string& set_key,
                                     size_t max_candidate_pairs = eval::kMaxCandidatePairsPerItem);

}  // namespace nucleus::api
