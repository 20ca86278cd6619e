// Commit options and evaluation answers ⇄ JSON: the body of ModelRun::commit and
// Dataset::calculate_evaluation_metrics, allowed label matches, and how the client reads
// evaluation matches, evaluations, charts and examples (evaluation.md). Internal to src/client.
#pragma once

#include <string>
#include <vector>

#include "nucleus/result.h"
#include "nucleus/types.h"
#include "wire/json_reader.h"

namespace nucleus::client {

void AppendCommit(const CommitOptions& options, std::string* out);
void AppendAllowedMatches(const std::vector<AllowedMatch>& matches, std::string* out);

Result<EvaluationMatch> ParseEvaluationMatch(wire::JsonValue value);
Result<EvaluationV2> ParseEvaluationV2(wire::JsonValue value);
Result<EvaluationCharts> ParseCharts(wire::JsonValue value);
Result<EvaluationExamples> ParseExamples(wire::JsonValue value);

}  // namespace nucleus::client
