// Result<T>: a value or the Status explaining why there is none.
//
// Our stand-in for std::expected (not in g++ 12). Accessing the value of a failed Result is a
// programming error and aborts.
#pragma once

#include <cstdlib>
#include <optional>
#include <utility>

#include "nucleus/status.h"

namespace nucleus {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) std::abort();  // a Result without a value needs an error
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { Check(); return *value_; }
  const T& value() const& { Check(); return *value_; }
  T&& value() && { Check(); return std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!value_.has_value()) std::abort();
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace nucleus

#define NUCLEUS_CONCAT_INNER_(a, b) a##b
#define NUCLEUS_CONCAT_(a, b) NUCLEUS_CONCAT_INNER_(a, b)

// NUCLEUS_ASSIGN_OR_RETURN(auto x, Compute()); returns the Status if Compute() failed.
#define NUCLEUS_ASSIGN_OR_RETURN(lhs, expr) \
  NUCLEUS_ASSIGN_OR_RETURN_IMPL_(NUCLEUS_CONCAT_(nucleus_result_, __COUNTER__), lhs, expr)
// `lhs` is a declaration (`auto x`) and `tmp` a generated name: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define NUCLEUS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
