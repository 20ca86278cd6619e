#include "wire/annotations.h"

#include <array>
#include <charconv>
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

// The object's description in error messages (DescribeAnnotation), built only when an error
// needs it: most objects are valid, and the description costs a few allocations.
class What {
 public:
  What(JsonValue value, int64_t index, bool prediction)
      : value_(value), index_(index), prediction_(prediction) {}
  const std::string& str() const {
    if (!built_) {
      text_ = DescribeAnnotation(value_, index_, prediction_);
      built_ = true;
    }
    return text_;
  }
  operator std::string_view() const { return str(); }  // NOLINT: errors take the text

 private:
  JsonValue value_;
  int64_t index_;
  bool prediction_;
  mutable bool built_ = false;
  mutable std::string text_;
};

// CheckLength and CheckUserJson, describing the object only when the check fails.
Status Length(const What& what, std::string_view field, std::string_view value, int64_t max_bytes,
              std::string_view limit_name) {
  if (static_cast<int64_t>(value.size()) <= max_bytes) return Status::Ok();
  return CheckLength(what.str(), field, value, max_bytes, limit_name);
}

Status UserJson(const What& what, std::string_view field, JsonValue value, size_t compact_size,
                const Limits& limits) {
  if (CheckUserJson("", field, value, compact_size, limits).ok()) return Status::Ok();
  return CheckUserJson(what.str(), field, value, compact_size, limits);
}

// The top-level keys an object's parse reads, found in one pass over the object rather than one
// lookup per key. As with Find(), the first occurrence of a key counts and null is absent.
enum FieldKey {
  kType,
  kLabel,
  kLabels,
  kGeometry,
  kReferenceId,
  kAnnotationId,
  kMetadata,
  kEmbeddingVector,
  kTrackReferenceId,
  kTaskId,
  kConfidence,
  kClassPdf,
  kTaxonomyName,
  kMaskUrl,
  kAnnotations,
  kFieldKeyCount
};
constexpr std::string_view kFieldNames[kFieldKeyCount] = {
    "type",          "label",     "labels",           "geometry",           "reference_id",
    "annotation_id", "metadata",  "embedding_vector", "track_reference_id", "task_id",
    "confidence",    "class_pdf", "taxonomy_name",    "mask_url",           "annotations"};

struct Fields {
  std::array<JsonValue, kFieldKeyCount> value;
  uint32_t seen = 0;  // bit k: key k occurred (null included)
};

void IndexFields(JsonObject obj, Fields* f) {
  for (auto field : obj) {
    const std::string_view key = field.key;
    for (int k = 0; k < kFieldKeyCount; ++k) {
      if (key.size() != kFieldNames[k].size() || key != kFieldNames[k]) continue;
      if ((f->seen & (1u << k)) == 0) {
        f->seen |= 1u << k;
        f->value[k] = field.value;
      }
      break;
    }
  }
}

using ::nucleus::wire::Find;  // the JsonObject lookup, beside the overload below

bool Find(const Fields& f, FieldKey key, JsonValue* out) {
  if ((f.seen & (1u << key)) == 0 || f.value[key].is_null()) return false;
  *out = f.value[key];
  return true;
}

std::string_view KeyName(FieldKey key) { return kFieldNames[key]; }

// Checked before iterating, so an oversized array costs no parsing work.
Status CheckVertexCount(const What& what, std::string_view path, JsonArray array,
                        const Limits& limits) {
  const size_t n = array.size();
  if (static_cast<int64_t>(n) <= limits.max_vertices) return Status::Ok();
  return FieldError(what, path,
                    "has " + std::to_string(n) + " entries, over the limit of " +
                        std::to_string(limits.max_vertices) + " (max_vertices)");
}

Status WrongType(const What& what, std::string_view path, std::string_view expected,
                 JsonValue got) {
  std::string problem = "must be ";
  problem += expected;
  problem += ", got ";
  problem += TypeName(got);
  return FieldError(what, path, problem);
}

// A finite number.
Status Finite(JsonValue v, const What& what, std::string_view path, double* out) {
  if (!ToDouble(v, out)) return WrongType(what, path, "a number", v);
  if (!std::isfinite(*out)) return FieldError(what, path, "must be a finite number");
  return Status::Ok();
}

