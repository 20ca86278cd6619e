#include "client/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace nucleus::internal {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

// One handle per thread, kept so that its connection cache is reused across requests.
CURL* ThreadHandle() {
  thread_local std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  curl_easy_reset(handle.get());
  return handle.get();
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

const char* Reason(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

StatusCode CodeFor(long status) {
  switch (status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAlreadyExists;
    case 413: return StatusCode::kPayloadTooLarge;
    case 429: return StatusCode::kResourceExhausted;
    case 503:
    case 504:
    case 520:
    case 524: return StatusCode::kUnavailable;
    default: return status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string EscapeRaw(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                std::string_view("-._~/:@!$&'()*+,;=").find(static_cast<char>(c)) !=
                    std::string_view::npos;
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Status HttpError(std::string_view method, const std::string& url, long http_status,
                 std::string body) {
  std::string message = std::string(method) + " " + url + " failed: HTTP " +
                        std::to_string(http_status);
  const char* reason = Reason(http_status);
  if (*reason) message += std::string(" ") + reason;
  message += ": " + body;
  Status status(CodeFor(http_status), std::move(message));
  status.SetHttp(static_cast<int>(http_status), std::move(body));
  return status;
}

Transport::Transport(ClientOptions options) : options_(std::move(options)) {
  GlobalInit();
  if (options_.api_key.empty() && options_.limited_access_key.empty()) {
    if (const char* env = std::getenv("NUCLEUS_API_KEY")) options_.api_key = env;
  }
  if (options_.endpoint.empty()) {
    const char* env = std::getenv("NUCLEUS_ENDPOINT");
    options_.endpoint = env && *env ? env : kDefaultEndpoint;
  }
  if (!options_.verify_tls) options_.verify_tls = std::getenv("NUCLEUS_SKIP_SSL_VERIFY") == nullptr;
}

std::string Transport::Url(std::string_view route) const {
  std::string url = options_.endpoint;
  url.push_back('/');
  url.append(route);
  return url;
}

Result<Transport::Response> Transport::Perform(std::string_view method, const std::string& url,
                                               std::string_view body,
                                               const std::vector<MultipartPart>* parts,
                                               bool authenticate, bool json,
                                               int64_t timeout_ms) {
  if (authenticate && options_.api_key.empty() && options_.limited_access_key.empty()) {
    return Unauthenticated("no API key: pass one to NucleusClient or set NUCLEUS_API_KEY");
  }
  CURL* curl = ThreadHandle();
  Response response;
  std::string method_str(method);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  if (timeout_ms > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  if (!*options_.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header("Expect:");  // no 100-continue round trip on large bodies
  if (json) {
    add_header("Content-Type: application/json");
  } else if (parts == nullptr) {
    add_header("Content-Type:");  // the signed-URL PUT carries no Content-Type at all
  }
  if (authenticate) {
    if (!options_.limited_access_key.empty()) {
      add_header("x-limited-access-key: " + options_.limited_access_key);
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(curl, CURLOPT_USERNAME, options_.api_key.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, "");
    }
  }
  std::unique_ptr<curl_mime, MimeDeleter> mime;
  if (parts != nullptr) {
    mime.reset(curl_mime_init(curl));
    for (const MultipartPart& p : *parts) {
      curl_mimepart* part = curl_mime_addpart(mime.get());
      curl_mime_name(part, p.name.c_str());
      if (!p.file_path.empty()) {
        if (curl_mime_filedata(part, p.file_path.c_str()) != CURLE_OK) {
          return NotFound("cannot read " + p.file_path);
        }
        // filedata sets the base name; the Python client sends the whole path, percent-encoded.
        curl_mime_filename(part, p.filename.empty() ? nullptr : p.filename.c_str());
      } else {
        curl_mime_data(part, p.data.data(), p.data.size());
        if (!p.filename.empty()) curl_mime_filename(part, p.filename.c_str());
      }
      if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime.get());
  } else if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (!body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "GET");
    }
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  }
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    return Unavailable(method_str + " " + url + " failed: " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

void Transport::SleepBeforeRetry(size_t attempt) const {
  const auto& factors = options_.retry.factors;
  if (factors.empty()) return;
  double t = factors[std::min(attempt, factors.size() - 1)];
  double max_ms = 2.0 * t * static_cast<double>(options_.retry.base_delay_ms);
  if (max_ms <= 0) return;
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> dist(0.0, max_ms);
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(dist(rng) * 1000)));
}

Result<std::string> Transport::WithRetries(std::string_view method, const std::string& url,
                                           std::string_view body,
                                           const std::vector<MultipartPart>* parts,
                                           size_t attempts) {
  Response last;
  for (size_t attempt = 0; attempt < attempts; ++attempt) {
    NUCLEUS_ASSIGN_OR_RETURN(last, Perform(method, url, body, parts, /*authenticate=*/true,
                                           /*json=*/parts == nullptr, options_.timeout_ms));
    const auto& retry = options_.retry.statuses;
    bool retryable = std::find(retry.begin(), retry.end(), static_cast<int>(last.status)) !=
                     retry.end();
    if (!retryable) break;
    if (attempt + 1 < attempts) SleepBeforeRetry(attempt);
  }
  if (last.status >= 400) {
    Status error = HttpError(method, url, last.status, last.body);
    if (parts != nullptr && last.status == 503) {
      Status timeout(StatusCode::kUnavailable,
                     error.message() +
                         " (the upload keeps timing out: lower local_files_per_upload_request)");
      timeout.SetHttp(503, std::move(last.body));
      return timeout;
    }
    return error;
  }
  return std::move(last.body);
}

Result<std::string> Transport::Request(std::string_view method, std::string_view route,
                                       std::string_view body) {
  return WithRetries(method, Url(route), body, nullptr, 4);
}

Result<std::string> Transport::PostMultipart(std::string_view route,
                                             const std::vector<MultipartPart>& parts) {
  return WithRetries("POST", Url(route), {}, &parts, 5);
}

Status Transport::PutSignedUrl(const std::string& url, std::string_view body) {
  NUCLEUS_ASSIGN_OR_RETURN(Response r, Perform("PUT", url, body, nullptr, /*authenticate=*/false,
                                               /*json=*/false, /*timeout_ms=*/0));
  if (r.status >= 300) {
    Status s(StatusCode::kInternal, "Tried to put a file to url, but failed with status " +
                                        std::to_string(r.status) +
                                        ". The detailed error was: " + r.body);
    s.SetHttp(static_cast<int>(r.status), std::move(r.body));
    return s;
  }
  return Status::Ok();
}

Status Transport::ParallelFor(size_t n, size_t concurrency,
                              const std::function<Status(size_t)>& fn) {
  if (concurrency == 0) concurrency = options_.max_concurrent_requests;
  concurrency = std::max<size_t>(1, std::min(concurrency, n));
  std::vector<Status> results(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      results[i] = fn(i);
      if (!results[i].ok()) failed.store(true);
    }
  };
  if (concurrency <= 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(concurrency);
    for (size_t t = 0; t < concurrency; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  for (Status& s : results) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace nucleus::internal
