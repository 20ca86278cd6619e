// Transport: the SDK's one HTTP stack (libcurl). JSON requests with the Python client's retry
// policy, multipart uploads, the credential-free signed-URL PUT, and a small parallel-for for
// batches. Thread-safe: every thread uses its own curl handle (kept, so connections are reused).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/client.h"
#include "nucleus/result.h"
#include "nucleus/status.h"

namespace nucleus::internal {

struct MultipartPart {
  std::string name;
  std::string filename;      // empty: no filename parameter
  std::string content_type;
  std::string data;          // the part's bytes, unless file_path is set
  std::string file_path;     // read from this file when non-empty
};

class Transport {
 public:
  explicit Transport(ClientOptions options);

  const ClientOptions& options() const { return options_; }
  const std::string& endpoint() const { return options_.endpoint; }
  std::string Url(std::string_view route) const;

  // One JSON request to <endpoint>/<route> (`body` empty: none is sent), retried on the retry
  // statuses (4 attempts). Returns the body of an answer < 400; otherwise an error carrying the
  // HTTP status and body (see client.h).
  Result<std::string> Request(std::string_view method, std::string_view route,
                              std::string_view body);
  // multipart/form-data POST, retried like the Python upload stack (5 attempts).
  Result<std::string> PostMultipart(std::string_view route, const std::vector<MultipartPart>& parts);
  // PUT to an absolute signed URL: no credential, no Content-Type, no timeout, no retry.
  Status PutSignedUrl(const std::string& url, std::string_view body);

  // Runs fn(0..n-1) on up to `concurrency` threads (0: options().max_concurrent_requests).
  // After the first failure no new index starts; returns the failure with the lowest index.
  Status ParallelFor(size_t n, size_t concurrency, const std::function<Status(size_t)>& fn);

 private:
  struct Response {
    long status = 0;
    std::string body;
  };
  Result<Response> Perform(std::string_view method, const std::string& url, std::string_view body,
                           const std::vector<MultipartPart>* parts, bool authenticate,
                           bool json, int64_t timeout_ms);
  Result<std::string> WithRetries(std::string_view method, const std::string& url,
                                  std::string_view body, const std::vector<MultipartPart>* parts,
                                  size_t attempts);
  void SleepBeforeRetry(size_t attempt) const;

  ClientOptions options_;
};

// Escapes what cannot appear in a URL path but keeps '/', as the Python HTTP stack does for
// user strings inserted raw into routes.
std::string EscapeRaw(std::string_view s);

// An error Status for an HTTP answer >= 400.
Status HttpError(std::string_view method, const std::string& url, long http_status,
                 std::string body);

}  // namespace nucleus::internal