// Required finite number `key` of `obj`, reported as `<prefix><key>` (the path is built only
// for an error).
Status RequiredNumber(JsonObject obj, std::string_view key, const What& what,
                      std::string_view prefix, double* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) {
    return FieldError(what, std::string(prefix) + std::string(key), "is required");
  }
  if (ToDouble(v, out) && std::isfinite(*out)) return Status::Ok();
  return Finite(v, what, std::string(prefix) + std::string(key), out);
}

Status NonNegative(double value, const What& what, std::string_view path) {
  if (value >= 0) return Status::Ok();
  std::string problem = "must be >= 0, got ";
  AppendJsonDouble(value, &problem);
  return FieldError(what, path, problem);
}

template <typename Obj, typename Key>
Status RequiredObject(const Obj& obj, Key key, const What& what, std::string_view path,
                      JsonObject* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, path, "is required");
  if (!v.is_object()) return WrongType(what, path, "an object", v);
  *out = v.get_object().value_unsafe();
  return Status::Ok();
}

template <typename Obj, typename Key>
Status RequiredArray(const Obj& obj, Key key, const What& what, std::string_view path,
                     JsonArray* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, path, "is required");
  if (!v.is_array()) return WrongType(what, path, "an array", v);
  *out = v.get_array().value_unsafe();
  return Status::Ok();
}

