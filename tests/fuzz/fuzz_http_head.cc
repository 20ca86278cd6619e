// Fuzzes the request-head parser and the framing decision (src/server/http_parser.h): any bytes
// give kIncomplete, kComplete with a consumed length inside the input, or an error status.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nucleus::server;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  HeadLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_target_bytes = 1024;
  limits.max_headers = 32;
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  HeadParse r = ParseRequestHead(in, limits, &head, &consumed, &error);
  if (r == HeadParse::kComplete) {
    if (consumed == 0 || consumed > size) std::abort();
    if (head.headers.size() > limits.max_headers) std::abort();
    BodyFraming framing;
    if (!DecideFraming(head, &framing, &error) && (error.first < 400 || error.first > 599)) {
      std::abort();
    }
  } else if (r == HeadParse::kError) {
    if (error.first < 400 || error.first > 599 || error.second.empty()) std::abort();
  }
  return 0;
}
