#include "api/key_cache.h"

#include <mutex>
#include <optional>

#include "core/strings.h"
#include "store/keys.h"

namespace nucleus::api {
namespace {

// The owner of the active key with this hash, read from the store.
Result<std::string> OwnerOfHash(store::Store& store, const std::string& hash) {
  std::string owner;
  Status status = store.Read([&](store::Tx& tx) -> Status {
    auto key = tx.keys().FindActiveByHash(hash);
    if (!key.ok()) return key.status();
    owner = std::move(key->owner);
    return Status::Ok();
  });
  if (status.code() == StatusCode::kNotFound) return Unauthenticated("invalid API key");
  NUCLEUS_RETURN_IF_ERROR(status);
  return owner;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::string> KeyCache::Authenticate(const std::string& secret) {
  if (secret.empty()) return Unauthenticated("missing API key");
  std::string hash = core::Sha256Hex(secret);

  int64_t now = NowNs();
  int64_t checked = checked_at_ns_.load(std::memory_order_acquire);
  if (checked == -1) return OwnerOfHash(store_, hash);
  if (checked == INT64_MIN ||
      now - checked >= std::chrono::nanoseconds(kRecheck).count()) {
    std::optional<uint64_t> stamp = store_.ChangeStamp();
    if (!stamp) {
      checked_at_ns_.store(-1, std::memory_order_release);
      return OwnerOfHash(store_, hash);
    }
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (*stamp != stamp_) {
      owners_.clear();
      ++generation_;
      stamp_ = *stamp;
    }
    checked_at_ns_.store(now, std::memory_order_release);
  }

  uint64_t generation = 0;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = owners_.find(hash);
    if (it != owners_.end()) return it->second;
    generation = generation_;
  }
  // Read after the stamp above: a commit the read below does not see moves the stamp, and the
  // next check clears whatever this inserts.
  Result<std::string> owner = OwnerOfHash(store_, hash);
  if (!owner.ok()) return owner;
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (generation_ == generation) {  // else a change was seen meanwhile: do not keep the answer
    if (owners_.size() >= kMaxEntries) owners_.clear();
    owners_.emplace(std::move(hash), *owner);
  }
  return owner;
}

}  // namespace nucleus::api
