// KeyCache: authentication without a read transaction per request.
//
// Remembers which owner each recently accepted key belongs to (by the key's SHA-256, never the
// secret), so a request costs a hash and a map lookup. Every entry is dropped when the store
// reports a commit (store::Store::ChangeStamp), which covers keys revoked by another process:
// the stamp is read at most once per kRecheck (it costs a lock and a pragma on one shared
// connection), so a key revoked by `nucleus keys revoke` while the server runs is refused by
// every request that starts more than kRecheck after the revocation commits. Unknown and
// revoked keys are never cached: they always read the store. When the backend cannot report
// changes, every call reads the store (the same answers as api::Authenticate).
// Thread-safe; hits take only a shared lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "nucleus/result.h"
#include "store/store.h"

namespace nucleus::api {

class KeyCache {
 public:
  static constexpr std::chrono::microseconds kRecheck{1000};

  explicit KeyCache(store::Store& store) : store_(store) {}  // `store` must outlive the cache.

  // The owner of an active key, or Unauthenticated (as api::Authenticate).
  Result<std::string> Authenticate(const std::string& secret);

 private:
  static constexpr size_t kMaxEntries = 4096;

  store::Store& store_;
  // steady_clock nanoseconds of the last ChangeStamp() read; -1 = caching is off (no stamps).
  std::atomic<int64_t> checked_at_ns_{INT64_MIN};
  std::shared_mutex mu_;
  uint64_t stamp_ = 0;                                   // guarded by mu_
  uint64_t generation_ = 0;                              // guarded by mu_; +1 per clear
  std::unordered_map<std::string, std::string> owners_;  // key hash -> owner; guarded by mu_
};

}  // namespace nucleus::api
