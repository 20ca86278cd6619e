// Fuzzes the body decoders (src/server/http_parser.h): the chunked decoder fed in two pieces and
// the content decoders (gzip, deflate, br) under a 1 MiB output limit. The first byte picks the
// decoder and the split point; decoded output must never pass the limit.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nucleus;
  using namespace nucleus::server;
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode % 4 == 0) {
    ChunkedDecoder dec;
    size_t split = in.empty() ? 0 : (mode / 4) % (in.size() + 1);
    size_t total_out = 0;
    auto out = [&](std::string_view p) {
      total_out += p.size();
      return Status::Ok();
    };
    Result<size_t> a = dec.Feed(in.substr(0, split), out);
    if (!a.ok()) return 0;
    if (*a > split) std::abort();
    if (dec.done()) return 0;
    Result<size_t> b = dec.Feed(in.substr(split), out);
    if (b.ok() && *b > in.size() - split) std::abort();
    if (total_out > in.size()) std::abort();  // chunked data is never longer than its input
    return 0;
  }
  const BodyFraming::Coding coding = mode % 4 == 1   ? BodyFraming::Coding::kGzip
                                     : mode % 4 == 2 ? BodyFraming::Coding::kDeflate
                                                     : BodyFraming::Coding::kBrotli;
  constexpr uint64_t kLimit = 1 << 20;
  auto dec = ContentDecoder::Make(coding, kLimit);
  if (!dec.ok()) std::abort();
  uint64_t total = 0;
  size_t split = in.size() / 2;
  auto out = [&](std::string_view p) {
    total += p.size();
    if (total > kLimit || p.size() > (64 << 10)) std::abort();
    return Status::Ok();
  };
  if (!(*dec)->Feed(in.substr(0, split), out).ok()) return 0;
  if (!(*dec)->Feed(in.substr(split), out).ok()) return 0;
  (void)(*dec)->Finish();
  return 0;
}
