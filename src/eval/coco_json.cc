#include "eval/coco_json.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "eval/flat_id_map.h"
#include "eval/parallel.h"
#include "geometry/rle.h"

namespace nucleus::eval {
namespace {

namespace od = simdjson::ondemand;
using geometry::Box;
using geometry::RleMask;

// ---------------------------------------------------------------------------------------------
// Raw annotations: what the files say, before pycocotools' rules are applied.

enum Has : uint16_t {
  kHasId = 1 << 0,
  kHasImage = 1 << 1,
  kHasCategory = 1 << 2,
  kHasBbox = 1 << 3,  // a non-empty bbox
  kHasArea = 1 << 4,
  kHasScore = 1 << 5,
  kHasSegm = 1 << 6,
  kHasKeypoints = 1 << 7,
  kHasNumKeypoints = 1 << 8,
};

// kRleString: a compressed counts string kept as is (results only, FieldOptions::compact_rle).
enum class SegKind : uint8_t { kNone, kPolygons, kRle, kRleString };

// A compressed RLE string of a result, with what loadRes derives from the mask (computed
// while its decoded counts are still in cache).
struct RleString {
  uint64_t first = 0;  // into RawAnnotations::rle_chars, or (in_text) a file offset
  uint32_t size = 0;
  bool in_text = false;
  double area = 0;  // RleArea as loadRes stores it
  Box box;          // RleToBbox
};

struct RawAnnotations {
  std::vector<int64_t> id, image_id, category_id;
  std::vector<Box> boxes;
  std::vector<double> areas, scores;
  std::vector<uint8_t> iscrowd;
  std::vector<int32_t> num_keypoints;
  std::vector<uint16_t> has;
  std::vector<uint64_t> offsets;  // byte offset of the object in its file
  // Segmentation: polygons as rings into `coords`, RLE counts into `counts`, or (kRleString)
  // seg_first indexes rle_strings.
  std::vector<SegKind> seg_kind;
  std::vector<uint32_t> seg_h, seg_w, seg_first, seg_count;
  std::vector<std::pair<uint32_t, uint32_t>> rings;  // [begin, end) into coords
  std::vector<double> coords;
  std::vector<uint32_t> counts;
  std::vector<RleString> rle_strings;
  std::vector<char> rle_chars;
  std::vector<uint32_t> scratch;  // one mask's decoded counts (compact_rle)
  size_t json_bytes = 0;          // ReserveCounts: reserve `counts`/`rle_chars` on first use
  // Results (detections): `id`, `areas`, `iscrowd` and `num_keypoints` stay empty — loadRes
  // numbers results itself and derives their area, so those fields are validated but not kept
  // (21 of ~120 bytes per detection, 10 MB of fresh pages on 475k).
  bool results = false;
  // Keypoints: [kp_first, kp_first + kp_count) into kp_values.
  std::vector<uint32_t> kp_first, kp_count;
  std::vector<double> kp_values;

  size_t size() const { return has.size(); }

  // Empties every array for the next chunk, keeping the capacity (a worker's arrays are reused
  // from chunk to chunk; `counts` and `rle_chars` have usually been moved out by then).
  void Clear() {
    for (auto* v : {&id, &image_id, &category_id}) v->clear();
    for (auto* v : {&areas, &scores, &coords, &kp_values}) v->clear();
    for (auto* v : {&seg_h, &seg_w, &seg_first, &seg_count, &counts, &kp_first, &kp_count}) {
      v->clear();
    }
    boxes.clear(), iscrowd.clear(), num_keypoints.clear(), has.clear(), offsets.clear();
    seg_kind.clear(), rings.clear(), rle_strings.clear(), rle_chars.clear();
  }

  void Reserve(size_t n) {
    if (!results) id.reserve(n), areas.reserve(n), iscrowd.reserve(n), num_keypoints.reserve(n);
    image_id.reserve(n), category_id.reserve(n), boxes.reserve(n), scores.reserve(n);
    has.reserve(n), offsets.reserve(n), seg_kind.reserve(n), seg_h.reserve(n);
    seg_w.reserve(n), seg_first.reserve(n), seg_count.reserve(n), kp_first.reserve(n);
    kp_count.reserve(n);
  }

  void PushDefault(uint64_t offset) {
    if (!results) id.push_back(0), areas.push_back(0), iscrowd.push_back(0);
    if (!results) num_keypoints.push_back(-1);
    image_id.push_back(0), category_id.push_back(0), boxes.push_back(Box{}), scores.push_back(0);
    has.push_back(0), offsets.push_back(offset), seg_kind.push_back(SegKind::kNone);
    seg_h.push_back(0), seg_w.push_back(0), seg_first.push_back(0), seg_count.push_back(0);
    kp_first.push_back(0), kp_count.push_back(0);
  }
};

// The first problem met while parsing; the location is a byte offset in the file.
struct Problem {
  bool set = false;
  uint64_t offset = 0;
  std::string where;
  std::string what;

