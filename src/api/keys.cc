#include "api/keys.h"

#include "core/ids.h"
#include "core/strings.h"
#include "store/models.h"

namespace nucleus::api {

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
  created.key.key_prefix = created.secret.substr(0, 11);
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

Status RevokeKey(store::Store& store, const std::string& id_or_prefix) {
  return store.Write([&](store::Tx& tx) { return tx.keys().Revoke(id_or_prefix); });
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
