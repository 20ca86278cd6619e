// The first line of every route handler's error path. Header-only; thread-safe.
#pragma once

#include "nucleus/result.h"
#include "server/http.h"

namespace nucleus::server {

// When `status` is an error, answers it (res.Error) and returns true; else false. Reads as
// `if (AnsweredError(s, res)) return;`.
inline bool AnsweredError(const Status& status, Response& res) {
  if (status.ok()) return false;
  res.Error(status);
  return true;
}

template <typename T>
bool AnsweredError(const Result<T>& result, Response& res) {
  return AnsweredError(result.status(), res);
}

}  // namespace nucleus::server
