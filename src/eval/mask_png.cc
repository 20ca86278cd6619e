#include "eval/mask_png.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>

namespace nucleus::eval {
namespace {

// What libpng's callbacks read and write: the input, and the first error's message.
struct PngSource {
  std::string_view bytes;
  size_t at = 0;
  std::string error;
};

void OnError(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  if (source->error.empty()) source->error = message != nullptr ? message : "unknown error";
  png_longjmp(png, 1);
}
void OnWarning(png_structp, png_const_charp) {}

void OnRead(png_structp png, png_bytep out, size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (source->bytes.size() - source->at < length) png_error(png, "unexpected end of the PNG data");
  std::memcpy(out, source->bytes.data() + source->at, length);
  source->at += length;
}

// Owns libpng's read and info structures.
struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReader() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

// What ReadRows gives back: the raw rows and their layout, or why the image is refused.
struct RawImage {
  std::vector<uint8_t> rows;  // `row_bytes` per row
  size_t row_bytes = 0;
  uint32_t width = 0, height = 0;
  int color_type = 0, bit_depth = 0;
  int channels = 0;      // samples per pixel
  bool refused = false;  // a PNG kind not accepted, or too many pixels
};

// Samples per pixel of an accepted kind (palette of 1/2/4 bits: unpacked to a byte), else 0.
int AcceptedChannels(int color_type, int bit_depth) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
      return bit_depth == 8 || bit_depth == 16 ? 1 : 0;
    case PNG_COLOR_TYPE_PALETTE:
      return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return bit_depth == 8 ? 2 : 0;
    case PNG_COLOR_TYPE_RGB:
      return bit_depth == 8 ? 3 : 0;
    case PNG_COLOR_TYPE_RGB_ALPHA:
      return bit_depth == 8 ? 4 : 0;
    default:
      return 0;
  }
}

// Reads the whole image into `raw` after checking its kind and size. Runs under libpng's
// setjmp and creates no object with a destructor (everything lives in the caller's `raw`), so a
// longjmp out of libpng skips none; the error message is in the PngSource.
void ReadRows(const PngReader& r, int64_t max_pixels, RawImage& raw) {
  if (setjmp(png_jmpbuf(r.png))) return;
  png_set_user_limits(r.png, 1u << 24, 1u << 24);
  png_set_chunk_malloc_max(r.png, 8u << 20);
  png_read_info(r.png, r.info);
  int interlace = 0;
  png_get_IHDR(r.png, r.info, &raw.width, &raw.height, &raw.bit_depth, &raw.color_type, &interlace,
               nullptr, nullptr);
  raw.channels = AcceptedChannels(raw.color_type, raw.bit_depth);
  if (raw.channels == 0 || static_cast<int64_t>(raw.width) * raw.height > max_pixels) {
    raw.refused = true;
    return;
  }
  if (raw.color_type == PNG_COLOR_TYPE_PALETTE && raw.bit_depth < 8) png_set_packing(r.png);
  const int passes = png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  raw.row_bytes = png_get_rowbytes(r.png, r.info);
  const size_t sample_bytes = raw.bit_depth == 16 ? 2 : 1;
  if (raw.row_bytes != size_t{raw.width} * raw.channels * sample_bytes)
    png_error(r.png, "unexpected row size");
  raw.rows.assign(raw.row_bytes * raw.height, 0);
  for (int pass = 0; pass < passes; ++pass) {
    for (uint32_t y = 0; y < raw.height; ++y) {
      png_read_row(r.png, raw.rows.data() + y * raw.row_bytes, nullptr);
    }
  }
}

std::string RefusedReason(const RawImage& raw, int64_t max_pixels) {
  std::string why;
  if (raw.channels == 0) {
    why = "PNG kind not accepted: colour type ";
    why.append(std::to_string(raw.color_type)).append(" with ");
    why.append(std::to_string(raw.bit_depth)).append(" bits per sample");
    return why;
  }
  why = std::to_string(raw.width);
  why.append(" x ").append(std::to_string(raw.height)).append(" pixels, over the limit of ");
  why.append(std::to_string(max_pixels)).append(" (max_mask_pixels)");
  return why;
}

}  // namespace

Result<IndexImage> DecodeMaskPng(std::string_view bytes, int64_t max_pixels) {
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0) {
    return InvalidArgument("mask is not a PNG file");
  }
  PngSource source{.bytes = bytes};
  PngReader r;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, OnError, OnWarning);
  if (r.png == nullptr) return Internal("libpng: cannot create a read structure");
  r.info = png_create_info_struct(r.png);
  if (r.info == nullptr) return Internal("libpng: cannot create an info structure");
  png_set_read_fn(r.png, &source, OnRead);
  RawImage raw;
  ReadRows(r, max_pixels, raw);
  if (!source.error.empty()) return InvalidArgument("mask PNG: " + source.error);
  if (raw.refused) return InvalidArgument("mask PNG: " + RefusedReason(raw, max_pixels));
  IndexImage out{.width = raw.width, .height = raw.height, .pixels = {}};
  out.pixels.resize(static_cast<size_t>(out.size()));
  const bool wide = raw.bit_depth == 16;  // greyscale only: big-endian samples
  for (int64_t y = 0; y < out.height; ++y) {
    const uint8_t* row = raw.rows.data() + y * raw.row_bytes;
    uint16_t* dst = out.pixels.data() + y * out.width;
    for (int64_t x = 0; x < out.width; ++x) {
      dst[x] =
          wide ? static_cast<uint16_t>(row[2 * x] << 8 | row[2 * x + 1]) : row[x * raw.channels];
    }
  }
  return out;
}

}  // namespace nucleus::eval
