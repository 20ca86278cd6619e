// An immutable open-addressing hash map from int64 ids to their index in a list, for resolving
// image and category ids of hundreds of thousands of annotations quickly.
//
// Thread-safe for concurrent Find() once built.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nucleus::eval {

class FlatIdMap {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  // Maps ids[i] -> i; for a repeated id the last index wins.
  explicit FlatIdMap(std::span<const int64_t> ids) {
    size_t capacity = 16;
    while (capacity < ids.size() * 2) capacity <<= 1;
    mask_ = capacity - 1;
    keys_.resize(capacity);
    values_.assign(capacity, kNotFound);
    for (size_t i = 0; i < ids.size(); ++i) {
      size_t slot = Hash(ids[i]) & mask_;
      while (values_[slot] != kNotFound && keys_[slot] != ids[i]) slot = (slot + 1) & mask_;
      keys_[slot] = ids[i];
      values_[slot] = static_cast<uint32_t>(i);
    }
  }

  uint32_t Find(int64_t id) const {
    for (size_t slot = Hash(id) & mask_;; slot = (slot + 1) & mask_) {
      if (values_[slot] == kNotFound) return kNotFound;
      if (keys_[slot] == id) return values_[slot];
    }
  }

 private:
  static size_t Hash(int64_t id) {
    uint64_t x = static_cast<uint64_t>(id) + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return static_cast<size_t>(x ^ (x >> 31));
  }

  size_t mask_ = 0;
  std::vector<int64_t> keys_;
  std::vector<uint32_t> values_;
};

}  // namespace nucleus::eval
