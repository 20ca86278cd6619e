#include "wire/annotations.h"

#include <cmath>
#include <set>

#include "core/ids.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

using core::AnnotationType;

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

const Limits& LimitsOf(const AnnotationParseOptions& options) {
  return options.limits != nullptr ? *options.limits : DefaultLimits();
}

// Checked before iterating, so an oversized array costs no parsing work.
Status CheckVertexCount(const std::string& what, std::string_view path, JsonArray array,
                        const Limits& limits) {
  const size_t n = array.size();
  if (static_cast<int64_t>(n) <= limits.max_vertices) return Status::Ok();
  return FieldError(what, path,
                    "has " + std::to_string(n) + " entries, over the limit of " +
                        std::to_string(limits.max_vertices) + " (max_vertices)");
}

Status WrongType(const std::string& what, std::string_view path, std::string_view expected,
                 JsonValue got) {
  std::string problem = "must be ";
  problem += expected;
  problem += ", got ";
  problem += TypeName(got);
  return FieldError(what, path, problem);
}

// A finite number.
Status Finite(JsonValue v, const std::string& what, std::string_view path, double* out) {
  if (!ToDouble(v, out)) return WrongType(what, path, "a number", v);
  if (!std::isfinite(*out)) return FieldError(what, path, "must be a finite number");
  return Status::Ok();
}

// Required finite number `key` of `obj`, reported as `<prefix><key>`.
Status RequiredNumber(JsonObject obj, std::string_view key, const std::string& what,
                      const std::string& prefix, double* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, prefix + std::string(key), "is required");
  return Finite(v, what, prefix + std::string(key), out);
}

Status NonNegative(double value, const std::string& what, const std::string& path) {
  if (value >= 0) return Status::Ok();
  std::string problem = "must be >= 0, got ";
  AppendJsonDouble(value, &problem);
  return FieldError(what, path, problem);
}

Status RequiredObject(JsonObject obj, std::string_view key, const std::string& what,
                      const std::string& path, JsonObject* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, path, "is required");
  if (!v.is_object()) return WrongType(what, path, "an object", v);
  *out = v.get_object().value_unsafe();
  return Status::Ok();
}

Status RequiredArray(JsonObject obj, std::string_view key, const std::string& what,
                     const std::string& path, JsonArray* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, path, "is required");
  if (!v.is_array()) return WrongType(what, path, "an array", v);
  *out = v.get_array().value_unsafe();
  return Status::Ok();
}

