// Value types of the client SDK: dataset items, ground-truth annotations, predictions, upload
// options and responses, evaluation results. Plain aggregates of std types, built with designated
// initializers in declaration order:
//
//   nucleus::BoxPrediction p{.label = "car", .x = 0, .y = 0, .width = 10, .height = 10,
//                            .reference_id = "img_1", .confidence = 0.9,
//                            .class_pdf = {{"car", 0.9}, {"bus", 0.1}}};
//
// Field names and meanings follow the official Python client (nucleus/annotation.py,
// prediction.py, dataset_item.py); the JSON they become is specified in
// docs/api/annotations.md and docs/api/predictions.md. Thread-compatible values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "nucleus/json.h"
#include "nucleus/result.h"

namespace nucleus {

// ---------------------------------------------------------------------------------------------
// Dataset items

struct DatasetItem {
  // A remote URL (http, https, s3, gs) or a local file path; local files are uploaded as
  // multipart by Dataset::append.
  std::string image_location;
  std::string reference_id;
  Json metadata = Json::object();
  int64_t width = 0;   // sent only when non-zero
  int64_t height = 0;  // sent only when non-zero
  // Read back only: the server's item id (di_...).
  std::string id;

  // True when image_location is not an http/https/s3/gs URL (the Python client's rule).
  bool is_local() const;
};

// ---------------------------------------------------------------------------------------------
// Geometry pieces

struct Point {
  double x = 0;
  double y = 0;
};

struct Keypoint {
  std::optional<double> x;  // null for invisible keypoints
  std::optional<double> y;
  bool visible = true;
};

struct Point3D {
  double x = 0;
  double y = 0;
  double z = 0;
};

struct Segment {
  std::string label;
  int64_t index = 0;
  std::optional<Json> metadata;  // sent only when set
};

using ClassPdf = std::map<std::string, double>;

// ---------------------------------------------------------------------------------------------
// Annotations and predictions: one type per shape, shared by both roles
//
// Each shape (Box, Line, Polygon, Keypoints, Cuboid, Segmentation, Category) is written once,
// as a template over its Role; BoxAnnotation is Box<Role::kGroundTruth> and BoxPrediction is
// Box<Role::kPrediction>. The two roles share the geometry and every common field, in one order;
// a prediction adds `confidence` (sent only when set; 0.0 is set) and `class_pdf` (sent only when
// non-empty), ground truth adds `task_id`. Why a template rather than `struct BoxPrediction :
// BoxGeometry, PredictionFields {}` or a `geometry` member: the Python client's objects are flat
// (BoxPrediction(label, x, y, width, height, reference_id, confidence, ...); `p.x`, not
// `p.geometry.x`), and C++20 designated initializers name only a class's own members, never a
// base's, so a flat aggregate per shape and role is the only form that keeps both `p.x` and
// `BoxPrediction{.label = "car", .x = 0, ...}`. A field of the other role is still declared,
// as an empty NotInThisRole that holds nothing and is never sent, so both roles keep one list.
//
// An unset annotation_id is filled as the Python client does: boxes get
// "{label}-{x}-{y}-{width}-{height}-{reference_id}" (numbers as Python prints them; integral
// values print without ".0", as Python prints ints), keypoints "{label}-{reference_id}-keypoints".

enum class Role { kGroundTruth, kPrediction };

// The type of a field that only the other role has (an annotation's `confidence`, a
// prediction's `task_id`): empty, and never read or sent.
struct NotInThisRole {};

template <Role R, typename T>
using PredictionOnly = std::conditional_t<R == Role::kPrediction, T, NotInThisRole>;
template <Role R, typename T>
using GroundTruthOnly = std::conditional_t<R == Role::kGroundTruth, T, NotInThisRole>;

template <Role R>
struct Box {
  static constexpr Role kRole = R;
  std::string label;
  double x = 0;  // top-left corner
  double y = 0;
  double width = 0;
  double height = 0;
  std::string reference_id;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  std::optional<std::string> annotation_id;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::vector<double>> embedding_vector;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

template <Role R>
struct Line {
  static constexpr Role kRole = R;
  std::string label;
  std::vector<Point> vertices;
  std::string reference_id;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  std::optional<std::string> annotation_id;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

template <Role R>
struct Polygon {
  static constexpr Role kRole = R;
  std::string label;
  std::vector<Point> vertices;
  std::string reference_id;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  std::optional<std::string> annotation_id;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::vector<double>> embedding_vector;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

template <Role R>
struct Keypoints {
  static constexpr Role kRole = R;
  std::string label;
  std::vector<Keypoint> keypoints;
  std::vector<std::string> names;  // one per keypoint
  std::string reference_id;
  std::optional<std::vector<std::pair<int, int>>> skeleton;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  std::optional<std::string> annotation_id;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

// Sends annotation_id, metadata, track_reference_id and task_id only when non-empty.
template <Role R>
struct Cuboid {
  static constexpr Role kRole = R;
  std::string label;
  Point3D position;    // centre
  Point3D dimensions;  // full extents
  double yaw = 0;
  std::string reference_id;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  std::optional<std::string> annotation_id;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

// A segmentation mask: the same fields in both roles (no confidence, as in the Python client).
template <Role R>
struct Segmentation {
  static constexpr Role kRole = R;
  std::string mask_url;  // remote URL, or a local .png path (uploaded as multipart)
  std::vector<Segment> annotations;
  std::string reference_id;
  std::optional<std::string> annotation_id;
};

// Has no annotation_id (the Python client's categories have none).
template <Role R>
struct Category {
  static constexpr Role kRole = R;
  std::string label;
  std::string reference_id;
  std::optional<std::string> taxonomy_name;
  [[no_unique_address]] PredictionOnly<R, std::optional<double>> confidence;
  Json metadata = Json::object();
  [[no_unique_address]] PredictionOnly<R, ClassPdf> class_pdf;
  std::optional<std::string> track_reference_id;
  [[no_unique_address]] GroundTruthOnly<R, std::optional<std::string>> task_id;
};

// Ground truth only: the Python client has no multi-category prediction.
struct MultiCategoryAnnotation {
  static constexpr Role kRole = Role::kGroundTruth;
  std::vector<std::string> labels;
  std::string reference_id;
  std::optional<std::string> taxonomy_name;
  Json metadata = Json::object();
  std::optional<std::string> track_reference_id;
  std::optional<std::string> task_id;
};

using BoxAnnotation = Box<Role::kGroundTruth>;
using LineAnnotation = Line<Role::kGroundTruth>;
using PolygonAnnotation = Polygon<Role::kGroundTruth>;
using KeypointsAnnotation = Keypoints<Role::kGroundTruth>;
using CuboidAnnotation = Cuboid<Role::kGroundTruth>;
using SegmentationAnnotation = Segmentation<Role::kGroundTruth>;
using CategoryAnnotation = Category<Role::kGroundTruth>;

using BoxPrediction = Box<Role::kPrediction>;
using LinePrediction = Line<Role::kPrediction>;
using PolygonPrediction = Polygon<Role::kPrediction>;
using KeypointsPrediction = Keypoints<Role::kPrediction>;
using CuboidPrediction = Cuboid<Role::kPrediction>;
using SegmentationPrediction = Segmentation<Role::kPrediction>;
using CategoryPrediction = Category<Role::kPrediction>;

using Annotation =
    std::variant<BoxAnnotation, LineAnnotation, PolygonAnnotation, KeypointsAnnotation,
                 CuboidAnnotation, SegmentationAnnotation, CategoryAnnotation,
                 MultiCategoryAnnotation>;
using Prediction =
    std::variant<BoxPrediction, LinePrediction, PolygonPrediction, KeypointsPrediction,
                 CuboidPrediction, SegmentationPrediction, CategoryPrediction>;

// The objects of one item (Dataset::iloc/refloc/loc: ground truth) or of one model run's
// answer (ModelRun::iloc/loc/refloc, ungrouped_export, Dataset::predictions_iloc/refloc,
// export_predictions: predictions), grouped by kind.
template <Role R>
struct ObjectGroups {
  std::vector<Box<R>> box;
  std::vector<Line<R>> line;
  std::vector<Polygon<R>> polygon;
  std::vector<Keypoints<R>> keypoints;
  std::vector<Cuboid<R>> cuboid;
  std::vector<Segmentation<R>> segmentation;
  std::vector<Category<R>> category;
  [[no_unique_address]] GroundTruthOnly<R, std::vector<MultiCategoryAnnotation>> multicategory;

