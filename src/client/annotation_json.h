// Annotations and predictions ⇄ JSON: the object the Python client sends for each shape (key
// sets and order of docs/api/annotations.md §2 and predictions.md §1) and how the client reads
// them back (predictions.md §2, datasets.md §11). Internal to src/client.
//
// One encoder and one decoder per shape serve both roles (include/nucleus/types.h: Box<R>, ...);
// the role's own keys (a prediction's confidence and class_pdf, ground truth's task_id) are
// written and read in one place. Every overload pair below is one template instantiated twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nucleus/result.h"
#include "nucleus/types.h"
#include "wire/json_reader.h"

namespace nucleus::client {

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
// Null for segmentations, which have no task_id.
const std::optional<std::string>* TaskIdOf(const Annotation& a);
const SegmentationPrediction* AsSegmentation(const Prediction& p);
const SegmentationAnnotation* AsSegmentation(const Annotation& a);

// Appends the object's compact JSON to `out`.
void AppendObjectJson(const Prediction& p, std::string* out);
void AppendObjectJson(const Annotation& a, std::string* out);

// One object; its "type" chooses the shape (anything else or none is a segmentation mask, as in
// the Python client). InvalidArgument naming the object and the missing key.
Result<Prediction> ParsePrediction(wire::JsonValue value);
Result<Annotation> ParseAnnotation(wire::JsonValue value);
// A group object {"box": [...], ...}; the group key, not the object's type, chooses the shape.
// Unknown prediction group keys are an error; unknown or null annotation groups are skipped
// (both as in the Python client).
Result<PredictionGroups> ParsePredictionGroups(wire::JsonValue value);
Result<AnnotationGroups> ParseAnnotationGroups(wire::JsonValue value);

}  // namespace nucleus::client