Status RequiredString(const Fields& obj, FieldKey key, const What& what, std::string* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return FieldError(what, KeyName(key), "is required");
  if (!v.is_string()) return WrongType(what, KeyName(key), "a string", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

// String or null/absent.
Status NullableString(const Fields& obj, FieldKey key, const What& what,
                      std::optional<std::string>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  if (!v.is_string()) return WrongType(what, KeyName(key), "a string or null", v);
  *out = std::string(v.get_string().value_unsafe());
  return Status::Ok();
}

// An integer (an integral double counts).
Status Integer(JsonValue v, const What& what, std::string_view path, int64_t* out) {
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

// What the payload needs beyond ParsedAnnotation: keys shared by several types, as sent.
struct Common {
  std::string metadata_json = "{}";
  bool metadata_sent = false;  // cuboids echo metadata only when sent
  std::optional<std::string> track_reference_id;
  std::optional<std::string> task_id;
  std::string embedding_json;  // "" = null
  std::string class_pdf_json;  // "" = not sent
  std::string_view type_name;  // as sent (a view into the parsed document)
  bool skeleton_sent = false;  // keypoints: "skeleton" given (else it reads back null)
  std::vector<std::string> segment_metadata;  // masks: per segment, "" = not sent
};

Status ReadCommon(const Fields& obj, const What& what, const AnnotationParseOptions& options,
                  AnnotationType type, Common* c, ParsedAnnotation* out) {
  JsonValue v;
  if (Find(obj, kMetadata, &v)) {
    if (!v.is_object()) return WrongType(what, "metadata", "an object", v);
    // {} is what most clients send; Minify would build it through a buffer of its own.
    if (v.get_object().value_unsafe().size() != 0) c->metadata_json = Minify(v);
    NUCLEUS_RETURN_IF_ERROR(
        UserJson(what, "metadata", v, c->metadata_json.size(), LimitsOf(options)));
    c->metadata_sent = true;
  }
  NUCLEUS_RETURN_IF_ERROR(NullableString(obj, kTrackReferenceId, what, &c->track_reference_id));
  NUCLEUS_RETURN_IF_ERROR(NullableString(obj, kTaskId, what, &c->task_id));
  if ((type == AnnotationType::kBox || type == AnnotationType::kPolygon) &&
      Find(obj, kEmbeddingVector, &v)) {
    JsonArray arr;
    if (!v.is_array() || v.get(arr) != simdjson::SUCCESS) {
      return WrongType(what, "embedding_vector", "an array of numbers or null", v);
    }
    size_t i = 0;
    for (JsonValue e : arr) {
      double d = 0;
      if (!ToDouble(e, &d) || !std::isfinite(d)) {
        return Finite(e, what, "embedding_vector[" + std::to_string(i) + "]", &d);
      }
      ++i;
    }
    c->embedding_json = Minify(v);
    NUCLEUS_RETURN_IF_ERROR(
        UserJson(what, "embedding_vector", v, c->embedding_json.size(), LimitsOf(options)));
  }
  if (options.prediction && type != AnnotationType::kSegmentation) {
    if (Find(obj, kConfidence, &v)) {
      double d = 0;
      NUCLEUS_RETURN_IF_ERROR(Finite(v, what, "confidence", &d));
      out->confidence = d;
    }
    if (Find(obj, kClassPdf, &v)) {
      JsonObject pdf;
      if (!v.is_object() || v.get(pdf) != simdjson::SUCCESS) {
        return WrongType(what, "class_pdf", "an object of label -> number", v);
      }
      for (auto field : pdf) {
        double d = 0;
        if (!ToDouble(field.value, &d) || !std::isfinite(d)) {
          return Finite(field.value, what, "class_pdf." + std::string(field.key), &d);
        }
      }
      c->class_pdf_json = Minify(v);
      NUCLEUS_RETURN_IF_ERROR(
          UserJson(what, "class_pdf", v, c->class_pdf_json.size(), LimitsOf(options)));
    }
  }
  return Status::Ok();
}

Status ParseVertices(JsonObject geometry, const What& what, size_t min_vertices,
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

Status ParseKeypoints(JsonObject geometry, const What& what, const Limits& limits,
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
        NUCLEUS_RETURN_IF_ERROR(Integer(idx, what, path + "[" + std::to_string(j) + "]", &ends[j]));
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

Status ParsePoint3(JsonObject geometry, std::string_view key, const What& what, core::Point3* out) {
  std::string path = "geometry." + std::string(key);
  JsonObject p;
  NUCLEUS_RETURN_IF_ERROR(RequiredObject(geometry, key, what, path, &p));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "x", what, path + ".", &out->x));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "y", what, path + ".", &out->y));
  NUCLEUS_RETURN_IF_ERROR(RequiredNumber(p, "z", what, path + ".", &out->z));
  return Status::Ok();
}

Status ParseSegments(const Fields& obj, const What& what, const Limits& limits,
                     core::AnnotationGeometry* g, Common* c) {
  JsonArray segments;
  NUCLEUS_RETURN_IF_ERROR(RequiredArray(obj, kAnnotations, what, "annotations", &segments));
  NUCLEUS_RETURN_IF_ERROR(CheckVertexCount(what, "annotations", segments, limits));
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
    // Segments come back without "metadata" when none was sent (annotations.md §2.9).
    std::string metadata;
    if (Find(seg, "metadata", &v)) {
      if (!v.is_object()) return WrongType(what, path + ".metadata", "an object", v);
      metadata = Minify(v);
      NUCLEUS_RETURN_IF_ERROR(UserJson(what, path + ".metadata", v, metadata.size(), limits));
    }
    c->segment_metadata.push_back(std::move(metadata));
    g->segments.push_back(std::move(s));
    ++i;
  }
  return Status::Ok();
}

// Where a payload goes: appended to a string, or compared with text that may already hold it
// (the object as the client sent it). Writes exactly what JsonWriter writes for the same calls
// (our keys need no escaping). Matching stops at the first difference: then Matched() is false
// and the payload must be written.
class PayloadSink {
 public:
  explicit PayloadSink(std::string* out) : out_(out) {}
  explicit PayloadSink(std::string_view source) : source_(source) {}

  // Matching: the whole payload was found at the start of the source; its length.
  bool Matched() const { return ok_; }
  size_t matched_size() const { return pos_; }

