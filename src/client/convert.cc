#include "client/convert.h"

#include <charconv>
#include <cmath>
#include <type_traits>

#include "wire/json_writer.h"

namespace nucleus::client {
namespace {

using wire::JsonArray;
using wire::JsonObject;
using wire::JsonValue;

// ----------------------------------------------------------------------------- writing helpers

void Key(std::string_view key, std::string* out) {
  wire::AppendJsonString(key, out);
  out->push_back(':');
}
void Str(std::string_view key, std::string_view value, std::string* out) {
  Key(key, out);
  wire::AppendJsonString(value, out);
  out->push_back(',');
}
void OptStr(std::string_view key, const std::optional<std::string>& value, std::string* out) {
  Key(key, out);
  if (value) {
    wire::AppendJsonString(*value, out);
  } else {
    out->append("null");
  }
  out->push_back(',');
}
void Num(std::string_view key, double value, std::string* out) {
  Key(key, out);
  wire::AppendJsonDouble(value, out);
  out->push_back(',');
}
void Raw(std::string_view key, const Json& value, std::string* out) {
  Key(key, out);
  value.dump_to(out);
  out->push_back(',');
}
void Metadata(const Json& metadata, std::string* out) {
  Key("metadata", out);
  if (metadata.is_null()) {
    out->append("{}");
  } else {
    metadata.dump_to(out);
  }
  out->push_back(',');
}
void Vector(std::string_view key, const std::optional<std::vector<double>>& v, std::string* out) {
  Key(key, out);
  if (!v) {
    out->append("null");
  } else {
    out->push_back('[');
    for (size_t i = 0; i < v->size(); ++i) {
      if (i) out->push_back(',');
      wire::AppendJsonDouble((*v)[i], out);
    }
    out->push_back(']');
  }
  out->push_back(',');
}
// Replaces the trailing comma by `close`.
void Close(char close, std::string* out) {
  if (!out->empty() && out->back() == ',') {
    out->back() = close;
  } else {
    out->push_back(close);
  }
}
void Vertices(const std::vector<Point>& vertices, std::string* out) {
  out->append("{\"vertices\":[");
  for (size_t i = 0; i < vertices.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"x\":");
    wire::AppendJsonDouble(vertices[i].x, out);
    out->append(",\"y\":");
    wire::AppendJsonDouble(vertices[i].y, out);
    out->push_back('}');
  }
  out->append("]}");
}
void OptNumber(const std::optional<double>& v, std::string* out) {
  if (v) {
    wire::AppendJsonDouble(*v, out);
  } else {
    out->append("null");
  }
}
void KeypointsGeometry(const std::vector<Keypoint>& kps, const std::vector<std::string>& names,
                       const std::optional<std::vector<std::pair<int, int>>>& skeleton,
                       std::string* out) {
  out->append("{\"keypoints\":[");
  for (size_t i = 0; i < kps.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"x\":");
    OptNumber(kps[i].x, out);
    out->append(",\"y\":");
    OptNumber(kps[i].y, out);
    out->append(",\"visible\":");
    out->append(kps[i].visible ? "true" : "false");
    out->push_back('}');
  }
  out->append("],\"names\":[");
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out->push_back(',');
    wire::AppendJsonString(names[i], out);
  }
  out->append("],\"skeleton\":");
  if (!skeleton) {
    out->append("null");
  } else {
    out->push_back('[');
    for (size_t i = 0; i < skeleton->size(); ++i) {
      if (i) out->push_back(',');
      out->push_back('[');
      out->append(std::to_string((*skeleton)[i].first));
      out->push_back(',');
      out->append(std::to_string((*skeleton)[i].second));
      out->push_back(']');
    }
    out->push_back(']');
  }
  out->push_back('}');
}
void Point3(const Point3D& p, std::string* out) {
  out->append("{\"x\":");
  wire::AppendJsonDouble(p.x, out);
  out->append(",\"y\":");
  wire::AppendJsonDouble(p.y, out);
  out->append(",\"z\":");
  wire::AppendJsonDouble(p.z, out);
  out->push_back('}');
}
void CuboidGeometry(const Point3D& position, const Point3D& dimensions, double yaw,
                    std::string* out) {
  out->append("{\"position\":");
  Point3(position, out);
  out->append(",\"dimensions\":");
  Point3(dimensions, out);
  out->append(",\"yaw\":");
  wire::AppendJsonDouble(yaw, out);
  out->push_back('}');
}
void Segments(const std::vector<Segment>& segments, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"label\":");
    wire::AppendJsonString(segments[i].label, out);
    out->append(",\"index\":");
    out->append(std::to_string(segments[i].index));
    if (segments[i].metadata) {
      out->append(",\"metadata\":");
      segments[i].metadata->dump_to(out);
    }
    out->push_back('}');
  }
  out->push_back(']');
}
void Mask(std::string_view mask_url, const std::vector<Segment>& segments,
          const std::optional<std::string>& annotation_id, std::string_view reference_id,
          std::string* out) {
  out->append("{\"type\":\"mask\",");
  Str("mask_url", mask_url, out);
  Key("annotations", out);
  Segments(segments, out);
  out->push_back(',');
  OptStr("annotation_id", annotation_id, out);
  Str("reference_id", reference_id, out);
  Close('}', out);
}
void PredictionTail(const std::optional<double>& confidence, const ClassPdf& class_pdf,
                    std::string* out) {
  if (confidence) Num("confidence", *confidence, out);
  if (!class_pdf.empty()) {
    Key("class_pdf", out);
    out->push_back('{');
    bool first = true;
    for (const auto& [label, p] : class_pdf) {
      if (!first) out->push_back(',');
      first = false;
      wire::AppendJsonString(label, out);
      out->push_back(':');
      wire::AppendJsonDouble(p, out);
    }
    out->append("},");
  }
}
// Cuboids send annotation_id, metadata, track_reference_id and task_id only when truthy.
void CuboidOptional(const std::optional<std::string>& annotation_id, const Json& metadata,
                    const std::optional<std::string>& track, const std::optional<std::string>* task,
                    std::string* out) {
  if (annotation_id && !annotation_id->empty()) Str("annotation_id", *annotation_id, out);
  if (!metadata.is_null() && !metadata.empty()) Raw("metadata", metadata, out);
  if (track && !track->empty()) Str("track_reference_id", *track, out);
  if (task && *task && !(*task)->empty()) Str("task_id", **task, out);
}

