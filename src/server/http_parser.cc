#include "server/http_parser.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace nucleus::server {
namespace {

constexpr size_t kChunkLineMax = 1024;
constexpr size_t kTrailerMax = 16 * 1024;
constexpr size_t kDecodePiece = 64 * 1024;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsTokenChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// Comma-separated list elements, trimmed, empty ones skipped.
std::vector<std::string_view> ListElements(std::string_view value) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view e = Trim(value.substr(start, comma - start));
    if (!e.empty()) out.push_back(e);
    start = comma + 1;
  }
  return out;
}

HeadParse Fail(std::pair<int, std::string>* error, int status, std::string message) {
  *error = {status, std::move(message)};
  return HeadParse::kError;
}

HeadParse FailHeadTooLarge(std::pair<int, std::string>* error, const HeadLimits& limits) {
  return Fail(error, 431, "request head is larger than " +
                              std::to_string(limits.max_head_bytes) + " bytes");
}

// No line end yet after `pos`: incomplete, unless the buffer is already past a limit.
HeadParse UnendedRequestLine(std::string_view buffer, size_t pos, const HeadLimits& limits,
                             std::pair<int, std::string>* error) {
  if (buffer.size() - pos > limits.max_target_bytes + 32) {
    // Whether the target or the method is long, the line is: name the likely culprit.
    size_t sp = buffer.find(' ', pos);
    if (sp != std::string_view::npos && sp - pos <= 32) {
      return Fail(error, 414, "request target is longer than " +
                                  std::to_string(limits.max_target_bytes) + " bytes");
    }
    return Fail(error, 400, "malformed request line");
  }
  if (buffer.size() > limits.max_head_bytes) return FailHeadTooLarge(error, limits);
  return HeadParse::kIncomplete;
}

// The request line (without its line end) into out's method, target and version: kComplete or
// kError.
HeadParse ParseRequestLine(std::string_view line, const HeadLimits& limits, RequestHead* out,
                           std::pair<int, std::string>* error) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return Fail(error, 400, "malformed request line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return Fail(error, 400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method) {
    if (!IsTokenChar(c)) return Fail(error, 400, "malformed request method");
  }
  if (target.size() > limits.max_target_bytes) {
    return Fail(error, 414, "request target is longer than " +
                                std::to_string(limits.max_target_bytes) + " bytes");
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Fail(error, 400, "request target has a control character or space");
    }
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.") {
    if (version.size() == 8 && version.substr(0, 5) == "HTTP/") {
      return Fail(error, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
    }
    return Fail(error, 400, "malformed HTTP version");
  }
  if (version[7] != '0' && version[7] != '1') {
    return Fail(error, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  out->method.assign(method);
  out->target.assign(target);
  out->version_minor = version[7] - '0';
  return HeadParse::kComplete;
}

// One header field line (non-empty, without its line end) appended to out->headers: kComplete
// or kError.
HeadParse ParseHeaderField(std::string_view field, const HeadLimits& limits, RequestHead* out,
                           std::pair<int, std::string>* error) {
  if (field.front() == ' ' || field.front() == '\t') {
    return Fail(error, 400, "obsolete header line folding is not accepted");
  }
  if (out->headers.size() >= limits.max_headers) {
    return Fail(error, 431, "request has more than " + std::to_string(limits.max_headers) +
                                " header fields");
  }
  size_t colon = field.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Fail(error, 400, "malformed header field");
  }
  std::string_view name = field.substr(0, colon);
  for (char c : name) {
    if (!IsTokenChar(c)) return Fail(error, 400, "malformed header field name");
  }
  std::string_view value = Trim(field.substr(colon + 1));
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return Fail(error, 400, "header field value has a control character");
    }
  }
  out->headers.emplace_back(LowerCopy(name), std::string(value));
  return HeadParse::kComplete;
}

