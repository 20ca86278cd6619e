// libFuzzer target: COCO compressed RLE strings (geometry/rle.h).
// Input: 2 bytes height, 2 bytes width (each mod 257, so decoded bitmaps stay small), then the
// counts string. Checks, beyond "no crash / no UB":
//  - a string that decodes re-encodes (RleToString) to a string that decodes to the same counts;
//  - for a mask whose counts add up to height*width: RleDecode, then RleEncode of the bitmap,
//    gives the same area and (when not empty) bounding box, and intersecting that encoding
//    with itself keeps its area.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "geometry/rle.h"

namespace g = nucleus::geometry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint32_t h = (data[0] | (data[1] << 8)) % 257;
  const uint32_t w = (data[2] | (data[3] << 8)) % 257;
  std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);

  auto mask = g::RleFromString(text, h, w);
  if (!mask.ok()) return 0;
  auto again = g::RleFromString(g::RleToString(*mask), h, w);
  if (!again.ok() || again->counts != mask->counts) std::abort();

  (void)g::RleArea(*mask);
  (void)g::RleToBbox(*mask);
  auto bitmap = g::RleDecode(*mask);
  if (!bitmap.ok()) return 0;  // counts do not add up to h*w: the callers reject the mask
  g::RleMask encoded = g::RleEncode(*bitmap, h, w);
  if (g::RleArea(encoded) != g::RleArea(*mask)) std::abort();
  // The box of an empty mask depends on its runs (pycocotools' wrap-around), so only masks with
  // foreground must agree with their canonical re-encoding.
  const g::Box a = g::RleToBbox(encoded), b = g::RleToBbox(*mask);
  if (g::RleArea(encoded) > 0 &&
      (a.x != b.x || a.y != b.y || a.width != b.width || a.height != b.height)) {
    std::abort();
  }
  // RleMerge, like pycocotools' rleMerge, stops early on interior zero-length runs, so the
  // self-intersection property holds for the canonical encoding only; the raw mask still runs
  // through it for the sanitizers.
  const g::RleView raw[2] = {*mask, *mask};
  (void)g::RleMerge(raw, /*intersect=*/false);
  const g::RleView views[2] = {encoded, encoded};
  g::RleMask merged = g::RleMerge(views, /*intersect=*/true);
  if (g::RleArea(merged) != g::RleArea(encoded)) std::abort();
  (void)g::RleIou(*mask, encoded, /*gt_is_crowd=*/false);
  return 0;
}
