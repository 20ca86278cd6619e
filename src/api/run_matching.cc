#include "api/run_matching.h"

namespace nucleus::api {

// Placeholder until the evaluation engine (src/eval/) implements matching: reports that nothing
// was computed, so the commit job shows matching as pending instead of results.
Result<MatchSummary> MatchRunPredictions(Context& ctx, const store::ModelRun& run,
                                         const CommitOptions& options, JobRun& job) {
  (void)ctx;
  (void)run;
  (void)options;
  (void)job;
  return MatchSummary{};
}

}  // namespace nucleus::api