  PayloadSink& BeginObject() {
    BeforeValue();
    Emit('{');
    Push();
    return *this;
  }
  PayloadSink& EndObject() {
    Emit('}');
    --depth_;
    return *this;
  }
  PayloadSink& BeginArray() {
    BeforeValue();
    Emit('[');
    Push();
    return *this;
  }
  PayloadSink& EndArray() {
    Emit(']');
    --depth_;
    return *this;
  }
  PayloadSink& Key(std::string_view key) {
    BeforeValue();
    Emit('"');
    Emit(key);
    Emit(std::string_view("\":"));
    after_key_ = true;
    return *this;
  }
  PayloadSink& String(std::string_view value) {
    BeforeValue();
    if (out_ != nullptr) {
      AppendJsonString(value, out_);
    } else if (ok_) {
      // Text with an escape never equals the value's bytes, so a value that needs one cannot
      // match; the writer then escapes it.
      for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == '"' || c == '\\') ok_ = false;
      }
      Emit('"');
      Emit(value);
      Emit('"');
    }
    return *this;
  }
  PayloadSink& Int(int64_t value) {
    BeforeValue();
    if (out_ == nullptr && !ok_) return *this;
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    (void)ec;
    Emit(std::string_view(buf, static_cast<size_t>(end - buf)));
    return *this;
  }
  PayloadSink& Double(double value) {
    BeforeValue();
    if (out_ != nullptr) {
      AppendJsonDouble(value, out_);
    } else if (ok_) {
      if (!std::isfinite(value)) {
        Emit(std::string_view("null"));
      } else {
        char buf[32];  // as AppendJsonDouble writes it
        const char* end = ShortestDouble(value, buf);
        Emit(std::string_view(buf, static_cast<size_t>(end - buf)));
      }
    }
    return *this;
  }
  PayloadSink& Bool(bool value) {
    BeforeValue();
    Emit(value ? std::string_view("true") : std::string_view("false"));
    return *this;
  }
  PayloadSink& Null() {
    BeforeValue();
    Emit(std::string_view("null"));
    return *this;
  }
  // Already-serialised JSON as one value; empty writes null (as JsonWriter::Raw).
  PayloadSink& Raw(std::string_view json) {
    BeforeValue();
    Emit(json.empty() ? std::string_view("null") : json);
    return *this;
  }

 private:
  void Emit(char c) {
    if (out_ != nullptr) {
      out_->push_back(c);
    } else if (ok_ && pos_ < source_.size() && source_[pos_] == c) {
      ++pos_;
    } else {
      ok_ = false;
    }
  }
  void Emit(std::string_view s) {
    if (out_ != nullptr) {
      out_->append(s);
    } else if (ok_ && source_.substr(pos_, s.size()) == s) {
      pos_ += s.size();
    } else {
      ok_ = false;
    }
  }
  void Push() {
    if (depth_ + 1 >= kMaxDepth) {
      ok_ = false;  // deeper than any payload we write; never reached
      return;
    }
    first_[++depth_] = true;
  }
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ > 0) {
      if (!first_[depth_]) Emit(',');
      first_[depth_] = false;
    }
  }

  static constexpr int kMaxDepth = 16;
  std::string* out_ = nullptr;
  std::string_view source_;
  size_t pos_ = 0;
  bool ok_ = true;
  bool after_key_ = false;
  int depth_ = 0;
  std::array<bool, kMaxDepth> first_{};
};

