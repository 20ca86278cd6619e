// The per-item caps of core::Limits (max_annotations_per_item, max_predictions_per_item), counted
// over one request or one async upload.
//
// Applied before the transaction, so a refused object is never half-written and a retried
// transaction sees the same decision. Not thread-safe: one counter per request or job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nucleus::api {

class PerItemCounter {
 public:
  // `noun` names the objects in errors ("annotations", "predictions"); `limit_name` the cap.
  PerItemCounter(int64_t max_per_item, std::string_view noun, std::string_view limit_name)
      : max_(max_per_item), noun_(noun), limit_name_(limit_name) {}

  // Counts one more object on `reference_id`: true when it is within the cap.
  bool Admit(const std::string& reference_id);
  // The error for an object Admit refused on `reference_id`, which names it (`what`, e.g.
  // `annotation 7 (reference_id "a.jpg")`: built by the caller only then) and the field.
  std::string Refusal(const std::string& reference_id, std::string_view what) const;
  // Whether `objects` objects can pass the cap on some item at all (false: Admit need not run
  // for a request counted on its own).
  bool CanExceed(size_t objects) const { return static_cast<int64_t>(objects) > max_; }

 private:
  int64_t max_;
  std::string noun_;
  std::string limit_name_;
  std::unordered_map<std::string, int64_t> counts_;
};

}  // namespace nucleus::api
