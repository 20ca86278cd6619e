#include "client/annotation_json.h"

#include <cmath>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "client/json_fields.h"
#include "wire/json_writer.h"

namespace nucleus::client {
namespace {

using wire::JsonArray;
using wire::JsonObject;
using wire::JsonValue;

template <Role R>
using ObjectOf = std::conditional_t<R == Role::kPrediction, Prediction, Annotation>;

constexpr std::string_view RoleName(Role r) {
  return r == Role::kPrediction ? "prediction" : "annotation";
}

// ------------------------------------------------------------------------ identity of an object

std::string BoxDefaultId(const std::string& label, double x, double y, double w, double h,
                         const std::string& ref) {
  std::string id = label;
  for (double v : {x, y, w, h}) {
    id.push_back('-');
    id.append(PyNumber(v));
  }
  id.push_back('-');
  id.append(ref);
  return id;
}

template <typename T>
std::optional<std::string> IdOf(const T& v) {
  if constexpr (requires { v.annotation_id; }) {
    return v.annotation_id;
  } else {
    return std::nullopt;  // categories have no annotation_id
  }
}
template <Role R>
std::optional<std::string> IdOf(const Box<R>& v) {
  if (v.annotation_id) return v.annotation_id;
  return BoxDefaultId(v.label, v.x, v.y, v.width, v.height, v.reference_id);
}
template <Role R>
std::optional<std::string> IdOf(const Keypoints<R>& v) {
  if (v.annotation_id) return v.annotation_id;
  return v.label + "-" + v.reference_id + "-keypoints";
}

// ------------------------------------------------------------------------------ writing shapes

void NumberArray(std::string_view key, const std::optional<std::vector<double>>& v,
                 std::string* out) {
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
void OptNumber(const std::optional<double>& v, std::string* out) {
  if (v) {
    wire::AppendJsonDouble(*v, out);
  } else {
    out->append("null");
  }
}
void Skeleton(const std::optional<std::vector<std::pair<int, int>>>& skeleton,
              std::string* out) {
  if (!skeleton) {
    out->append("null");
    return;
  }
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
struct NamedNumber {
  std::string_view key;  // a plain identifier: written without escaping
  double value;
};
// {"key":value,...}: points, a box's geometry.
void NumberObject(std::initializer_list<NamedNumber> fields, std::string* out) {
  char open = '{';
  for (const NamedNumber& f : fields) {
    out->push_back(open);
    open = ',';
    out->push_back('"');
    out->append(f.key);
    out->append("\":");
    wire::AppendJsonDouble(f.value, out);
  }
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

// The Python client's predictions send "task_id": null; ground truth sends its own.
template <typename T>
void TaskId(const T& v, std::string* out) {
  if constexpr (T::kRole == Role::kGroundTruth) {
    OptStr("task_id", v.task_id, out);
  } else {
    out->append("\"task_id\":null,");
  }
}
// The prediction-only keys, last in the object: confidence when set, class_pdf when non-empty.
template <typename T>
void PredictionKeys(const T& v, std::string* out) {
  if constexpr (T::kRole == Role::kPrediction) {
    if (v.confidence) Num("confidence", *v.confidence, out);
    if (!v.class_pdf.empty()) {
      Key("class_pdf", out);
      out->push_back('{');
      bool first = true;
      for (const auto& [label, p] : v.class_pdf) {
        if (!first) out->push_back(',');
        first = false;
        wire::AppendJsonString(label, out);
        out->push_back(':');
        wire::AppendJsonDouble(p, out);
      }
      out->append("},");
    }
  }
}
// After the geometry of boxes, lines, polygons and keypoints.
template <typename T>
void CommonKeys(const T& v, std::string* out) {
  Str("reference_id", v.reference_id, out);
  OptStr("annotation_id", IdOf(v), out);
  Metadata(v.metadata, out);
  if constexpr (requires { v.embedding_vector; }) {
    NumberArray("embedding_vector", v.embedding_vector, out);
  }
  OptStr("track_reference_id", v.track_reference_id, out);
  TaskId(v, out);
}

template <Role R>
void ShapeKeys(const Box<R>& b, std::string* out) {
  Str("label", b.label, out);
  out->append("\"type\":\"box\",\"geometry\":");
  NumberObject({{"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}}, out);
  out->push_back(',');
  CommonKeys(b, out);
}
// Lines and polygons: {"vertices":[{"x":..,"y":..},...]}.
template <typename T>
void VertexShapeKeys(std::string_view type, const T& v, std::string* out) {
  Str("label", v.label, out);
  out->append("\"type\":\"");
  out->append(type);
  out->append("\",\"geometry\":{\"vertices\":[");
  for (size_t i = 0; i < v.vertices.size(); ++i) {
    if (i) out->push_back(',');
    NumberObject({{"x", v.vertices[i].x}, {"y", v.vertices[i].y}}, out);
  }
  out->append("]},");
  CommonKeys(v, out);
}
template <Role R>
void ShapeKeys(const Line<R>& l, std::string* out) {
  VertexShapeKeys("line", l, out);
}
template <Role R>
void ShapeKeys(const Polygon<R>& p, std::string* out) {
  VertexShapeKeys("polygon", p, out);
}
template <Role R>
void ShapeKeys(const Keypoints<R>& k, std::string* out) {
  Str("label", k.label, out);
  out->append("\"type\":\"keypoints\",\"geometry\":{\"keypoints\":[");
  for (size_t i = 0; i < k.keypoints.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"x\":");
    OptNumber(k.keypoints[i].x, out);
    out->append(",\"y\":");
    OptNumber(k.keypoints[i].y, out);
    out->append(k.keypoints[i].visible ? ",\"visible\":true}" : ",\"visible\":false}");
  }
  out->append("],\"names\":[");
  for (size_t i = 0; i < k.names.size(); ++i) {
    if (i) out->push_back(',');
    wire::AppendJsonString(k.names[i], out);
  }
  out->append("],\"skeleton\":");
  Skeleton(k.skeleton, out);
  out->append("},");
  CommonKeys(k, out);
}
// Cuboids send annotation_id, metadata, track_reference_id and task_id only when non-empty.
template <Role R>
void ShapeKeys(const Cuboid<R>& c, std::string* out) {
  Str("label", c.label, out);
  out->append("\"type\":\"cuboid\",\"geometry\":{\"position\":");
  NumberObject({{"x", c.position.x}, {"y", c.position.y}, {"z", c.position.z}}, out);
  out->append(",\"dimensions\":");
  NumberObject({{"x", c.dimensions.x}, {"y", c.dimensions.y}, {"z", c.dimensions.z}}, out);
  out->append(",\"yaw\":");
  wire::AppendJsonDouble(c.yaw, out);
  out->append("},");
  Str("reference_id", c.reference_id, out);
  if (c.annotation_id && !c.annotation_id->empty()) Str("annotation_id", *c.annotation_id, out);
  if (!c.metadata.is_null() && !c.metadata.empty()) Raw("metadata", c.metadata, out);
  if (c.track_reference_id && !c.track_reference_id->empty()) {
    Str("track_reference_id", *c.track_reference_id, out);
  }
  if constexpr (R == Role::kGroundTruth) {
    if (c.task_id && !c.task_id->empty()) Str("task_id", *c.task_id, out);
  }
}
// Categories and multi-categories: no geometry, no annotation_id.
template <typename T>
void CategoryKeys(std::string_view type, const T& c, std::string* out) {
  out->append("\"type\":\"");
  out->append(type);
  out->append("\",\"geometry\":{},");
  Str("reference_id", c.reference_id, out);
  Metadata(c.metadata, out);
  OptStr("track_reference_id", c.track_reference_id, out);
  TaskId(c, out);
  if (c.taxonomy_name) Str("taxonomy_name", *c.taxonomy_name, out);
}
template <Role R>
void ShapeKeys(const Category<R>& c, std::string* out) {
  Str("label", c.label, out);
  CategoryKeys("category", c, out);
}
void ShapeKeys(const MultiCategoryAnnotation& c, std::string* out) {
  Key("labels", out);
  out->push_back('[');
  for (size_t i = 0; i < c.labels.size(); ++i) {
    if (i) out->push_back(',');
    wire::AppendJsonString(c.labels[i], out);
  }
  out->append("],");
  CategoryKeys("multicategory", c, out);
}

template <typename T>
void WriteObject(const T& v, std::string* out) {
  out->push_back('{');
  ShapeKeys(v, out);
  PredictionKeys(v, out);
  Close('}', out);
}
// Masks have their own key order and no role-specific keys.
template <Role R>
void WriteObject(const Segmentation<R>& m, std::string* out) {
  out->append("{\"type\":\"mask\",");
  Str("mask_url", m.mask_url, out);
  Key("annotations", out);
  Segments(m.annotations, out);
  out->push_back(',');
  OptStr("annotation_id", m.annotation_id, out);
  Str("reference_id", m.reference_id, out);
  Close('}', out);
}

// ------------------------------------------------------------------------------ reading shapes

std::optional<std::vector<double>> GetNumberArray(JsonObject o, std::string_view key) {
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
std::vector<Point> GetVertices(JsonObject geometry) {
  std::vector<Point> out;
  ForEachObject(geometry, "vertices",
                [&out](JsonObject p) { out.push_back(Point{GetNum(p, "x"), GetNum(p, "y")}); });
  return out;
}
std::vector<Keypoint> GetKeypoints(JsonObject geometry) {
  std::vector<Keypoint> out;
  ForEachObject(geometry, "keypoints", [&out](JsonObject p) {
    out.push_back(Keypoint{GetOptNum(p, "x"), GetOptNum(p, "y"), GetBool(p, "visible")});
  });
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
  ForEachObject(o, "annotations", [&out](JsonObject s) {
    Segment seg{.label = GetStr(s, "label"), .index = GetInt(s, "index")};
    JsonValue m;
    if (wire::Find(s, "metadata", &m)) seg.metadata = ToJson(m);
    out.push_back(std::move(seg));
  });
  return out;
}

// The keys outside "geometry" that a shape has, each read once for every shape and role.
template <typename T>
void ReadCommonKeys(JsonObject o, T* v) {
  if constexpr (requires { v->label; }) v->label = GetStr(o, "label");
  v->reference_id = GetStr(o, "reference_id");
  if constexpr (requires { v->taxonomy_name; }) v->taxonomy_name = GetOptStr(o, "taxonomy_name");
  if constexpr (requires { v->annotation_id; }) v->annotation_id = GetOptStr(o, "annotation_id");
  v->metadata = GetMetadata(o);
  if constexpr (requires { v->embedding_vector; }) {
    v->embedding_vector = GetNumberArray(o, "embedding_vector");
  }
  v->track_reference_id = GetOptStr(o, "track_reference_id");
  if constexpr (T::kRole == Role::kPrediction) {
    v->confidence = GetOptNum(o, "confidence");
    v->class_pdf = GetClassPdf(o);
  } else {
    v->task_id = GetOptStr(o, "task_id");
  }
}

template <Role R>
void ReadShape(JsonObject g, Box<R>* b) {
  b->x = GetNum(g, "x");
  b->y = GetNum(g, "y");
  b->width = GetNum(g, "width");
  b->height = GetNum(g, "height");
}
template <Role R>
void ReadShape(JsonObject g, Line<R>* l) {
  l->vertices = GetVertices(g);
}
template <Role R>
void ReadShape(JsonObject g, Polygon<R>* p) {
  p->vertices = GetVertices(g);
}
template <Role R>
void ReadShape(JsonObject g, Keypoints<R>* k) {
  k->keypoints = GetKeypoints(g);
  k->names = GetStrings(g, "names");
  k->skeleton = GetSkeleton(g);
}
template <Role R>
void ReadShape(JsonObject g, Cuboid<R>* c) {
  c->position = GetPoint3(g, "position");
  c->dimensions = GetPoint3(g, "dimensions");
  c->yaw = GetNum(g, "yaw");
}
template <Role R>
void ReadShape(JsonObject, Category<R>*) {}

template <typename T>
T ReadObject(JsonObject o) {
  T v;
  ReadCommonKeys(o, &v);
  ReadShape(GetObj(o, "geometry"), &v);
  return v;
}
template <>
MultiCategoryAnnotation ReadObject<MultiCategoryAnnotation>(JsonObject o) {
  MultiCategoryAnnotation v;
  v.labels = GetStrings(o, "labels");
  ReadCommonKeys(o, &v);
  return v;
}

template <Role R>
Result<Segmentation<R>> ReadMask(JsonObject o) {
  NUCLEUS_RETURN_IF_ERROR(Required(o, "mask_url", "segmentation"));
  NUCLEUS_RETURN_IF_ERROR(Required(o, "reference_id", "segmentation"));
  return Segmentation<R>{.mask_url = GetStr(o, "mask_url"), .annotations = GetSegments(o),
                         .reference_id = GetStr(o, "reference_id"),
                         .annotation_id = GetOptStr(o, "annotation_id")};
}

template <Role R>
Result<ObjectOf<R>> ParseAs(std::string_view type, JsonObject o) {
  NUCLEUS_RETURN_IF_ERROR(Required(o, "reference_id", RoleName(R)));
  if (type == "box") return ObjectOf<R>(ReadObject<Box<R>>(o));
  if (type == "line") return ObjectOf<R>(ReadObject<Line<R>>(o));
  if (type == "polygon") return ObjectOf<R>(ReadObject<Polygon<R>>(o));
  if (type == "keypoints") return ObjectOf<R>(ReadObject<Keypoints<R>>(o));
  if (type == "cuboid") return ObjectOf<R>(ReadObject<Cuboid<R>>(o));
  if (type == "category") return ObjectOf<R>(ReadObject<Category<R>>(o));
  if constexpr (R == Role::kGroundTruth) {
    if (type == "multicategory") return ObjectOf<R>(ReadObject<MultiCategoryAnnotation>(o));
  }
  NUCLEUS_ASSIGN_OR_RETURN(Segmentation<R> mask, ReadMask<R>(o));
  return ObjectOf<R>(std::move(mask));
}

template <Role R>
Result<ObjectOf<R>> ParseObject(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, RoleName(R), &o));
  return ParseAs<R>(GetStr(o, "type"), o);
}

// ------------------------------------------------------------------------------------- groups

template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Box<R>&) { return g.box; }
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Line<R>&) { return g.line; }
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Polygon<R>&) { return g.polygon; }
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Keypoints<R>&) { return g.keypoints; }
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Cuboid<R>&) { return g.cuboid; }
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Segmentation<R>&) {
  return g.segmentation;
}
template <Role R> auto& GroupOf(ObjectGroups<R>& g, const Category<R>&) { return g.category; }
auto& GroupOf(AnnotationGroups& g, const MultiCategoryAnnotation&) { return g.multicategory; }