  void Set(uint64_t at, std::string in, std::string message) {
    if (set) return;
    set = true;
    offset = at;
    where = std::move(in);
    what = std::move(message);
  }
};

// Maps pointers into the buffer being parsed to byte offsets in the file.
struct Locator {
  const char* buffer = nullptr;
  int64_t delta = 0;  // file offset = (p - buffer) + delta
  uint64_t Offset(const char* p) const {
    return static_cast<uint64_t>(std::max<int64_t>(0, (p - buffer) + delta));
  }
};

Status MakeError(std::string_view name, std::string_view text, const Problem& problem) {
  uint64_t line = 1, column = 1;
  const uint64_t end = std::min<uint64_t>(problem.offset, text.size());
  for (uint64_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string message(name);
  message += ": line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " +
             std::to_string(problem.offset) + ")";
  if (!problem.where.empty()) message += ", " + problem.where;
  message += ": " + problem.what;
  return InvalidArgument(std::move(message));
}

std::string Where(std::string_view array, size_t index) {
  std::string s(array);
  s += '[';  // appended piecewise: g++ 12 warns falsely (-Wrestrict) on "[" + std::string
  s += std::to_string(index);
  s += ']';
  return s;
}

uint64_t LocationOf(od::value& value, const Locator& loc) {
  const char* p = nullptr;
  if (value.current_location().get(p)) return 0;
  return loc.Offset(p);
}

bool GetDouble(od::value value, double& out) { return !value.get_double().get(out); }

// An integer id; a float with an integral value (1.0) is accepted, as Python's dicts do.
bool GetId(od::value value, int64_t& out) {
  od::number number;
  if (value.get_number().get(number)) return false;
  if (number.is_int64()) {
    out = number.get_int64();
    return true;
  }
  if (number.is_double()) {
    const double d = number.get_double();
    if (std::floor(d) == d && std::abs(d) < 9.0e15) {
      out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

// Reads an array of numbers, appending to `out`. False if it is not one.
bool GetNumbers(od::value value, std::vector<double>& out) {
  od::array array;
  if (value.get_array().get(array)) return false;
  for (auto element : array) {
    double d;
    if (element.get_double().get(d)) return false;
    out.push_back(d);
  }
  return true;
}

struct FieldOptions {
  bool segmentation = false;  // parse "segmentation" (else skip it)
  bool keypoints = false;     // parse "keypoints" / "num_keypoints"
  bool compact_rle = false;   // keep compressed RLE strings compressed (kRleString)
  bool rle_in_place = false;  // compact_rle: leave unescaped strings in the text (no copy)
};

// Where one annotation object sits, for its problems: the first failure records the problem at
// `at` and returns false, so a step can `return site.Fail(...)` as the parser's lambda did.
struct Site {
  const Locator& loc;
  std::string_view array_name;
  size_t index;
  Problem& problem;

  bool Fail(uint64_t at, std::string what) const {
    problem.Set(at, Where(array_name, index), std::move(what));
    return false;
  }
};

// "bbox": 4 numbers, or an empty array (no box). Sets kHasBbox in `has` for 4.
inline bool ParseBbox(od::value& v, const Site& site, RawAnnotations& out, size_t i,
                      uint16_t& has) {
  od::array array;
  if (v.get_array().get(array))
    return site.Fail(LocationOf(v, site.loc), "field \"bbox\" must be an array of 4 numbers");
  double b[4];
  size_t n = 0;
  for (auto element : array) {
    double d;
    if (n >= 4 || element.get_double().get(d)) {
      return site.Fail(LocationOf(v, site.loc), "field \"bbox\" must be an array of 4 numbers");
    }
    b[n++] = d;
  }
  if (n == 4) {
    out.boxes[i] = Box{b[0], b[1], b[2], b[3]};
    has |= kHasBbox;
  } else if (n != 0) {
    return site.Fail(LocationOf(v, site.loc), "field \"bbox\" must be an array of 4 numbers");
  }
  return true;
}

// A list of polygons (arrays of numbers): rings into out.coords. `at` locates "segmentation".
inline bool ParsePolygons(od::value& v, uint64_t at, const Site& site, RawAnnotations& out,
                          size_t i) {
  od::array polygons;
  if (v.get_array().get(polygons)) return site.Fail(at, "malformed \"segmentation\"");
  out.seg_kind[i] = SegKind::kPolygons;
  out.seg_first[i] = static_cast<uint32_t>(out.rings.size());
  for (auto polygon : polygons) {
    od::value pv;
    if (polygon.get(pv)) return site.Fail(at, "malformed \"segmentation\"");
    const uint32_t begin = static_cast<uint32_t>(out.coords.size());
    if (!GetNumbers(pv, out.coords)) {
      return site.Fail(at,
                       "\"segmentation\" must be a list of polygons (arrays of numbers) or "
                       "an RLE object");
    }
    out.rings.emplace_back(begin, static_cast<uint32_t>(out.coords.size()));
  }
  out.seg_count[i] = static_cast<uint32_t>(out.rings.size()) - out.seg_first[i];
  return true;
}

// RLE "size": [height, width], non-negative integers up to 1e9.
inline bool ParseRleSize(od::value& rv, uint64_t rat, const Site& site, RawAnnotations& out,
                         size_t i) {
  std::vector<double> size;
  if (!GetNumbers(rv, size) || size.size() != 2 || !(size[0] >= 0) || !(size[1] >= 0) ||
      size[0] > 1e9 || size[1] > 1e9 || std::floor(size[0]) != size[0] ||
      std::floor(size[1]) != size[1]) {
    return site.Fail(rat, "RLE \"size\" must be [height, width]");
  }
  out.seg_h[i] = static_cast<uint32_t>(size[0]);
  out.seg_w[i] = static_cast<uint32_t>(size[1]);
  return true;
}

// compact_rle: the last "counts" of an RLE object when it is a string, kept compressed.
struct CompactCounts {
  std::string_view text;
  bool set = false;      // the last "counts" was such a string
  bool in_text = false;  // `text` points into the JSON text (else into the parser's buffer)
  uint64_t at = 0;
};

// A compressed counts string under compact_rle, not decoded here: read in place when the
// string has no escape (COCO's alphabet has no '"', so its first quote ends it); else unescaped
// into the parser's string buffer. Both are valid until the parser is done with this document:
// KeepCompactCounts decodes it.
inline bool ReadCompactCounts(od::value& rv, uint64_t rat, const Site& site,
                              CompactCounts& compact) {
  const std::string_view token = rv.raw_json_token();
  if (token.size() < 2 || token[0] != '"') {
    return site.Fail(rat, "malformed RLE \"counts\" string");
  }
  const size_t end = token.find('"', 1);
  if (end != std::string_view::npos &&
      token.substr(1, end - 1).find('\\') == std::string_view::npos) {
    od::raw_json_string raw_string;  // consumes the value, without a copy
    if (rv.get_raw_json_string().get(raw_string)) {
      return site.Fail(rat, "malformed RLE \"counts\" string");
    }
    compact.text = token.substr(1, end - 1);
    compact.in_text = true;
  } else if (rv.get_string().get(compact.text)) {
    return site.Fail(rat, "malformed RLE \"counts\" string");
  }
  compact.set = true;
  compact.at = rat;
  return true;
}

// RLE "counts": a compressed string or an array of integers, decoded into out.counts (a later
// "counts" replaces an earlier one), or under compact_rle a string kept in `compact`.
inline bool ParseRleCounts(od::value& rv, uint64_t rat, const FieldOptions& options,
                           const Site& site, RawAnnotations& out, size_t i,
                           CompactCounts& compact) {
  od::json_type ctype;
  if (rv.type().get(ctype)) return site.Fail(rat, "malformed RLE \"counts\"");
  out.counts.resize(out.seg_first[i]);
  compact.set = compact.in_text = false;
  const bool decode_here = !(ctype == od::json_type::string && options.compact_rle);
  if (decode_here && out.counts.capacity() == 0) out.counts.reserve(out.json_bytes);
  if (ctype == od::json_type::string && options.compact_rle) {
    return ReadCompactCounts(rv, rat, site, compact);
  }
  if (ctype == od::json_type::string) {
    std::string_view s;
    if (rv.get_string().get(s)) return site.Fail(rat, "malformed RLE \"counts\" string");
    Status status = geometry::AppendCountsFromString(s, out.counts);
    if (!status.ok()) return site.Fail(rat, status.message());
    return true;
  }
  od::array array;
  if (rv.get_array().get(array)) {
    return site.Fail(rat, "RLE \"counts\" must be a string or an array of integers");
  }
  for (auto element : array) {
    uint64_t c;
    if (element.get_uint64().get(c) || c > UINT32_MAX) {
      return site.Fail(rat, "RLE \"counts\" must be a string or an array of integers");
    }
    out.counts.push_back(static_cast<uint32_t>(c));
  }
  return true;
}

// Runs that do not add up to the mask's height x width are refused: pycocotools' rleIou (and any
// code walking two masks' runs side by side) never ends on them.
inline bool CountsCoverMask(std::span<const uint32_t> counts, uint64_t at, const Site& site,
                            uint32_t h, uint32_t w) {
  uint64_t total = 0;
  for (uint32_t c : counts) total += c;
  const uint64_t pixels = uint64_t{h} * w;
  if (total == pixels) return true;
  return site.Fail(at, "RLE \"counts\" add up to " + std::to_string(total) +
                           " pixels, not \"size\" " + std::to_string(h) + " x " +
                           std::to_string(w) + " = " + std::to_string(pixels));
}

// Validates and decodes a compact counts string into a small reused buffer, derives area and
// box while it is in cache, and keeps only the string (kRleString).
inline bool KeepCompactCounts(const CompactCounts& compact, const FieldOptions& options,
                              const Site& site, RawAnnotations& out, size_t i) {
  out.scratch.clear();
  Status status = geometry::AppendCountsFromString(compact.text, out.scratch);
  if (!status.ok()) return site.Fail(compact.at, status.message());
  if (!CountsCoverMask(out.scratch, compact.at, site, out.seg_h[i], out.seg_w[i])) return false;
  const geometry::RleView view(out.seg_h[i], out.seg_w[i], out.scratch);
  RleString r;
  r.size = static_cast<uint32_t>(compact.text.size());
  r.area = static_cast<double>(static_cast<uint32_t>(geometry::RleArea(view)));
  r.box = geometry::RleToBbox(view);
  if (compact.in_text && options.rle_in_place) {
    r.in_text = true;
    r.first = site.loc.Offset(compact.text.data());
  } else {
    r.first = out.rle_chars.size();
    out.rle_chars.insert(out.rle_chars.end(), compact.text.begin(), compact.text.end());
  }
  out.seg_kind[i] = SegKind::kRleString;
  out.seg_first[i] = static_cast<uint32_t>(out.rle_strings.size());
  out.seg_count[i] = 0;
  out.rle_strings.push_back(r);
  return true;
}

// An RLE object {"size": [h, w], "counts": ...}. `at` locates "segmentation".
inline bool ParseRleObject(od::value& v, uint64_t at, const FieldOptions& options,
                           const Site& site, RawAnnotations& out, size_t i) {
  od::object rle;
  if (v.get_object().get(rle)) return site.Fail(at, "malformed \"segmentation\"");
  bool has_size = false, has_counts = false;
  out.seg_kind[i] = SegKind::kRle;
  out.seg_first[i] = static_cast<uint32_t>(out.counts.size());
  if (out.rle_chars.capacity() == 0 && options.compact_rle) {
    out.rle_chars.reserve(out.json_bytes);  // a string's bytes, at most the JSON's
  }
  CompactCounts compact;
  for (auto rle_field : rle) {
    od::raw_json_string rle_key;
    od::value rv;
    if (rle_field.key().get(rle_key) || rle_field.value().get(rv)) {
      return site.Fail(at, "malformed \"segmentation\"");
    }
    const uint64_t rat = LocationOf(rv, site.loc);
    if (rle_key == "size") {
      if (!ParseRleSize(rv, rat, site, out, i)) return false;
      has_size = true;
    } else if (rle_key == "counts") {
      if (!ParseRleCounts(rv, rat, options, site, out, i, compact)) return false;
      has_counts = true;
    }
  }
  if (!has_size || !has_counts) {
    return site.Fail(at, "RLE \"segmentation\" needs \"size\" and \"counts\"");
  }
  out.seg_count[i] = static_cast<uint32_t>(out.counts.size()) - out.seg_first[i];
  if (compact.set) return KeepCompactCounts(compact, options, site, out, i);
  const std::span<const uint32_t> counts(out.counts.data() + out.seg_first[i], out.seg_count[i]);
  return CountsCoverMask(counts, at, site, out.seg_h[i], out.seg_w[i]);
}

// "segmentation": polygons or an RLE object.
inline bool ParseSegmentation(od::value& v, const FieldOptions& options, const Site& site,
                              RawAnnotations& out, size_t i) {
  const uint64_t at = LocationOf(v, site.loc);
  od::json_type type;
  if (v.type().get(type)) return site.Fail(at, "malformed \"segmentation\"");
  if (type == od::json_type::array) return ParsePolygons(v, at, site, out, i);
  if (type == od::json_type::object) return ParseRleObject(v, at, options, site, out, i);
  return site.Fail(at, "\"segmentation\" must be a list of polygons or an RLE object");
}

// "keypoints" and "num_keypoints" (FieldOptions::keypoints); other keys are ignored.
inline bool ParseKeypointField(const od::raw_json_string& key, od::value& v, const Site& site,
                               RawAnnotations& out, size_t i, uint16_t& has) {
  if (key == "keypoints") {
    const uint64_t at = LocationOf(v, site.loc);
    out.kp_first[i] = static_cast<uint32_t>(out.kp_values.size());
    if (!GetNumbers(v, out.kp_values)) {
      return site.Fail(at, "field \"keypoints\" must be an array of numbers");
    }
    out.kp_count[i] = static_cast<uint32_t>(out.kp_values.size()) - out.kp_first[i];
    has |= kHasKeypoints;
  } else if (key == "num_keypoints") {
    const uint64_t at = LocationOf(v, site.loc);
    int64_t n;
    if (!GetId(v, n)) return site.Fail(at, "field \"num_keypoints\" must be an integer");
    if (!out.results) out.num_keypoints[i] = static_cast<int32_t>(n);
    has |= kHasNumKeypoints;
  }
  return true;
}

// One field of an annotation object; unknown keys (and those `options` turn off) are skipped.
inline bool ParseAnnotationField(const od::raw_json_string& key, od::value& v,
                                 const FieldOptions& options, const Site& site,
                                 RawAnnotations& out, size_t i, uint16_t& has) {
  const Locator& loc = site.loc;
  if (key == "bbox") return ParseBbox(v, site, out, i, has);
  if (key == "score") {
    if (!GetDouble(v, out.scores[i]))
      return site.Fail(LocationOf(v, loc), "field \"score\" must be a number");
    has |= kHasScore;
  } else if (key == "image_id") {
    if (!GetId(v, out.image_id[i]))
      return site.Fail(LocationOf(v, loc), "field \"image_id\" must be an integer");
    has |= kHasImage;
  } else if (key == "category_id") {
    if (!GetId(v, out.category_id[i])) {
      return site.Fail(LocationOf(v, loc), "field \"category_id\" must be an integer");
    }
    has |= kHasCategory;
  } else if (key == "id") {
    int64_t id;
    if (!GetId(v, id)) return site.Fail(LocationOf(v, loc), "field \"id\" must be an integer");
    if (!out.results) out.id[i] = id;
    has |= kHasId;
  } else if (key == "area") {
    double area;
    if (!GetDouble(v, area))
      return site.Fail(LocationOf(v, loc), "field \"area\" must be a number");
    if (!out.results) out.areas[i] = area;
    has |= kHasArea;
  } else if (key == "iscrowd") {
    bool flag;
    if (v.get_bool().get(flag)) {  // not a boolean: a number
      double d;
      if (!GetDouble(v, d))
        return site.Fail(LocationOf(v, loc), "field \"iscrowd\" must be 0 or 1");
      flag = d != 0;
    }
    if (!out.results) out.iscrowd[i] = flag;
  } else if (key == "segmentation" && options.segmentation) {
    if (!ParseSegmentation(v, options, site, out, i)) return false;
    has |= kHasSegm;
  } else if (options.keypoints) {
    return ParseKeypointField(key, v, site, out, i, has);
  }
  return true;
}

// Parses one annotation or detection object into `out`. Returns false after recording a
// problem; `out` then holds a partial entry.
bool ParseAnnotation(od::value value, const FieldOptions& options, const Locator& loc,
                     std::string_view array_name, size_t index, RawAnnotations& out,
                     Problem& problem) {
  const uint64_t start = LocationOf(value, loc);
  out.PushDefault(start);
  const size_t i = out.size() - 1;
  const Site site{loc, array_name, index, problem};
  od::object object;
  if (value.get_object().get(object)) return site.Fail(start, "expected an object");
  uint16_t has = 0;
  for (auto field : object) {
    od::raw_json_string key;
    if (auto e = field.key().get(key)) {
      return site.Fail(LocationOf(value, loc),
                       std::string("invalid JSON: ") + simdjson::error_message(e));
    }
    od::value v;
    if (auto e = field.value().get(v)) {
      return site.Fail(LocationOf(value, loc),
                       std::string("invalid JSON: ") + simdjson::error_message(e));
    }
    if (!ParseAnnotationField(key, v, options, site, out, i, has)) return false;
  }
  out.has[i] = has;
  return true;
}

// True when nothing but whitespace follows the root value.
bool AtEnd(od::document& doc) {
  const char* p = nullptr;
  return doc.current_location().get(p) == simdjson::OUT_OF_BOUNDS;
}

// Records simdjson's error at the parser's current position.
void SimdjsonProblem(simdjson::error_code error, od::document& doc, const Locator& loc,
                     const std::string& where, Problem& problem) {
  const char* p = nullptr;
  uint64_t at = 0;
  if (!doc.current_location().get(p)) at = loc.Offset(p);
  problem.Set(at, where, std::string("invalid JSON: ") + simdjson::error_message(error));
}

// Parses a whole JSON array of annotation objects.
bool ParseAnnotationArray(od::parser& parser, const char* data, size_t size, size_t capacity,
                          const Locator& loc, const FieldOptions& options,
                          std::string_view array_name, size_t first_index, RawAnnotations& out,
                          Problem& problem) {
  od::document doc;
  auto error = parser.iterate(data, size, capacity).get(doc);
  if (error) {
    problem.Set(0, "", std::string("invalid JSON: ") + simdjson::error_message(error));
    return false;
  }
  od::array array;
  if ((error = doc.get_array().get(array))) {
    SimdjsonProblem(error, doc, loc, "", problem);
    if (error == simdjson::INCORRECT_TYPE) problem.what = "expected a JSON array of results";
    return false;
  }
  size_t index = first_index;
  for (auto element : array) {
    od::value value;
    if ((error = element.get(value))) {
      SimdjsonProblem(error, doc, loc, Where(array_name, index), problem);
      return false;
    }
    if (!ParseAnnotation(value, options, loc, array_name, index, out, problem)) {
      // A simdjson error inside the object is reported where the parser stopped.
      return false;
    }
    ++index;
  }
  if (!AtEnd(doc)) {
    SimdjsonProblem(simdjson::TRAILING_CONTENT, doc, loc, "", problem);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Ground truth.

struct RawGroundTruth {
  std::vector<int64_t> image_ids;
  std::vector<uint32_t> heights, widths;
  std::vector<int64_t> category_ids;
  RawAnnotations annotations;
};

// The parse of a ground-truth document: what its steps share to report a problem.
struct GroundTruthParse {
  od::document& doc;
  const Locator& loc;
  Problem& problem;

  // simdjson's error at the parser's current position; false.
  bool Fail(simdjson::error_code error, const std::string& where) {
    SimdjsonProblem(error, doc, loc, where, problem);
    return false;
  }
};

// One entry of "images" (`images`) or "categories": its "id" and, for an image, its height and
// width. `eat` locates the entry.
inline bool ParseGroundTruthEntry(od::value& ev, uint64_t eat, bool images, const char* name,
                                  size_t index, GroundTruthParse& p, int64_t& id, double& height,
                                  double& width) {
  od::object object;
  if (ev.get_object().get(object)) {
    p.problem.Set(eat, Where(name, index), "expected an object");
    return false;
  }
  bool has_id = false;
  for (auto f : object) {
    od::raw_json_string k;
    od::value fv;
    simdjson::error_code error;
    if ((error = f.key().get(k)) || (error = f.value().get(fv))) {
      return p.Fail(error, Where(name, index));
    }
    const uint64_t fat = LocationOf(fv, p.loc);
    if (k == "id") {
      if (!GetId(fv, id)) {
        p.problem.Set(fat, Where(name, index), "field \"id\" must be an integer");
        return false;
      }
      has_id = true;
    } else if (images && (k == "height" || k == "width")) {
      const bool is_height = k == "height";
      double d;
      if (!GetDouble(fv, d) || !(d >= 0) || d > 1e9) {
        p.problem.Set(fat, Where(name, index),
                      std::string("field \"") + (is_height ? "height" : "width") +
                          "\" must be a non-negative number");
        return false;
      }
      (is_height ? height : width) = d;
    }
  }
  if (!has_id) {
    p.problem.Set(eat, Where(name, index), "missing field \"id\"");
    return false;
  }
  return true;
}

// The "images" (`images`) or "categories" array into `gt`. `at` locates the field's value.
inline bool ParseImagesOrCategories(od::value& v, uint64_t at, bool images, GroundTruthParse& p,
                                    RawGroundTruth& gt) {
  const char* name = images ? "images" : "categories";
  od::array array;
  if (v.get_array().get(array)) {
    p.problem.Set(at, "", std::string("field \"") + name + "\" must be an array");
    return false;
  }
  size_t index = 0;
  for (auto element : array) {
    od::value ev;
    if (auto error = element.get(ev)) return p.Fail(error, Where(name, index));
    const uint64_t eat = LocationOf(ev, p.loc);
    int64_t id = 0;
    double height = 0, width = 0;
    if (!ParseGroundTruthEntry(ev, eat, images, name, index, p, id, height, width)) return false;
    if (images) {
      gt.image_ids.push_back(id);
      gt.heights.push_back(static_cast<uint32_t>(height));
      gt.widths.push_back(static_cast<uint32_t>(width));
    } else {
      gt.category_ids.push_back(id);
    }
    ++index;
  }
  return true;
}

// The "annotations" array into gt.annotations. `at` locates the field's value; `size` is the
// file's.
inline bool ParseGroundTruthAnnotations(od::value& v, uint64_t at, size_t size,
                                        const FieldOptions& options, GroundTruthParse& p,
                                        RawGroundTruth& gt) {
  // Address space for one annotation per 128 bytes of the file, so the arrays do not grow
  // by copying (each doubling left the old copy's pages behind); pages never written are
  // never touched, and more annotations than that still work.
  gt.annotations.Reserve(size / 128 + 16);
  od::array array;
  if (v.get_array().get(array)) {
    p.problem.Set(at, "", "field \"annotations\" must be an array");
    return false;
  }
  size_t index = 0;
  for (auto element : array) {
    od::value ev;
    if (auto error = element.get(ev)) return p.Fail(error, Where("annotations", index));
    if (!ParseAnnotation(ev, options, p.loc, "annotations", index, gt.annotations, p.problem)) {
      return false;
    }
    ++index;
  }
  return true;
}

bool ParseGroundTruthText(const char* data, size_t size, size_t capacity,
                          const FieldOptions& options, RawGroundTruth& gt, Problem& problem) {
  const Locator loc{data, 0};
  od::parser parser;
  od::document doc;
  auto error = parser.iterate(data, size, capacity).get(doc);
  if (error) {
    problem.Set(0, "", std::string("invalid JSON: ") + simdjson::error_message(error));
    return false;
  }
  GroundTruthParse p{doc, loc, problem};
  od::object root;
  if ((error = doc.get_object().get(root))) {
    SimdjsonProblem(error, doc, loc, "", problem);
    if (error == simdjson::INCORRECT_TYPE) problem.what = "expected a JSON object";
    return false;
  }
  bool has_images = false, has_annotations = false, has_categories = false;
  for (auto field : root) {
    od::raw_json_string key;
    od::value v;
    if ((error = field.key().get(key)) || (error = field.value().get(v))) return p.Fail(error, "");
    const uint64_t at = LocationOf(v, loc);
    if (key == "images" || key == "categories") {
      const bool images = key == "images";
      if (!ParseImagesOrCategories(v, at, images, p, gt)) return false;
      (images ? has_images : has_categories) = true;
    } else if (key == "annotations") {
      if (!ParseGroundTruthAnnotations(v, at, size, options, p, gt)) return false;
      has_annotations = true;
    }
  }
  if (!AtEnd(doc)) return p.Fail(simdjson::TRAILING_CONTENT, "");
  if (!has_images || !has_categories || !has_annotations) {
    problem.Set(0, "",
                std::string("missing top-level field \"") +
                    (!has_images       ? "images"
                     : !has_categories ? "categories"
                                       : "annotations") +
                    "\"");
    return false;
  }
  return true;
}

// pycocotools' annToRLE for a parsed segmentation; polygons use the image size.
RleMask ToMask(const RawAnnotations& raw, size_t i, uint32_t image_h, uint32_t image_w) {
  if (raw.seg_kind[i] == SegKind::kRle) {
    const auto first = raw.counts.begin() + raw.seg_first[i];
    return RleMask{raw.seg_h[i], raw.seg_w[i],
                   std::vector<uint32_t>(first, first + raw.seg_count[i])};
  }
  if (raw.seg_kind[i] == SegKind::kNone) {
    return RleMask{
        image_h, image_w, {static_cast<uint32_t>(static_cast<uint64_t>(image_h) * image_w)}};
  }
  // frPyObjects: a first polygon of exactly 4 numbers makes the whole list [x, y, w, h] boxes.
  std::vector<RleMask> parts;
  const uint32_t first = raw.seg_first[i], n = raw.seg_count[i];
  const bool boxes = n > 0 && raw.rings[first].second - raw.rings[first].first == 4;
  for (uint32_t r = first; r < first + n; ++r) {
    const auto [begin, end] = raw.rings[r];
    const std::span<const double> xy(raw.coords.data() + begin, end - begin);
    if (boxes && xy.size() >= 4) {
      parts.push_back(geometry::RleFromBox(Box{xy[0], xy[1], xy[2], xy[3]}, image_h, image_w));
    } else {
      parts.push_back(geometry::RleFromPolygon(xy, image_h, image_w));
    }
  }
  if (parts.empty()) {
    return RleMask{
        image_h, image_w, {static_cast<uint32_t>(static_cast<uint64_t>(image_h) * image_w)}};
  }
  if (parts.size() == 1) return std::move(parts[0]);
  std::vector<geometry::RleView> views(parts.begin(), parts.end());
  return geometry::RleMerge(views, false);
}

// COCO()'s index of the ground truth, all but the masks: `kept` receives the raw index of each
// kept annotation (RasterizeGroundTruth makes their masks). Resolving detections needs only this.
Result<CocoGroundTruth> ResolveGroundTruthIds(const RawGroundTruth& raw, JsonText text,
                                              std::string_view name, IouType iou_type,
                                              std::vector<uint32_t>& kept) {
  CocoGroundTruth gt;
  // Images: unique by id (the last entry wins, as in a dict), ascending.
  {
    const size_t n = raw.image_ids.size();
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return raw.image_ids[a] < raw.image_ids[b]; });
    for (size_t j = 0; j < n; ++j) {
      const uint32_t i = order[j];
      if (j + 1 < n && raw.image_ids[order[j + 1]] == raw.image_ids[i]) continue;
      gt.image_ids.push_back(raw.image_ids[i]);
      gt.image_heights.push_back(raw.heights[i]);
      gt.image_widths.push_back(raw.widths[i]);
    }
  }
  gt.category_ids = raw.category_ids;
  std::sort(gt.category_ids.begin(), gt.category_ids.end());
  gt.category_ids.erase(std::unique(gt.category_ids.begin(), gt.category_ids.end()),
                        gt.category_ids.end());
  FlatIdMap images(gt.image_ids), categories(gt.category_ids);

  const RawAnnotations& a = raw.annotations;
  const size_t n = a.size();
  kept.clear();
  kept.reserve(n);
  gt.ids.reserve(n), gt.image.reserve(n), gt.category.reserve(n), gt.boxes.reserve(n);
  gt.areas.reserve(n), gt.iscrowd.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint16_t has = a.has[i];
    auto missing = [&](const char* field) {
      Problem p;
      p.Set(a.offsets[i], Where("annotations", i), std::string("missing field \"") + field + "\"");
      return MakeError(name, text, p);
    };
    if (!(has & kHasImage)) return missing("image_id");
    if (!(has & kHasCategory)) return missing("category_id");
    if (!(has & kHasId)) return missing("id");
    if (!(has & kHasArea)) return missing("area");
    if (iou_type == IouType::kBbox && !(has & kHasBbox)) return missing("bbox");
    if (iou_type == IouType::kSegm && !(has & kHasSegm)) return missing("segmentation");
    if (iou_type == IouType::kKeypoints && !(has & kHasKeypoints)) return missing("keypoints");
    const uint32_t img = images.Find(a.image_id[i]);
    const uint32_t cat = categories.Find(a.category_id[i]);
    if (img == FlatIdMap::kNotFound || cat == FlatIdMap::kNotFound) continue;  // not evaluated
    kept.push_back(static_cast<uint32_t>(i));
    gt.ids.push_back(a.id[i]);
    gt.image.push_back(img);
    gt.category.push_back(cat);
    gt.boxes.push_back(a.boxes[i]);
    gt.areas.push_back(a.areas[i]);
    gt.iscrowd.push_back(a.iscrowd[i]);
  }
  if (iou_type == IouType::kKeypoints) {
    gt.keypoint_offsets.push_back(0);
    for (uint32_t i : kept) {
      const auto first = a.kp_values.begin() + a.kp_first[i];
      gt.keypoint_values.insert(gt.keypoint_values.end(), first, first + a.kp_count[i]);
      gt.keypoint_offsets.push_back(static_cast<uint32_t>(gt.keypoint_values.size()));
      int32_t nk = a.num_keypoints[i];
      if (!(a.has[i] & kHasNumKeypoints)) {
        nk = 0;
        for (uint32_t j = 2; j < a.kp_count[i]; j += 3) nk += a.kp_values[a.kp_first[i] + j] > 0;
      }
      gt.num_keypoints.push_back(nk);
    }
  }
  return gt;
}

// segm: the kept annotations' masks (polygons rasterized with their image's size), one task
// per annotation on `threads` threads.
void RasterizeGroundTruth(const RawGroundTruth& raw, const std::vector<uint32_t>& kept,
                          IouType iou_type, int threads, CocoGroundTruth& gt) {
  if (iou_type != IouType::kSegm) return;
  gt.masks.resize(kept.size());
  ParallelFor(kept.size(), threads, [&](size_t j, size_t) {
    const uint32_t img = gt.image[j];
    gt.masks[j] = ToMask(raw.annotations, kept[j], gt.image_heights[img], gt.image_widths[img]);
  });
}

// ---------------------------------------------------------------------------------------------
// Detections.

// A chunk's detections after loadRes' rules: the kept ones (category in the ground truth), in
// file order and in CocoDetections' layout, waiting to be appended to it.
struct ResolvedChunk {
  bool done = false;
  size_t parsed = 0;  // detections parsed in the chunk, kept or not (numbering for errors)
  std::vector<uint32_t> image, category;
  std::vector<Box> boxes, mask_boxes;
  std::vector<double> areas, scores;
  // segm: masks are views into `counts`; mask_strings (when the chunk kept any mask compressed)
  // views into `rle_chars` or the result text. Moving the vectors keeps the views valid.
  std::vector<geometry::RleView> masks;
  std::vector<std::string_view> mask_strings;
  std::vector<uint32_t> counts;
  std::vector<char> rle_chars;
  std::vector<double> kp_values;
  std::vector<uint32_t> kp_sizes;
  Problem problem;  // `where` is set when reporting: the index needs the earlier chunks' counts
  size_t problem_index = 0;  // in the chunk
};

// One ~1 MiB range of a result array (or the whole array, when it is parsed as one document).
struct Chunk {
  uint64_t begin = 0;  // file offset of the chunk's first object
  uint64_t end = 0;    // file offset just past its last object
  RawAnnotations raw;  // parsed, when it waits to be resolved
  ResolvedChunk resolved;
  Problem problem;     // a parse problem
  bool ok = false;
};

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Splits the top-level array's contents into about `parts` ranges of whole objects, guessing
// boundaries at "}<ws>,<ws>{". A wrong guess (inside a string, or nested) makes a chunk fail
// to parse, and the caller then parses the whole file on one thread.
std::vector<std::pair<uint64_t, uint64_t>> SplitArray(std::string_view text, size_t parts) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  size_t b = 0, e = text.size();
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  if (b >= e || text[b] != '[' || text[e - 1] != ']') return ranges;
  ++b;
  --e;
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  if (b >= e) return ranges;
  uint64_t start = b;
  for (size_t k = 1; k < parts; ++k) {
    size_t pos = std::max<size_t>(b + (e - b) * k / parts, start + 1);
    bool found = false;
    while (pos < e) {
      const char* hit = static_cast<const char*>(std::memchr(text.data() + pos, '}', e - pos));
      if (hit == nullptr) break;
      size_t q = hit - text.data() + 1;
      while (q < e && IsSpace(text[q])) ++q;
      if (q < e && text[q] == ',') {
        size_t r = q + 1;
        while (r < e && IsSpace(text[r])) ++r;
        if (r < e && text[r] == '{') {
          ranges.emplace_back(start, hit - text.data() + 1);
          start = r;
          found = true;
          break;
        }
      }
      pos = hit - text.data() + 1;
    }
    if (!found) break;
  }
  ranges.emplace_back(start, e);
  return ranges;
}

// RLE counts take at least one byte of JSON each (a counts string character, or a digit of an
// array), so reserving one count per byte means the counts buffer never grows by copying: on a
// 130 MB segm result file, growth alone doubled the peak memory and its page faults. Pages never
// written are never touched.
// The reservations are made when the first mask is met, so bbox results reserve nothing.
void ReserveCounts(size_t json_bytes, RawAnnotations& raw) { raw.json_bytes = json_bytes; }

// One worker's parser, "[" + chunk + "]" buffer and parsed arrays, reused from chunk to chunk:
// chunks of ~1 MiB keep simdjson's structural index (4 bytes per token) and the copy in cache,
// where one document for a whole 40 MB file wrote ~50 MB of index to fresh memory; a chunk is
// resolved right after it is parsed, so the parsed arrays (~100 bytes per detection) take a
// chunk's worth of memory per worker instead of the whole file's.
struct ChunkParser {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  RawAnnotations raw;
  ResolvedChunk staging;
};

inline constexpr size_t kChunkBytes = size_t{1} << 20;

// Parses `chunk` into p.raw (emptied first).
bool ParseChunk(JsonText text, Chunk& chunk, const FieldOptions& options, ChunkParser& p) {
  const size_t len = chunk.end - chunk.begin;
  if (p.capacity < len + 2) {
    p.capacity = std::max(len + 2, kChunkBytes + kChunkBytes / 4);
    p.buffer.reset(new char[p.capacity + simdjson::SIMDJSON_PADDING]);
    if (p.parser.allocate(p.capacity)) return false;  // out of memory: the fallback reports it
  }
  char* buffer = p.buffer.get();
  buffer[0] = '[';
  std::memcpy(buffer + 1, text.data() + chunk.begin, len);
  buffer[len + 1] = ']';
  std::memset(buffer + len + 2, ' ', simdjson::SIMDJSON_PADDING);
  const Locator loc{buffer, static_cast<int64_t>(chunk.begin) - 1};
  // A bbox result takes ~85 bytes, a segm one a few hundred: reserving for one per 128 bytes
  // costs at most one doubling (once per worker: the arrays are reused).
  p.raw.Clear();
  p.raw.results = true;
  p.raw.Reserve(len / 128 + 16);
  if (options.segmentation) ReserveCounts(len, p.raw);
  return ParseAnnotationArray(p.parser, buffer, len + 2, len + 2 + simdjson::SIMDJSON_PADDING,
                              loc, options, "", 0, p.raw, chunk.problem);
}

// The result array cut into ~1 MiB chunks of whole objects (none if it cannot be cut).
std::vector<Chunk> SplitChunks(JsonText text) {
  std::vector<Chunk> chunks;
  const auto ranges = SplitArray(text, text.size() / kChunkBytes + 1);
  if (ranges.size() > 1) {
    chunks.resize(ranges.size());
    for (size_t c = 0; c < ranges.size(); ++c) {
      chunks[c].begin = ranges[c].first;
      chunks[c].end = ranges[c].second;
    }
  }
  return chunks;
}

// Runs `fn(data, size, capacity)` on `text`, copying it into a padded buffer only when its
// capacity leaves too little slack.
template <typename Fn>
auto WithPadding(JsonText text, Fn&& fn) {
  if (text.padding >= simdjson::SIMDJSON_PADDING) {
    return fn(text.data(), text.size(), text.size() + text.padding);
  }
  simdjson::padded_string padded(text.text);
  return fn(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING);
}

FieldOptions DetectionOptions(IouType iou_type, bool rle_in_place) {
  // Detections' masks are parsed for bbox too: without a "bbox", the box is the mask's extent.
  return FieldOptions{true, iou_type == IouType::kKeypoints, true, rle_in_place};
}

// The result array parsed as one document on one thread (when it cannot be cut or a chunk
// failed to parse): also what reports a syntax error precisely. One chunk, parsed, not yet
// resolved; none and `problem` set on failure.
std::vector<Chunk> ParseWholeResultArray(JsonText text, IouType iou_type, bool rle_in_place,
                                         Problem& problem) {
  const FieldOptions options = DetectionOptions(iou_type, rle_in_place);
  std::vector<Chunk> chunks(1);
  chunks[0].raw.results = true;
  chunks[0].raw.Reserve(text.size() / 80 + 16);
  if (options.segmentation) ReserveCounts(text.size(), chunks[0].raw);
  od::parser parser;
  const bool ok = WithPadding(text, [&](const char* data, size_t size, size_t capacity) {
    return ParseAnnotationArray(parser, data, size, capacity, Locator{data, 0}, options, "", 0,
                                chunks[0].raw, chunks[0].problem);
  });
  if (!ok) {
    problem = chunks[0].problem;
    chunks.clear();
  }
  return chunks;
}

enum class ResultKind { kBbox, kSegm, kKeypoints };

// loadRes decides the kind of results from the first one. False, with `problem` set, when it
// has none of them.
bool KindOfFirst(const RawAnnotations& first, ResultKind& kind, Problem& problem) {
  if (first.has[0] & kHasBbox) {
    kind = ResultKind::kBbox;
  } else if (first.has[0] & kHasSegm) {
    kind = ResultKind::kSegm;
  } else if (first.has[0] & kHasKeypoints) {
    kind = ResultKind::kKeypoints;
  } else {
    problem.Set(first.offsets[0], "[0]",
                "the first result has no \"bbox\", \"segmentation\" or \"keypoints\"");
    return false;
  }
  return true;
}

// Applies loadRes' rules to parsed detections, one chunk at a time. Thread-safe (const).
class DetectionResolver {
 public:
  DetectionResolver(const CocoGroundTruth& gt, ResultKind kind, IouType iou_type,
                    std::string_view text)
      : gt_(gt),
        images_(gt.image_ids),
        categories_(gt.category_ids),
        kind_(kind),
        iou_type_(iou_type),
        text_(text.data()) {}

  // Validates the chunk's detections, maps their ids and fills `out` with the kept ones (on a
  // problem, out.problem is set and `out` is partial). raw.counts and raw.rle_chars move into
  // `out` when it keeps masks (its views point into them); the rest of `raw` stays as it is.
  void Resolve(RawAnnotations& raw, ResolvedChunk& out) const;

 private:
  // Appends one kept detection's box and area as loadRes derives them and (segm) its mask box
  // and mask: (first, size) in raw.counts, appended there when made here; compressed ones get
  // (first << 1 | in text, size) in `strings` instead.
  void ResolveOne(RawAnnotations& raw, size_t i, uint32_t img, ResolvedChunk& out,
                  std::vector<std::pair<size_t, size_t>>& spans,
                  std::vector<std::pair<uint64_t, int64_t>>& strings) const;

  const CocoGroundTruth& gt_;
  FlatIdMap images_, categories_;
  ResultKind kind_;
  IouType iou_type_;
  const char* text_;
};

void DetectionResolver::Resolve(RawAnnotations& raw, ResolvedChunk& out) const {
  out.done = true;
  out.parsed = raw.size();
  const bool need_masks = iou_type_ == IouType::kSegm;
  const bool any_strings = need_masks && !raw.rle_strings.empty();
  const size_t n = raw.size();
  out.image.reserve(n), out.category.reserve(n), out.boxes.reserve(n), out.areas.reserve(n);
  out.scores.reserve(n);
  if (need_masks) out.mask_boxes.reserve(n), out.masks.reserve(n);
  if (any_strings) out.mask_strings.reserve(n);
  std::vector<std::pair<size_t, size_t>> spans;        // segm: (first, size) in raw.counts
  // compressed masks: (first << 1 | in text, size), size -1 for a mask that is not one
  std::vector<std::pair<uint64_t, int64_t>> strings;
  for (size_t i = 0; i < n; ++i) {
    const uint16_t has = raw.has[i];
    auto fail = [&](std::string what) {
      out.problem.Set(raw.offsets[i], "", std::move(what));
      out.problem_index = i;
    };
    if (!(has & kHasImage)) return fail("missing field \"image_id\"");
    if (!(has & kHasCategory)) return fail("missing field \"category_id\"");
    if (!(has & kHasScore)) return fail("missing field \"score\"");
    if (kind_ == ResultKind::kBbox && !(has & kHasBbox)) {
      return fail("missing field \"bbox\" (the first result has one)");
    }
    if (kind_ == ResultKind::kSegm && !(has & kHasSegm)) {
      return fail("missing field \"segmentation\" (the first result has one)");
    }
    if (kind_ == ResultKind::kKeypoints && !(has & kHasKeypoints)) {
      return fail("missing field \"keypoints\" (the first result has them)");
    }
    if (iou_type_ == IouType::kSegm && kind_ != ResultKind::kBbox && !(has & kHasSegm)) {
      return fail("missing field \"segmentation\"");
    }
    if (iou_type_ == IouType::kKeypoints && !(has & kHasKeypoints)) {
      return fail("missing field \"keypoints\"");
    }
    const uint32_t img = images_.Find(raw.image_id[i]);
    if (img == FlatIdMap::kNotFound) {
      return fail("image_id " + std::to_string(raw.image_id[i]) +
                  " is not an image of the ground truth");
    }
    const uint32_t cat = categories_.Find(raw.category_id[i]);
    if (cat == FlatIdMap::kNotFound) continue;  // loadRes keeps it, COCOeval never reads it
    out.image.push_back(img);
    out.category.push_back(cat);
    out.scores.push_back(raw.scores[i]);
    ResolveOne(raw, i, img, out, spans, strings);
    if (iou_type_ == IouType::kKeypoints) {
      const auto kb = raw.kp_values.begin() + raw.kp_first[i];
      out.kp_values.insert(out.kp_values.end(), kb, kb + raw.kp_count[i]);
      out.kp_sizes.push_back(raw.kp_count[i]);
    }
  }
  if (!need_masks) return;
  // The chunk's counts are complete: point the views into them (a move keeps them valid).
  out.counts = std::move(raw.counts);
  for (size_t j = 0; j < spans.size(); ++j) {
    out.masks[j] = geometry::RleView(
        out.masks[j].height, out.masks[j].width,
        std::span<const uint32_t>(out.counts.data() + spans[j].first, spans[j].second));
  }
  if (!any_strings) return;
  out.rle_chars = std::move(raw.rle_chars);
  for (const auto& [first, size] : strings) {
    if (size == -1) {
      out.mask_strings.emplace_back();
    } else {
      const char* base = (first & 1) ? text_ : out.rle_chars.data();
      out.mask_strings.emplace_back(base + (first >> 1), static_cast<size_t>(size));
    }
  }
}

void DetectionResolver::ResolveOne(RawAnnotations& raw, size_t i, uint32_t img,
                                   ResolvedChunk& out,
                                   std::vector<std::pair<size_t, size_t>>& spans,
                                   std::vector<std::pair<uint64_t, int64_t>>& strings) const {
  const bool need_masks = iou_type_ == IouType::kSegm;
  Box box = raw.boxes[i];
  double area = 0;
  RleMask mask;  // for masks made here (polygons, boxes); RLE ones are read in place
  bool made_here = false;
  geometry::RleView view;
  const RleString* compact = nullptr;  // a kept-compressed mask: `view` has no counts
  const bool have_mask = (raw.has[i] & kHasSegm) && (need_masks || kind_ == ResultKind::kSegm);
  if (have_mask) {
    if (raw.seg_kind[i] == SegKind::kRle) {
      view = geometry::RleView(
          raw.seg_h[i], raw.seg_w[i],
          std::span<const uint32_t>(raw.counts.data() + raw.seg_first[i], raw.seg_count[i]));
    } else if (raw.seg_kind[i] == SegKind::kRleString) {
      compact = &raw.rle_strings[raw.seg_first[i]];
      view = geometry::RleView(raw.seg_h[i], raw.seg_w[i], {});
    } else {
      mask = ToMask(raw, i, gt_.image_heights[img], gt_.image_widths[img]);
      view = mask;
      made_here = true;
    }
  }
  Box mask_box;
  switch (kind_) {
    case ResultKind::kBbox:
      area = box.width * box.height;
      if (need_masks && !(raw.has[i] & kHasSegm)) {
        // loadRes gives box results the polygon of their box as segmentation.
        const double x1 = box.x, x2 = box.x + box.width, y1 = box.y, y2 = box.y + box.height;
        const double xy[8] = {x1, y1, x1, y2, x2, y2, x2, y1};
        mask = geometry::RleFromPolygon(xy, gt_.image_heights[img], gt_.image_widths[img]);
        view = mask;
        made_here = true;
      }
      if (need_masks) mask_box = compact ? compact->box : geometry::RleToBbox(view);
      break;
    case ResultKind::kSegm:
      area = compact ? compact->area
                     : static_cast<double>(static_cast<uint32_t>(geometry::RleArea(view)));
      if (!(raw.has[i] & kHasBbox)) box = compact ? compact->box : geometry::RleToBbox(view);
      if (need_masks) {
        mask_box = !(raw.has[i] & kHasBbox) ? box
                   : compact                ? compact->box
                                            : geometry::RleToBbox(view);
      }
      break;
    case ResultKind::kKeypoints: {
      const double* kp = raw.kp_values.data() + raw.kp_first[i];
      const uint32_t count = raw.kp_count[i] / 3;
      double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
      if (count > 0) {
        x0 = x1 = kp[0];
        y0 = y1 = kp[1];
        for (size_t j = 1; j < count; ++j) {
          x0 = std::min(x0, kp[3 * j]), x1 = std::max(x1, kp[3 * j]);
          y0 = std::min(y0, kp[3 * j + 1]), y1 = std::max(y1, kp[3 * j + 1]);
        }
      }
      area = (x1 - x0) * (y1 - y0);
      box = Box{x0, y0, x1 - x0, y1 - y0};
      if (need_masks) mask_box = compact ? compact->box : geometry::RleToBbox(view);
      break;
    }
  }
  out.boxes.push_back(box);
  out.areas.push_back(area);
  if (!need_masks) return;
  out.mask_boxes.push_back(mask_box);
  // Masks stay where the parser decoded them (raw.counts); masks made here are appended.
  size_t first = have_mask && !compact ? raw.seg_first[i] : 0;
  if (made_here) {
    first = raw.counts.size();
    raw.counts.insert(raw.counts.end(), mask.counts.begin(), mask.counts.end());
  }
  spans.emplace_back(first, view.counts.size());
  out.masks.emplace_back(view.height, view.width, std::span<const uint32_t>());
  if (!raw.rle_strings.empty()) {
    if (compact == nullptr) {
      strings.emplace_back(0, -1);
    } else {
      strings.emplace_back((compact->first << 1) | (compact->in_text ? 1 : 0),
                           static_cast<int64_t>(compact->size));
    }
  }
}

// CompactDetections' encoding of one value at `scale` (see coco_dataset.h): false when
// DecodeCompact would not give `v` back bit for bit.
bool EncodeCompact(double v, int scale, int32_t& k) {
  if (scale < 0) {
    const float f = static_cast<float>(v);
    k = std::bit_cast<int32_t>(f);
  } else {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    const double scaled = v * kPow10[scale];
    if (!(std::fabs(scaled) < 2147483647.0)) return false;  // and not NaN
    k = static_cast<int32_t>(std::lrint(scaled));
  }
  return std::bit_cast<uint64_t>(DecodeCompact(k, scale)) == std::bit_cast<uint64_t>(v);
}

// The smallest decimal scale (0-9) at which every value of `values` is kept exactly, else -1
// (float bits) when they all are floats, else -2.
template <typename Values>
int ChooseScale(const Values& values) {
  int32_t k;
  for (int scale = 0; scale <= 9; ++scale) {
    bool all = true;
    for (double v : values) {
      if (!EncodeCompact(v, scale, k)) {
        all = false;
        break;
      }
    }
    if (all) return scale;
  }
  for (double v : values) {
    if (!EncodeCompact(v, -1, k)) return -2;
  }
  return -1;
}

// The four values of each box of `boxes`, for ChooseScale.
struct BoxValues {
  const std::vector<Box>& boxes;
  struct Iterator {
    const Box* box;
    int field;
    double operator*() const {
      return field == 0 ? box->x : field == 1 ? box->y : field == 2 ? box->width : box->height;
    }
    Iterator& operator++() {
      if (++field == 4) field = 0, ++box;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return box != o.box || field != o.field; }
  };
  Iterator begin() const { return {boxes.data(), 0}; }
  Iterator end() const { return {boxes.data() + boxes.size(), 0}; }
};

// Appends resolved chunks, in file order, to one CocoDetections.
//
// With EnableCompact, box results go into CompactDetections (24 bytes per detection instead of
// 56: fewer fresh pages for nucleus eval, issue 15) while every value of every chunk can be
// kept exactly at the scales chosen on the first chunk with detections; the first chunk that
// cannot be (other decimals, a value out of int32 range, -0.0, an area other than w * h, too
// many images x categories for the key) turns the detections appended so far into the arrays,
// and everything continues there. Either way the values are the parsed ones, bit for bit.
class DetectionSink {
 public:
  explicit DetectionSink(IouType iou_type) : iou_type_(iou_type) {
    if (iou_type == IouType::kKeypoints) dt_.keypoint_offsets.push_back(0);
  }

  // Before Reserve and Append (bbox IoU only; a no-op otherwise).
  void EnableCompact() { compact_ = iou_type_ == IouType::kBbox ? Mode::kUndecided : Mode::kOff; }

  // The ground truth the chunks are resolved against (for the compact key); before Append.
  void SetGroundTruth(const CocoGroundTruth& gt) {
    num_images_ = gt.image_ids.size();
    num_categories_ = gt.category_ids.size();
  }

  // Address space for `n` detections (pages are touched as they are written), so appending
  // never copies the arrays.
  void Reserve(size_t n) {
    reserved_ = n;
    if (compact_ == Mode::kUndecided || compact_ == Mode::kOn) {
      dt_.compact.records.reserve(n);
      return;
    }
    ReserveArrays(n);
  }

  // Appends r's detections and empties r (its arrays keep their capacity; its mask buffers move
  // into the detections, which its views point into).
  void Append(ResolvedChunk& r) {
    if (compact_ == Mode::kUndecided || compact_ == Mode::kOn) {
      if (AppendCompact(r)) {
        r.image.clear(), r.category.clear(), r.boxes.clear(), r.areas.clear(), r.scores.clear();
        parsed_ += r.parsed;
        r.done = false;
        r.parsed = 0;
        return;
      }
      Expand();
    }
    const size_t before = dt_.size();
    auto append = [](auto& dest, auto& part) {
      dest.insert(dest.end(), part.begin(), part.end());
      part.clear();
    };
    append(dt_.image, r.image), append(dt_.category, r.category), append(dt_.boxes, r.boxes);
    append(dt_.areas, r.areas), append(dt_.scores, r.scores);
    if (iou_type_ == IouType::kSegm) {
      append(dt_.mask_boxes, r.mask_boxes), append(dt_.masks, r.masks);
      dt_.mask_counts.push_back(std::move(r.counts));
      r.counts.clear();
      if (!r.mask_strings.empty()) {
        if (dt_.mask_strings.empty()) dt_.mask_strings.reserve(std::max(reserved_, dt_.size()));
        dt_.mask_strings.resize(before);  // chunks without compressed masks: empty views
        append(dt_.mask_strings, r.mask_strings);
        dt_.mask_chars.push_back(std::move(r.rle_chars));
        r.rle_chars.clear();
      } else if (!dt_.mask_strings.empty()) {
        dt_.mask_strings.resize(dt_.size());
      }
    }
    if (iou_type_ == IouType::kKeypoints) {
      dt_.keypoint_values.insert(dt_.keypoint_values.end(), r.kp_values.begin(),
                                 r.kp_values.end());
      for (uint32_t s : r.kp_sizes) dt_.keypoint_offsets.push_back(dt_.keypoint_offsets.back() + s);
      r.kp_values.clear(), r.kp_sizes.clear();
    }
    parsed_ += r.parsed;
    r.done = false;
    r.parsed = 0;
  }

  size_t parsed() const { return parsed_; }  // detections parsed in the appended chunks
  CocoDetections Take() { return std::move(dt_); }

 private:
  // kUndecided: compact wanted, scales not chosen yet (no detection appended).
  enum class Mode { kOff, kUndecided, kOn };

  void ReserveArrays(size_t n) {
    dt_.image.reserve(n), dt_.category.reserve(n), dt_.boxes.reserve(n), dt_.areas.reserve(n);
    dt_.scores.reserve(n);
    if (iou_type_ == IouType::kSegm) dt_.mask_boxes.reserve(n), dt_.masks.reserve(n);
  }

  // Appends r's detections as CompactDetection records; false (nothing appended) when one of
  // them cannot be kept exactly.
  bool AppendCompact(const ResolvedChunk& r) {
    const size_t n = r.image.size();
    if (n == 0) return true;
    int image_bits = 0;
    while ((size_t{1} << image_bits) < num_images_) ++image_bits;
    const bool fits = image_bits < 32 && (num_categories_ << image_bits) <= (size_t{1} << 32);
    if (num_images_ == 0 || !fits) return false;
    CompactDetections& c = dt_.compact;
    if (compact_ == Mode::kUndecided) {
      const int box_scale = ChooseScale(BoxValues{r.boxes});
      const int score_scale = ChooseScale(r.scores);
      if (box_scale < -1 || score_scale < -1) return false;
      c.box_scale = box_scale, c.score_scale = score_scale;
      c.image_bits = image_bits;
    }
    std::vector<CompactDetection>& records = c.records;
    const size_t before = records.size();
    if (records.capacity() < before + n) records.reserve(std::max(before + n, 2 * before));
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      const Box& b = r.boxes[i];
      CompactDetection d;
      ok = std::bit_cast<uint64_t>(r.areas[i]) == std::bit_cast<uint64_t>(b.width * b.height) &&
           EncodeCompact(b.x, c.box_scale, d.box[0]) &&
           EncodeCompact(b.y, c.box_scale, d.box[1]) &&
           EncodeCompact(b.width, c.box_scale, d.box[2]) &&
           EncodeCompact(b.height, c.box_scale, d.box[3]) &&
           EncodeCompact(r.scores[i], c.score_scale, d.score);
      d.key = (r.category[i] << c.image_bits) | r.image[i];
      records.push_back(d);
    }
    if (!ok) {
      records.resize(before);
      return false;
    }
    compact_ = Mode::kOn;
    dt_.is_compact = true;
    return true;
  }

  // Leaves compact mode: the records appended so far go into the arrays.
  void Expand() {
    compact_ = Mode::kOff;
    std::vector<CompactDetection> records = std::move(dt_.compact.records);
    const CompactDetections& c = dt_.compact;
    dt_.is_compact = false;
    ReserveArrays(std::max(reserved_, records.size()));
    for (const CompactDetection& d : records) {
      const Box box{DecodeCompact(d.box[0], c.box_scale), DecodeCompact(d.box[1], c.box_scale),
                    DecodeCompact(d.box[2], c.box_scale), DecodeCompact(d.box[3], c.box_scale)};
      dt_.image.push_back(d.key & ((uint32_t{1} << c.image_bits) - 1));
      dt_.category.push_back(static_cast<uint32_t>(uint64_t{d.key} >> c.image_bits));
      dt_.boxes.push_back(box);
      dt_.areas.push_back(box.width * box.height);
      dt_.scores.push_back(DecodeCompact(d.score, c.score_scale));
    }
    dt_.compact = CompactDetections();
  }

  IouType iou_type_;
  CocoDetections dt_;
  size_t parsed_ = 0;
  size_t reserved_ = 0;
  Mode compact_ = Mode::kOff;
  size_t num_images_ = 0, num_categories_ = 0;
};

// Resolves each result chunk as soon as it is parsed and appends it (in file order) to the
// detections, so a worker's parsed and resolved arrays are reused from chunk to chunk: what
// outlives a chunk is its detections in their final arrays (56 bytes each for bbox), where
// holding every chunk's parsed arrays (~100 bytes per detection, ≈ 45 MB for 475k boxes) was
// most of the fresh memory of a run. Resolving needs the ground truth (parsed concurrently by
// ParseCocoFiles) and the kind of results (decided by the first result, in chunk 0); a chunk
// parsed before both are known keeps its parsed arrays and is resolved by whichever thread
// completes them, and a chunk resolved before its predecessors are appended waits in its own
// arrays (on one thread nothing waits: the ground truth and the chunks come in order).
// A chunk with a problem is not appended, nor any after it (FinishDetections reports it).
// Thread-safe.
class StreamingResolver {
 public:
  StreamingResolver(std::vector<Chunk>& chunks, JsonText text, IouType iou_type,
                    bool compact_boxes)
      : chunks_(chunks), text_(text), iou_type_(iou_type), sink_(iou_type) {
    if (compact_boxes) sink_.EnableCompact();
  }

  // Reserves the detections' arrays (once; before anything is appended). A valid detection
  // takes at least ~50 bytes of JSON ({"image_id":0,"category_id":0,"score":0,
  // "keypoints":[]},): reserving for one per 48 bytes means the arrays never grow by copying,
  // and pages never written are never touched (more, invalid, ones still work). ParseCocoFiles
  // calls it right after the ground truth is parsed, so the arrays take the memory that
  // parser's structural index has just freed (12 MB for a 9 MB file) instead of fresh pages.
  void ReserveOutput() {
    std::lock_guard<std::mutex> lock(mu_);
    ReserveOutputLocked();
  }

  // The ground truth is resolved and stays alive and unchanged (nullptr: it failed, and no
  // chunk is resolved).
  void SetGroundTruth(const CocoGroundTruth* gt) {
    std::vector<size_t> drain;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ReserveOutputLocked();
      gt_ = gt;
      drain = MaybeStartLocked();
    }
    ResolveDeferred(drain);
  }

  // Chunk c parsed without error into `raw` (a worker's; `staging` is the worker's too): resolves
  // and appends it now, or keeps it.
  void Parsed(size_t c, RawAnnotations& raw, ResolvedChunk& staging) {
    std::vector<size_t> drain;
    bool now = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (c == 0) {
        kind_known_ = true;
        kind_ok_ = raw.size() > 0 && KindOfFirst(raw, kind_, kind_problem_);
        drain = MaybeStartLocked();
      }
      now = resolver_.has_value();
      if (!now) {
        chunks_[c].raw = std::move(raw);
        deferred_.push_back(c);
      }
    }
    if (now) {
      resolver_->Resolve(raw, staging);
      Commit(c, staging);
    }
    ResolveDeferred(drain);
  }

