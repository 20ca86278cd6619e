#include <charconv>
#include <string_view>

#include "store/predictions.h"

namespace nucleus::store {

bool ScanPayloadBox(std::string_view payload, PredictionBox* box) {
  constexpr std::string_view kKey = "\"geometry\":{";
  size_t at = payload.find(kKey);
  if (at == std::string_view::npos) return false;
  const char* p = payload.data() + at + kKey.size();
  const char* end = payload.data() + payload.size();
  int seen = 0;
  while (p < end && *p == '"') {
    const char* key = ++p;
    while (p < end && *p != '"') ++p;
    std::string_view name(key, static_cast<size_t>(p - key));
    if (p + 1 >= end || p[1] != ':') return false;
    p += 2;
    double v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) return false;
    p = next;
    if (name == "x") {
      box->x = v, seen |= 1;
    } else if (name == "y") {
      box->y = v, seen |= 2;
    } else if (name == "width") {
      box->width = v, seen |= 4;
    } else if (name == "height") {
      box->height = v, seen |= 8;
    } else {
      return false;
    }
    if (p < end && *p == ',') ++p;
  }
  return p < end && *p == '}' && seen == 15;
}

}  // namespace nucleus::store