void WriteOptString(PayloadSink& w, const std::optional<std::string>& s) {
  if (s) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// confidence / class_pdf when sent (predictions).
void WritePredictionKeys(PayloadSink& w, const ParsedAnnotation& a, const Common& c) {
  if (a.confidence) w.Key("confidence").Double(*a.confidence);
  if (!c.class_pdf_json.empty()) w.Key("class_pdf").Raw(c.class_pdf_json);
}

void WritePoint3(PayloadSink& w, std::string_view key, const core::Point3& p) {
  w.Key(key).BeginObject().Key("x").Double(p.x).Key("y").Double(p.y).Key("z").Double(p.z);
  w.EndObject();
}

// "geometry" of the shapes that have one (box, line, polygon, keypoints, cuboid).
void WriteGeometry(PayloadSink& w, const ParsedAnnotation& a, const Common& c) {
  const core::AnnotationGeometry& g = a.geometry;
  w.Key("geometry").BeginObject();
  switch (a.type) {
    case AnnotationType::kBox:
      w.Key("x").Double(g.box.x).Key("y").Double(g.box.y);
      w.Key("width").Double(g.box.width).Key("height").Double(g.box.height);
      break;
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
      w.Key("vertices").BeginArray();
      for (const core::Point2& p : g.vertices) {
        w.BeginObject().Key("x").Double(p.x).Key("y").Double(p.y).EndObject();
      }
      w.EndArray();
      break;
    case AnnotationType::kKeypoints:
      w.Key("keypoints").BeginArray();
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
      // Always present (predictions require the key); null when none was sent.
      w.EndArray().Key("skeleton");
      if (c.skeleton_sent) {
        w.BeginArray();
        for (const auto& [from, to] : g.skeleton) w.BeginArray().Int(from).Int(to).EndArray();
        w.EndArray();
      } else {
        w.Null();
      }
      break;
    default:  // cuboid
      WritePoint3(w, "position", g.cuboid.position);
      WritePoint3(w, "dimensions", g.cuboid.dimensions);
      w.Key("yaw").Double(g.cuboid.yaw);
      break;
  }
  w.EndObject();
}

// The payload (ParsedAnnotation::payload_json) of a parsed object: every key the client reads,
// in the order the client sends them.
void WritePayload(PayloadSink& w, const ParsedAnnotation& a, const Common& c) {
  w.BeginObject();
  switch (a.type) {
    case AnnotationType::kBox:
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
    case AnnotationType::kKeypoints:
    case AnnotationType::kCuboid:
      w.Key("label").String(a.label).Key("type").String(c.type_name);
      WriteGeometry(w, a, c);
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
      break;
    case AnnotationType::kCategory:
    case AnnotationType::kMultiCategory:
      if (a.type == AnnotationType::kMultiCategory) {
        w.Key("labels").BeginArray();
        for (const std::string& l : a.labels) w.String(l);
        w.EndArray();
      } else {
        w.Key("label").String(a.label);
      }
      w.Key("type").String(c.type_name).Key("geometry").BeginObject().EndObject();
      w.Key("reference_id").String(a.reference_id);
      w.Key("metadata").Raw(c.metadata_json);
      w.Key("track_reference_id");
      WriteOptString(w, c.track_reference_id);
      w.Key("task_id");
      WriteOptString(w, c.task_id);
      // Only when given: a category without taxonomy must read back without one.
      if (a.taxonomy_name) w.Key("taxonomy_name").String(*a.taxonomy_name);
      WritePredictionKeys(w, a, c);
      break;
    case AnnotationType::kSegmentation:
      w.Key("type").String("mask").Key("mask_url").String(a.mask_url);
      w.Key("annotations").BeginArray();
      for (size_t i = 0; i < a.geometry.segments.size(); ++i) {
        const core::MaskSegment& s = a.geometry.segments[i];
        w.BeginObject().Key("label").String(s.label).Key("index").Int(s.index);
        if (!c.segment_metadata[i].empty()) w.Key("metadata").Raw(c.segment_metadata[i]);
        w.EndObject();
      }
      w.EndArray();
      w.Key("annotation_id");
      WriteOptString(w, a.annotation_id);
      w.Key("reference_id").String(a.reference_id);
      break;
    case AnnotationType::kSceneCategory:
      break;  // never parsed directly
  }
  w.EndObject();
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

namespace {

// The type named by "type" (or a mask when absent and options.default_to_mask).
Status ReadType(const Fields& obj, const What& what, const AnnotationParseOptions& options,
                Common* c, ParsedAnnotation* a) {
  JsonValue type_value;
  if (Find(obj, kType, &type_value)) {
    if (!type_value.is_string()) return WrongType(what, "type", "a string", type_value);
    c->type_name = type_value.get_string().value_unsafe();
  } else if (options.default_to_mask) {
    c->type_name = "mask";
  } else {
    return FieldError(what, "type", "is required");
  }
  const std::string_view name = c->type_name;
  if (name == "box") {
    a->type = AnnotationType::kBox;
  } else if (name == "line") {
    a->type = AnnotationType::kLine;
  } else if (name == "polygon") {
    a->type = AnnotationType::kPolygon;
  } else if (name == "keypoints") {
    a->type = AnnotationType::kKeypoints;
  } else if (name == "cuboid") {
    a->type = AnnotationType::kCuboid;
  } else if (name == "category") {
    a->type = AnnotationType::kCategory;
  } else if (name == "multicategory" && !options.prediction) {
    a->type = AnnotationType::kMultiCategory;
  } else if (name == "mask" || name == "segmentation") {
    a->type = AnnotationType::kSegmentation;
  } else {
    return FieldError(
        what, "type",
        "unknown type " + Quoted(name) +
            (options.prediction ? " (expected box, line, polygon, keypoints, cuboid, category or "
                                  "mask)"
                                : " (expected box, line, polygon, keypoints, cuboid, category, "
                                  "multicategory or mask)"));
  }
  return Status::Ok();
}

// The label and geometry of a box, line, polygon, keypoints or cuboid.
Status ReadShape(const Fields& obj, const What& what, const Limits& limits, Common* c,
                 ParsedAnnotation* a) {
  NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, kLabel, what, &a->label));
  a->labels.push_back(a->label);
  JsonObject geometry;
  NUCLEUS_RETURN_IF_ERROR(RequiredObject(obj, kGeometry, what, "geometry", &geometry));
  core::AnnotationGeometry& g = a->geometry;
  switch (a->type) {
    case AnnotationType::kBox: {
      core::BoxGeometry& b = g.box;
      NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "x", what, "geometry.", &b.x));
      NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "y", what, "geometry.", &b.y));
      NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "width", what, "geometry.", &b.width));
      NUCLEUS_RETURN_IF_ERROR(RequiredNumber(geometry, "height", what, "geometry.", &b.height));
      NUCLEUS_RETURN_IF_ERROR(NonNegative(b.width, what, "geometry.width"));
      return NonNegative(b.height, what, "geometry.height");
    }
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
      return ParseVertices(geometry, what, a->type == AnnotationType::kLine ? 2 : 3, limits,
                           &g.vertices);
    case AnnotationType::kKeypoints: {
      NUCLEUS_RETURN_IF_ERROR(ParseKeypoints(geometry, what, limits, &g));
      JsonValue skeleton;
      c->skeleton_sent = Find(geometry, "skeleton", &skeleton);
      return Status::Ok();
    }
    default: {  // cuboid
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
      return Status::Ok();
    }
  }
}

