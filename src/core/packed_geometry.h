// The geometry of one stored annotation or prediction in a compact binary form, "packed": what
// matching and metrics compute with (box, vertices, keypoints, cuboid, category labels, mask
// reference and segments), without the JSON around it. Upload packs the object it parsed and the
// store keeps the bytes beside the payload (store/predictions.h, store/annotations.h); a commit
// reads them instead of parsing the payload again (docs/design/packed_geometry.md).
//
// Layout, every number little-endian whatever the host; `str` is a u32 byte length + the bytes:
//   u8 tag (PackedTag below), then per tag:
//   box            f64 x, y, width, height                                         (33 bytes)
//   line, polygon  u32 n, n x (f64 x, f64 y)
//   keypoints      u32 n, n x (f64 x, f64 y, u8 flags: 1 visible, 2 has_position),
//                  n x str name, u32 m, m x (i64 from, i64 to)
//   cuboid         f64 position x, y, z, dimensions x, y, z, yaw                   (57 bytes)
//   category, multicategory, scene_category   u32 n, n x str label
//   segmentation   str mask_url, u32 n, n x (i64 index, str label)
// An empty value means "no geometry" (a stored payload that did not parse; such an object is
// not matched). A changed layout takes a new tag; readers refuse tags they do not know.
//
// Doubles are packed as a JSON reader reads them back from the payload, which prints them in
// shortest round-trip form: exactly, except -0.0, which the payload prints as `-0` (an integer,
// read back as 0) and which is therefore packed as 0.0. So an object packs to the same bytes at
// upload as from its stored payload (the start-up backfill of older rows). NaN and infinities
// never reach a payload (upload refuses them) but are kept bit for bit.
//
// Pure functions and a non-owning view; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/annotations.h"

namespace nucleus::core {

// The tag byte: AnnotationType's enumerator position + 1 (0 is never written).
enum class PackedTag : uint8_t {
  kBox = 1,
  kLine = 2,
  kPolygon = 3,
  kKeypoints = 4,
  kCuboid = 5,
  kCategory = 6,
  kMultiCategory = 7,
  kSceneCategory = 8,
  kSegmentation = 9,
};

// Appends the packed geometry of an object of `type` to `out`. `labels` is what a category
// carries (its label, a multi-category's labels; ignored for other types); `mask_url` is a
// segmentation's mask reference (ignored for other types).
void AppendPackedGeometry(AnnotationType type, const AnnotationGeometry& geometry,
                          std::span<const std::string> labels, std::string_view mask_url,
                          std::string* out);

// The packed geometry of an object as parsed at upload (wire/annotations.h).
void AppendPackedGeometry(const ParsedAnnotation& object, std::string* out);
std::string PackGeometry(const ParsedAnnotation& object);

// Everything a packed value holds.
struct UnpackedGeometry {
  AnnotationType type = AnnotationType::kBox;
  AnnotationGeometry geometry;      // the members of `type`, as AnnotationGeometry says
  std::vector<std::string> labels;  // category, multicategory, scene_category
  std::string mask_url;             // segmentation
};

// Decodes `packed` into `out` (its vectors are reused). False, `out` unspecified, when `packed`
// is empty, truncated, longer than its contents, or of an unknown tag. Counts are checked
// against the bytes left before anything is allocated, so corrupt input cannot ask for more
// memory than its own size.
bool UnpackGeometry(std::string_view packed, UnpackedGeometry* out);

// Reads the shapes matching needs straight from the bytes, without allocating. Borrows the
// bytes: they must outlive the view's use.
class PackedGeometryView {
 public:
  // False when `packed` is empty or of an unknown tag, or when a box, line, polygon or cuboid
  // does not have exactly its layout's size (other tags are only checked by UnpackGeometry).
  bool Reset(std::string_view packed);

  AnnotationType type() const { return type_; }
  BoxGeometry box() const;        // kBox
  size_t vertex_count() const;    // kLine, kPolygon
  Point2 vertex(size_t i) const;  // kLine, kPolygon; i < vertex_count()
  CuboidGeometry cuboid() const;  // kCuboid

 private:
  double At(size_t offset) const;  // the f64 at `offset` in the bytes

  std::string_view bytes_;
  AnnotationType type_ = AnnotationType::kBox;
};

}  // namespace nucleus::core
