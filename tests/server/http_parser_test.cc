#include "server/http_parser.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace nucleus::server {
namespace {

using namespace std::string_literals;

HeadParse Parse(std::string_view text, RequestHead* head, size_t* consumed,
                std::pair<int, std::string>* error, HeadLimits limits = {}) {
  return ParseRequestHead(text, limits, head, consumed, error);
}

TEST(HttpHeadTest, ParsesRequestLineAndHeaders) {
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  std::string text = "GET /v1/nucleus/dataset?x=1 HTTP/1.1\r\nHost: a:1\r\nX-Thing:  v  \r\n\r\n{}";
  ASSERT_EQ(Parse(text, &head, &consumed, &error), HeadParse::kComplete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/v1/nucleus/dataset?x=1");
  EXPECT_EQ(head.version_minor, 1);
  ASSERT_NE(head.Find("x-thing"), nullptr);
  EXPECT_EQ(*head.Find("x-thing"), "v");
  EXPECT_EQ(consumed, text.size() - 2);
}

TEST(HttpHeadTest, IncompleteUntilTheBlankLine) {
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\n", &head, &consumed, &error),
            HeadParse::kIncomplete);
  EXPECT_EQ(Parse("GET / HT", &head, &consumed, &error), HeadParse::kIncomplete);
}

TEST(HttpHeadTest, TooManyHeadersIs431) {
  std::string text = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) {
    text += 'h';
    text += std::to_string(i);
    text += ": v\r\n";
  }
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  ASSERT_EQ(Parse(text, &head, &consumed, &error), HeadParse::kError);
  EXPECT_EQ(error.first, 431);
}

TEST(HttpHeadTest, OversizedHeadIs431EvenBeforeItEnds) {
  std::string text = "GET / HTTP/1.1\r\nBig: " + std::string(100 * 1024, 'a');
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  ASSERT_EQ(Parse(text, &head, &consumed, &error), HeadParse::kError);
  EXPECT_EQ(error.first, 431);
}

TEST(HttpHeadTest, LongTargetIs414EvenBeforeTheLineEnds) {
  std::string text = "GET /" + std::string(40 * 1024, 'a');
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  ASSERT_EQ(Parse(text, &head, &consumed, &error), HeadParse::kError);
  EXPECT_EQ(error.first, 414);
  ASSERT_EQ(Parse(text + " HTTP/1.1\r\n\r\n", &head, &consumed, &error), HeadParse::kError);
  EXPECT_EQ(error.first, 414);
}

TEST(HttpHeadTest, RefusesMalformedHeads) {
  RequestHead head;
  size_t consumed = 0;
  std::pair<int, std::string> error;
  for (std::string bad : {"GET / HTTP/1.1\r\n folded: x\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                          "GET  / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                          "GET / FTP/1.1\r\n\r\n", "GET /a\x01 HTTP/1.1\r\n\r\n",
                          "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"}) {
    EXPECT_EQ(Parse(bad, &head, &consumed, &error), HeadParse::kError) << bad;
  }
  ASSERT_EQ(Parse("GET / HTTP/2.0\r\n\r\n", &head, &consumed, &error), HeadParse::kError);
  EXPECT_EQ(error.first, 505);
}

BodyFraming Framing(std::string head_text, std::pair<int, std::string>* error, bool* ok) {
  RequestHead head;
  size_t consumed = 0;
  EXPECT_EQ(ParseRequestHead(head_text, HeadLimits{}, &head, &consumed, error),
            HeadParse::kComplete);
  BodyFraming framing;
  *ok = DecideFraming(head, &framing, error);
  return framing;
}

