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
Status RevokeKey(store::Store& store, const std::string& id_or_prefix);
// The owner of an active key, or Unauthenticated.
Result<std::string> Authenticate(store::Store& store, const std::string& secret);

}  // namespace nucleus::api
