#include "core/validate.h"

namespace nucleus::core {
namespace {

using K = EvalParamKind;

// The parameters of each configuration class of the client's available_eval_functions.py and
// config_classes/segmentation.py (validate.md §2.2).
constexpr EvalParam kFilterParams[] = {
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kDetectionParams[] = {
    {"enforce_label_match", K::kBool},    {"iou_threshold", K::kUnitInterval},
    {"confidence_threshold", K::kUnitInterval}, {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kMapParams[] = {
    {"iou_threshold", K::kUnitInterval},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
// The client's cuboid IoU classes add iou_2d themselves.
constexpr EvalParam kCuboidIouParams[] = {
    {"enforce_label_match", K::kBool},    {"iou_threshold", K::kUnitInterval},
    {"confidence_threshold", K::kUnitInterval}, {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},  {"iou_2d", K::kBool},
};
constexpr EvalParam kCategorizationParams[] = {
    {"confidence_threshold", K::kOptUnitInterval},
    {"f1_method", K::kF1Method},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kSegToPolyMapParams[] = {
    {"iou_thresholds", K::kIouThresholds},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kSegToPolyApParams[] = {
    {"label", K::kString},
    {"iou_threshold", K::kUnitInterval},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kSegmentationParams[] = {
    {"iou_threshold", K::kUnitInterval},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};
constexpr EvalParam kSegmentationMapParams[] = {
    {"iou_thresholds", K::kIouThresholds},
    {"annotation_filters", K::kFilters},
    {"prediction_filters", K::kFilters},
};

constexpr BuiltinEvalFunction kBuiltins[] = {
    {"bbox_iou", kDetectionParams},
    {"bbox_precision", kDetectionParams},
    {"bbox_recall", kDetectionParams},
    {"bbox_map", kMapParams},
    {"cat_f1", kCategorizationParams},
    {"cuboid_iou_2d", kCuboidIouParams},
    {"cuboid_iou_3d", kCuboidIouParams},
    {"cuboid_precision", kDetectionParams},
    {"cuboid_recall", kDetectionParams},
    {"poly_iou", kDetectionParams},
    {"poly_precision", kDetectionParams},
    {"poly_recall", kDetectionParams},
    {"poly_map", kMapParams},
    {"segmentation_to_poly_iou", kDetectionParams},
    {"segmentation_to_poly_precision", kDetectionParams},
    {"segmentation_to_poly_recall", kDetectionParams},
    {"segmentation_to_poly_map", kSegToPolyMapParams},
    {"segmentation_to_poly_ap", kSegToPolyApParams},
    {"seg_iou", kSegmentationParams, true},
    {"seg_recall", kSegmentationParams, true},
    {"seg_map", kSegmentationMapParams, true},
    {"seg_precision", kSegmentationParams, true},
    {"seg_fwavacc", kFilterParams, true},
};

}  // namespace

std::span<const BuiltinEvalFunction> BuiltinEvalFunctions() { return kBuiltins; }

const BuiltinEvalFunction* FindBuiltinEvalFunction(std::string_view id) {
  if (!id.starts_with(kEvalFunctionIdPrefix)) return nullptr;
  id.remove_prefix(kEvalFunctionIdPrefix.size());
  for (const BuiltinEvalFunction& fn : kBuiltins) {
    if (fn.name == id) return &fn;
  }
  return nullptr;
}

std::string BuiltinEvalFunctionId(const BuiltinEvalFunction& fn) {
  std::string id(kEvalFunctionIdPrefix);
  id.append(fn.name);
  return id;
}

bool PassesThreshold(std::optional<double> result, std::optional<double> threshold,
                     std::string_view comparison) {
  if (!threshold) return true;
  if (!result) return false;
  if (comparison == "greater_than") return *result > *threshold;
  if (comparison == "less_than") return *result < *threshold;
  if (comparison == "less_than_equal_to") return *result <= *threshold;
  return *result >= *threshold;
}

}  // namespace nucleus::core
