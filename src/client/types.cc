// Small methods of the SDK value types (include/nucleus/types.h).
#include "nucleus/types.h"

#include "client/annotation_json.h"
#include "client/item_json.h"
#include "wire/json_reader.h"

namespace nucleus {

bool DatasetItem::is_local() const { return client::IsLocalPath(image_location); }

ConfusionCategory EvaluationMatch::confusion_category() const {
  if (true_positive || model_prediction_label == ground_truth_annotation_label) {
    return ConfusionCategory::kTruePositive;
  }
  if (model_prediction_label) return ConfusionCategory::kFalsePositive;
  return ConfusionCategory::kFalseNegative;
}

std::string to_json(const Prediction& p) {
  std::string out;
  client::AppendObjectJson(p, &out);
  return out;
}

std::string to_json(const Annotation& a) {
  std::string out;
  client::AppendObjectJson(a, &out);
  return out;
}

Result<Prediction> prediction_from_json(std::string_view json) {
  thread_local wire::JsonDoc doc;  // reuses the parser's buffers across calls
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(json, "prediction"));
  return client::ParsePrediction(doc.root());
}

Result<Annotation> annotation_from_json(std::string_view json) {
  thread_local wire::JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(json, "annotation"));
  return client::ParseAnnotation(doc.root());
}

}  // namespace nucleus
