#include "core/packed_geometry.h"

#include <bit>

namespace nucleus::core {
namespace {

// Shifts rather than memcpy so the bytes are little-endian on any host; compilers turn these
// loops into one load or store on little-endian machines.
void PutU64(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

void PutU32(uint32_t v, std::string* out) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

void PutF64(double d, std::string* out) {
  if (d == 0) d = 0.0;  // -0.0 as the payload reads back (see the header)
  PutU64(std::bit_cast<uint64_t>(d), out);
}

void PutCount(size_t n, std::string* out) { PutU32(static_cast<uint32_t>(n), out); }

void PutStr(std::string_view s, std::string* out) {
  PutCount(s.size(), out);
  out->append(s);
}

uint64_t LoadU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

double LoadF64(const char* p) { return std::bit_cast<double>(LoadU64(p)); }

// A bounds-checked cursor over packed bytes: every read fails once the bytes run out.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool F64(double* out) {
    if (end_ - p_ < 8) return false;
    *out = LoadF64(p_);
    p_ += 8;
    return true;
  }
  bool I64(int64_t* out) {
    if (end_ - p_ < 8) return false;
    *out = static_cast<int64_t>(LoadU64(p_));
    p_ += 8;
    return true;
  }
  bool U8(uint8_t* out) {
    if (p_ == end_) return false;
    *out = static_cast<uint8_t>(*p_++);
    return true;
  }
  // A count of entries of at least `min_entry_bytes` each: refused when the bytes left cannot
  // hold that many (so no allocation is sized by a corrupt count).
  bool Count(size_t min_entry_bytes, size_t* out) {
    if (end_ - p_ < 4) return false;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
      n |= static_cast<uint32_t>(static_cast<unsigned char>(p_[i])) << (8 * i);
    p_ += 4;
    if (static_cast<uint64_t>(n) * min_entry_bytes > static_cast<uint64_t>(end_ - p_)) return false;
    *out = n;
    return true;
  }
  bool Str(std::string* out) {
    size_t n = 0;
    if (!Count(1, &n)) return false;
    out->assign(p_, n);
    p_ += n;
    return true;
  }
  bool AtEnd() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

bool TypeOfTag(uint8_t tag, AnnotationType* out) {
  if (tag < 1 || tag > 9) return false;
  *out = static_cast<AnnotationType>(tag - 1);
  return true;
}

uint8_t TagOf(AnnotationType type) { return static_cast<uint8_t>(static_cast<int>(type) + 1); }

static_assert(static_cast<int>(AnnotationType::kBox) + 1 == static_cast<int>(PackedTag::kBox));
static_assert(static_cast<int>(AnnotationType::kSegmentation) + 1 ==
              static_cast<int>(PackedTag::kSegmentation));

bool UnpackKeypoints(Reader& r, AnnotationGeometry* g) {
  size_t n = 0;
  if (!r.Count(17, &n)) return false;
  g->keypoints.resize(n);
  for (Keypoint& k : g->keypoints) {
    uint8_t flags = 0;
    if (!r.F64(&k.x) || !r.F64(&k.y) || !r.U8(&flags) || flags > 3) return false;
    k.visible = (flags & 1) != 0;
    k.has_position = (flags & 2) != 0;
  }
  size_t names = 0;
  if (!r.Count(4, &names) || names != n) return false;
  g->keypoint_names.resize(n);
  for (std::string& name : g->keypoint_names) {
    if (!r.Str(&name)) return false;
  }
  size_t edges = 0;
  if (!r.Count(16, &edges)) return false;
  g->skeleton.resize(edges);
  for (auto& [from, to] : g->skeleton) {
    if (!r.I64(&from) || !r.I64(&to)) return false;
  }
  return true;
}

bool UnpackSegmentation(Reader& r, UnpackedGeometry* out) {
  size_t n = 0;
  if (!r.Str(&out->mask_url) || !r.Count(12, &n)) return false;
  out->geometry.segments.resize(n);
  for (MaskSegment& s : out->geometry.segments) {
    if (!r.I64(&s.index) || !r.Str(&s.label)) return false;
  }
  return true;
}

}  // namespace

void AppendPackedGeometry(AnnotationType type, const AnnotationGeometry& g,
                          std::span<const std::string> labels, std::string_view mask_url,
                          std::string* out) {
  out->push_back(static_cast<char>(TagOf(type)));
  switch (type) {
    case AnnotationType::kBox:
      PutF64(g.box.x, out);
      PutF64(g.box.y, out);
      PutF64(g.box.width, out);
      PutF64(g.box.height, out);
      return;
    case AnnotationType::kLine:
    case AnnotationType::kPolygon:
      PutCount(g.vertices.size(), out);
      for (const Point2& v : g.vertices) {
        PutF64(v.x, out);
        PutF64(v.y, out);
      }
      return;
    case AnnotationType::kKeypoints:
      PutCount(g.keypoints.size(), out);
      for (const Keypoint& k : g.keypoints) {
        PutF64(k.x, out);
        PutF64(k.y, out);
        out->push_back(static_cast<char>((k.visible ? 1 : 0) | (k.has_position ? 2 : 0)));
      }
      PutCount(g.keypoint_names.size(), out);
      for (const std::string& name : g.keypoint_names) PutStr(name, out);
      PutCount(g.skeleton.size(), out);
      for (const auto& [from, to] : g.skeleton) {
        PutU64(static_cast<uint64_t>(from), out);
        PutU64(static_cast<uint64_t>(to), out);
      }
      return;
    case AnnotationType::kCuboid: {
      const CuboidGeometry& c = g.cuboid;
      for (double d : {c.position.x, c.position.y, c.position.z, c.dimensions.x, c.dimensions.y,
                       c.dimensions.z, c.yaw}) {
        PutF64(d, out);
      }
      return;
    }
    case AnnotationType::kCategory:
    case AnnotationType::kMultiCategory:
    case AnnotationType::kSceneCategory:
      PutCount(labels.size(), out);
      for (const std::string& label : labels) PutStr(label, out);
      return;
    case AnnotationType::kSegmentation:
      PutStr(mask_url, out);
      PutCount(g.segments.size(), out);
      for (const MaskSegment& s : g.segments) {
        PutU64(static_cast<uint64_t>(s.index), out);
        PutStr(s.label, out);
      }
      return;
  }
}

void AppendPackedGeometry(const ParsedAnnotation& object, std::string* out) {
  AppendPackedGeometry(object.type, object.geometry, object.labels, object.mask_url, out);
}

std::string PackGeometry(const ParsedAnnotation& object) {
  std::string out;
  AppendPackedGeometry(object, &out);
  return out;
}

bool UnpackGeometry(std::string_view packed, UnpackedGeometry* out) {
  if (packed.empty()) return false;
  AnnotationType type;
  if (!TypeOfTag(static_cast<uint8_t>(packed[0]), &type)) return false;
  out->type = type;
  out->geometry = AnnotationGeometry();
  out->labels.clear();
  out->mask_url.clear();
  AnnotationGeometry& g = out->geometry;
  Reader r(packed.substr(1));
  bool ok = true;
  switch (type) {
    case AnnotationType::kBox:
      ok = r.F64(&g.box.x) && r.F64(&g.box.y) && r.F64(&g.box.width) && r.F64(&g.box.height);
      break;
    case AnnotationType::kLine:
    case AnnotationType::kPolygon: {
      size_t n = 0;
      ok = r.Count(16, &n);
      if (ok) g.vertices.resize(n);
      for (size_t i = 0; ok && i < n; ++i) ok = r.F64(&g.vertices[i].x) && r.F64(&g.vertices[i].y);
      break;
    }
    case AnnotationType::kKeypoints:
      ok = UnpackKeypoints(r, &g);
      break;
    case AnnotationType::kCuboid: {
      CuboidGeometry& c = g.cuboid;
      ok = r.F64(&c.position.x) && r.F64(&c.position.y) && r.F64(&c.position.z) &&
           r.F64(&c.dimensions.x) && r.F64(&c.dimensions.y) && r.F64(&c.dimensions.z) &&
           r.F64(&c.yaw);
      break;
    }
    case AnnotationType::kCategory:
    case AnnotationType::kMultiCategory:
    case AnnotationType::kSceneCategory: {
      size_t n = 0;
      ok = r.Count(4, &n);
      if (ok) out->labels.resize(n);
      for (size_t i = 0; ok && i < n; ++i) ok = r.Str(&out->labels[i]);
      break;
    }
    case AnnotationType::kSegmentation:
      ok = UnpackSegmentation(r, out);
      break;
  }
  return ok && r.AtEnd();
}

bool PackedGeometryView::Reset(std::string_view packed) {
  bytes_ = packed;
  if (packed.empty() || !TypeOfTag(static_cast<uint8_t>(packed[0]), &type_)) return false;
  switch (type_) {
    case AnnotationType::kBox:
      return packed.size() == 1 + 4 * 8;
    case AnnotationType::kCuboid:
      return packed.size() == 1 + 7 * 8;
    case AnnotationType::kLine:
    case AnnotationType::kPolygon: {
      if (packed.size() < 5) return false;
      return packed.size() - 5 == 16 * vertex_count();
    }
    default:
      return true;
  }
}

double PackedGeometryView::At(size_t offset) const { return LoadF64(bytes_.data() + offset); }

BoxGeometry PackedGeometryView::box() const { return {At(1), At(9), At(17), At(25)}; }

size_t PackedGeometryView::vertex_count() const {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes_[1 + i])) << (8 * i);
  }
  return n;
}

Point2 PackedGeometryView::vertex(size_t i) const { return {At(5 + 16 * i), At(13 + 16 * i)}; }

CuboidGeometry PackedGeometryView::cuboid() const {
  return {{At(1), At(9), At(17)}, {At(25), At(33), At(41)}, At(49)};
}

}  // namespace nucleus::core