Status RequiredString(JsonObject obj, std::string_view key, const std::string& what,
                      std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, key, "is required");
  if (!v.is_string()) return WrongType(what, key, "a string", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

// String or null/absent.
Status NullableString(JsonObject obj, std::string_view key, const std::string& what,
                      std::optional<std::string>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_string()) return WrongType(what, key, "a string or null", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

// An integer (an integral double counts).
Status Integer(JsonValue v, const std::string& what, std::string_view path, int64_t* out) {
  if (v.is_int64()) {
    *out = v.get_int64().value_unsafe();
    return Status::Ok();
  }
  double d = 0;
  if (ToDouble(v, &d) && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return WrongType(what, path, "an integer", v);
}

// Keys shared by several types, kept for the payload.
struct Common {
  std::string metadata_json = "{}";
  bool metadata_sent = false;  // cuboids echo metadata only when sent
  std::optional<std::string> track_reference_id;
  std::optional<std::string> task_id;
  std::string embedding_json;  // "" = null
  std::string class_pdf_json;  // "" = not sent
};

Status ReadCommon(JsonObject obj, const std::string& what, const AnnotationParseOptions& options,
                  AnnotationType type, Common* c, ParsedAnnotation* out) {
  JsonValue v;
  if (Find(obj, "metadata", &v)) {
    if (!v.is_object()) return WrongType(what, "metadata", "an object", v);
    c->metadata_json = Minify(v);
    NUCLEUS_RETURN_IF_ERROR(
        CheckUserJson(what, "metadata", v, c->metadata_json.size(), LimitsOf(options)));
    c->metadata_sent = true;
  }
  NUCLEUS_RETURN_IF_ERROR(NullableString(obj, "track_reference_id", what, &c->track_reference_id));
  NUCLEUS_RETURN_IF_ERROR(NullableString(obj, "task_id", what, &c->task_id));
  if ((type == AnnotationType::kBox || type == AnnotationType::kPolygon) &&
      Find(obj, "embedding_vector", &v)) {
    JsonArray arr;
    if (!v.is_array() || v.get(arr) != simdjson::SUCCESS) {
      return WrongType(what, "embedding_vector", "an array of numbers or null", v);
    }
    size_t i = 0;
    for (JsonValue e : arr) {
      double d = 0;
      NUCLEUS_RETURN_IF_ERROR(
          Finite(e, what, "embedding_vector[" + std::to_string(i) + "]", &d));
      ++i;
    }
    c->embedding_json = Minify(v);
    NUCLEUS_RETURN_IF_ERROR(
        CheckUserJson(what, "embedding_vector", v, c->embedding_json.size(), LimitsOf(options)));
  }
  if (options.prediction && type != AnnotationType::kSegmentation) {
    if (Find(obj, "confidence", &v)) {
      double d = 0;
      NUCLEUS_RETURN_IF_ERROR(Finite(v, what, "confidence", &d));
      out->confidence = d;
    }
    if (Find(obj, "class_pdf", &v)) {
      JsonObject pdf;
      if (!v.is_object() || v.get(pdf) != simdjson::SUCCESS) {
        return WrongType(what, "class_pdf", "an object of label -> number", v);
      }
      for (auto field : pdf) {
        double d = 0;
        NUCLEUS_RETURN_IF_ERROR(
            Finite(field.value, what, "class_pdf." + std::string(field.key), &d));
      }
      c->class_pdf_json = Minify(v);
      NUCLEUS_RETURN_IF_ERROR(
          CheckUserJson(what, "class_pdf", v, c->class_pdf_json.size(), LimitsOf(options)));
    }
  }
  return Status::Ok();
}

void WriteOptString(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// confidence / class_pdf when sent (predictions).
void WritePredictionKeys(JsonWriter& w, const ParsedAnnotation& a, const Common& c) {
  if (a.confidence) w.Key("confidence").Double(*a.confidence);
  if (!c.class_pdf_json.empty()) w.Key("class_pdf").Raw(c.class_pdf_json);
}

Status ParseVertices(JsonObject geometry, const std::string& what, size_t min_vertices,
                     const Limits& limits, std::vector<core::Point2>* out) {
  JsonArray vertices;
  NUCLEUS_RETURN_IF_ERROR(
      RequiredArray(geometry, "vertices", what, "geometry.vertices", &vertices));
  NUCLEUS_RETURN_IF_ERROR(CheckVertexCount(what, "geometry.vertices", vertices, limits));
  size_t i = 0;
  for (JsonValue e : vertices) {
    std::string path = "geometry.vertices[" + std::to_string(i) + "]";
    JsonObject vertex;
    if (!e.is_object() || e.get(vertex) != simdjson::SUCCESS) {
      return WrongType(what, path, "an object", e);
    }
    core::Point2 p;
    NUCLEUS_RETURN_IF_ERROR(RequiredNumber(vertex, "x", what, path + ".", &p.x));
    NUCLEUS_RETURN_IF_ERROR(RequiredNumber(vertex, "y", what, path + ".", &p.y));
    out->push_back(p);
    ++i;
  }
  if (out->size() < min_vertices) {
    return FieldError(what, "geometry.vertices",
                      "needs at least " + std::to_string(min_vertices) + " vertices, got " +
                          std::to_string(out->size()));
  }
  return Status::Ok();
}

void WriteVertices(JsonWriter& w, const std::vector<core::Point2>& vertices) {
  w.Key("geometry").BeginObject().Key("vertices").BeginArray();
  for (const core::Point2& p : vertices) {
    w.BeginObject().Key("x").Double(p.x).Key("y").Double(p.y).EndObject();
  }
  w.EndArray().EndObject();
}

Status ParseKeypoints(JsonObject geometry, const std::string& what, const Limits& limits,
                      core::AnnotationGeometry* g) {
  JsonArray keypoints;
  NUCLEUS_RETURN_IF_ERROR(
      RequiredArray(geometry, "keypoints", what, "geometry.keypoints", &keypoints));
  NUCLEUS_RETURN_IF_ERROR(CheckVertexCount(what, "geometry.keypoints", keypoints, limits));
  size_t i = 0;
  for (JsonValue e : keypoints) {
    std::string path = "geometry.keypoints[" + std::to_string(i) + "]";
    JsonObject kp;
    if (!e.is_object() || e.get(kp) != simdjson::SUCCESS) {
      return WrongType(what, path, "an object", e);
    }
    core::Keypoint k;
    JsonValue v;
    if (!Find(kp, "visible", &v)) return FieldError(what, path + ".visible", "is required");
    if (!v.is_bool()) return WrongType(what, path + ".visible", "a boolean", v);
    k.visible = v.get_bool().value_unsafe();
    JsonValue xv, yv;
    bool has_x = Find(kp, "x", &xv);
    bool has_y = Find(kp, "y", &yv);
    if (has_x != has_y) {
      return FieldError(what, path + (has_x ? ".y" : ".x"),
                        "is required when the other coordinate is given");
    }
    if (has_x) {
      NUCLEUS_RETURN_IF_ERROR(Finite(xv, what, path + ".x", &k.x));
      NUCLEUS_RETURN_IF_ERROR(Finite(yv, what, path + ".y", &k.y));
      k.has_position = true;
    } else if (k.visible) {
      return FieldError(what, path + ".x", "is required for a visible keypoint");
    }
    g->keypoints.push_back(k);
    ++i;
  }
  JsonArray names;
  NUCLEUS_RETURN_IF_ERROR(RequiredArray(geometry, "names", what, "geometry.names", &names));
  std::set<std::string> seen;
  i = 0;
  for (JsonValue e : names) {
    std::string path = "geometry.names[" + std::to_string(i) + "]";
    if (!e.is_string()) return WrongType(what, path, "a string", e);
    std::string name(e.get_string().value_unsafe());
    if (!seen.insert(name).second) {
      return FieldError(what, path, "duplicates the name " + Quoted(name));
    }
    g->keypoint_names.push_back(std::move(name));
    ++i;
  }
  if (g->keypoint_names.size() != g->keypoints.size()) {
    return FieldError(what, "geometry.names",
                      "must have one entry per keypoint (" + std::to_string(g->keypoints.size()) +
                          "), got " + std::to_string(g->keypoint_names.size()));
  }
  JsonValue skeleton;
  if (Find(geometry, "skeleton", &skeleton)) {
    JsonArray edges;
    if (!skeleton.is_array() || skeleton.get(edges) != simdjson::SUCCESS) {
      return WrongType(what, "geometry.skeleton", "an array of index pairs or null", skeleton);
    }
    i = 0;
    const auto n = static_cast<int64_t>(g->keypoints.size());
    for (JsonValue e : edges) {
      std::string path = "geometry.skeleton[" + std::to_string(i) + "]";
      JsonArray pair;
      if (!e.is_array() || e.get(pair) != simdjson::SUCCESS || pair.size() != 2) {
        return FieldError(what, path, "must be a pair of keypoint indexes");
      }
      int64_t ends[2] = {0, 0};
      size_t j = 0;
      for (JsonValue idx : pair) {
        NUCLEUS_RETURN_IF_ERROR(
            Integer(idx, what, path + "[" + std::to_string(j) + "]", &ends[j]));
        if (ends[j] < 0 || ends[j] >= n) {
          return FieldError(what, path + "[" + std::to_string(j) + "]",
                            "must be a keypoint index in [0, " + std::to_string(n) + ")");
        }
        ++j;
      }
      g->skeleton.emplace_back(ends[0], ends[1]);
      ++i;
    }
  }
  return Status::Ok();
}

Status ParsePoint3(JsonObject geometry, std::string_view key, const std::string& what,
                   core::Point3* out) {
  std::string path = "geometry." + std::string(key);
  JsonObject p;
  NUCLEUS_RETURN_IF_ERROR(RequiredObject(geometry, key, what, path, &p));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "x", what, path + ".", &out->x));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "y", what, path + ".", &out->y));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "z", what, path + ".", &out->z));
  return Status::Ok();
}

