// The HTTP/1.x pieces the front end parses itself: the request head, chunked framing, content
// codings (gzip, deflate, br) and multipart/form-data. Pure functions and small state machines:
// no sockets, no threads, no allocation beyond what they hand back, so each is fuzzed on its own
// (tests/fuzz/). Every limit is a parameter; exceeding one is a Status the front end maps to
// 4xx, never undefined behaviour or unbounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nucleus/result.h"
#include "nucleus/status.h"

namespace nucleus::server {

struct HeadLimits {
  size_t max_head_bytes = 64 * 1024;  // request line + headers + blank line (431 beyond)
  size_t max_target_bytes = 16 * 1024;  // the request target (414 beyond)
  size_t max_headers = 128;  // header fields (431 beyond)
};

struct RequestHead {
  std::string method;
  std::string target;  // as sent: path plus query, still percent-encoded
  int version_minor = 1;  // HTTP/1.<minor>
  // Names lower-cased, values with surrounding whitespace trimmed, in the order sent.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first value of a header (name in lower case), or nullptr.
  const std::string* Find(std::string_view lower_name) const;
};

// How a request's body is framed, decided from its head (RFC 9112 §6).
struct BodyFraming {
  enum class Kind { kNone, kLength, kChunked };
  Kind kind = Kind::kNone;
  uint64_t length = 0;  // kLength
  enum class Coding { kIdentity, kGzip, kDeflate, kBrotli };
  Coding coding = Coding::kIdentity;  // Content-Encoding
  bool expect_continue = false;  // "Expect: 100-continue"
  bool keep_alive = true;  // the client's wish (Connection header and version)
};

enum class HeadParse { kIncomplete, kComplete, kError };

// Parses a request head at the start of `buffer`. kComplete: `*consumed` is the head's length
// (the body, if any, starts there). kIncomplete: more bytes are needed (the caller still checks
// its own deadline); a buffer already longer than the limits is an error, not incomplete.
// kError: `*error` holds the HTTP status (400, 414, 431, 505) and a message. Accepts CRLF and
// bare LF line ends; refuses obsolete line folding, control characters and spaces in names.
HeadParse ParseRequestHead(std::string_view buffer, const HeadLimits& limits, RequestHead* head,
                           size_t* consumed, std::pair<int, std::string>* error);

// Decides framing from a parsed head. Errors (status, message): both Content-Length and
// Transfer-Encoding, conflicting or malformed Content-Length, a transfer coding other than a
// final "chunked" (501), an unknown content coding (415).
bool DecideFraming(const RequestHead& head, BodyFraming* framing,
                   std::pair<int, std::string>* error);

// Incremental decoder of the chunked transfer coding. Feed() takes raw bytes, hands the chunk
// data to `out` and reports how many input bytes it used; once done() the rest of the input
// (after the trailer section) belongs to the next request. Chunk-size lines and trailers are
// bounded (a chunk-size line of 1 KiB, trailers of 16 KiB), sizes are checked for overflow.
class ChunkedDecoder {
 public:
  // Returns the number of bytes of `in` consumed; an error is InvalidArgument.
  Result<size_t> Feed(std::string_view in, const std::function<Status(std::string_view)>& out);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kSizeExt, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kDone };
  // One byte of a size line, the CRLF after chunk data or the trailer section (any state but
  // kData and kDone).
  Status Step(char c);
  Status SizeChar(char c);  // a byte in State::kSize
  void EndSizeLine();  // after a size line's LF: data, or the trailer after the last chunk
  void StartSizeLine();  // after a chunk's data and its line end
  State state_ = State::kSize;
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  size_t line_bytes_ = 0;  // length of the current size line or trailer section so far
  bool size_digits_ = false;  // saw at least one hex digit
  bool trailer_line_empty_ = true;  // the current trailer line has no bytes yet
};

// Incremental content decoder (Content-Encoding). Output is handed to `out` in pieces of at most
// 64 KiB; Feed() stops with PayloadTooLarge as soon as the decoded total would pass
// `max_output` (a compression bomb costs at most one piece of memory).
class ContentDecoder {
 public:
  static Result<std::unique_ptr<ContentDecoder>> Make(BodyFraming::Coding coding,
                                                      uint64_t max_output);
  virtual ~ContentDecoder() = default;
  virtual Status Feed(std::string_view in, const std::function<Status(std::string_view)>& out) = 0;
  // After the last Feed: the stream must have ended cleanly.
  virtual Status Finish() = 0;
  uint64_t decoded() const { return decoded_; }

 protected:
  explicit ContentDecoder(uint64_t max_output) : max_output_(max_output) {}
  Status Emit(std::string_view piece, const std::function<Status(std::string_view)>& out);
  uint64_t max_output_;
  uint64_t decoded_ = 0;
};

// One part of a multipart/form-data body. Views into the body passed to ParseMultipart.
struct MultipartPart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string_view content;
};

struct MultipartLimits {
  size_t max_parts = 100000;
  size_t max_part_head_bytes = 16 * 1024;
};

// The boundary parameter of a multipart/form-data Content-Type, or an error.
Result<std::string> MultipartBoundary(std::string_view content_type);

// Splits a whole multipart body (RFC 7578) into parts. Content is not copied.
Status ParseMultipart(std::string_view body, std::string_view boundary,
                      const MultipartLimits& limits, std::vector<MultipartPart>* parts);

}  // namespace nucleus::server
