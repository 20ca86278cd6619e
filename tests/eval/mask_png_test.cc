// eval/mask_png: every accepted PNG kind decodes to the index the client's PIL + numpy reading
// gives (validate.md §8.5), refused kinds and hostile bytes give kInvalidArgument, never a crash.
#include "eval/mask_png.h"

#include <gtest/gtest.h>
#include <png.h>

#include <csetjmp>
#include <string>
#include <vector>

namespace nucleus::eval {
namespace {

// A PNG written by libpng: `samples` holds width × height × channels samples (16-bit ones as
// values up to 65535), row-major.
struct PngSpec {
  uint32_t width = 0, height = 0;
  int color_type = PNG_COLOR_TYPE_GRAY;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<png_color> palette;
};

void Append(png_structp png, png_bytep data, size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

std::vector<std::vector<png_byte>> PackRows(const PngSpec& spec, const std::vector<int>& samples) {
  const int channels = spec.color_type == PNG_COLOR_TYPE_RGB          ? 3
                       : spec.color_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                       : spec.color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                                      : 1;
  std::vector<std::vector<png_byte>> rows(spec.height);
  const size_t per_row = size_t{spec.width} * channels;
  for (uint32_t y = 0; y < spec.height; ++y) {
    std::vector<png_byte>& row = rows[y];
    row.assign((per_row * spec.bit_depth + 7) / 8, 0);
    for (size_t k = 0; k < per_row; ++k) {
      const int v = samples[y * per_row + k];
      if (spec.bit_depth == 16) {
        row[2 * k] = static_cast<png_byte>(v >> 8);
        row[2 * k + 1] = static_cast<png_byte>(v & 255);
      } else {
        const size_t bit = k * spec.bit_depth;
        row[bit / 8] |= static_cast<png_byte>(v << (8 - spec.bit_depth - bit % 8));
      }
    }
  }
  return rows;
}

std::string WritePng(const PngSpec& spec, const std::vector<int>& samples) {
  std::vector<std::vector<png_byte>> rows = PackRows(spec, samples);
  std::vector<png_bytep> pointers;
  for (auto& r : rows) pointers.push_back(r.data());
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return "";
  }
  png_set_write_fn(png, &out, Append, nullptr);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) {
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  }
  png_set_rows(png, info, pointers.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::vector<uint16_t> Pixels(const std::string& png) {
  auto image = DecodeMaskPng(png, 1 << 20);
  EXPECT_TRUE(image.ok()) << image.status().message();
  return image.ok() ? image->pixels : std::vector<uint16_t>();
}

TEST(MaskPng, GreyscaleSamplesAreTheIndexes) {
  std::string png = WritePng({.width = 3, .height = 2}, {0, 1, 2, 3, 254, 255});
  auto image = DecodeMaskPng(png, 100);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->width, 3);
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->pixels, (std::vector<uint16_t>{0, 1, 2, 3, 254, 255}));
  EXPECT_EQ(Pixels(WritePng({.width = 2, .height = 2, .bit_depth = 16}, {0, 300, 65535, 7})),
            (std::vector<uint16_t>{0, 300, 65535, 7}));
}

TEST(MaskPng, PaletteIndexesNotColours) {
  std::vector<png_color> palette(16, png_color{200, 100, 50});
  PngSpec spec{.width = 5,
               .height = 1,
               .color_type = PNG_COLOR_TYPE_PALETTE,
               .bit_depth = 4,
               .palette = palette};
  EXPECT_EQ(Pixels(WritePng(spec, {0, 15, 3, 7, 1})), (std::vector<uint16_t>{0, 15, 3, 7, 1}));
  spec.bit_depth = 8;
  spec.palette.resize(256, png_color{1, 2, 3});
  EXPECT_EQ(Pixels(WritePng(spec, {9, 200, 3, 0, 255})),
            (std::vector<uint16_t>{9, 200, 3, 0, 255}));
  spec.bit_depth = 1;
  spec.palette.resize(2);
  EXPECT_EQ(Pixels(WritePng(spec, {1, 0, 1, 1, 0})), (std::vector<uint16_t>{1, 0, 1, 1, 0}));
}

TEST(MaskPng, ColourTakesTheFirstChannel) {
  EXPECT_EQ(Pixels(WritePng({.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_RGB},
                            {4, 9, 9, 5, 0, 0})),
            (std::vector<uint16_t>{4, 5}));
  EXPECT_EQ(Pixels(WritePng({.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_RGB_ALPHA},
                            {4, 9, 9, 255, 6, 0, 0, 0})),
            (std::vector<uint16_t>{4, 6}));
  EXPECT_EQ(Pixels(WritePng({.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA},
                            {3, 255, 8, 0})),
            (std::vector<uint16_t>{3, 8}));
}

TEST(MaskPng, InterlacedImagesDecodeInPlace) {
  std::vector<int> samples;
  for (int k = 0; k < 11 * 9; ++k) samples.push_back(k % 7);
  std::vector<uint16_t> expected(samples.begin(), samples.end());
  EXPECT_EQ(Pixels(WritePng({.width = 11, .height = 9, .interlaced = true}, samples)), expected);
}

TEST(MaskPng, RefusedKindsNameThemselves) {
  auto low = DecodeMaskPng(WritePng({.width = 2, .height = 1, .bit_depth = 4}, {1, 2}), 100);
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(low.status().message(),
            "mask PNG: PNG kind not accepted: colour type 0 with 4 bits per sample");
  auto wide = DecodeMaskPng(
      WritePng({.width = 1, .height = 1, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 16},
               {1, 2, 3}),
      100);
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.status().message().find("colour type 2 with 16 bits"), std::string::npos);
}

TEST(MaskPng, PixelCapIsCheckedBeforeDecoding) {
  std::string png = WritePng({.width = 10, .height = 10}, std::vector<int>(100, 1));
  EXPECT_TRUE(DecodeMaskPng(png, 100).ok());
  auto over = DecodeMaskPng(png, 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "mask PNG: 10 x 10 pixels, over the limit of 99 (max_mask_pixels)");
}

TEST(MaskPng, HostileBytesAreErrorsNotCrashes) {
  std::string png = WritePng({.width = 8, .height = 8}, std::vector<int>(64, 3));
  EXPECT_EQ(DecodeMaskPng("", 100).status().message(), "mask is not a PNG file");
  EXPECT_EQ(DecodeMaskPng("GIF89a....", 100).status().message(), "mask is not a PNG file");
  // Every truncation inside the header or the pixel data (the trailer after the last pixel row,
  // the stream's checksums and IEND, is not needed to read the pixels, as for PIL).
  for (size_t cut = 8; cut + 20 < png.size(); ++cut) {
    auto r = DecodeMaskPng(std::string_view(png).substr(0, cut), 100);
    EXPECT_FALSE(r.ok()) << cut;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  std::string bad_crc = png;
  bad_crc[30] = static_cast<char>(bad_crc[30] ^ 0x55);  // inside IHDR
  auto crc = DecodeMaskPng(bad_crc, 100);
  ASSERT_FALSE(crc.ok());
  EXPECT_EQ(crc.status().code(), StatusCode::kInvalidArgument);
  // A header claiming a huge image is refused by its size, before any pixel buffer.
  std::string huge = WritePng({.width = 1, .height = 1}, {0});
  huge[16] = 0x00, huge[17] = 0x10;  // width 1 -> 0x00100001 (CRC now wrong: refused either way)
  EXPECT_FALSE(DecodeMaskPng(huge, 1 << 20).ok());
}

}  // namespace
}  // namespace nucleus::eval