void WritePoint3(JsonWriter& w, std::string_view key, const core::Point3& p) {
  w.Key(key).BeginObject().Key("x").Double(p.x).Key("y").Double(p.y).Key("z").Double(p.z);
  w.EndObject();
}

Status ParseSegments(JsonObject obj, const std::string& what, const Limits& limits,
                     core::AnnotationGeometry* g, JsonWriter& w) {
  JsonArray segments;
  NUCLEUS_RETURN_IF_ERROR(RequiredArray(obj, "annotations", what, "annotations", &segments));
  NUCLEUS_RETURN_IF_ERROR(CheckVertexCount(what, "annotations", segments, limits));
  w.Key("annotations").BeginArray();
  size_t i = 0;
  std::set<int64_t> indexes;
  for (JsonValue e : segments) {
    std::string path = "annotations[" + std::to_string(i) + "]";
    JsonObject seg;
    if (!e.is_object() || e.get(seg) != simdjson::SUCCESS) {
      return WrongType(what, path, "an object", e);
    }
    core::MaskSegment s;
    JsonValue v;
    if (!Find(seg, "label", &v)) return FieldError(what, path + ".label", "is required");
    if (!v.is_string()) return WrongType(what, path + ".label", "a string", v);
    s.label = std::string(v.get_string().value_unsafe());
    if (!Find(seg, "index", &v)) return FieldError(what, path + ".index", "is required");
    NUCLEUS_RETURN_IF_ERROR(Integer(v, what, path + ".index", &s.index));
    if (s.index < 0) return FieldError(what, path + ".index", "must be >= 0");
    if (!indexes.insert(s.index).second) {
      return FieldError(what, path + ".index",
                        "repeats the pixel value " + std::to_string(s.index));
    }
    w.BeginObject().Key("label").String(s.label).Key("index").Int(s.index);
    // Segments come back without "metadata" when none was sent (annotations.md §2.9).
    if (Find(seg, "metadata", &v)) {
      if (!v.is_object()) return WrongType(what, path + ".metadata", "an object", v);
      std::string metadata = Minify(v);
      NUCLEUS_RETURN_IF_ERROR(CheckUserJson(what, path + ".metadata", v, metadata.size(), limits));
      w.Key("metadata").Raw(metadata);
    }
    w.EndObject();
    g->segments.push_back(std::move(s));
    ++i;
  }
  w.EndArray();
  return Status::Ok();
}

}  // namespace