// The label(s), geometry check and taxonomy of a category or multi-category.
Status ReadCategory(const Fields& obj, const What& what, ParsedAnnotation* a) {
  if (a->type == AnnotationType::kMultiCategory) {
    JsonArray labels;
    NUCLEUS_RETURN_IF_ERROR(RequiredArray(obj, kLabels, what, "labels", &labels));
    size_t i = 0;
    for (JsonValue e : labels) {
      if (!e.is_string()) {
        return WrongType(what, "labels[" + std::to_string(i) + "]", "a string", e);
      }
      a->labels.emplace_back(e.get_string().value_unsafe());
      ++i;
    }
  } else {
    NUCLEUS_RETURN_IF_ERROR(RequiredString(obj, kLabel, what, &a->label));
    a->labels.push_back(a->label);
  }
  JsonValue geometry;
  if (Find(obj, kGeometry, &geometry) && !geometry.is_object()) {
    return WrongType(what, "geometry", "an object", geometry);
  }
  return NullableString(obj, kTaxonomyName, what, &a->taxonomy_name);
}

// The caps on the object's labels, taxonomy and mask URL.
Status CheckLabelLengths(const ParsedAnnotation& a, const What& what, const Limits& limits) {
  for (size_t i = 0; i < a.labels.size(); ++i) {
    if (static_cast<int64_t>(a.labels[i].size()) <= limits.max_id_bytes) continue;
    NUCLEUS_RETURN_IF_ERROR(Length(
        what,
        a.type == AnnotationType::kMultiCategory  ? "labels[" + std::to_string(i) + "]"
        : a.type == AnnotationType::kSegmentation ? "annotations[" + std::to_string(i) + "].label"
                                                  : std::string("label"),
        a.labels[i], limits.max_id_bytes, "max_id_bytes"));
  }
  if (a.taxonomy_name) {
    NUCLEUS_RETURN_IF_ERROR(
        Length(what, "taxonomy_name", *a.taxonomy_name, limits.max_id_bytes, "max_id_bytes"));
  }
  return Length(what, "mask_url", a.mask_url, limits.max_url_bytes, "max_url_bytes");
}

