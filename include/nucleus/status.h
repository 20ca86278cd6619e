// Status: the outcome of an operation that returns no value.
//
// Errors are values in nucleus: functions return Status or Result<T> instead of throwing.
// A Status is cheap to copy when ok (no allocation). Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace nucleus {

// Error categories. Each maps to exactly one HTTP status in one place (src/wire/http_status.cc).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (HTTP 400)
  kUnauthenticated,    // no or unknown credential (401)
  kPermissionDenied,   // credential known but not allowed (403)
  kNotFound,           // the object does not exist for this caller (404)
  kAlreadyExists,      // a unique name or id is taken (409)
  kFailedPrecondition, // the object is in the wrong state for this operation (409)
  kPayloadTooLarge,    // the request body is over the configured limit (413)
  kResourceExhausted,  // a queue or quota is full (429)
  kUnavailable,        // transient; the caller may retry (503)
  kInternal,           // a bug or an I/O failure on our side (500)
};

// The name of a code, e.g. "NotFound".
std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: dataset ds_x not found" (or "OK").
  std::string ToString() const;

  // Errors that came from an HTTP answer (the client SDK) also carry the HTTP status and the raw
  // response body. http_status() is 0 and http_body() empty for every other Status.
  int http_status() const { return http_ ? http_->status : 0; }
  const std::string& http_body() const {
    static const std::string kEmpty;
    return http_ ? http_->body : kEmpty;
  }
  Status& SetHttp(int http_status, std::string body) {
    http_ = std::make_shared<const Http>(Http{http_status, std::move(body)});
    return *this;
  }

 private:
  struct Http {
    int status;
    std::string body;
  };
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::shared_ptr<const Http> http_;  // null unless SetHttp was called; shared so copies are cheap
};

inline Status InvalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status AlreadyExists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}
inline Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}
inline Status PayloadTooLarge(std::string message) {
  return Status(StatusCode::kPayloadTooLarge, std::move(message));
}

}  // namespace nucleus

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define NUCLEUS_RETURN_IF_ERROR(expr) NUCLEUS_RETURN_IF_ERROR_IMPL_(expr, __COUNTER__)
#define NUCLEUS_RETURN_IF_ERROR_IMPL_(expr, n) NUCLEUS_RETURN_IF_ERROR_IMPL2_(expr, n)
#define NUCLEUS_RETURN_IF_ERROR_IMPL2_(expr, n)              \
  do {                                                       \
    ::nucleus::Status nucleus_status_##n = (expr);           \
    if (!nucleus_status_##n.ok()) return nucleus_status_##n; \
  } while (false)