TEST(HttpFramingTest, LengthChunkedAndSmugglingAttempts) {
  std::pair<int, std::string> error;
  bool ok = false;
  BodyFraming f = Framing("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &error, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(f.kind, BodyFraming::Kind::kLength);
  EXPECT_EQ(f.length, 12u);
  f = Framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &error, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(f.kind, BodyFraming::Kind::kChunked);
  Framing("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", &error,
          &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(error.first, 400);
  Framing("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &error, &ok);
  EXPECT_FALSE(ok);
  Framing("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", &error, &ok);
  EXPECT_FALSE(ok);
  Framing("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &error, &ok);
  EXPECT_FALSE(ok);
  Framing("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &error, &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(error.first, 501);
  Framing("POST / HTTP/1.1\r\nContent-Encoding: zstd\r\nContent-Length: 1\r\n\r\n", &error, &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(error.first, 415);
  f = Framing("GET / HTTP/1.0\r\n\r\n", &error, &ok);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(f.keep_alive);
  f = Framing("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", &error, &ok);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(f.keep_alive);
}

std::string Dechunk(std::string_view in, bool* done, size_t* used, Status* status) {
  ChunkedDecoder d;
  std::string out;
  Result<size_t> n = d.Feed(in, [&](std::string_view p) {
    out.append(p);
    return Status::Ok();
  });
  *status = n.status();
  *used = n.ok() ? *n : 0;
  *done = d.done();
  return out;
}

TEST(ChunkedDecoderTest, DecodesAndStopsAtTheEnd) {
  bool done = false;
  size_t used = 0;
  Status status;
  std::string in = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  EXPECT_EQ(Dechunk(in, &done, &used, &status), "Wikipedia");
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(in.substr(used), "NEXT");
}

TEST(ChunkedDecoderTest, ByteByByteGivesTheSame) {
  std::string in = "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
  ChunkedDecoder d;
  std::string out;
  for (char c : in) {
    Result<size_t> n = d.Feed(std::string_view(&c, 1), [&](std::string_view p) {
      out.append(p);
      return Status::Ok();
    });
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, 1u);
  }
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, "Wikipedia");
}

TEST(ChunkedDecoderTest, RefusesOverflowAndGarbage) {
  bool done = false;
  size_t used = 0;
  Status status;
  Dechunk("fffffffffffffffff\r\n", &done, &used, &status);
  EXPECT_FALSE(status.ok());
  Dechunk("4\r\nWikipedia\r\n", &done, &used, &status);
  EXPECT_FALSE(status.ok());
  Dechunk("x\r\n", &done, &used, &status);
  EXPECT_FALSE(status.ok());
  Dechunk("1;" + std::string(4096, 'e') + "\r\n", &done, &used, &status);
  EXPECT_FALSE(status.ok());
}

std::string Gzip(const std::string& data, bool gzip_header = true) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, gzip_header ? 16 + MAX_WBITS : MAX_WBITS, 9,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Status Decode(BodyFraming::Coding coding, const std::string& in, uint64_t limit,
              std::string* out, size_t step = 1000) {
  auto dec = ContentDecoder::Make(coding, limit);
  if (!dec.ok()) return dec.status();
  for (size_t i = 0; i < in.size(); i += step) {
    Status s = (*dec)->Feed(std::string_view(in).substr(i, step), [&](std::string_view p) {
      out->append(p);
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  return (*dec)->Finish();
}

TEST(ContentDecoderTest, GzipAndDeflateRoundTrip) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "{\"reference_id\":\"" + std::to_string(i) + "\"}\n";
  std::string out;
  ASSERT_TRUE(Decode(BodyFraming::Coding::kGzip, Gzip(data), 1 << 30, &out).ok());
  EXPECT_EQ(out, data);
  out.clear();
  ASSERT_TRUE(Decode(BodyFraming::Coding::kDeflate, Gzip(data, false), 1 << 30, &out).ok());
  EXPECT_EQ(out, data);
}

TEST(ContentDecoderTest, BombStopsAtTheLimitWithPayloadTooLarge) {
  std::string zeros(64 << 20, '\0');  // 64 MiB of zeros compresses to ~64 KiB
  std::string bomb = Gzip(zeros);
  ASSERT_LT(bomb.size(), 200u * 1024);
  std::string out;
  size_t peak = 0;
  auto dec = ContentDecoder::Make(BodyFraming::Coding::kGzip, 1 << 20);
  ASSERT_TRUE(dec.ok());
  Status s = (*dec)->Feed(bomb, [&](std::string_view p) {
    peak = std::max(peak, p.size());
    out.append(p);
    return Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kPayloadTooLarge);
  EXPECT_LE(out.size(), size_t{1} << 20);
  EXPECT_LE(peak, size_t{64} << 10);
}

TEST(ContentDecoderTest, BrotliRoundTripAndLimit) {
  std::string data(1 << 20, 'x');
  size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string enc(size, '\0');
  ASSERT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                                    reinterpret_cast<const uint8_t*>(data.data()), &size,
                                    reinterpret_cast<uint8_t*>(enc.data())));
  enc.resize(size);
  std::string out;
  ASSERT_TRUE(Decode(BodyFraming::Coding::kBrotli, enc, 1 << 30, &out).ok());
  EXPECT_EQ(out, data);
  out.clear();
  EXPECT_EQ(Decode(BodyFraming::Coding::kBrotli, enc, 1000, &out).code(),
            StatusCode::kPayloadTooLarge);
}

TEST(ContentDecoderTest, TruncatedAndCorruptStreamsAreErrors) {
  std::string gz = Gzip("hello world, hello world");
  std::string out;
  EXPECT_FALSE(Decode(BodyFraming::Coding::kGzip, gz.substr(0, gz.size() - 4), 1 << 20, &out).ok());
  out.clear();
  EXPECT_FALSE(Decode(BodyFraming::Coding::kGzip, "not gzip at all", 1 << 20, &out).ok());
  out.clear();
  EXPECT_FALSE(Decode(BodyFraming::Coding::kBrotli, "\xff\xff\xff", 1 << 20, &out).ok());
}

TEST(MultipartTest, SplitsPartsWithNamesFilenamesAndBinaryContent) {
  std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"items\"\r\n\r\n[1,2]\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a%2Fb;c.png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x00\x01\r\n--XyZ--\r\n"s;
  std::vector<MultipartPart> parts;
  ASSERT_TRUE(ParseMultipart(body, "XyZ", MultipartLimits{}, &parts).ok());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "items");
  EXPECT_EQ(parts[0].content, "[1,2]");
  EXPECT_EQ(parts[1].name, "image");
  EXPECT_EQ(parts[1].filename, "a%2Fb;c.png");
  EXPECT_EQ(parts[1].content_type, "image/png");
  EXPECT_EQ(parts[1].content, std::string_view("\x89PNG\r\n\0\x01", 8));
}

TEST(MultipartTest, BoundaryAndMalformedBodies) {
  auto b = MultipartBoundary("multipart/form-data; boundary=\"a b\"");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "a b");
  EXPECT_FALSE(MultipartBoundary("application/json").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data").ok());
  std::vector<MultipartPart> parts;
  EXPECT_FALSE(ParseMultipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end",
                              "b", MultipartLimits{}, &parts)
                   .ok());
  parts.clear();
  EXPECT_FALSE(ParseMultipart("--b\r\nX: y\r\n\r\nc\r\n--b--", "b", MultipartLimits{}, &parts).ok());
  parts.clear();
  MultipartLimits few;
  few.max_parts = 1;
  EXPECT_FALSE(ParseMultipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b\r\n"
                              "Content-Disposition: form-data; name=\"y\"\r\n\r\n2\r\n--b--",
                              "b", few, &parts)
                   .ok());
}

}  // namespace
}  // namespace nucleus::server