// Parses and validates the object (every check, in the order of the error messages' contract);
// `c` gets what the payload needs besides `a`.
Status ReadObject(JsonObject obj, const What& what, const AnnotationParseOptions& options,
                  Common* c, ParsedAnnotation* a) {
  Fields fields;
  IndexFields(obj, &fields);
  NUCLEUS_RETURN_IF_ERROR(ReadType(fields, what, options, c, a));
  const Limits& limits = LimitsOf(options);
  NUCLEUS_RETURN_IF_ERROR(RequiredString(fields, kReferenceId, what, &a->reference_id));
  NUCLEUS_RETURN_IF_ERROR(
      Length(what, "reference_id", a->reference_id, limits.max_id_bytes, "max_id_bytes"));
  const bool keyed_by_id =
      a->type != AnnotationType::kCategory && a->type != AnnotationType::kMultiCategory;
  if (keyed_by_id) {
    NUCLEUS_RETURN_IF_ERROR(NullableString(fields, kAnnotationId, what, &a->annotation_id));
    if (a->annotation_id) {
      NUCLEUS_RETURN_IF_ERROR(
          Length(what, "annotation_id", *a->annotation_id, limits.max_id_bytes, "max_id_bytes"));
    }
  }
  NUCLEUS_RETURN_IF_ERROR(ReadCommon(fields, what, options, a->type, c, a));
  switch (a->type) {
    case AnnotationType::kBox:
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
    case AnnotationType::kKeypoints:
    case AnnotationType::kCuboid:
      NUCLEUS_RETURN_IF_ERROR(ReadShape(fields, what, limits, c, a));
      a->identity =
          a->annotation_id ? AnnotationIdIdentity(*a->annotation_id) : "gen:" + core::NewId("ann");
      break;
    case AnnotationType::kCategory:
    case AnnotationType::kMultiCategory:
      NUCLEUS_RETURN_IF_ERROR(ReadCategory(fields, what, a));
      a->identity =
          std::string(a->type == AnnotationType::kMultiCategory ? "multicategory:" : "category:") +
          (a->taxonomy_name ? *a->taxonomy_name : std::string());
      break;
    case AnnotationType::kSegmentation:
      NUCLEUS_RETURN_IF_ERROR(RequiredString(fields, kMaskUrl, what, &a->mask_url));
      NUCLEUS_RETURN_IF_ERROR(ParseSegments(fields, what, limits, &a->geometry, c));
      for (const core::MaskSegment& s : a->geometry.segments) a->labels.push_back(s.label);
      a->identity = "segmentation";
      break;
    case AnnotationType::kSceneCategory:
      return Internal("scene categories are not parsed directly");
  }
  return CheckLabelLengths(*a, what, limits);
}

}  // namespace

Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options) {
  size_t canonical_size = 0;
  return ParseAnnotation(value, index, options, std::string_view(), &canonical_size);
}

Result<ParsedAnnotation> ParseAnnotation(JsonValue value, int64_t index,
                                         const AnnotationParseOptions& options,
                                         std::string_view source, size_t* canonical_size) {
  *canonical_size = 0;
  const What what(value, index, options.prediction);
  JsonObject obj;
  if (!value.is_object() || value.get(obj) != simdjson::SUCCESS) {
    return InvalidArgument(what.str() + " must be a JSON object, got " +
                           std::string(TypeName(value)));
  }
  ParsedAnnotation a;
  Common c;
  NUCLEUS_RETURN_IF_ERROR(ReadObject(obj, what, options, &c, &a));
  if (!source.empty()) {
    PayloadSink match(source);
    WritePayload(match, a, c);
    if (match.Matched()) {
      *canonical_size = match.matched_size();
      a.payload_json.assign(source.data(), *canonical_size);
      return a;
    }
  }
  // Written into the thread's scratch buffer, then copied at its exact size: one allocation per
  // payload, where growing the payload's own string reallocates once or twice.
  thread_local std::string scratch;
  scratch.clear();
  PayloadSink write(&scratch);
  WritePayload(write, a, c);
  a.payload_json.assign(scratch);
  if (scratch.capacity() > (64u << 10)) std::string().swap(scratch);  // after a huge object
  return a;
}

}  // namespace nucleus::wire
