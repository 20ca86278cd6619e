#include "api/item_caps.h"

namespace nucleus::api {

bool PerItemCounter::Admit(const std::string& reference_id) {
  int64_t& n = counts_[reference_id];
  if (n >= max_) return false;
  ++n;
  return true;
}

std::string PerItemCounter::Refusal(const std::string& reference_id, std::string_view what) const {
  return "field \"reference_id\" of " + std::string(what) + ": item \"" + reference_id +
         "\" already has " + std::to_string(max_) + " " + noun_ +
         " in this upload, the limit per item (" + limit_name_ + ")";
}

}  // namespace nucleus::api