  // After every chunk went through Parsed: the detections appended so far (chunks
  // [0, committed())) and how many were parsed in them.
  size_t committed() const { return next_; }
  DetectionSink& sink() { return sink_; }

 private:
  void ReserveOutputLocked() {
    if (reserved_ || chunks_.empty()) return;
    reserved_ = true;
    sink_.Reserve(text_.size() / 48 + 16);
  }

  // Once the ground truth and the kind are known: the resolver, and the chunks kept until then.
  std::vector<size_t> MaybeStartLocked() {
    if (resolver_ || gt_ == nullptr || !kind_known_ || !kind_ok_) return {};
    resolver_.emplace(*gt_, kind_, iou_type_, text_);
    sink_.SetGroundTruth(*gt_);
    return std::move(deferred_);
  }

  void ResolveDeferred(const std::vector<size_t>& drain) {
    for (size_t c : drain) {
      ResolvedChunk staging;
      resolver_->Resolve(chunks_[c].raw, staging);
      chunks_[c].raw = RawAnnotations();
      Commit(c, staging);
    }
  }

  // Appends chunk c if it is the next one, then the ones waiting behind it; else it waits.
  void Commit(size_t c, ResolvedChunk& staging) {
    std::lock_guard<std::mutex> lock(mu_);
    if (c != next_ || staging.problem.set) {
      chunks_[c].resolved = std::move(staging);
      staging = ResolvedChunk();
      return;
    }
    sink_.Append(staging);
    for (++next_; next_ < chunks_.size(); ++next_) {
      ResolvedChunk& waiting = chunks_[next_].resolved;
      if (!waiting.done || waiting.problem.set) break;
      sink_.Append(waiting);
      waiting = ResolvedChunk();
    }
  }

