// Fuzzes the multipart/form-data reader (src/server/http_parser.h). The input's first line is
// the Content-Type header value; the rest is the body. Parts must be views inside the body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nucleus::server;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto boundary = MultipartBoundary(in.substr(0, nl));
  if (!boundary.ok()) return 0;
  std::string_view body = in.substr(nl + 1);
  MultipartLimits limits;
  limits.max_parts = 64;
  std::vector<MultipartPart> parts;
  (void)ParseMultipart(body, *boundary, limits, &parts);
  if (parts.size() > limits.max_parts) std::abort();
  for (const MultipartPart& p : parts) {
    if (!p.content.empty() &&
        (p.content.data() < body.data() || p.content.data() + p.content.size() > body.data() + body.size())) {
      std::abort();
    }
  }
  return 0;
}
