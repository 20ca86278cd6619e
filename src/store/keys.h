// API keys. Only a SHA-256 hash of each key is stored; the key itself is shown once at creation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::store {

struct ApiKey {
  std::string id;          // "key_..."
  std::string owner;       // owner id; every object a key creates belongs to its owner
  std::string name;
  std::string key_hash;    // SHA-256 hex of the secret
  std::string key_prefix;  // first characters of the secret, for listings
  int64_t created_at_ms = 0;
  bool revoked = false;
};

class KeyRepo {
 public:
  virtual ~KeyRepo() = default;
  virtual Status Insert(const ApiKey& key) = 0;
  virtual Result<std::vector<ApiKey>> List() = 0;
  // The unrevoked key with this hash, or NotFound.
  virtual Result<ApiKey> FindActiveByHash(const std::string& key_hash) = 0;
  // Revokes by id or by the secret's prefix; NotFound when nothing matches.
  virtual Status Revoke(const std::string& id_or_prefix) = 0;
};

}  // namespace nucleus::store
