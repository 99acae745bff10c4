// SecretKey: 32 bytes of key material, wiped when it goes away; and the
// master key's sources (a key file or the SHINRAI_MASTER_KEY variable).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::crypto {

inline constexpr size_t kKeyBytes = 32;

class SecretKey {
 public:
  SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);
  ~SecretKey();

  static SecretKey Random();
  // 64 hex digits.
  static Result<SecretKey> FromHex(std::string_view hex);
  std::string ToHex() const;
  // A short public fingerprint, for logs and the audit log: never the key.
  std::string Fingerprint() const;

  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }

 private:
  std::array<uint8_t, kKeyBytes> bytes_;
};

// Must succeed before any other function of this module is used.
Status InitCrypto();

// The master key: from the environment variable SHINRAI_MASTER_KEY (64 hex
// digits) when it is set, else from `key_file` (64 hex digits, created with a
// fresh random key, mode 0600, when `create_missing` and it does not exist).
struct MasterKeySource {
  std::string key_file;
  bool create_missing = false;
};
Result<SecretKey> LoadMasterKey(const MasterKeySource& source, bool* created = nullptr);
Status WriteKeyFile(const std::string& path, const SecretKey& key);

}  // namespace shinrai::crypto