std::string DescribeAnnotation(JsonValue value, int64_t index, bool prediction) {
  std::string out = prediction ? "prediction " : "annotation ";
  out += std::to_string(index);
  JsonObject obj;
  if (value.is_object() && value.get(obj) == simdjson::SUCCESS) {
    JsonValue ref, ann;
    bool has_ref = Find(obj, "reference_id", &ref) && ref.is_string();
    bool has_ann = Find(obj, "annotation_id", &ann) && ann.is_string();
    if (has_ref || has_ann) {
      out += " (";
      if (has_ref) out += "reference_id " + Quoted(ref.get_string().value_unsafe());
      if (has_ref && has_ann) out += ", ";
      if (has_ann) out += "annotation_id " + Quoted(ann.get_string().value_unsafe());
      out += ")";
    }
  }
  return out;
}

Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options) {
  const std::string what = DescribeAnnotation(value, index, options.prediction);
  JsonObject obj;
  if (!value.is_object() || value.get(obj) != simdjson::SUCCESS) {
    return InvalidArgument(what + " must be a JSON object, got " + std::string(TypeName(value)));
  }
  ParsedAnnotation a;

  // Type.
  JsonValue type_value;
  std::string type_name;
  if (Find(obj, "type", &type_value)) {
    if (!type_value.is_string()) return WrongType(what, "type", "a string", type_value);
    type_name = std::string(type_value.get_string().value_unsafe());
  } else if (options.default_to_mask) {
    type_name = "mask";
  } else {
    return FieldError(what, "type", "is required");
  }
  if (type_name == "box") {
    a.type = AnnotationType::kBox;
  } else if (type_name == "line") {
    a.type = AnnotationType::kLine;
  } else if (type_name == "polygon") {
    a.type = AnnotationType::kPolygon;
  } else if (type_name == "keypoints") {
    a.type = AnnotationType::kKeypoints;
  } else if (type_name == "cuboid") {
    a.type = AnnotationType::kCuboid;
  } else if (type_name == "category") {
    a.type = AnnotationType::kCategory;
  } else if (type_name == "multicategory" && !options.prediction) {
    a.type = AnnotationType::kMultiCategory;
  } else if (type_name == "mask" || type_name == "segmentation") {
    a.type = AnnotationType::kSegmentation;
  } else {
    return FieldError(what, "type",
                      "unknown type " + Quoted(type_name) +
                          (options.prediction
                               ? " (expected box, line, polygon, keypoints, cuboid, category or "
                                 "mask)"
                               : " (expected box, line, polygon, keypoints, cuboid, category, "
                                 "multicategory or mask)"));
  }

  // Identity fields.
  const Limits& limits = LimitsOf(options);
  NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, "reference_id", what, &a.reference_id));
  NUCLEUS_RETURN_IF_ERROR(
      CheckLength(what, "reference_id", a.reference_id, limits.max_id_bytes, "max_id_bytes"));
  const bool keyed_by_id = a.type != AnnotationType::kCategory &&
                           a.type != AnnotationType::kMultiCategory;
  if (keyed_by_id) {
    NUCLEUS_RETURN_IF_ERROR(NullableString(obj, "annotation_id", what, &a.annotation_id));
    if (a.annotation_id) {
      NUCLEUS_RETURN_IF_ERROR(CheckLength(what, "annotation_id", *a.annotation_id,
                                          limits.max_id_bytes, "max_id_bytes"));
    }
  }

  Common c;
  NUCLEUS_RETURN_IF_ERROR(ReadCommon(obj, what, options, a.type, &c, &a));

  JsonWriter w;
  w.Reserve(256);
  w.BeginObject();
  core::AnnotationGeometry& g = a.geometry;

  switch (a.type) {
    case AnnotationType::kBox:
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
    case AnnotationType::kKeypoints:
    case AnnotationType::kCuboid: {
      NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, "label", what, &a.label));
      a.labels.push_back(a.label);
      JsonObject geometry;
      NUCLEUS_RETURN_IF_ERROR(RequiredObject(obj, "geometry", what, "geometry", &geometry));
      w.Key("label").String(a.label).Key("type").String(type_name);
      if (a.type == AnnotationType::kBox) {
        core::BoxGeometry& b = g.box;
        NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "x", what, "geometry.", &b.x));
        NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "y", what, "geometry.", &b.y));
        NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "width", what, "geometry.", &b.width));
        NUCLEUS_RETURN_IF_ERROR(
            RequiredNumber(geometry, "height", what, "geometry.", &b.height));
        NUCLEUS_RETURN_IF_ERROR(NonNegative(b.width, what, "geometry.width"));
        NUCLEUS_RETURN_IF_ERROR(NonNegative(b.height, what, "geometry.height"));
        w.Key("geometry").BeginObject().Key("x").Double(b.x).Key("y").Double(b.y);
        w.Key("width").Double(b.width).Key("height").Double(b.height).EndObject();
      } else if (a.type == AnnotationType::kLine || a.type == AnnotationType::kPolygon) {
        NUCLEUS_RETURN_IF_ERROR(ParseVertices(
            geometry, what, a.type == AnnotationType::kLine ? 2 : 3, limits, &g.vertices));
        WriteVertices(w, g.vertices);
      } else if (a.type == AnnotationType::kKeypoints) {
        NUCLEUS_RETURN_IF_ERROR(ParseKeypoints(geometry, what, limits, &g));
        w.Key("geometry").BeginObject().Key("keypoints").BeginArray();
        for (const core::Keypoint& k : g.keypoints) {
          w.BeginObject();
          if (k.has_position) {
            w.Key("x").Double(k.x).Key("y").Double(k.y);
          } else {
            w.Key("x").Null().Key("y").Null();
          }
          w.Key("visible").Bool(k.visible).EndObject();
        }
        w.EndArray().Key("names").BeginArray();
        for (const std::string& n : g.keypoint_names) w.String(n);
        w.EndArray().Key("skeleton");
        // Always present (predictions require the key); null when none was sent.
        JsonValue skeleton;
        if (Find(geometry, "skeleton", &skeleton)) {
          w.BeginArray();
          for (const auto& [from, to] : g.skeleton) w.BeginArray().Int(from).Int(to).EndArray();
          w.EndArray();
        } else {
          w.Null();
        }
        w.EndObject();
      } else {  // cuboid
        core::CuboidGeometry& cu = g.cuboid;
        NUCLEUS_RETURN_IF_ERROR(ParsePoint3(geometry, "position", what, &cu.position));
        NUCLEUS_RETURN_IF_ERROR(ParsePoint3(geometry, "dimensions", what, &cu.dimensions));
        NUCLEUS_RETURN_IF_ERROR(NonNegative(cu.dimensions.x, what, "geometry.dimensions.x"));
        NUCLEUS_RETURN_IF_ERROR(NonNegative(cu.dimensions.y, what, "geometry.dimensions.y"));
        NUCLEUS_RETURN_IF_ERROR(NonNegative(cu.dimensions.z, what, "geometry.dimensions.z"));
        JsonValue yaw;
        if (Find(geometry, "yaw", &yaw)) {
          NUCLEUS_RETURN_IF_ERROR(Finite(yaw, what, "geometry.yaw", &cu.yaw));
        }
        w.Key("geometry").BeginObject();
        WritePoint3(w, "position", cu.position);
        WritePoint3(w, "dimensions", cu.dimensions);
        w.Key("yaw").Double(cu.yaw).EndObject();
      }
      w.Key("reference_id").String(a.reference_id);
      if (a.type == AnnotationType::kCuboid) {
        // Cuboids carry these keys only when set (annotations.md §2.5): echo what was sent.
        if (a.annotation_id) w.Key("annotation_id").String(*a.annotation_id);
        if (c.metadata_sent) w.Key("metadata").Raw(c.metadata_json);
        if (c.track_reference_id) w.Key("track_reference_id").String(*c.track_reference_id);
        if (c.task_id) w.Key("task_id").String(*c.task_id);
      } else {
        w.Key("annotation_id");
        WriteOptString(w, a.annotation_id);
        w.Key("metadata").Raw(c.metadata_json);
        if (a.type == AnnotationType::kBox || a.type == AnnotationType::kPolygon) {
          w.Key("embedding_vector").Raw(c.embedding_json);
        }
        w.Key("track_reference_id");
        WriteOptString(w, c.track_reference_id);
        w.Key("task_id");
        WriteOptString(w, c.task_id);
      }
      WritePredictionKeys(w, a, c);
      a.identity = a.annotation_id ? AnnotationIdIdentity(*a.annotation_id)
                                   : "gen:" + core::NewId("ann");
      break;
    }

    case AnnotationType::kCategory:
    case AnnotationType::kMultiCategory: {
      const bool multi = a.type == AnnotationType::kMultiCategory;
      if (multi) {
        JsonArray labels;
        NUCLEUS_RETURN_IF_ERROR(RequiredArray(obj, "labels", what, "labels", &labels));
        size_t i = 0;
        for (JsonValue e : labels) {
          if (!e.is_string()) {
            return WrongType(what, "labels[" + std::to_string(i) + "]", "a string", e);
          }
          a.labels.emplace_back(e.get_string().value_unsafe());
          ++i;
        }
        w.Key("labels").BeginArray();
        for (const std::string& l : a.labels) w.String(l);
        w.EndArray();
      } else {
        NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, "label", what, &a.label));
        a.labels.push_back(a.label);
        w.Key("label").String(a.label);
      }
      JsonValue geometry;
      if (Find(obj, "geometry", &geometry) && !geometry.is_object()) {
        return WrongType(what, "geometry", "an object", geometry);
      }
      NUCLEUS_RETURN_IF_ERROR(NullableString(obj, "taxonomy_name", what, &a.taxonomy_name));
      w.Key("type").String(type_name).Key("geometry").BeginObject().EndObject();
      w.Key("reference_id").String(a.reference_id);
      w.Key("metadata").Raw(c.metadata_json);
      w.Key("track_reference_id");
      WriteOptString(w, c.track_reference_id);
      w.Key("task_id");
      WriteOptString(w, c.task_id);
      // Only when given: a category without taxonomy must read back without one.
      if (a.taxonomy_name) w.Key("taxonomy_name").String(*a.taxonomy_name);
      WritePredictionKeys(w, a, c);
      a.identity = std::string(multi ? "multicategory:" : "category:") +
                   (a.taxonomy_name ? *a.taxonomy_name : std::string());
      break;
    }

    case AnnotationType::kSegmentation: {
      NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, "mask_url", what, &a.mask_url));
      w.Key("type").String("mask").Key("mask_url").String(a.mask_url);
      NUCLEUS_RETURN_IF_ERROR(ParseSegments(obj, what, limits, &g, w));
      for (const core::MaskSegment& s : g.segments) a.labels.push_back(s.label);
      w.Key("annotation_id");
      WriteOptString(w, a.annotation_id);
      w.Key("reference_id").String(a.reference_id);
      a.identity = "segmentation";
      break;
    }

    case AnnotationType::kSceneCategory:
      return Internal("scene categories are not parsed directly");
  }
  for (size_t i = 0; i < a.labels.size(); ++i) {
    NUCLEUS_RETURN_IF_ERROR(CheckLength(
        what,
        a.type == AnnotationType::kMultiCategory  ? "labels[" + std::to_string(i) + "]"
        : a.type == AnnotationType::kSegmentation ? "annotations[" + std::to_string(i) + "].label"
                                                  : std::string("label"),
        a.labels[i], limits.max_id_bytes, "max_id_bytes"));
  }
  if (a.taxonomy_name) {
    NUCLEUS_RETURN_IF_ERROR(
        CheckLength(what, "taxonomy_name", *a.taxonomy_name, limits.max_id_bytes, "max_id_bytes"));
  }
  NUCLEUS_RETURN_IF_ERROR(
      CheckLength(what, "mask_url", a.mask_url, limits.max_url_bytes, "max_url_bytes"));
  w.EndObject();
  a.payload_json = w.Take();
  return a;
}

}  // namespace nucleus::wire