  std::vector<Chunk>& chunks_;
  const JsonText text_;
  const IouType iou_type_;
  std::mutex mu_;
  const CocoGroundTruth* gt_ = nullptr;
  bool kind_known_ = false, kind_ok_ = false;
  ResultKind kind_ = ResultKind::kBbox;
  Problem kind_problem_;
  std::vector<size_t> deferred_;
  std::optional<DetectionResolver> resolver_;
  size_t next_ = 0;  // chunks [0, next_) are appended
  bool reserved_ = false;
  DetectionSink sink_;
};

// Parses the chunks of a result array on `threads` threads, each handed to `resolver` once
// parsed. False when the array could not be cut or a chunk failed to parse.
bool ParseChunksStreaming(JsonText text, std::vector<Chunk>& chunks, const FieldOptions& options,
                          int threads, StreamingResolver& resolver) {
  if (chunks.empty()) return false;
  std::vector<ChunkParser> parsers(static_cast<size_t>(std::max(1, threads)));
  ParallelFor(chunks.size(), threads, [&](size_t c, size_t worker) {
    ChunkParser& p = parsers[worker];
    chunks[c].ok = ParseChunk(text, chunks[c], options, p);
    if (chunks[c].ok) resolver.Parsed(c, p.raw, p.staging);
  });
  for (const Chunk& c : chunks) {
    if (!c.ok) return false;
  }
  return true;
}

// Resolves the chunks not resolved yet (all of them when the kind or the ground truth was
// not known while parsing, as in the one-thread fallback), reports the first problem in file
// order and appends the chunks not appended yet (from `first`) to `sink`.
Result<CocoDetections> FinishDetections(std::vector<Chunk>& chunks, size_t first,
                                        DetectionSink& sink, JsonText text,
                                        std::string_view name, const CocoGroundTruth& gt,
                                        IouType iou_type, int threads) {
  if (first < chunks.size() && !chunks[first].resolved.done) {
    size_t parsed = 0;
    for (size_t c = first; c < chunks.size(); ++c) parsed += chunks[c].raw.size();
    if (parsed == 0) return sink.Take();  // an empty result list
    ResultKind kind;
    Problem problem;
    if (!KindOfFirst(chunks[0].raw, kind, problem)) return MakeError(name, text, problem);
    const DetectionResolver resolver(gt, kind, iou_type, text);
    ParallelFor(chunks.size() - first, threads, [&](size_t k, size_t) {
      Chunk& chunk = chunks[first + k];
      resolver.Resolve(chunk.raw, chunk.resolved);
      chunk.raw = RawAnnotations();
    });
  }
  size_t base = sink.parsed(), n = 0;
  for (size_t c = first; c < chunks.size(); ++c) {
    ResolvedChunk& r = chunks[c].resolved;
    if (r.problem.set) {
      r.problem.where = Where("", base + r.problem_index);
      return MakeError(name, text, r.problem);
    }
    base += r.parsed;
    n += r.image.size();
  }
  sink.SetGroundTruth(gt);
  if (n > 0) sink.Reserve(sink.parsed() + n);
  for (size_t c = first; c < chunks.size(); ++c) {
    sink.Append(chunks[c].resolved);
    chunks[c].resolved = ResolvedChunk();
  }
  return sink.Take();
}

FieldOptions GroundTruthOptions(IouType iou_type) {
  return FieldOptions{iou_type == IouType::kSegm, iou_type == IouType::kKeypoints};
}

Result<RawGroundTruth> ParseRawGroundTruth(JsonText text, std::string_view name,
                                           IouType iou_type) {
  RawGroundTruth raw;
  Problem problem;
  const bool ok = WithPadding(text, [&](const char* data, size_t size, size_t capacity) {
    return ParseGroundTruthText(data, size, capacity, GroundTruthOptions(iou_type), raw, problem);
  });
  if (!ok) return MakeError(name, text, problem);
  return raw;
}

}  // namespace

