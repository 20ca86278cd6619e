// API keys: creation (the secret is returned once), listing, revocation, authentication.
#pragma once

#include <string>
#include <vector>

#include "nucleus/result.h"
#include "store/keys.h"
#include "store/store.h"

namespace nucleus::api {

struct CreatedKey {
  store::ApiKey key;
  std::string secret;  // shown once; only its hash is stored
};

// A new key for a new owner (each key is its own owner unless `owner` is given).
Result<CreatedKey> CreateKey(store::Store& store, const std::string& name, int64_t now_ms,
                             const std::string& owner = "");
Result<std::vector<store::ApiKey>> ListKeys(store::Store& store);
// Revokes the key named by `key`: its id ("key_..."), the first characters of its secret as
// `nucleus keys list` shows them, or the whole secret (as `keys create` printed it). Returns the
// id of the key revoked, or what was matched for an id or prefix; NotFound when nothing matches,
// without quoting a whole secret back.
Result<std::string> RevokeKey(store::Store& store, const std::string& key);
// The owner of an active key, or Unauthenticated.
Result<std::string> Authenticate(store::Store& store, const std::string& secret);

}  // namespace nucleus::api