// The header fields from `pos` up to the empty line; on kComplete *out moves to *head and
// *consumed is the head's length.
HeadParse ParseHeaderFields(std::string_view buffer, size_t pos, const HeadLimits& limits,
                            RequestHead* out, RequestHead* head, size_t* consumed,
                            std::pair<int, std::string>* error) {
  while (true) {
    if (pos > limits.max_head_bytes) return FailHeadTooLarge(error, limits);
    size_t line_end = buffer.find('\n', pos);
    if (line_end == std::string_view::npos) {
      if (buffer.size() > limits.max_head_bytes) return FailHeadTooLarge(error, limits);
      return HeadParse::kIncomplete;
    }
    if (line_end + 1 > limits.max_head_bytes) return FailHeadTooLarge(error, limits);
    std::string_view field = buffer.substr(pos, line_end - pos);
    pos = line_end + 1;
    if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    if (field.empty()) break;
    if (HeadParse r = ParseHeaderField(field, limits, out, error); r != HeadParse::kComplete) {
      return r;
    }
  }
  *head = std::move(*out);
  *consumed = pos;
  return HeadParse::kComplete;
}

// The header fields DecideFraming looks at, gathered in one pass.
struct FramingFields {
  const std::string* length = nullptr;
  const std::string* transfer = nullptr;
  std::string codings;  // every Content-Encoding value, comma-joined
  bool close = false;
  bool keep_alive = false;
};

// Gathers `f` (and out->expect_continue) in header order; repeated framing headers and an
// unsupported Expect are errors.
bool ScanFramingFields(const RequestHead& head, FramingFields* f, BodyFraming* out,
                       std::pair<int, std::string>* error) {
  for (const auto& [name, value] : head.headers) {
    if (name == "content-length") {
      if (f->length != nullptr && *f->length != value) {
        *error = {400, "conflicting Content-Length headers"};
        return false;
      }
      f->length = &value;
    } else if (name == "transfer-encoding") {
      if (f->transfer != nullptr) {
        *error = {501, "more than one Transfer-Encoding header"};
        return false;
      }
      f->transfer = &value;
    } else if (name == "content-encoding") {
      if (!f->codings.empty()) f->codings += ',';
      f->codings += value;
    } else if (name == "connection") {
      for (std::string_view e : ListElements(value)) {
        if (EqualsIgnoreCase(e, "close")) f->close = true;
        if (EqualsIgnoreCase(e, "keep-alive")) f->keep_alive = true;
      }
    } else if (name == "expect") {
      if (!EqualsIgnoreCase(Trim(value), "100-continue")) {
        *error = {417, "only \"Expect: 100-continue\" is supported"};
        return false;
      }
      out->expect_continue = true;
    }
  }
  return true;
}

// out->kind and out->length from Content-Length / Transfer-Encoding (either may be null).
bool DecideBodyKind(const std::string* length, const std::string* transfer, BodyFraming* out,
                    std::pair<int, std::string>* error) {
  if (length != nullptr && transfer != nullptr) {
    *error = {400, "a request cannot have both Content-Length and Transfer-Encoding"};
    return false;
  }
  if (transfer != nullptr) {
    std::vector<std::string_view> list = ListElements(*transfer);
    if (list.size() != 1 || !EqualsIgnoreCase(list[0], "chunked")) {
      *error = {501, "the only transfer coding supported is \"chunked\""};
      return false;
    }
    out->kind = BodyFraming::Kind::kChunked;
  } else if (length != nullptr) {
    std::string_view digits = Trim(*length);
    if (digits.empty() || digits.size() > 19) {
      *error = {400, "malformed Content-Length"};
      return false;
    }
    uint64_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') {
        *error = {400, "malformed Content-Length"};
        return false;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');  // 19 digits cannot overflow
    }
    out->length = n;
    out->kind = n == 0 ? BodyFraming::Kind::kNone : BodyFraming::Kind::kLength;
  }
  return true;
}