bool IsGroupKey(std::string_view key, Role role) {
  for (std::string_view k : {"box", "line", "polygon", "keypoints", "cuboid", "category",
                             "segmentation"}) {
    if (key == k) return true;
  }
  return role == Role::kGroundTruth && key == "multicategory";
}

template <Role R>
Status FillGroup(std::string_view key, JsonValue list, ObjectGroups<R>* groups) {
  std::string what(RoleName(R));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(
      wire::AsArray(list, what + " group \"" + std::string(key) + "\"", &arr));
  // The group key, not the object's type, chooses the shape (predictions.md §2.2).
  std::string_view type = key == "segmentation" ? std::string_view("mask") : key;
  for (JsonValue e : arr) {
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(e, what, &o));
    NUCLEUS_ASSIGN_OR_RETURN(ObjectOf<R> parsed, ParseAs<R>(type, o));
    std::visit([groups](auto&& v) { GroupOf(*groups, v).push_back(std::move(v)); },
               std::move(parsed));
  }
  return Status::Ok();
}

template <Role R>
Result<ObjectGroups<R>> ParseGroups(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(
      wire::AsObject(value, std::string(RoleName(R)) + " groups", &o));
  ObjectGroups<R> groups;
  for (auto field : o) {
    std::string_view key = field.key;
    if constexpr (R == Role::kPrediction) {
      if (!IsGroupKey(key, R)) {
        return InvalidArgument("unexpected prediction group \"" + std::string(key) + "\"");
      }
    } else {
      if (!IsGroupKey(key, R) || field.value.is_null()) continue;
    }
    NUCLEUS_RETURN_IF_ERROR(FillGroup(key, field.value, &groups));
  }
  return groups;
}

}  // namespace