Result<CocoGroundTruth> ParseCocoGroundTruth(JsonText text, std::string_view name,
                                             IouType iou_type, int threads) {
  NUCLEUS_ASSIGN_OR_RETURN(RawGroundTruth raw, ParseRawGroundTruth(text, name, iou_type));
  std::vector<uint32_t> kept;
  NUCLEUS_ASSIGN_OR_RETURN(CocoGroundTruth gt,
                           ResolveGroundTruthIds(raw, text, name, iou_type, kept));
  RasterizeGroundTruth(raw, kept, iou_type, threads, gt);
  return gt;
}

Result<CocoDetections> ParseCocoDetections(JsonText text, std::string_view name,
                                           const CocoGroundTruth& gt, IouType iou_type,
                                           int threads) {
  std::vector<Chunk> chunks = SplitChunks(text);
  StreamingResolver resolver(chunks, text, iou_type, /*compact_boxes=*/false);
  resolver.SetGroundTruth(&gt);
  const FieldOptions options = DetectionOptions(iou_type, /*rle_in_place=*/false);
  if (!ParseChunksStreaming(text, chunks, options, threads, resolver)) {
    Problem problem;
    chunks = ParseWholeResultArray(text, iou_type, /*rle_in_place=*/false, problem);
    if (problem.set) return MakeError(name, text, problem);
    DetectionSink sink(iou_type);
    return FinishDetections(chunks, 0, sink, text, name, gt, iou_type, threads);
  }
  return FinishDetections(chunks, resolver.committed(), resolver.sink(), text, name, gt,
                          iou_type, threads);
}