// out->coding from the joined Content-Encoding values: at most one known coding.
bool DecideCoding(std::string_view codings, BodyFraming* out,
                  std::pair<int, std::string>* error) {
  std::vector<std::string_view> list = ListElements(codings);
  if (list.size() > 1) {
    *error = {415, "only one content coding is supported"};
    return false;
  }
  if (!list.empty()) {
    std::string_view c = list[0];
    if (EqualsIgnoreCase(c, "gzip") || EqualsIgnoreCase(c, "x-gzip")) {
      out->coding = BodyFraming::Coding::kGzip;
    } else if (EqualsIgnoreCase(c, "deflate")) {
      out->coding = BodyFraming::Coding::kDeflate;
    } else if (EqualsIgnoreCase(c, "br")) {
      out->coding = BodyFraming::Coding::kBrotli;
    } else if (!EqualsIgnoreCase(c, "identity")) {
      *error = {415, "unsupported Content-Encoding \"" + std::string(c) +
                         "\" (gzip, deflate, br or identity)"};
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string* RequestHead::Find(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HeadParse ParseRequestHead(std::string_view buffer, const HeadLimits& limits, RequestHead* head,
                           size_t* consumed, std::pair<int, std::string>* error) {
  // Tolerate empty lines before the request line (RFC 9112 §2.2), but only a few.
  size_t pos = 0;
  while (pos < buffer.size() && pos < 8 && (buffer[pos] == '\r' || buffer[pos] == '\n')) ++pos;

  size_t line_end = buffer.find('\n', pos);
  if (line_end == std::string_view::npos) return UnendedRequestLine(buffer, pos, limits, error);
  std::string_view line = buffer.substr(pos, line_end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  RequestHead out;
  if (HeadParse r = ParseRequestLine(line, limits, &out, error); r != HeadParse::kComplete) {
    return r;
  }
  return ParseHeaderFields(buffer, line_end + 1, limits, &out, head, consumed, error);
}

bool DecideFraming(const RequestHead& head, BodyFraming* framing,
                   std::pair<int, std::string>* error) {
  BodyFraming out;
  FramingFields f;
  if (!ScanFramingFields(head, &f, &out, error)) return false;
  out.keep_alive = head.version_minor == 1 ? !f.close : (f.keep_alive && !f.close);
  if (!DecideBodyKind(f.length, f.transfer, &out, error)) return false;
  if (!DecideCoding(f.codings, &out, error)) return false;
  *framing = out;
  return true;
}

// ---- chunked ----------------------------------------------------------------------------------

Result<size_t> ChunkedDecoder::Feed(std::string_view in,
                                    const std::function<Status(std::string_view)>& out) {
  size_t i = 0;
  while (i < in.size() && state_ != State::kDone) {
    if (state_ == State::kData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - i));
      NUCLEUS_RETURN_IF_ERROR(out(in.substr(i, take)));
      remaining_ -= take;
      i += take;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    NUCLEUS_RETURN_IF_ERROR(Step(in[i]));
    ++i;
  }
  return i;
}

Status ChunkedDecoder::Step(char c) {
  switch (state_) {
    case State::kSize:
      return SizeChar(c);
    case State::kSizeExt:
      if (c == '\n') {
        EndSizeLine();
      } else if (c == '\r') {
        state_ = State::kSizeLf;
      }
      if (state_ == State::kSizeExt && ++line_bytes_ > kChunkLineMax) {
        return InvalidArgument("chunk size line too long");
      }
      return Status::Ok();
    case State::kSizeLf:
      if (c != '\n') return InvalidArgument("malformed chunk size line");
      EndSizeLine();
      return Status::Ok();
    case State::kDataCr:
      if (c == '\r') {
        state_ = State::kDataLf;
        return Status::Ok();
      }
      if (c != '\n') return InvalidArgument("chunk data is longer than its size");
      StartSizeLine();
      return Status::Ok();
    case State::kDataLf:
      if (c != '\n') return InvalidArgument("chunk data is longer than its size");
      StartSizeLine();
      return Status::Ok();
    case State::kTrailer:
      // Trailer fields are read and dropped; an empty line ends the body.
      if (++line_bytes_ > kTrailerMax) return InvalidArgument("chunked trailer too long");
      if (c == '\n') {
        if (trailer_line_empty_) state_ = State::kDone;
        trailer_line_empty_ = true;
      } else if (c != '\r') {
        trailer_line_empty_ = false;
      }
      return Status::Ok();
    case State::kData:  // Feed() hands data over itself
    case State::kDone:
      break;
  }
  return Status::Ok();
}

Status ChunkedDecoder::SizeChar(char c) {
  int digit = -1;
  if (c >= '0' && c <= '9') digit = c - '0';
  if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
  if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
  if (digit >= 0) {
    if (remaining_ > (UINT64_MAX >> 4)) return InvalidArgument("chunk size overflows");
    remaining_ = (remaining_ << 4) | static_cast<uint64_t>(digit);
    size_digits_ = true;
  } else if (c == ';' || c == ' ' || c == '\t') {
    if (!size_digits_) return InvalidArgument("malformed chunk size");
    state_ = State::kSizeExt;
  } else if (c == '\r') {
    if (!size_digits_) return InvalidArgument("malformed chunk size");
    state_ = State::kSizeLf;
  } else if (c == '\n') {
    if (!size_digits_) return InvalidArgument("malformed chunk size");
    EndSizeLine();
  } else {
    return InvalidArgument("malformed chunk size");
  }
  if (++line_bytes_ > kChunkLineMax) return InvalidArgument("chunk size line too long");
  return Status::Ok();
}

void ChunkedDecoder::EndSizeLine() {
  state_ = remaining_ == 0 ? State::kTrailer : State::kData;
  line_bytes_ = 0;
  trailer_line_empty_ = true;
}

void ChunkedDecoder::StartSizeLine() {
  state_ = State::kSize;
  size_digits_ = false;
  line_bytes_ = 0;
}

// ---- content codings --------------------------------------------------------------------------

Status ContentDecoder::Emit(std::string_view piece,
                            const std::function<Status(std::string_view)>& out) {
  if (piece.empty()) return Status::Ok();
  if (piece.size() > max_output_ - std::min(max_output_, decoded_)) {
    return PayloadTooLarge("request body is larger than the limit of " +
                           std::to_string(max_output_) + " bytes once decoded");
  }
  decoded_ += piece.size();
  return out(piece);
}

namespace {

class IdentityDecoder final : public ContentDecoder {
 public:
  explicit IdentityDecoder(uint64_t max_output) : ContentDecoder(max_output) {}
  Status Feed(std::string_view in, const std::function<Status(std::string_view)>& out) override {
    return Emit(in, out);
  }
  Status Finish() override { return Status::Ok(); }
};

class ZlibDecoder final : public ContentDecoder {
 public:
  ZlibDecoder(uint64_t max_output, bool gzip) : ContentDecoder(max_output) {
    std::memset(&zs_, 0, sizeof(zs_));
    // gzip: 16 + 15 (gzip header only); deflate: 32 + 15 detects a zlib header, and raw deflate
    // (which some clients send as "deflate") is retried below.
    ok_ = inflateInit2(&zs_, gzip ? 16 + MAX_WBITS : 32 + MAX_WBITS) == Z_OK;
    gzip_ = gzip;
  }
  ~ZlibDecoder() override {
    if (ok_) inflateEnd(&zs_);
  }
  Status Feed(std::string_view in, const std::function<Status(std::string_view)>& out) override {
    if (!ok_) return Internal("cannot start the zlib decoder");
    if (ended_) {
      return in.empty() ? Status::Ok() : InvalidArgument("data after the end of the compressed body");
    }
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    std::array<char, kDecodePiece> buf;
    while (zs_.avail_in > 0 || !drained_) {
      zs_.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs_.avail_out = static_cast<uInt>(buf.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_DATA_ERROR && !gzip_ && !tried_raw_ && zs_.total_out == 0) {
        // "deflate" without the zlib wrapper: start again as raw deflate.
        tried_raw_ = true;
        inflateEnd(&zs_);
        std::memset(&zs_, 0, sizeof(zs_));
        ok_ = inflateInit2(&zs_, -MAX_WBITS) == Z_OK;
        if (!ok_) return Internal("cannot start the zlib decoder");
        zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        zs_.avail_in = static_cast<uInt>(in.size());
        continue;
      }
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return InvalidArgument("the request body is not valid " +
                               std::string(gzip_ ? "gzip" : "deflate") + " data");
      }
      size_t produced = buf.size() - zs_.avail_out;
      NUCLEUS_RETURN_IF_ERROR(Emit(std::string_view(buf.data(), produced), out));
      drained_ = zs_.avail_out != 0;  // inflate had no more output for the input it has
      if (rc == Z_STREAM_END) {
        ended_ = true;
        if (zs_.avail_in != 0) return InvalidArgument("data after the end of the compressed body");
        return Status::Ok();
      }
      if (rc == Z_BUF_ERROR && zs_.avail_in == 0) break;
    }
    return Status::Ok();
  }
  Status Finish() override {
    if (!ended_) return InvalidArgument("the compressed request body is truncated");
    return Status::Ok();
  }

 private:
  z_stream zs_;
  bool ok_ = false;
  bool gzip_ = false;
  bool tried_raw_ = false;
  bool ended_ = false;
  bool drained_ = true;
};

class BrotliDecoder final : public ContentDecoder {
 public:
  explicit BrotliDecoder(uint64_t max_output)
      : ContentDecoder(max_output),
        state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliDecoder() override {
    if (state_ != nullptr) BrotliDecoderDestroyInstance(state_);
  }
  Status Feed(std::string_view in, const std::function<Status(std::string_view)>& out) override {
    if (state_ == nullptr) return Internal("cannot start the brotli decoder");
    if (ended_) {
      return in.empty() ? Status::Ok() : InvalidArgument("data after the end of the compressed body");
    }
    size_t avail_in = in.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    std::array<char, kDecodePiece> buf;
    while (true) {
      size_t avail_out = buf.size();
      auto* next_out = reinterpret_cast<uint8_t*>(buf.data());
      BrotliDecoderResult rc = BrotliDecoderDecompressStream(state_, &avail_in, &next_in,
                                                             &avail_out, &next_out, nullptr);
      if (rc == BROTLI_DECODER_RESULT_ERROR) {
        return InvalidArgument("the request body is not valid brotli data");
      }
      NUCLEUS_RETURN_IF_ERROR(Emit(std::string_view(buf.data(), buf.size() - avail_out), out));
      if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
        ended_ = true;
        if (avail_in != 0) return InvalidArgument("data after the end of the compressed body");
        return Status::Ok();
      }
      if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return Status::Ok();
      // NEEDS_MORE_OUTPUT: loop with a fresh buffer.
    }
  }
  Status Finish() override {
    if (!ended_) return InvalidArgument("the compressed request body is truncated");
    return Status::Ok();
  }

 private:
  BrotliDecoderState* state_;
  bool ended_ = false;
};

}  // namespace

Result<std::unique_ptr<ContentDecoder>> ContentDecoder::Make(BodyFraming::Coding coding,
                                                             uint64_t max_output) {
  switch (coding) {
    case BodyFraming::Coding::kIdentity:
      return std::unique_ptr<ContentDecoder>(new IdentityDecoder(max_output));
    case BodyFraming::Coding::kGzip:
      return std::unique_ptr<ContentDecoder>(new ZlibDecoder(max_output, /*gzip=*/true));
    case BodyFraming::Coding::kDeflate:
      return std::unique_ptr<ContentDecoder>(new ZlibDecoder(max_output, /*gzip=*/false));
    case BodyFraming::Coding::kBrotli:
      return std::unique_ptr<ContentDecoder>(new BrotliDecoder(max_output));
  }
  return Internal("unknown content coding");
}

// ---- multipart --------------------------------------------------------------------------------

namespace {

// The value of parameter `key` in a header value such as `form-data; name="a"; filename="b"`.
// Quoted strings may contain ';' and backslash escapes.
bool HeaderParam(std::string_view value, std::string_view key, std::string* out) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return false;
    std::string_view name = Trim(value.substr(i, eq - i));
    size_t j = eq + 1;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    std::string parsed;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        parsed += value[j++];
      }
      if (j >= value.size()) return false;  // unterminated quote
      ++j;
      size_t semi = value.find(';', j);
      i = semi;
    } else {
      size_t semi = value.find(';', j);
      parsed.assign(Trim(value.substr(j, semi == std::string_view::npos ? std::string_view::npos
                                                                         : semi - j)));
      i = semi;
    }
    if (EqualsIgnoreCase(name, key)) {
      *out = std::move(parsed);
      return true;
    }
  }
  return false;
}

