#include "eval/coco_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
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

  // Frees the per-annotation arrays and the polygon, string and keypoint buffers once they are
  // copied out; keeps `counts` and `rle_chars`, which masks point into.
  void ReleaseAllButMasks() {
    RawAnnotations kept;
    kept.counts = std::move(counts);
    kept.rle_chars = std::move(rle_chars);
    *this = std::move(kept);
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

// Parses one annotation or detection object into `out`. Returns false after recording a
// problem; `out` then holds a partial entry.
bool ParseAnnotation(od::value value, const FieldOptions& options, const Locator& loc,
                     std::string_view array_name, size_t index, RawAnnotations& out,
                     Problem& problem) {
  const uint64_t start = LocationOf(value, loc);
  out.PushDefault(start);
  const size_t i = out.size() - 1;
  auto fail = [&](uint64_t at, std::string what) {
    problem.Set(at, Where(array_name, index), std::move(what));
    return false;
  };
  od::object object;
  if (value.get_object().get(object)) return fail(start, "expected an object");
  uint16_t has = 0;
  for (auto field : object) {
    od::raw_json_string key;
    if (auto e = field.key().get(key)) {
      return fail(LocationOf(value, loc),
                  std::string("invalid JSON: ") + simdjson::error_message(e));
    }
    od::value v;
    if (auto e = field.value().get(v)) {
      return fail(LocationOf(value, loc),
                  std::string("invalid JSON: ") + simdjson::error_message(e));
    }
    if (key == "bbox") {
      od::array array;
      if (v.get_array().get(array))
        return fail(LocationOf(v, loc), "field \"bbox\" must be an array of 4 numbers");
      double b[4];
      size_t n = 0;
      for (auto element : array) {
        double d;
        if (n >= 4 || element.get_double().get(d)) {
          return fail(LocationOf(v, loc), "field \"bbox\" must be an array of 4 numbers");
        }
        b[n++] = d;
      }
      if (n == 4) {
        out.boxes[i] = Box{b[0], b[1], b[2], b[3]};
        has |= kHasBbox;
      } else if (n != 0) {
        return fail(LocationOf(v, loc), "field \"bbox\" must be an array of 4 numbers");
      }
    } else if (key == "score") {
      if (!GetDouble(v, out.scores[i]))
        return fail(LocationOf(v, loc), "field \"score\" must be a number");
      has |= kHasScore;
    } else if (key == "image_id") {
      if (!GetId(v, out.image_id[i]))
        return fail(LocationOf(v, loc), "field \"image_id\" must be an integer");
      has |= kHasImage;
    } else if (key == "category_id") {
      if (!GetId(v, out.category_id[i])) {
        return fail(LocationOf(v, loc), "field \"category_id\" must be an integer");
      }
      has |= kHasCategory;
    } else if (key == "id") {
      int64_t id;
      if (!GetId(v, id)) return fail(LocationOf(v, loc), "field \"id\" must be an integer");
      if (!out.results) out.id[i] = id;
      has |= kHasId;
    } else if (key == "area") {
      double area;
      if (!GetDouble(v, area)) return fail(LocationOf(v, loc), "field \"area\" must be a number");
      if (!out.results) out.areas[i] = area;
      has |= kHasArea;
    } else if (key == "iscrowd") {
      bool flag;
      if (v.get_bool().get(flag)) {  // not a boolean: a number
        double d;
        if (!GetDouble(v, d)) return fail(LocationOf(v, loc), "field \"iscrowd\" must be 0 or 1");
        flag = d != 0;
      }
      if (!out.results) out.iscrowd[i] = flag;
    } else if (key == "segmentation" && options.segmentation) {
      const uint64_t at = LocationOf(v, loc);
      od::json_type type;
      if (v.type().get(type)) return fail(at, "malformed \"segmentation\"");
      if (type == od::json_type::array) {
        od::array polygons;
        if (v.get_array().get(polygons)) return fail(at, "malformed \"segmentation\"");
        out.seg_kind[i] = SegKind::kPolygons;
        out.seg_first[i] = static_cast<uint32_t>(out.rings.size());
        for (auto polygon : polygons) {
          od::value pv;
          if (polygon.get(pv)) return fail(at, "malformed \"segmentation\"");
          const uint32_t begin = static_cast<uint32_t>(out.coords.size());
          if (!GetNumbers(pv, out.coords)) {
            return fail(at,
                        "\"segmentation\" must be a list of polygons (arrays of numbers) or "
                        "an RLE object");
          }
          out.rings.emplace_back(begin, static_cast<uint32_t>(out.coords.size()));
        }
        out.seg_count[i] = static_cast<uint32_t>(out.rings.size()) - out.seg_first[i];
      } else if (type == od::json_type::object) {
        od::object rle;
        if (v.get_object().get(rle)) return fail(at, "malformed \"segmentation\"");
        bool has_size = false, has_counts = false;
        out.seg_kind[i] = SegKind::kRle;
        out.seg_first[i] = static_cast<uint32_t>(out.counts.size());
        if (out.rle_chars.capacity() == 0 && options.compact_rle) {
          out.rle_chars.reserve(out.json_bytes);  // a string's bytes, at most the JSON's
        }
        std::string_view counts_string;  // compact_rle: the last "counts" when it is a string
        bool counts_compact = false, counts_in_text = false;
        uint64_t counts_at = 0;
        for (auto rle_field : rle) {
          od::raw_json_string rle_key;
          od::value rv;
          if (rle_field.key().get(rle_key) || rle_field.value().get(rv)) {
            return fail(at, "malformed \"segmentation\"");
          }
          const uint64_t rat = LocationOf(rv, loc);
          if (rle_key == "size") {
            std::vector<double> size;
            if (!GetNumbers(rv, size) || size.size() != 2 || !(size[0] >= 0) || !(size[1] >= 0) ||
                size[0] > 1e9 || size[1] > 1e9 || std::floor(size[0]) != size[0] ||
                std::floor(size[1]) != size[1]) {
              return fail(rat, "RLE \"size\" must be [height, width]");
            }
            out.seg_h[i] = static_cast<uint32_t>(size[0]);
            out.seg_w[i] = static_cast<uint32_t>(size[1]);
            has_size = true;
          } else if (rle_key == "counts") {
            od::json_type ctype;
            if (rv.type().get(ctype)) return fail(rat, "malformed RLE \"counts\"");
            out.counts.resize(out.seg_first[i]);
            counts_compact = counts_in_text = false;
            const bool decode_here = !(ctype == od::json_type::string && options.compact_rle);
            if (decode_here && out.counts.capacity() == 0) out.counts.reserve(out.json_bytes);
            if (ctype == od::json_type::string && options.compact_rle) {
              // Read in place when the string has no escape (COCO's alphabet has no '"', so its
              // first quote ends it); else unescaped into the parser's string buffer. Both are
              // valid until the parser is done with this document: decoded below.
              const std::string_view token = rv.raw_json_token();
              if (token.size() < 2 || token[0] != '"') {
                return fail(rat, "malformed RLE \"counts\" string");
              }
              const size_t end = token.find('"', 1);
              if (end != std::string_view::npos &&
                  token.substr(1, end - 1).find('\\') == std::string_view::npos) {
                od::raw_json_string raw_string;  // consumes the value, without a copy
                if (rv.get_raw_json_string().get(raw_string)) {
                  return fail(rat, "malformed RLE \"counts\" string");
                }
                counts_string = token.substr(1, end - 1);
                counts_in_text = true;
              } else if (rv.get_string().get(counts_string)) {
                return fail(rat, "malformed RLE \"counts\" string");
              }
              counts_compact = true;
              counts_at = rat;

            } else if (ctype == od::json_type::string) {
              std::string_view s;
              if (rv.get_string().get(s)) return fail(rat, "malformed RLE \"counts\" string");
              Status status = geometry::AppendCountsFromString(s, out.counts);
              if (!status.ok()) return fail(rat, status.message());
            } else {
              od::array array;
              if (rv.get_array().get(array)) {
                return fail(rat, "RLE \"counts\" must be a string or an array of integers");
              }
              for (auto element : array) {
                uint64_t c;
                if (element.get_uint64().get(c) || c > UINT32_MAX) {
                  return fail(rat, "RLE \"counts\" must be a string or an array of integers");
                }
                out.counts.push_back(static_cast<uint32_t>(c));
              }
            }
            has_counts = true;
          }
        }
        if (!has_size || !has_counts) {
          return fail(at, "RLE \"segmentation\" needs \"size\" and \"counts\"");
        }
        out.seg_count[i] = static_cast<uint32_t>(out.counts.size()) - out.seg_first[i];
        if (counts_compact) {
          // Validate and decode into a small reused buffer, derive area and box while it is
          // in cache, and keep only the string.
          out.scratch.clear();
          Status status = geometry::AppendCountsFromString(counts_string, out.scratch);
          if (!status.ok()) return fail(counts_at, status.message());
          const geometry::RleView view(out.seg_h[i], out.seg_w[i], out.scratch);
          RleString r;
          r.size = static_cast<uint32_t>(counts_string.size());
          r.area = static_cast<double>(static_cast<uint32_t>(geometry::RleArea(view)));
          r.box = geometry::RleToBbox(view);
          if (counts_in_text && options.rle_in_place) {
            r.in_text = true;
            r.first = loc.Offset(counts_string.data());
          } else {
            r.first = out.rle_chars.size();
            out.rle_chars.insert(out.rle_chars.end(), counts_string.begin(), counts_string.end());
          }
          out.seg_kind[i] = SegKind::kRleString;
          out.seg_first[i] = static_cast<uint32_t>(out.rle_strings.size());
          out.seg_count[i] = 0;
          out.rle_strings.push_back(r);
        }
      } else {
        return fail(at, "\"segmentation\" must be a list of polygons or an RLE object");
      }
      has |= kHasSegm;
    } else if (key == "keypoints" && options.keypoints) {
      const uint64_t at = LocationOf(v, loc);
      out.kp_first[i] = static_cast<uint32_t>(out.kp_values.size());
      if (!GetNumbers(v, out.kp_values)) {
        return fail(at, "field \"keypoints\" must be an array of numbers");
      }
      out.kp_count[i] = static_cast<uint32_t>(out.kp_values.size()) - out.kp_first[i];
      has |= kHasKeypoints;
    } else if (key == "num_keypoints" && options.keypoints) {
      const uint64_t at = LocationOf(v, loc);
      int64_t n;
      if (!GetId(v, n)) return fail(at, "field \"num_keypoints\" must be an integer");
      if (!out.results) out.num_keypoints[i] = static_cast<int32_t>(n);
      has |= kHasNumKeypoints;
    }
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
    if ((error = field.key().get(key)) || (error = field.value().get(v))) {
      SimdjsonProblem(error, doc, loc, "", problem);
      return false;
    }
    const uint64_t at = LocationOf(v, loc);
    if (key == "images" || key == "categories") {
      const bool images = key == "images";
      const char* name = images ? "images" : "categories";
      od::array array;
      if (v.get_array().get(array)) {
        problem.Set(at, "", std::string("field \"") + name + "\" must be an array");
        return false;
      }
      size_t index = 0;
      for (auto element : array) {
        od::value ev;
        od::object object;
        if ((error = element.get(ev))) {
          SimdjsonProblem(error, doc, loc, Where(name, index), problem);
          return false;
        }
        const uint64_t eat = LocationOf(ev, loc);
        if (ev.get_object().get(object)) {
          problem.Set(eat, Where(name, index), "expected an object");
          return false;
        }
        bool has_id = false;
        int64_t id = 0;
        double height = 0, width = 0;
        for (auto f : object) {
          od::raw_json_string k;
          od::value fv;
          if ((error = f.key().get(k)) || (error = f.value().get(fv))) {
            SimdjsonProblem(error, doc, loc, Where(name, index), problem);
            return false;
          }
          const uint64_t fat = LocationOf(fv, loc);
          if (k == "id") {
            if (!GetId(fv, id)) {
              problem.Set(fat, Where(name, index), "field \"id\" must be an integer");
              return false;
            }
            has_id = true;
          } else if (images && (k == "height" || k == "width")) {
            const bool is_height = k == "height";
            double d;
            if (!GetDouble(fv, d) || !(d >= 0) || d > 1e9) {
              problem.Set(fat, Where(name, index),
                          std::string("field \"") + (is_height ? "height" : "width") +
                              "\" must be a non-negative number");
              return false;
            }
            (is_height ? height : width) = d;
          }
        }
        if (!has_id) {
          problem.Set(eat, Where(name, index), "missing field \"id\"");
          return false;
        }
        if (images) {
          gt.image_ids.push_back(id);
          gt.heights.push_back(static_cast<uint32_t>(height));
          gt.widths.push_back(static_cast<uint32_t>(width));
        } else {
          gt.category_ids.push_back(id);
        }
        ++index;
      }
      (images ? has_images : has_categories) = true;
    } else if (key == "annotations") {
      od::array array;
      if (v.get_array().get(array)) {
        problem.Set(at, "", "field \"annotations\" must be an array");
        return false;
      }
      size_t index = 0;
      for (auto element : array) {
        od::value ev;
        if ((error = element.get(ev))) {
          SimdjsonProblem(error, doc, loc, Where("annotations", index), problem);
          return false;
        }
        if (!ParseAnnotation(ev, options, loc, "annotations", index, gt.annotations, problem)) {
          return false;
        }
        ++index;
      }
      has_annotations = true;
    }
  }
  if (!AtEnd(doc)) {
    SimdjsonProblem(simdjson::TRAILING_CONTENT, doc, loc, "", problem);
    return false;
  }
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

Result<CocoGroundTruth> ResolveGroundTruth(RawGroundTruth raw, JsonText text,
                                           std::string_view name, IouType iou_type, int threads) {
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
  std::vector<uint32_t> kept;
  kept.reserve(n);
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
  if (iou_type == IouType::kSegm) {
    gt.masks.resize(kept.size());
    ParallelFor(kept.size(), threads, [&](size_t j, size_t) {
      const uint32_t img = gt.image[j];
      gt.masks[j] = ToMask(a, kept[j], gt.image_heights[img], gt.image_widths[img]);
    });
  }
  return gt;
}

// ---------------------------------------------------------------------------------------------
// Detections.

// A padded parse buffer for one chunk of a result array: "[" + objects + "]".
struct Chunk {
  uint64_t begin = 0;  // file offset of the chunk's first object
  uint64_t end = 0;    // file offset just past its last object
  RawAnnotations raw;
  Problem problem;
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

// One worker's parser and "[" + chunk + "]" buffer, reused from chunk to chunk: chunks of
// ~1 MiB keep simdjson's structural index (4 bytes per token) and the copy in cache, where one
// document for a whole 40 MB file wrote ~50 MB of index to fresh memory.
struct ChunkParser {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
};

inline constexpr size_t kChunkBytes = size_t{1} << 20;

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
  // costs at most one doubling, and wastes little of each chunk's (huge) pages.
  chunk.raw.results = true;
  chunk.raw.Reserve(len / 128 + 16);
  if (options.segmentation) ReserveCounts(len, chunk.raw);
  return ParseAnnotationArray(p.parser, buffer, len + 2, len + 2 + simdjson::SIMDJSON_PADDING,
                              loc, options, "", 0, chunk.raw, chunk.problem);
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

// Parses the result array into ~1 MiB chunks on `threads` threads, or (when it cannot be cut,
// a chunk fails, or `split` is false) as one document on one thread, which is also what
// reports an error precisely. Sets `problem` on failure.
std::vector<Chunk> ParseDetectionChunks(JsonText text, IouType iou_type, int threads,
                                        Problem& problem, bool split, bool rle_in_place) {
  const FieldOptions options = DetectionOptions(iou_type, rle_in_place);
  std::vector<Chunk> chunks;
  if (split) {
    chunks = SplitChunks(text);
    if (!chunks.empty()) {
      std::vector<ChunkParser> parsers(static_cast<size_t>(std::max(1, threads)));
      ParallelFor(chunks.size(), threads, [&](size_t c, size_t worker) {
        chunks[c].ok = ParseChunk(text, chunks[c], options, parsers[worker]);
      });
      bool all_ok = true;
      for (const Chunk& c : chunks) all_ok = all_ok && c.ok;
      if (all_ok) return chunks;
      chunks.clear();
    }
  }
  chunks.resize(1);
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

Result<CocoDetections> ResolveDetections(std::vector<Chunk>& chunks, JsonText text,
                                         std::string_view name, const CocoGroundTruth& gt,
                                         IouType iou_type, int threads) {
  CocoDetections dt;
  size_t total = 0;
  for (const Chunk& c : chunks) total += c.raw.size();
  if (total == 0) {
    if (iou_type == IouType::kKeypoints) dt.keypoint_offsets.push_back(0);
    return dt;
  }
  // loadRes decides the kind of results from the first one.
  const RawAnnotations& first = chunks[0].raw;
  ResultKind kind;
  if (first.has[0] & kHasBbox) {
    kind = ResultKind::kBbox;
  } else if (first.has[0] & kHasSegm) {
    kind = ResultKind::kSegm;
  } else if (first.has[0] & kHasKeypoints) {
    kind = ResultKind::kKeypoints;
  } else {
    Problem p;
    p.Set(first.offsets[0], "[0]",
          "the first result has no \"bbox\", \"segmentation\" or \"keypoints\"");
    return MakeError(name, text, p);
  }
  FlatIdMap images(gt.image_ids), categories(gt.category_ids);

  // Pass 1 (parallel per chunk): validate, map ids, count kept detections.
  std::vector<size_t> chunk_base(chunks.size() + 1, 0), kept_base(chunks.size() + 1, 0);
  for (size_t c = 0; c < chunks.size(); ++c)
    chunk_base[c + 1] = chunk_base[c] + chunks[c].raw.size();
  std::vector<std::vector<uint32_t>> image_index(chunks.size()), category_index(chunks.size());
  std::vector<Problem> problems(chunks.size());
  ParallelFor(chunks.size(), threads, [&](size_t c, size_t) {
    const RawAnnotations& raw = chunks[c].raw;
    image_index[c].resize(raw.size());
    category_index[c].resize(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      const uint16_t has = raw.has[i];
      auto fail = [&](std::string what) {
        problems[c].Set(raw.offsets[i], Where("", chunk_base[c] + i), std::move(what));
      };
      if (!(has & kHasImage)) return fail("missing field \"image_id\"");
      if (!(has & kHasCategory)) return fail("missing field \"category_id\"");
      if (!(has & kHasScore)) return fail("missing field \"score\"");
      if (kind == ResultKind::kBbox && !(has & kHasBbox)) {
        return fail("missing field \"bbox\" (the first result has one)");
      }
      if (kind == ResultKind::kSegm && !(has & kHasSegm)) {
        return fail("missing field \"segmentation\" (the first result has one)");
      }
      if (kind == ResultKind::kKeypoints && !(has & kHasKeypoints)) {
        return fail("missing field \"keypoints\" (the first result has them)");
      }
      if (iou_type == IouType::kSegm && kind != ResultKind::kBbox && !(has & kHasSegm)) {
        return fail("missing field \"segmentation\"");
      }
      if (iou_type == IouType::kKeypoints && !(has & kHasKeypoints)) {
        return fail("missing field \"keypoints\"");
      }
      const uint32_t img = images.Find(raw.image_id[i]);
      if (img == FlatIdMap::kNotFound) {
        return fail("image_id " + std::to_string(raw.image_id[i]) +
                    " is not an image of the ground truth");
      }
      image_index[c][i] = img;
      category_index[c][i] = categories.Find(raw.category_id[i]);
    }
  });
  for (size_t c = 0; c < chunks.size(); ++c) {
    if (problems[c].set) return MakeError(name, text, problems[c]);
    size_t kept = 0;
    for (uint32_t k : category_index[c]) kept += k != FlatIdMap::kNotFound;
    kept_base[c + 1] = kept_base[c] + kept;
  }

  // Pass 2 (parallel per chunk): fill the final arrays.
  const size_t n = kept_base.back();
  const bool need_masks = iou_type == IouType::kSegm;
  std::vector<uint32_t> mask_h, mask_w;
  std::vector<size_t> mask_first, mask_len;
  std::vector<uint64_t> string_first;  // compressed masks: offset in their chunk's rle_chars
  std::vector<uint32_t> string_len;
  std::vector<uint8_t> string_in_text;  // 1: string_first is an offset in `text`
  bool any_strings = false;
  for (const Chunk& c : chunks) any_strings = any_strings || !c.raw.rle_strings.empty();
  // Sizing the arrays zero-fills tens of MB of fresh pages: one task per array, biggest first,
  // so that with several threads it is not a serial phase.
  std::vector<std::function<void()>> sizing = {
      [&] { dt.boxes.resize(n); }, [&] { dt.areas.resize(n); }, [&] { dt.scores.resize(n); },
      [&] { dt.image.resize(n); }, [&] { dt.category.resize(n); }};
  if (need_masks) {
    dt.mask_counts.resize(chunks.size());
    sizing.insert(sizing.begin(), {[&] { dt.mask_boxes.resize(n); }, [&] { dt.masks.resize(n); },
                                   [&] { mask_first.resize(n); }, [&] { mask_len.resize(n); }});
    sizing.push_back([&] { mask_h.resize(n), mask_w.resize(n); });
    if (any_strings) {
      dt.mask_chars.resize(chunks.size());
      sizing.insert(sizing.begin(), [&] { dt.mask_strings.resize(n); });
      sizing.push_back(
          [&] { string_first.resize(n), string_len.resize(n), string_in_text.resize(n); });
    }
  }
  ParallelFor(sizing.size(), threads, [&](size_t t, size_t) { sizing[t](); });
  std::vector<std::vector<double>> kp_values(chunks.size());
  std::vector<std::vector<uint32_t>> kp_sizes(chunks.size());
  ParallelFor(chunks.size(), threads, [&](size_t c, size_t) {
    const RawAnnotations& raw = chunks[c].raw;
    size_t o = kept_base[c];
    // Masks stay where the parser decoded them (raw.counts, moved into dt.mask_counts below);
    // masks made here (polygons, boxes) are appended behind them.
    std::vector<uint32_t>* store = need_masks ? &chunks[c].raw.counts : nullptr;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (category_index[c][i] == FlatIdMap::kNotFound) continue;
      const uint32_t img = image_index[c][i];
      dt.image[o] = img;
      dt.category[o] = category_index[c][i];
      dt.scores[o] = raw.scores[i];
      Box box = raw.boxes[i];
      double area = 0;
      RleMask mask;  // for masks made here (polygons, boxes); RLE ones are read in place
      bool made_here = false;
      geometry::RleView view;
      const RleString* compact = nullptr;  // a kept-compressed mask: `view` has no counts
      const bool have_mask = (raw.has[i] & kHasSegm) && (need_masks || kind == ResultKind::kSegm);
      if (have_mask) {
        if (raw.seg_kind[i] == SegKind::kRle) {
          view = geometry::RleView(
              raw.seg_h[i], raw.seg_w[i],
              std::span<const uint32_t>(raw.counts.data() + raw.seg_first[i], raw.seg_count[i]));
        } else if (raw.seg_kind[i] == SegKind::kRleString) {
          compact = &raw.rle_strings[raw.seg_first[i]];
          view = geometry::RleView(raw.seg_h[i], raw.seg_w[i], {});
        } else {
          mask = ToMask(raw, i, gt.image_heights[img], gt.image_widths[img]);
          view = mask;
          made_here = true;
        }
      }
      switch (kind) {
        case ResultKind::kBbox:
          area = box.width * box.height;
          if (need_masks && !(raw.has[i] & kHasSegm)) {
            // loadRes gives box results the polygon of their box as segmentation.
            const double x1 = box.x, x2 = box.x + box.width, y1 = box.y, y2 = box.y + box.height;
            const double xy[8] = {x1, y1, x1, y2, x2, y2, x2, y1};
            mask = geometry::RleFromPolygon(xy, gt.image_heights[img], gt.image_widths[img]);
            view = mask;
            made_here = true;
          }
          break;
        case ResultKind::kSegm:
          area = compact ? compact->area
                         : static_cast<double>(static_cast<uint32_t>(geometry::RleArea(view)));
          if (!(raw.has[i] & kHasBbox)) box = compact ? compact->box : geometry::RleToBbox(view);
          if (need_masks) {
            dt.mask_boxes[o] = !(raw.has[i] & kHasBbox) ? box
                               : compact            ? compact->box
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
          break;
        }
      }
      dt.boxes[o] = box;
      dt.areas[o] = area;
      if (store && kind != ResultKind::kSegm) {
        dt.mask_boxes[o] = compact ? compact->box : geometry::RleToBbox(view);
      }
      if (store && compact) {
        string_first[o] = compact->first, string_len[o] = compact->size;
        string_in_text[o] = compact->in_text;
      }
      if (store) {
        mask_h[o] = view.height, mask_w[o] = view.width, mask_len[o] = view.counts.size();
        if (made_here) {
          mask_first[o] = store->size();
          store->insert(store->end(), mask.counts.begin(), mask.counts.end());
        } else {
          mask_first[o] = have_mask && !compact ? raw.seg_first[i] : 0;
        }
      }
      if (iou_type == IouType::kKeypoints) {
        const auto kb = raw.kp_values.begin() + raw.kp_first[i];
        kp_values[c].insert(kp_values[c].end(), kb, kb + raw.kp_count[i]);
        kp_sizes[c].push_back(raw.kp_count[i]);
      }
      ++o;
    }
    // This chunk is copied out: its ~120 bytes per detection go back to the heap now, so what
    // is allocated next (the evaluator's records) reuses them instead of fresh pages.
    chunks[c].raw.ReleaseAllButMasks();
    std::vector<uint32_t>().swap(image_index[c]);
    std::vector<uint32_t>().swap(category_index[c]);
  });
  if (need_masks) {  // the chunk buffers are complete: point the views into them
    for (size_t c = 0; c < chunks.size(); ++c) {
      dt.mask_counts[c] = std::move(chunks[c].raw.counts);
      if (any_strings) dt.mask_chars[c] = std::move(chunks[c].raw.rle_chars);
      for (size_t o = kept_base[c]; o < kept_base[c + 1]; ++o) {
        dt.masks[o] = geometry::RleView(
            mask_h[o], mask_w[o],
            std::span<const uint32_t>(dt.mask_counts[c].data() + mask_first[o], mask_len[o]));
        if (any_strings && string_len[o] > 0) {
          const char* base = string_in_text[o] ? text.data() : dt.mask_chars[c].data();
          dt.mask_strings[o] = std::string_view(base + string_first[o], string_len[o]);
        }
      }
    }
  }
  if (iou_type == IouType::kKeypoints) {
    dt.keypoint_offsets.push_back(0);
    for (size_t c = 0; c < chunks.size(); ++c) {
      dt.keypoint_values.insert(dt.keypoint_values.end(), kp_values[c].begin(), kp_values[c].end());
      for (uint32_t s : kp_sizes[c]) dt.keypoint_offsets.push_back(dt.keypoint_offsets.back() + s);
    }
  }
  return dt;
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
  return ResolveGroundTruth(std::move(raw), text, name, iou_type, threads);
}

Result<CocoDetections> ParseCocoDetections(JsonText text, std::string_view name,
                                           const CocoGroundTruth& gt, IouType iou_type,
                                           int threads) {
  Problem problem;
  std::vector<Chunk> chunks = ParseDetectionChunks(text, iou_type, threads, problem,
                                                   /*split=*/true, /*rle_in_place=*/false);
  if (problem.set) return MakeError(name, text, problem);
  return ResolveDetections(chunks, text, name, gt, iou_type, threads);
}

Result<CocoFiles> ParseCocoFiles(JsonText gt_text, std::string_view gt_name,
                                 JsonText dt_text, std::string_view dt_name,
                                 IouType iou_type, int threads, bool dt_text_outlives_result) {
  // One pool of tasks: the ground truth first (the biggest single task), then the ~1 MiB
  // chunks of the result array. A chunk that fails sends the results to the one-thread parser.
  std::vector<Chunk> chunks = SplitChunks(dt_text);
  std::vector<ChunkParser> parsers(static_cast<size_t>(std::max(1, threads)));
  std::optional<Result<RawGroundTruth>> raw_gt;
  const FieldOptions options = DetectionOptions(iou_type, dt_text_outlives_result);
  ParallelFor(1 + chunks.size(), threads, [&](size_t task, size_t worker) {
    if (task == 0) {
      raw_gt.emplace(ParseRawGroundTruth(gt_text, gt_name, iou_type));
    } else {
      chunks[task - 1].ok = ParseChunk(dt_text, chunks[task - 1], options, parsers[worker]);
    }
  });
  parsers.clear();
  if (!raw_gt->ok()) return raw_gt->status();
  bool all_ok = !chunks.empty();
  for (const Chunk& c : chunks) all_ok = all_ok && c.ok;
  if (!all_ok) {
    Problem dt_problem;
    chunks = ParseDetectionChunks(dt_text, iou_type, 1, dt_problem, /*split=*/false,
                                  dt_text_outlives_result);
    if (dt_problem.set) return MakeError(dt_name, dt_text, dt_problem);
  }
  CocoFiles files;
  NUCLEUS_ASSIGN_OR_RETURN(
      files.gt, ResolveGroundTruth(std::move(**raw_gt), gt_text, gt_name, iou_type, threads));
  NUCLEUS_ASSIGN_OR_RETURN(
      files.dt, ResolveDetections(chunks, dt_text, dt_name, files.gt, iou_type, threads));
  return files;
}

}  // namespace nucleus::eval
