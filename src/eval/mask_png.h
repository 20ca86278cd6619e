// Decodes a stored segmentation mask (PNG bytes) into the index image the client's
// segmentation metrics read: the array `np.asarray(PIL.Image.open(f))` gives, reduced to one
// channel as SegmentationMaskMetric.get_mask_channel does (docs/api/validate.md §8.5, "Masks").
//
// Accepted PNG kinds (any other is an error naming it):
//   * greyscale, 8 or 16 bits per sample: the sample is the index (PIL modes L, I;16);
//   * palette, 1/2/4/8 bits: the palette index is the index (PIL mode P; colours are ignored);
//   * RGB / RGBA / greyscale+alpha, 8 bits per sample: the first sample (red, or grey) is the
//     index (the client's masks are "faux single channel": every channel repeats it).
// Interlaced images are accepted. Greyscale below 8 bits (PIL scales its samples) and 16-bit
// colour are refused.
//
// The bytes are treated as hostile: libpng errors (bad signature, CRC, truncation, zlib) become
// kInvalidArgument, the image's width × height is checked against `max_pixels` before any pixel
// buffer is allocated, and ancillary chunks are capped. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::eval {

// A single-channel image, row-major: pixel (x, y) is pixels[y * width + x].
struct IndexImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint16_t> pixels;

  int64_t size() const { return width * height; }
};

// The index image of the PNG `bytes`; kInvalidArgument with libpng's reason, the PNG kind that
// is not accepted, or the pixel count over `max_pixels`.
Result<IndexImage> DecodeMaskPng(std::string_view bytes, int64_t max_pixels);

}  // namespace nucleus::eval