std::string BoxDefaultId(const std::string& label, double x, double y, double w, double h,
                         const std::string& ref) {
  return label + "-" + PyNumber(x) + "-" + PyNumber(y) + "-" + PyNumber(w) + "-" + PyNumber(h) +
         "-" + ref;
}

template <typename T>
std::optional<std::string> IdOf(const T& v) {
  if constexpr (std::is_same_v<T, BoxAnnotation> || std::is_same_v<T, BoxPrediction>) {
    if (v.annotation_id) return v.annotation_id;
    return BoxDefaultId(v.label, v.x, v.y, v.width, v.height, v.reference_id);
  } else if constexpr (std::is_same_v<T, KeypointsAnnotation> ||
                       std::is_same_v<T, KeypointsPrediction>) {
    if (v.annotation_id) return v.annotation_id;
    return v.label + "-" + v.reference_id + "-keypoints";
  } else if constexpr (std::is_same_v<T, CategoryAnnotation> ||
                       std::is_same_v<T, CategoryPrediction> ||
                       std::is_same_v<T, MultiCategoryAnnotation>) {
    return std::nullopt;
  } else {
    return v.annotation_id;
  }
}

// ----------------------------------------------------------------------------- reading helpers

std::string GetStr(JsonObject o, std::string_view key) {
  JsonValue v;
  std::string_view s;
  if (wire::Find(o, key, &v) && v.get(s) == simdjson::SUCCESS) return std::string(s);
  return {};
}
std::optional<std::string> GetOptStr(JsonObject o, std::string_view key) {
  JsonValue v;
  std::string_view s;
  if (wire::Find(o, key, &v) && v.get(s) == simdjson::SUCCESS) return std::string(s);
  return std::nullopt;
}
double GetNum(JsonObject o, std::string_view key) {
  JsonValue v;
  double d = 0;
  if (wire::Find(o, key, &v)) wire::ToDouble(v, &d);
  return d;
}
std::optional<double> GetOptNum(JsonObject o, std::string_view key) {
  JsonValue v;
  double d = 0;
  if (wire::Find(o, key, &v) && wire::ToDouble(v, &d)) return d;
  return std::nullopt;
}
int64_t GetInt(JsonObject o, std::string_view key) {
  return static_cast<int64_t>(GetNum(o, key));
}
bool GetBool(JsonObject o, std::string_view key) {
  JsonValue v;
  bool b = false;
  if (wire::Find(o, key, &v) && v.get(b) != simdjson::SUCCESS) b = false;
  return b;
}
JsonObject GetObj(JsonObject o, std::string_view key) {
  JsonValue v;
  JsonObject out;
  if (wire::Find(o, key, &v) && v.get(out) != simdjson::SUCCESS) out = JsonObject();
  return out;
}
bool GetArr(JsonObject o, std::string_view key, JsonArray* out) {
  JsonValue v;
  return wire::Find(o, key, &v) && v.get(*out) == simdjson::SUCCESS;
}
Json GetMetadata(JsonObject o) {
  JsonValue v;
  if (wire::Find(o, "metadata", &v)) return ToJson(v);
  return Json::object();
}
std::optional<std::vector<double>> GetVector(JsonObject o, std::string_view key) {
  JsonArray arr;
  if (!GetArr(o, key, &arr)) return std::nullopt;
  std::vector<double> out;
  for (JsonValue e : arr) {
    double d = 0;
    wire::ToDouble(e, &d);
    out.push_back(d);
  }
  return out;
}
ClassPdf GetClassPdf(JsonObject o) {
  ClassPdf pdf;
  JsonValue v;
  JsonObject obj;
  if (wire::Find(o, "class_pdf", &v) && v.get(obj) == simdjson::SUCCESS) {
    for (auto field : obj) {
      double d = 0;
      wire::ToDouble(field.value, &d);
      pdf[std::string(field.key)] = d;
    }
  }
  return pdf;
}
Status Required(JsonObject o, std::string_view key, std::string_view what) {
  JsonValue v;
  if (!wire::Find(o, key, &v)) return InvalidArgument(std::string(what) + ": missing \"" +
                                                      std::string(key) + "\"");
  return Status::Ok();
}
std::vector<Point> GetVertices(JsonObject geometry) {
  std::vector<Point> out;
  JsonArray arr;
  if (!GetArr(geometry, "vertices", &arr)) return out;
  for (JsonValue e : arr) {
    JsonObject p;
    if (e.get(p) != simdjson::SUCCESS) continue;
    out.push_back(Point{GetNum(p, "x"), GetNum(p, "y")});
  }
  return out;
}
std::vector<Keypoint> GetKeypoints(JsonObject geometry) {
  std::vector<Keypoint> out;
  JsonArray arr;
  if (!GetArr(geometry, "keypoints", &arr)) return out;
  for (JsonValue e : arr) {
    JsonObject p;
    if (e.get(p) != simdjson::SUCCESS) continue;
    out.push_back(Keypoint{GetOptNum(p, "x"), GetOptNum(p, "y"), GetBool(p, "visible")});
  }
  return out;
}
std::vector<std::string> GetStrings(JsonObject o, std::string_view key) {
  std::vector<std::string> out;
  JsonArray arr;
  if (!GetArr(o, key, &arr)) return out;
  for (JsonValue e : arr) {
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}
std::optional<std::vector<std::pair<int, int>>> GetSkeleton(JsonObject geometry) {
  JsonArray arr;
  if (!GetArr(geometry, "skeleton", &arr)) return std::nullopt;
  std::vector<std::pair<int, int>> out;
  for (JsonValue e : arr) {
    JsonArray pair;
    if (e.get(pair) != simdjson::SUCCESS) continue;
    std::vector<int> v;
    for (JsonValue x : pair) {
      double d = 0;
      wire::ToDouble(x, &d);
      v.push_back(static_cast<int>(d));
    }
    if (v.size() == 2) out.emplace_back(v[0], v[1]);
  }
  return out;
}
Point3D GetPoint3(JsonObject o, std::string_view key) {
  JsonObject p = GetObj(o, key);
  return Point3D{GetNum(p, "x"), GetNum(p, "y"), GetNum(p, "z")};
}
std::vector<Segment> GetSegments(JsonObject o) {
  std::vector<Segment> out;
  JsonArray arr;
  if (!GetArr(o, "annotations", &arr)) return out;
  for (JsonValue e : arr) {
    JsonObject s;
    if (e.get(s) != simdjson::SUCCESS) continue;
    Segment seg{.label = GetStr(s, "label"), .index = GetInt(s, "index")};
    JsonValue m;
    if (wire::Find(s, "metadata", &m)) seg.metadata = ToJson(m);
    out.push_back(std::move(seg));
  }
  return out;
}

Status NeedObject(JsonValue v, std::string_view what, JsonObject* out) {
  return wire::AsObject(v, what, out);
}

template <typename Mask>
Result<Mask> ParseMask(JsonObject o) {
  NUCLEUS_RETURN_IF_ERROR(Required(o, "mask_url", "segmentation"));
  NUCLEUS_RETURN_IF_ERROR(Required(o, "reference_id", "segmentation"));
  return Mask{.mask_url = GetStr(o, "mask_url"), .annotations = GetSegments(o),
              .reference_id = GetStr(o, "reference_id"),
              .annotation_id = GetOptStr(o, "annotation_id")};
}

Result<Prediction> ParsePredictionAs(std::string_view type, JsonObject o) {
  NUCLEUS_RETURN_IF_ERROR(Required(o, "reference_id", "prediction"));
  JsonObject g = GetObj(o, "geometry");
  if (type == "box") {
    return Prediction(BoxPrediction{
        .label = GetStr(o, "label"), .x = GetNum(g, "x"), .y = GetNum(g, "y"),
        .width = GetNum(g, "width"), .height = GetNum(g, "height"),
        .reference_id = GetStr(o, "reference_id"), .confidence = GetOptNum(o, "confidence"),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .class_pdf = GetClassPdf(o), .embedding_vector = GetVector(o, "embedding_vector"),
        .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  if (type == "line") {
    return Prediction(LinePrediction{
        .label = GetStr(o, "label"), .vertices = GetVertices(g),
        .reference_id = GetStr(o, "reference_id"), .confidence = GetOptNum(o, "confidence"),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .class_pdf = GetClassPdf(o), .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  if (type == "polygon") {
    return Prediction(PolygonPrediction{
        .label = GetStr(o, "label"), .vertices = GetVertices(g),
        .reference_id = GetStr(o, "reference_id"), .confidence = GetOptNum(o, "confidence"),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .class_pdf = GetClassPdf(o), .embedding_vector = GetVector(o, "embedding_vector"),
        .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  if (type == "keypoints") {
    return Prediction(KeypointsPrediction{
        .label = GetStr(o, "label"), .keypoints = GetKeypoints(g),
        .names = GetStrings(g, "names"), .reference_id = GetStr(o, "reference_id"),
        .skeleton = GetSkeleton(g), .confidence = GetOptNum(o, "confidence"),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .class_pdf = GetClassPdf(o), .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  if (type == "cuboid") {
    return Prediction(CuboidPrediction{
        .label = GetStr(o, "label"), .position = GetPoint3(g, "position"),
        .dimensions = GetPoint3(g, "dimensions"), .yaw = GetNum(g, "yaw"),
        .reference_id = GetStr(o, "reference_id"), .confidence = GetOptNum(o, "confidence"),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .class_pdf = GetClassPdf(o), .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  if (type == "category") {
    return Prediction(CategoryPrediction{
        .label = GetStr(o, "label"), .reference_id = GetStr(o, "reference_id"),
        .taxonomy_name = GetOptStr(o, "taxonomy_name"), .confidence = GetOptNum(o, "confidence"),
        .metadata = GetMetadata(o), .class_pdf = GetClassPdf(o),
        .track_reference_id = GetOptStr(o, "track_reference_id")});
  }
  NUCLEUS_ASSIGN_OR_RETURN(SegmentationPrediction mask, ParseMask<SegmentationPrediction>(o));
  return Prediction(std::move(mask));
}

Result<Annotation> ParseAnnotationAs(std::string_view type, JsonObject o) {
  NUCLEUS_RETURN_IF_ERROR(Required(o, "reference_id", "annotation"));
  JsonObject g = GetObj(o, "geometry");
  std::string ref = GetStr(o, "reference_id");
  if (type == "box") {
    return Annotation(BoxAnnotation{
        .label = GetStr(o, "label"), .x = GetNum(g, "x"), .y = GetNum(g, "y"),
        .width = GetNum(g, "width"), .height = GetNum(g, "height"), .reference_id = ref,
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .embedding_vector = GetVector(o, "embedding_vector"),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "line") {
    return Annotation(LineAnnotation{
        .label = GetStr(o, "label"), .vertices = GetVertices(g), .reference_id = ref,
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "polygon") {
    return Annotation(PolygonAnnotation{
        .label = GetStr(o, "label"), .vertices = GetVertices(g), .reference_id = ref,
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .embedding_vector = GetVector(o, "embedding_vector"),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "keypoints") {
    return Annotation(KeypointsAnnotation{
        .label = GetStr(o, "label"), .keypoints = GetKeypoints(g),
        .names = GetStrings(g, "names"), .reference_id = ref, .skeleton = GetSkeleton(g),
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "cuboid") {
    return Annotation(CuboidAnnotation{
        .label = GetStr(o, "label"), .position = GetPoint3(g, "position"),
        .dimensions = GetPoint3(g, "dimensions"), .yaw = GetNum(g, "yaw"), .reference_id = ref,
        .annotation_id = GetOptStr(o, "annotation_id"), .metadata = GetMetadata(o),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "category") {
    return Annotation(CategoryAnnotation{
        .label = GetStr(o, "label"), .reference_id = ref,
        .taxonomy_name = GetOptStr(o, "taxonomy_name"), .metadata = GetMetadata(o),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  if (type == "multicategory") {
    return Annotation(MultiCategoryAnnotation{
        .labels = GetStrings(o, "labels"), .reference_id = ref,
        .taxonomy_name = GetOptStr(o, "taxonomy_name"), .metadata = GetMetadata(o),
        .track_reference_id = GetOptStr(o, "track_reference_id"),
        .task_id = GetOptStr(o, "task_id")});
  }
  NUCLEUS_ASSIGN_OR_RETURN(SegmentationAnnotation mask, ParseMask<SegmentationAnnotation>(o));
  return Annotation(std::move(mask));
}

std::vector<AllowedMatch> GetAllowedMatches(JsonObject o) {
  std::vector<AllowedMatch> out;
  JsonArray arr;
  if (!GetArr(o, "allowed_label_matches", &arr)) return out;
  for (JsonValue e : arr) {
    JsonObject m;
    if (e.get(m) != simdjson::SUCCESS) continue;
    auto gt = GetOptStr(m, "groundTruthLabel");
    if (!gt) gt = GetOptStr(m, "ground_truth_label");
    auto pred = GetOptStr(m, "modelPredictionLabel");
    if (!pred) pred = GetOptStr(m, "model_prediction_label");
    if (gt && pred) out.push_back(AllowedMatch{*gt, *pred});
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------------- public

Json ToJson(JsonValue value) {
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return Json();
    case simdjson::dom::element_type::BOOL: return Json(value.get_bool().value_unsafe());
    case simdjson::dom::element_type::INT64: return Json(value.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Json(static_cast<double>(value.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: return Json(value.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING:
      return Json(std::string(value.get_string().value_unsafe()));
    case simdjson::dom::element_type::ARRAY: {
      Json::Array out;
      JsonArray arr;
      if (value.get(arr) != simdjson::SUCCESS) return Json();
      for (JsonValue e : arr) out.push_back(ToJson(e));
      return Json(std::move(out));
    }
    case simdjson::dom::element_type::OBJECT: {
      Json::Object out;
      JsonObject obj;
      if (value.get(obj) != simdjson::SUCCESS) return Json();
      for (auto field : obj) out.emplace_back(std::string(field.key), ToJson(field.value));
      return Json(std::move(out));
    }
  }
  return Json();
}

std::string PyNumber(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e16) {
    return std::to_string(static_cast<int64_t>(value));
  }
  std::string out;
  wire::AppendJsonDouble(value, &out);
  return out;
}

std::optional<std::string> EffectiveAnnotationId(const Prediction& p) {
  return std::visit([](const auto& v) { return IdOf(v); }, p);
}
std::optional<std::string> EffectiveAnnotationId(const Annotation& a) {
  return std::visit([](const auto& v) { return IdOf(v); }, a);
}
bool HasAnnotationId(const Prediction& p) { return !std::holds_alternative<CategoryPrediction>(p); }
bool HasAnnotationId(const Annotation& a) {
  return !std::holds_alternative<CategoryAnnotation>(a) &&
         !std::holds_alternative<MultiCategoryAnnotation>(a);
}
const std::string& ReferenceIdOf(const Prediction& p) {
  return std::visit([](const auto& v) -> const std::string& { return v.reference_id; }, p);
}
const std::string& ReferenceIdOf(const Annotation& a) {
  return std::visit([](const auto& v) -> const std::string& { return v.reference_id; }, a);
}
const std::optional<std::string>* TaskIdOf(const Annotation& a) {
  return std::visit(
      [](const auto& v) -> const std::optional<std::string>* {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, SegmentationAnnotation>) {
          return nullptr;
        } else {
          return &v.task_id;
        }
      },
      a);
}

bool IsLocalPath(std::string_view location) {
  size_t colon = location.find("://");
  if (colon == std::string_view::npos) return true;
  std::string_view scheme = location.substr(0, colon);
  return !(scheme == "http" || scheme == "https" || scheme == "s3" || scheme == "gs");
}

const SegmentationPrediction* AsSegmentation(const Prediction& p) {
  return std::get_if<SegmentationPrediction>(&p);
}
const SegmentationAnnotation* AsSegmentation(const Annotation& a) {
  return std::get_if<SegmentationAnnotation>(&a);
}

void AppendPrediction(const Prediction& prediction, std::string* out) {
  std::visit(
      [out](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, SegmentationPrediction>) {
          Mask(p.mask_url, p.annotations, p.annotation_id, p.reference_id, out);
          return;
        } else {
          out->push_back('{');
          if constexpr (std::is_same_v<T, BoxPrediction>) {
            Str("label", p.label, out);
            out->append("\"type\":\"box\",\"geometry\":{\"x\":");
            wire::AppendJsonDouble(p.x, out);
            out->append(",\"y\":");
            wire::AppendJsonDouble(p.y, out);
            out->append(",\"width\":");
            wire::AppendJsonDouble(p.width, out);
            out->append(",\"height\":");
            wire::AppendJsonDouble(p.height, out);
            out->append("},");
            Str("reference_id", p.reference_id, out);
            OptStr("annotation_id", IdOf(p), out);
            Metadata(p.metadata, out);
            Vector("embedding_vector", p.embedding_vector, out);
            OptStr("track_reference_id", p.track_reference_id, out);
            out->append("\"task_id\":null,");
          } else if constexpr (std::is_same_v<T, LinePrediction> ||
                               std::is_same_v<T, PolygonPrediction>) {
            constexpr bool kPolygon = std::is_same_v<T, PolygonPrediction>;
            Str("label", p.label, out);
            out->append(kPolygon ? "\"type\":\"polygon\",\"geometry\":"
                                 : "\"type\":\"line\",\"geometry\":");
            Vertices(p.vertices, out);
            out->push_back(',');
            Str("reference_id", p.reference_id, out);
            OptStr("annotation_id", p.annotation_id, out);
            Metadata(p.metadata, out);
            if constexpr (kPolygon) Vector("embedding_vector", p.embedding_vector, out);
            OptStr("track_reference_id", p.track_reference_id, out);
            out->append("\"task_id\":null,");
          } else if constexpr (std::is_same_v<T, KeypointsPrediction>) {
            Str("label", p.label, out);
            out->append("\"type\":\"keypoints\",\"geometry\":");
            KeypointsGeometry(p.keypoints, p.names, p.skeleton, out);
            out->push_back(',');
            Str("reference_id", p.reference_id, out);
            OptStr("annotation_id", IdOf(p), out);
            Metadata(p.metadata, out);
            OptStr("track_reference_id", p.track_reference_id, out);
            out->append("\"task_id\":null,");
          } else if constexpr (std::is_same_v<T, CuboidPrediction>) {
            Str("label", p.label, out);
            out->append("\"type\":\"cuboid\",\"geometry\":");
            CuboidGeometry(p.position, p.dimensions, p.yaw, out);
            out->push_back(',');
            Str("reference_id", p.reference_id, out);
            CuboidOptional(p.annotation_id, p.metadata, p.track_reference_id, nullptr, out);
          } else if constexpr (std::is_same_v<T, CategoryPrediction>) {
            Str("label", p.label, out);
            out->append("\"type\":\"category\",\"geometry\":{},");
            Str("reference_id", p.reference_id, out);
            Metadata(p.metadata, out);
            OptStr("track_reference_id", p.track_reference_id, out);
            out->append("\"task_id\":null,");
            if (p.taxonomy_name) Str("taxonomy_name", *p.taxonomy_name, out);
          }
          PredictionTail(p.confidence, p.class_pdf, out);
          Close('}', out);
        }
      },
      prediction);
}

void AppendAnnotation(const Annotation& annotation, std::string* out) {
  std::visit(
      [out](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SegmentationAnnotation>) {
          Mask(a.mask_url, a.annotations, a.annotation_id, a.reference_id, out);
          return;
        } else {
          out->push_back('{');
          if constexpr (std::is_same_v<T, BoxAnnotation>) {
            Str("label", a.label, out);
            out->append("\"type\":\"box\",\"geometry\":{\"x\":");
            wire::AppendJsonDouble(a.x, out);
            out->append(",\"y\":");
            wire::AppendJsonDouble(a.y, out);
            out->append(",\"width\":");
            wire::AppendJsonDouble(a.width, out);
            out->append(",\"height\":");
            wire::AppendJsonDouble(a.height, out);
            out->append("},");
            Str("reference_id", a.reference_id, out);
            OptStr("annotation_id", IdOf(a), out);
            Metadata(a.metadata, out);
            Vector("embedding_vector", a.embedding_vector, out);
            OptStr("track_reference_id", a.track_reference_id, out);
            OptStr("task_id", a.task_id, out);
          } else if constexpr (std::is_same_v<T, LineAnnotation> ||
                               std::is_same_v<T, PolygonAnnotation>) {
            constexpr bool kPolygon = std::is_same_v<T, PolygonAnnotation>;
            Str("label", a.label, out);
            out->append(kPolygon ? "\"type\":\"polygon\",\"geometry\":"
                                 : "\"type\":\"line\",\"geometry\":");
            Vertices(a.vertices, out);
            out->push_back(',');
            Str("reference_id", a.reference_id, out);
            OptStr("annotation_id", a.annotation_id, out);
            Metadata(a.metadata, out);
            if constexpr (kPolygon) Vector("embedding_vector", a.embedding_vector, out);
            OptStr("track_reference_id", a.track_reference_id, out);
            OptStr("task_id", a.task_id, out);
          } else if constexpr (std::is_same_v<T, KeypointsAnnotation>) {
            Str("label", a.label, out);
            out->append("\"type\":\"keypoints\",\"geometry\":");
            KeypointsGeometry(a.keypoints, a.names, a.skeleton, out);
            out->push_back(',');
            Str("reference_id", a.reference_id, out);
            OptStr("annotation_id", IdOf(a), out);
            Metadata(a.metadata, out);
            OptStr("track_reference_id", a.track_reference_id, out);
            OptStr("task_id", a.task_id, out);
          } else if constexpr (std::is_same_v<T, CuboidAnnotation>) {
            Str("label", a.label, out);
            out->append("\"type\":\"cuboid\",\"geometry\":");
            CuboidGeometry(a.position, a.dimensions, a.yaw, out);
            out->push_back(',');
            Str("reference_id", a.reference_id, out);
            CuboidOptional(a.annotation_id, a.metadata, a.track_reference_id, &a.task_id, out);
          } else if constexpr (std::is_same_v<T, CategoryAnnotation>) {
            Str("label", a.label, out);
            out->append("\"type\":\"category\",\"geometry\":{},");
            Str("reference_id", a.reference_id, out);
            Metadata(a.metadata, out);
            OptStr("track_reference_id", a.track_reference_id, out);
            OptStr("task_id", a.task_id, out);
            if (a.taxonomy_name) Str("taxonomy_name", *a.taxonomy_name, out);
          } else if constexpr (std::is_same_v<T, MultiCategoryAnnotation>) {
            Key("labels", out);
            out->push_back('[');
            for (size_t i = 0; i < a.labels.size(); ++i) {
              if (i) out->push_back(',');
              wire::AppendJsonString(a.labels[i], out);
            }
            out->append("],\"type\":\"multicategory\",\"geometry\":{},");
            Str("reference_id", a.reference_id, out);
            Metadata(a.metadata, out);
            OptStr("track_reference_id", a.track_reference_id, out);
            OptStr("task_id", a.task_id, out);
            if (a.taxonomy_name) Str("taxonomy_name", *a.taxonomy_name, out);
          }
          Close('}', out);
        }
      },
      annotation);
}

void AppendItem(const DatasetItem& item, std::optional<bool> update, std::string* out) {
  out->push_back('{');
  Metadata(item.metadata, out);
  Str("reference_id", item.reference_id, out);
  if (item.width) Num("width", static_cast<double>(item.width), out);
  if (item.height) Num("height", static_cast<double>(item.height), out);
  Str("image_url", item.image_location, out);
  if (update) {
    Key("update", out);
    out->append(*update ? "true," : "false,");
  }
  Close('}', out);
}

void AppendAllowedMatches(const std::vector<AllowedMatch>& matches, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < matches.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('{');
    Str("ground_truth_label", matches[i].ground_truth_label, out);
    Str("model_prediction_label", matches[i].model_prediction_label, out);
    Close('}', out);
  }
  out->push_back(']');
}

void AppendCommit(const CommitOptions& options, std::string* out) {
  out->push_back('{');
  if (options.class_agnostic) {
    Key("class_agnostic", out);
    out->append(*options.class_agnostic ? "true," : "false,");
  }
  if (options.allowed_label_matches) {
    Key("allowed_label_matches", out);
    AppendAllowedMatches(*options.allowed_label_matches, out);
    out->push_back(',');
  }
  Close('}', out);
}

Result<Prediction> ParsePrediction(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "prediction", &o));
  return ParsePredictionAs(GetStr(o, "type"), o);
}

Result<Annotation> ParseAnnotation(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "annotation", &o));
  return ParseAnnotationAs(GetStr(o, "type"), o);
}

namespace {
template <typename Groups, typename Parse>
Status FillGroup(std::string_view key, JsonValue list, Groups* groups, Parse parse,
                 std::string_view what) {
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(list, std::string(what) + " group \"" +
                                                  std::string(key) + "\"", &arr));
  for (JsonValue e : arr) {
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(NeedObject(e, what, &o));
    // The group key, not the object's type, chooses the parser (predictions.md §2.2).
    std::string_view type = key == "segmentation" ? std::string_view("mask") : key;
    NUCLEUS_ASSIGN_OR_RETURN(auto parsed, parse(type, o));
    std::visit(
        [groups](auto&& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, BoxPrediction> || std::is_same_v<T, BoxAnnotation>) {
            groups->box.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, LinePrediction> ||
                               std::is_same_v<T, LineAnnotation>) {
            groups->line.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, PolygonPrediction> ||
                               std::is_same_v<T, PolygonAnnotation>) {
            groups->polygon.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, KeypointsPrediction> ||
                               std::is_same_v<T, KeypointsAnnotation>) {
            groups->keypoints.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, CuboidPrediction> ||
                               std::is_same_v<T, CuboidAnnotation>) {
            groups->cuboid.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, SegmentationPrediction> ||
                               std::is_same_v<T, SegmentationAnnotation>) {
            groups->segmentation.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, CategoryPrediction> ||
                               std::is_same_v<T, CategoryAnnotation>) {
            groups->category.push_back(std::move(v));
          } else if constexpr (std::is_same_v<T, MultiCategoryAnnotation>) {
            if constexpr (std::is_same_v<Groups, AnnotationGroups>) {
              groups->multicategory.push_back(std::move(v));
            }
          }
        },
        std::move(parsed));
  }
  return Status::Ok();
}
}  // namespace

Result<PredictionGroups> ParsePredictionGroups(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "prediction groups", &o));
  PredictionGroups groups;
  for (auto field : o) {
    std::string_view key = field.key;
    if (key != "box" && key != "line" && key != "polygon" && key != "keypoints" &&
        key != "cuboid" && key != "category" && key != "segmentation") {
      return InvalidArgument("unexpected prediction group \"" + std::string(key) + "\"");
    }
    NUCLEUS_RETURN_IF_ERROR(FillGroup(key, field.value, &groups, ParsePredictionAs,
                                      "prediction"));
  }
  return groups;
}

Result<AnnotationGroups> ParseAnnotationGroups(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "annotation groups", &o));
  AnnotationGroups groups;
  for (auto field : o) {
    std::string_view key = field.key;
    if (key != "box" && key != "line" && key != "polygon" && key != "keypoints" &&
        key != "cuboid" && key != "category" && key != "multicategory" &&
        key != "segmentation") {
      continue;  // the Python client ignores other keys here
    }
    if (field.value.is_null()) continue;
    NUCLEUS_RETURN_IF_ERROR(FillGroup(key, field.value, &groups, ParseAnnotationAs,
                                      "annotation"));
  }
  return groups;
}

Result<DatasetItem> ParseItem(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "item", &o));
  DatasetItem item;
  for (const char* key : {"processed_url", "image_url", "original_image_url", "pointcloud_url",
                          "url"}) {
    std::string s = GetStr(o, key);
    if (!s.empty()) {
      item.image_location = s;
      break;
    }
  }
  auto ref = GetOptStr(o, "ref_id");
  item.reference_id = ref ? *ref : GetStr(o, "reference_id");
  item.metadata = GetMetadata(o);
  item.width = GetInt(o, "width");
  item.height = GetInt(o, "height");
  item.id = GetStr(o, "id");
  return item;
}

Result<EvaluationMatch> ParseEvaluationMatch(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "evaluation match", &o));
  for (const char* key : {"model_run_id", "iou", "dataset_item_id"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "evaluation match"));
  }
  return EvaluationMatch{
      .model_run_id = GetStr(o, "model_run_id"),
      .model_prediction_id = GetOptStr(o, "model_prediction_id"),
      .ground_truth_annotation_id = GetOptStr(o, "ground_truth_annotation_id"),
      .iou = GetNum(o, "iou"),
      .dataset_item_id = GetStr(o, "dataset_item_id"),
      .true_positive = GetBool(o, "true_positive"),
      .model_prediction_label = GetOptStr(o, "model_prediction_label"),
      .ground_truth_annotation_label = GetOptStr(o, "ground_truth_annotation_label")};
}

Result<EvaluationV2> ParseEvaluationV2(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "evaluation", &o));
  for (const char* key : {"id", "model_run_id", "dataset_id", "status"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "evaluation"));
  }
  return EvaluationV2{.id = GetStr(o, "id"),
                      .model_run_id = GetStr(o, "model_run_id"),
                      .dataset_id = GetStr(o, "dataset_id"),
                      .status = GetStr(o, "status"),
                      .name = GetOptStr(o, "name"),
                      .temporal_workflow_id = GetOptStr(o, "temporal_workflow_id"),
                      .error_message = GetOptStr(o, "error_message"),
                      .created_at = GetOptStr(o, "created_at"),
                      .allowed_label_matches_id = GetOptStr(o, "allowed_label_matches_id"),
                      .allowed_label_matches = GetAllowedMatches(o),
                      .allowed_label_matches_name = GetOptStr(o, "allowed_label_matches_name")};
}

Result<EvaluationCharts> ParseCharts(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "charts", &o));
  for (const char* key : {"mapSummary", "perClassAp", "confusionMatrix", "scoreHistogram",
                          "computedIouRanges", "totalCounts", "apBySize", "prCurve",
                          "tideAttribution"}) {
    NUCLEUS_RETURN_IF_ERROR(Required(o, key, "charts"));
  }
  EvaluationCharts c;
  JsonObject map = GetObj(o, "mapSummary");
  c.map_at_50 = GetOptNum(map, "mapAt50");
  c.map_at_75 = GetOptNum(map, "mapAt75");
  c.map_at_50_95 = GetOptNum(map, "mapAt5095");
  JsonArray arr;
  if (GetArr(o, "perClassAp", &arr)) {
    for (JsonValue e : arr) {
      JsonObject x;
      if (e.get(x) == simdjson::SUCCESS) {
        c.per_class_ap.push_back({GetStr(x, "classLabel"), GetNum(x, "ap")});
      }
    }
  }
  if (GetArr(o, "confusionMatrix", &arr)) {
    for (JsonValue e : arr) {
      JsonObject x;
      if (e.get(x) == simdjson::SUCCESS) {
        c.confusion_matrix.push_back(
            {GetStr(x, "gtLabel"), GetStr(x, "predLabel"), GetInt(x, "count")});
      }
    }
  }
  if (GetArr(o, "scoreHistogram", &arr)) {
    for (JsonValue e : arr) {
      JsonObject x;
      if (e.get(x) == simdjson::SUCCESS) {
        c.score_histogram.push_back(
            {GetNum(x, "bucketMin"), GetNum(x, "bucketMax"), GetInt(x, "count")});
      }
    }
  }
  if (GetArr(o, "computedIouRanges", &arr)) {
    for (JsonValue e : arr) {
      double d = 0;
      if (wire::ToDouble(e, &d)) c.computed_iou_ranges.push_back(d);
    }
  }
  JsonObject counts = GetObj(o, "totalCounts");
  c.tp = GetInt(counts, "tp");
  c.fp = GetInt(counts, "fp");
  c.fn = GetInt(counts, "fn");
  c.preds_with_confidence = GetInt(counts, "predsWithConfidence");
  JsonObject sizes = GetObj(o, "apBySize");
  c.ap_small = GetOptNum(sizes, "small");
  c.ap_medium = GetOptNum(sizes, "medium");
  c.ap_large = GetOptNum(sizes, "large");
  if (GetArr(o, "prCurve", &arr)) {
    for (JsonValue e : arr) {
      JsonObject x;
      if (e.get(x) == simdjson::SUCCESS) {
        c.pr_curve.push_back({GetStr(x, "classLabel"), GetNum(x, "recall"),
                              GetNum(x, "precision")});
      }
    }
  }
  JsonObject tide = GetObj(o, "tideAttribution");
  c.tide_true_positive = GetInt(tide, "truePositive");
  c.tide_localization = GetInt(tide, "localization");
  c.tide_classification = GetInt(tide, "classification");
  c.tide_both = GetInt(tide, "both");
  c.tide_duplicate = GetInt(tide, "duplicate");
  c.tide_background = GetInt(tide, "background");
  c.tide_missed = GetInt(tide, "missed");
  c.raw = ToJson(value);
  return c;
}

Result<EvaluationExamples> ParseExamples(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(NeedObject(value, "examples", &o));
  NUCLEUS_RETURN_IF_ERROR(Required(o, "rows", "examples"));
  EvaluationExamples out;
  out.total = GetInt(o, "total");
  JsonArray rows;
  if (GetArr(o, "rows", &rows)) {
    for (JsonValue e : rows) {
      JsonObject x;
      NUCLEUS_RETURN_IF_ERROR(NeedObject(e, "example row", &x));
      EvaluationExample r;
      r.id = GetStr(x, "id");
      r.evaluation_id = GetStr(x, "evaluation_id");
      r.dataset_item_id = GetStr(x, "dataset_item_id");
      r.true_positive = GetBool(x, "true_positive");
      r.match_type = GetStr(x, "match_type");
      r.model_prediction_id = GetOptStr(x, "model_prediction_id");
      r.ground_truth_annotation_id = GetOptStr(x, "ground_truth_annotation_id");
      r.pred_canonical_label = GetOptStr(x, "pred_canonical_label");
      r.gt_canonical_label = GetOptStr(x, "gt_canonical_label");
      r.pred_raw_label = GetOptStr(x, "pred_raw_label");
      r.gt_raw_label = GetOptStr(x, "gt_raw_label");
      r.iou = GetOptNum(x, "iou");
      r.confidence = GetOptNum(x, "confidence");
      r.gt_area = GetOptNum(x, "gt_area");
      JsonValue v;
      if (wire::Find(x, "item_metadata", &v)) r.item_metadata = ToJson(v);
      if (wire::Find(x, "prediction_metadata", &v)) r.prediction_metadata = ToJson(v);
      if (wire::Find(x, "prediction_row", &v)) r.prediction_row = ToJson(v);
      if (wire::Find(x, "annotation_row", &v)) r.annotation_row = ToJson(v);
      out.rows.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace nucleus::client
