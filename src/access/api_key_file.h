// ApiKeyFile: API keys made with `shinrai keys create`, kept in a JSON file
// that holds only each key's SHA-256, never the key.
//
// The file is replaced atomically (write, fsync, rename), so the server can
// re-read it while running: a revoked key stops working within a second.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/status.h"

namespace shinrai::service {

struct StoredKey {
  std::string id;          // public: the first 16 hex digits of the hash
  std::string hash;        // SHA-256 of the secret, hex
  std::string kind = "api";
  std::string role;
  std::string name;
  double rate_limit = 0;   // requests per second; 0: the default
  std::string brand = "*"; // its brand, or "*" for the group
  int64_t created_ms = 0;
  int64_t revoked_ms = 0;  // 0: active
};

// SHA-256 of a key, 64 hex digits: how keys are compared and stored.
std::string HashApiKey(std::string_view key);

// An absent file holds no keys.
Result<std::vector<StoredKey>> LoadKeyFile(const std::string& path);
Status SaveKeyFile(const std::string& path, const std::vector<StoredKey>& keys);

struct CreatedKey {
  std::string secret;  // shown once, never stored
  StoredKey stored;
};
// Makes a random key ("shk_" + 40 hex digits) with `role` ("write" makes a
// write key) for `brand` (a declared brand id, or "*" for the group).
Result<CreatedKey> CreateKey(const std::string& path, const std::string& role, const std::string& name,
                             double rate_limit, const std::string& brand, Env* env);
// NotFound when no key has this id; Conflict when it was already revoked.
Result<StoredKey> RevokeKey(const std::string& path, const std::string& id, Env* env);

}  // namespace shinrai::service
