#include "api/keys.h"

#include "core/ids.h"
#include "core/strings.h"
#include "store/models.h"

namespace nucleus::api {
namespace {

// Characters of a secret stored and listed as its prefix ("nk_" and 8 more).
constexpr size_t kKeyPrefixChars = 11;

}  // namespace

Result<CreatedKey> CreateKey(store::Store& store, const std::string& name, int64_t now_ms,
                             const std::string& owner) {
  if (core::StartsWith(owner, store::kRetiredOwnerPrefix)) {
    return InvalidArgument("field \"owner\" of key: the prefix \"" +
                           std::string(store::kRetiredOwnerPrefix) + "\" is reserved");
  }
  CreatedKey created;
  created.secret = "nk_" + core::RandomHex(24);
  created.key.id = core::NewId("key");
  created.key.owner = owner.empty() ? core::NewId("usr") : owner;
  created.key.name = name;
  created.key.key_hash = core::Sha256Hex(created.secret);
  created.key.key_prefix = created.secret.substr(0, kKeyPrefixChars);
  created.key.created_at_ms = now_ms;
  NUCLEUS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) { return tx.keys().Insert(created.key); }));
  return created;
}

Result<std::vector<store::ApiKey>> ListKeys(store::Store& store) {
  std::vector<store::ApiKey> keys;
  NUCLEUS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(keys, tx.keys().List());
    return Status::Ok();
  }));
  return keys;
}

Result<std::string> RevokeKey(store::Store& store, const std::string& key) {
  // A whole secret is longer than the stored prefix: find its key by the hash (the store keeps
  // nothing else of it) and revoke that key's id. Keys are few, so listing them costs nothing.
  const bool whole_secret = core::StartsWith(key, "nk_") && key.size() > kKeyPrefixChars;
  std::string revoked = key;
  NUCLEUS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    if (!whole_secret) return tx.keys().Revoke(key);
    const std::string hash = core::Sha256Hex(key);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::ApiKey> keys, tx.keys().List());
    for (const store::ApiKey& k : keys) {
      if (k.key_hash == hash) {
        revoked = k.id;
        return tx.keys().Revoke(k.id);
      }
    }
    return NotFound("no API key matches the key given (" + key.substr(0, kKeyPrefixChars) + "...)");
  }));
  return revoked;
}

Result<std::string> Authenticate(store::Store& store, const std::string& secret) {
  if (secret.empty()) return Unauthenticated("missing API key");
  std::string hash = core::Sha256Hex(secret);
  std::string owner;
  Status status = store.Read([&](store::Tx& tx) -> Status {
    auto key = tx.keys().FindActiveByHash(hash);
    if (!key.ok()) return key.status();
    owner = key->owner;
    return Status::Ok();
  });
  if (status.code() == StatusCode::kNotFound) return Unauthenticated("invalid API key");
  NUCLEUS_RETURN_IF_ERROR(status);
  return owner;
}

}  // namespace nucleus::api
