// libFuzzer target: stored segmentation masks (eval/mask_png.h), which are bytes a client sent.
// Input: the PNG bytes. Checks, beyond "no crash / no UB / no leak" (libpng's longjmp errors
// included): a decoded image has width × height pixels within the cap; a refused one is
// kInvalidArgument.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/mask_png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kMaxPixels = 1 << 16;  // keeps each run small
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto image = nucleus::eval::DecodeMaskPng(bytes, kMaxPixels);
  if (!image.ok()) {
    if (image.status().code() != nucleus::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (image->size() > kMaxPixels || image->pixels.size() != static_cast<size_t>(image->size())) {
    std::abort();
  }
  return 0;
}
