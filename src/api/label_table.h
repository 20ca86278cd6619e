// Interns label strings into small ids, for the passes that read a whole run or dataset (the
// commit's matching, Model CI's batched path): a run has few distinct labels, and consecutive
// objects often share one, so the last label is checked before the map.
//
// Not thread-safe: one table per reader (parts read in parallel each keep their own).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nucleus::api {

class LabelTable {
 public:
  // The id of `label`, new ids numbered from 0 in order of first appearance.
  uint32_t Intern(std::string_view label) {
    if (!labels_.empty() && labels_[last_] == label) return last_;
    auto it = index_.find(label);
    if (it == index_.end()) {
      labels_.emplace_back(label);
      it = index_.emplace(labels_.back(), static_cast<uint32_t>(labels_.size() - 1)).first;
    }
    return last_ = it->second;
  }
  const std::string& operator[](uint32_t i) const { return labels_[i]; }
  uint32_t size() const { return static_cast<uint32_t>(labels_.size()); }

 private:
  std::deque<std::string> labels_;  // stable addresses for the views in index_
  std::unordered_map<std::string_view, uint32_t> index_;
  uint32_t last_ = 0;
};

}  // namespace nucleus::api