Result<CocoFiles> ParseCocoFiles(JsonText gt_text, std::string_view gt_name,
                                 JsonText dt_text, std::string_view dt_name,
                                 IouType iou_type, int threads, bool dt_text_outlives_result,
                                 bool compact_boxes) {
  // One pool of tasks: the ground truth first (the biggest single task), then the ~1 MiB
  // chunks of the result array, each resolved as soon as it is parsed (StreamingResolver). A
  // chunk that fails sends the results to the one-thread parser.
  std::vector<Chunk> chunks = SplitChunks(dt_text);
  StreamingResolver resolver(chunks, dt_text, iou_type, compact_boxes);
  std::optional<Result<RawGroundTruth>> raw_gt;
  std::optional<Result<CocoGroundTruth>> gt;
  std::vector<uint32_t> gt_kept;
  const FieldOptions options = DetectionOptions(iou_type, dt_text_outlives_result);
  std::vector<ChunkParser> parsers(static_cast<size_t>(std::max(1, threads)));
  ParallelFor(1 + chunks.size(), threads, [&](size_t task, size_t worker) {
    if (task == 0) {
      raw_gt.emplace(ParseRawGroundTruth(gt_text, gt_name, iou_type));
      resolver.ReserveOutput();
      if (raw_gt->ok()) gt.emplace(ResolveGroundTruthIds(**raw_gt, gt_text, gt_name, iou_type,
                                                          gt_kept));
      // Only segm reads the parsed annotations again (RasterizeGroundTruth): otherwise their
      // memory (~120 bytes per annotation) goes back to the heap for the result chunks.
      if (raw_gt->ok() && iou_type != IouType::kSegm) **raw_gt = RawGroundTruth();
      resolver.SetGroundTruth(gt.has_value() && gt->ok() ? &**gt : nullptr);
      return;
    }
    Chunk& chunk = chunks[task - 1];
    chunk.ok = ParseChunk(dt_text, chunk, options, parsers[worker]);
    if (chunk.ok) resolver.Parsed(task - 1, parsers[worker].raw, parsers[worker].staging);
  });
  parsers.clear();
  if (!raw_gt->ok()) return raw_gt->status();
  bool all_ok = !chunks.empty();
  for (const Chunk& c : chunks) all_ok = all_ok && c.ok;
  DetectionSink fallback_sink(iou_type);
  if (compact_boxes) fallback_sink.EnableCompact();
  if (!all_ok) {
    Problem dt_problem;
    chunks = ParseWholeResultArray(dt_text, iou_type, dt_text_outlives_result, dt_problem);
    if (dt_problem.set) return MakeError(dt_name, dt_text, dt_problem);
  }
  if (!gt->ok()) return gt->status();
  CocoFiles files;
  files.gt = std::move(**gt);
  RasterizeGroundTruth(**raw_gt, gt_kept, iou_type, threads, files.gt);
  NUCLEUS_ASSIGN_OR_RETURN(
      files.dt, FinishDetections(chunks, all_ok ? resolver.committed() : 0,
                                 all_ok ? resolver.sink() : fallback_sink, dt_text, dt_name,
                                 files.gt, iou_type, threads));
  return files;
}

}  // namespace nucleus::eval
