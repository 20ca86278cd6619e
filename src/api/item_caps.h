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

  // Counts one more object on `reference_id`: "" when it is within the cap, else the error for
  // the object, which names it (`what`, e.g. `annotation 7 (reference_id "a.jpg")`) and the field.
  std::string Admit(const std::string& reference_id, std::string_view what);

 private:
  int64_t max_;
  std::string noun_;
  std::string limit_name_;
  std::unordered_map<std::string, int64_t> counts_;
};

}  // namespace nucleus::api