  size_t size() const {
    size_t n = box.size() + line.size() + polygon.size() + keypoints.size() + cuboid.size() +
               segmentation.size() + category.size();
    if constexpr (R == Role::kGroundTruth) n += multicategory.size();
    return n;
  }
};
using AnnotationGroups = ObjectGroups<Role::kGroundTruth>;
using PredictionGroups = ObjectGroups<Role::kPrediction>;

struct ItemWithAnnotations {
  DatasetItem item;
  AnnotationGroups annotations;
};

// ---------------------------------------------------------------------------------------------
// Progress and upload options

// Reported after each finished request of a long call. `stage` names the work ("Annotation
// batches", "Local file batches", ...), `done`/`total` count requests of that stage. Called from
// worker threads, one call at a time.
struct Progress {
  std::string stage;
  size_t done = 0;
  size_t total = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Options of ModelRun::predict, Dataset::upload_predictions and Dataset::annotate. The
// defaults are the Python client's.
struct UploadOptions {
  bool update = false;        // replace existing objects with the same identity
  bool asynchronous = false;  // signed-URL upload + server job; the response carries the job
  size_t batch_size = 5000;   // objects per JSON request
  size_t remote_files_per_upload_request = 20;  // remote masks per JSON request
  size_t local_files_per_upload_request = 10;   // local masks per multipart request (max 10)
  std::optional<std::string> trained_slice_id;  // Dataset::upload_predictions only
  // Requests in flight at once; 0 = the client's ClientOptions::max_concurrent_requests.
  size_t concurrency = 0;
  ProgressCallback progress;  // overrides ClientOptions::progress when set
};
using PredictOptions = UploadOptions;
using AnnotateOptions = UploadOptions;

struct AppendOptions {
  bool update = false;
  bool asynchronous = false;
  size_t batch_size = 20;                      // remote items per request (the client insists < 30)
  size_t local_files_per_upload_request = 10;  // local files per multipart request (max 10)
  size_t concurrency = 0;
  ProgressCallback progress;
};

class AsyncJob;

// Counts of a (possibly batched) annotation or prediction upload, merged over all requests as
// the Python client merges them (numbers add up, error lists concatenate). For asynchronous
// uploads only `job` is set.
struct UploadResponse {
  std::string dataset_id;
  std::string model_run_id;
  int64_t processed = 0;  // annotations_processed / predictions_processed
  int64_t ignored = 0;    // annotations_ignored / predictions_ignored
  std::vector<std::string> errors;
  Json raw;  // the merged response object, every key (Python's return value)
  std::shared_ptr<AsyncJob> job;
};

struct AppendResponse {
  std::string dataset_id;
  int64_t new_items = 0;
  int64_t updated_items = 0;
  int64_t ignored_items = 0;
  int64_t upload_errors = 0;
  std::vector<Json> error_payload;
  std::shared_ptr<AsyncJob> job;  // asynchronous appends only
};

// ---------------------------------------------------------------------------------------------
// Commit / evaluation

struct AllowedMatch {
  std::string ground_truth_label;
  std::string model_prediction_label;
};

// Body of ModelRun::commit and Dataset::calculate_evaluation_metrics. Unset keys are not sent;
// giving allowed_label_matches implies class_agnostic = false on the server.
struct CommitOptions {
  std::optional<bool> class_agnostic;
  std::optional<std::vector<AllowedMatch>> allowed_label_matches;
};

enum class ConfusionCategory { kTruePositive, kFalsePositive, kFalseNegative };

// One row of Dataset::query_objects in the iou / false_positive / false_negative modes.
struct EvaluationMatch {
  std::string model_run_id;
  std::optional<std::string> model_prediction_id;
  std::optional<std::string> ground_truth_annotation_id;
  double iou = 0;
  std::string dataset_item_id;
  bool true_positive = false;
  std::optional<std::string> model_prediction_label;
  std::optional<std::string> ground_truth_annotation_label;
  // As the Python client derives it: TP when true_positive or the labels are equal, else FP
  // when a prediction label is present, else FN.
  ConfusionCategory confusion_category() const;
};

struct EvaluationV2 {
  std::string id;
  std::string model_run_id;
  std::string dataset_id;
  std::string status;  // pending, computing, succeeded, failed, cancelled
  std::optional<std::string> name;
  std::optional<std::string> temporal_workflow_id;
  std::optional<std::string> error_message;
  std::optional<std::string> created_at;
  std::optional<std::string> allowed_label_matches_id;
  std::vector<AllowedMatch> allowed_label_matches;
  std::optional<std::string> allowed_label_matches_name;
};

struct EvaluationV2Create {
  std::optional<std::string> name;
  std::optional<std::vector<AllowedMatch>> allowed_label_matches;
  std::optional<std::string> allowed_label_matches_id;
};

struct ChartsRequest {
  double iou_threshold = 0.5;
  std::optional<Json> filters;  // the filter JSON of evaluation.md §2.6
  std::string query;
};

struct EvaluationCharts {
  std::optional<double> map_at_50, map_at_75, map_at_50_95;
  struct ClassAp { std::string class_label; double ap = 0; };
  std::vector<ClassAp> per_class_ap;
  struct ConfusionCell { std::string gt_label, pred_label; int64_t count = 0; };
  std::vector<ConfusionCell> confusion_matrix;
  struct Bucket { double bucket_min = 0, bucket_max = 0; int64_t count = 0; };
  std::vector<Bucket> score_histogram;
  std::vector<double> computed_iou_ranges;
  int64_t tp = 0, fp = 0, fn = 0, preds_with_confidence = 0;
  std::optional<double> ap_small, ap_medium, ap_large;
  struct PrPoint { std::string class_label; double recall = 0, precision = 0; };
  std::vector<PrPoint> pr_curve;
  int64_t tide_true_positive = 0, tide_localization = 0, tide_classification = 0, tide_both = 0,
          tide_duplicate = 0, tide_background = 0, tide_missed = 0;
  Json raw;
};

struct ExamplesRequest {
  std::optional<std::string> match_type;  // TP, FP, FN
  std::optional<int64_t> limit;
  std::optional<int64_t> offset;
  std::optional<std::string> sort_by;
  std::optional<std::string> sort_order;
  std::optional<Json> filters;
  std::optional<std::string> query;
};

struct EvaluationExample {
  std::string id;
  std::string evaluation_id;
  std::string dataset_item_id;
  bool true_positive = false;
  std::string match_type;
  std::optional<std::string> model_prediction_id, ground_truth_annotation_id;
  std::optional<std::string> pred_canonical_label, gt_canonical_label, pred_raw_label,
      gt_raw_label;
  std::optional<double> iou, confidence, gt_area;
  Json item_metadata, prediction_metadata, prediction_row, annotation_row;
};

struct EvaluationExamples {
  std::vector<EvaluationExample> rows;
  int64_t total = 0;
};

// ---------------------------------------------------------------------------------------------
// Listings

struct DatasetSummary {
  std::string id;
  std::string name;
  bool is_public = false;
};

struct DatasetInfo {
  std::string dataset_id;
  std::string name;
  int64_t length = 0;
  std::vector<std::string> model_run_ids;
  std::vector<std::string> slice_ids;
  Json annotation_metadata_schema;
  Json item_metadata_schema;
  std::vector<std::string> tags;
};

// A slice as listed (docs/api/slices.md §1) and as `Slice::info` answers it (§3).
struct SliceInfo {
  std::string id;  // "slc_..."
  std::string name;
  std::string dataset_id;
  std::string type;        // "dataset_item", "scene" or "object"
  std::string created_at;  // ISO 8601, as the server wrote it
  int64_t pending_job_count = 0;
};

// An export row of a model's predictions (Slice::export_predictions).
struct ItemWithPredictions {
  DatasetItem item;
  PredictionGroups predictions;
};

struct CreateDatasetOptions {
  bool is_scene = false;
  bool use_privacy_mode = false;
  std::optional<Json> item_metadata_schema;
  std::optional<Json> annotation_metadata_schema;
};

struct CreateModelOptions {
  Json metadata = Json::object();
  std::vector<std::string> tags;
  std::vector<std::string> trained_slice_ids;
  std::optional<std::string> bundle_name;
};

struct JobListOptions {
  std::optional<std::string> dataset_id;
  std::vector<std::string> job_types;
  std::optional<std::string> from_date;
  std::optional<std::string> to_date;
  int64_t limit = 50000;
  bool show_completed = false;
};

// ---------------------------------------------------------------------------------------------
// JSON forms (what the Python client sends / reads): handy for files of predictions.

// The object the Python client would send for `p` (predictions.md §1), compact.
std::string to_json(const Prediction& p);
std::string to_json(const Annotation& a);
// Parses one prediction / annotation object; the kind comes from "type" (anything else or none
// is a segmentation mask, as in the Python client). InvalidArgument when it is not one.
Result<Prediction> prediction_from_json(std::string_view json);
Result<Annotation> annotation_from_json(std::string_view json);

}  // namespace nucleus