// ------------------------------------------------------------------------------------- public

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
bool HasAnnotationId(const Prediction& p) {
  return std::visit([](const auto& v) { return requires { v.annotation_id; }; }, p);
}
bool HasAnnotationId(const Annotation& a) {
  return std::visit([](const auto& v) { return requires { v.annotation_id; }; }, a);
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
        if constexpr (requires { v.task_id; }) {
          return &v.task_id;
        } else {
          return nullptr;
        }
      },
      a);
}
const SegmentationPrediction* AsSegmentation(const Prediction& p) {
  return std::get_if<SegmentationPrediction>(&p);
}
const SegmentationAnnotation* AsSegmentation(const Annotation& a) {
  return std::get_if<SegmentationAnnotation>(&a);
}

void AppendObjectJson(const Prediction& p, std::string* out) {
  std::visit([out](const auto& v) { WriteObject(v, out); }, p);
}
void AppendObjectJson(const Annotation& a, std::string* out) {
  std::visit([out](const auto& v) { WriteObject(v, out); }, a);
}

Result<Prediction> ParsePrediction(JsonValue value) {
  return ParseObject<Role::kPrediction>(value);
}
Result<Annotation> ParseAnnotation(JsonValue value) {
  return ParseObject<Role::kGroundTruth>(value);
}
Result<PredictionGroups> ParsePredictionGroups(JsonValue value) {
  return ParseGroups<Role::kPrediction>(value);
}
Result<AnnotationGroups> ParseAnnotationGroups(JsonValue value) {
  return ParseGroups<Role::kGroundTruth>(value);
}

}  // namespace nucleus::client
