// Small methods of the SDK value types (include/nucleus/types.h).
#include "nucleus/types.h"

#include "client/convert.h"

namespace nucleus {

bool DatasetItem::is_local() const { return client::IsLocalPath(image_location); }

size_t AnnotationGroups::size() const {
  return box.size() + line.size() + polygon.size() + keypoints.size() + cuboid.size() +
         segmentation.size() + category.size() + multicategory.size();
}

size_t PredictionGroups::size() const {
  return box.size() + line.size() + polygon.size() + keypoints.size() + cuboid.size() +
         segmentation.size() + category.size();
}

ConfusionCategory EvaluationMatch::confusion_category() const {
  if (true_positive || model_prediction_label == ground_truth_annotation_label) {
    return ConfusionCategory::kTruePositive;
  }
  if (model_prediction_label) return ConfusionCategory::kFalsePositive;
  return ConfusionCategory::kFalseNegative;
}

}  // namespace nucleus
