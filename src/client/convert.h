// JSON ⇄ SDK value types for the client: what the Python client sends (key sets and order of
// annotations.md §2, predictions.md §1, items.md §1.1) and how it reads answers back
// (predictions.md §2, datasets.md §11, evaluation.md, jobs.md). Internal to src/client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nucleus/json.h"
#include "nucleus/result.h"
#include "nucleus/types.h"
#include "wire/json_reader.h"

namespace nucleus::client {

Json ToJson(wire::JsonValue value);

// Python's str() of a number as used in default annotation ids: integral values without ".0"
// (as Python prints the ints users normally pass), others in shortest round-trip form.
std::string PyNumber(double value);

// The annotation_id the Python client would send (default filled for boxes and keypoints).
std::optional<std::string> EffectiveAnnotationId(const Prediction& p);
std::optional<std::string> EffectiveAnnotationId(const Annotation& a);
// False for kinds without an annotation_id attribute (categories).
bool HasAnnotationId(const Prediction& p);
bool HasAnnotationId(const Annotation& a);
const std::string& ReferenceIdOf(const Prediction& p);
const std::string& ReferenceIdOf(const Annotation& a);
const std::optional<std::string>* TaskIdOf(const Annotation& a);
// Segmentations whose mask_url is a local path (scheme not http/https/s3/gs).
bool IsLocalPath(std::string_view location);
const SegmentationPrediction* AsSegmentation(const Prediction& p);
const SegmentationAnnotation* AsSegmentation(const Annotation& a);

void AppendPrediction(const Prediction& p, std::string* out);
void AppendAnnotation(const Annotation& a, std::string* out);
// `update` is written only inside multipart item arrays.
void AppendItem(const DatasetItem& item, std::optional<bool> update, std::string* out);
void AppendCommit(const CommitOptions& options, std::string* out);
void AppendAllowedMatches(const std::vector<AllowedMatch>& matches, std::string* out);

Result<Prediction> ParsePrediction(wire::JsonValue value);
Result<Annotation> ParseAnnotation(wire::JsonValue value);
// A group object {"box": [...], ...}; unknown group keys are an error as in the Python client.
Result<PredictionGroups> ParsePredictionGroups(wire::JsonValue value);
Result<AnnotationGroups> ParseAnnotationGroups(wire::JsonValue value);
Result<DatasetItem> ParseItem(wire::JsonValue value);
Result<EvaluationMatch> ParseEvaluationMatch(wire::JsonValue value);
Result<EvaluationV2> ParseEvaluationV2(wire::JsonValue value);
Result<EvaluationCharts> ParseCharts(wire::JsonValue value);
Result<EvaluationExamples> ParseExamples(wire::JsonValue value);

}  // namespace nucleus::client