// A part's header lines (CRLF-separated, without the empty line) into part->name, filename and
// content_type; a Content-Disposition with a name is required.
Status ParsePartHeaders(std::string_view head, MultipartPart* part) {
  bool has_disposition = false;
  size_t line_start = 0;
  while (line_start < head.size()) {
    size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos) line_end = head.size();
    std::string_view line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return InvalidArgument("malformed multipart header");
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-disposition")) {
      has_disposition = true;
      if (!HeaderParam(value, "name", &part->name)) {
        return InvalidArgument("multipart part has no name");
      }
      HeaderParam(value, "filename", &part->filename);
    } else if (EqualsIgnoreCase(name, "content-type")) {
      part->content_type.assign(value);
    }
  }
  if (!has_disposition) return InvalidArgument("multipart part has no Content-Disposition");
  return Status::Ok();
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view type = Trim(content_type.substr(0, semi));
  if (!EqualsIgnoreCase(type, "multipart/form-data")) {
    return InvalidArgument("Content-Type is not multipart/form-data");
  }
  std::string boundary;
  if (!HeaderParam(content_type, "boundary", &boundary) || boundary.empty() ||
      boundary.size() > 200) {
    return InvalidArgument("multipart/form-data needs a boundary of 1 to 200 characters");
  }
  return boundary;
}

Status ParseMultipart(std::string_view body, std::string_view boundary,
                      const MultipartLimits& limits, std::vector<MultipartPart>* parts) {
  if (boundary.empty()) return InvalidArgument("empty multipart boundary");
  const std::string dash = "--" + std::string(boundary);
  // The first delimiter may be preceded by a preamble; later ones follow a CRLF.
  size_t pos = body.find(dash);
  if (pos == std::string_view::npos) return InvalidArgument("multipart body has no boundary");
  if (pos != 0 && body[pos - 1] != '\n') {
    return InvalidArgument("multipart boundary does not start a line");
  }
  pos += dash.size();
  const std::string delimiter = "\r\n" + dash;
  while (true) {
    if (body.substr(pos, 2) == "--") return Status::Ok();  // close delimiter
    // Transport padding, then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (body.substr(pos, 1) == "\n") {
      pos += 1;
    } else {
      return InvalidArgument("malformed multipart delimiter line");
    }
    if (parts->size() >= limits.max_parts) {
      return InvalidArgument("multipart body has more than " + std::to_string(limits.max_parts) +
                             " parts");
    }
    // Part headers, up to an empty line.
    size_t head_end = pos;
    size_t head_len_extra = 2;
    if (body.substr(pos, 2) != "\r\n") {  // else the part has no headers at all
      head_end = body.find("\r\n\r\n", pos);
      head_len_extra = 4;
      if (head_end == std::string_view::npos || head_end - pos > limits.max_part_head_bytes) {
        return InvalidArgument("malformed or oversized multipart part headers");
      }
    }
    MultipartPart part;
    NUCLEUS_RETURN_IF_ERROR(ParsePartHeaders(body.substr(pos, head_end - pos), &part));
    size_t content_start = head_end + head_len_extra;
    size_t next = body.find(delimiter, content_start);
    if (next == std::string_view::npos) return InvalidArgument("multipart body is truncated");
    part.content = body.substr(content_start, next - content_start);
    parts->push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

}  // namespace nucleus::server
