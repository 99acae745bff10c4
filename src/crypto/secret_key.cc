#include "crypto/secret_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/files.h"

namespace shinrai::crypto {

SecretKey::SecretKey() { bytes_.fill(0); }
SecretKey::SecretKey(const SecretKey& other) : bytes_(other.bytes_) {}
SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}
SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey SecretKey::Random() {
  SecretKey k;
  randombytes_buf(k.bytes_.data(), k.bytes_.size());
  return k;
}

Result<SecretKey> SecretKey::FromHex(std::string_view hex) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.remove_suffix(1);
  SecretKey k;
  size_t len = 0;
  if (hex.size() != 2 * kKeyBytes ||
      sodium_hex2bin(k.bytes_.data(), k.bytes_.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != kKeyBytes) {
    return InvalidArgument("a key must be 64 hex digits (32 bytes); got " + std::to_string(hex.size()) +
                           " characters");
  }
  return k;
}

std::string SecretKey::ToHex() const {
  std::string out(2 * kKeyBytes + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes_.data(), bytes_.size());
  out.pop_back();
  return out;
}

std::string SecretKey::Fingerprint() const {
  uint8_t h[8];
  static constexpr char kContext[] = "shinrai key fingerprint";
  crypto_generichash(h, sizeof h, reinterpret_cast<const uint8_t*>(kContext), sizeof kContext - 1, bytes_.data(),
                     bytes_.size());
  char out[17];
  sodium_bin2hex(out, sizeof out, h, sizeof h);
  return out;
}

Status InitCrypto() {
  if (sodium_init() < 0) return Internal("libsodium could not be initialised");
  return Status::Ok();
}

Status WriteKeyFile(const std::string& path, const SecretKey& key) {
  return WriteFileAtomically(path, key.ToHex() + "\n", "the key file");
}

Result<SecretKey> LoadMasterKey(const MasterKeySource& source, bool* created) {
  if (created) *created = false;
  if (const char* env = std::getenv("SHINRAI_MASTER_KEY"); env && *env) {
    auto k = SecretKey::FromHex(env);
    if (!k.ok()) return InvalidArgument("SHINRAI_MASTER_KEY: " + k.status().message());
    return k;
  }
  if (source.key_file.empty()) return InvalidArgument("no master key: set SHINRAI_MASTER_KEY or security.master_key_file");
  std::ifstream in(source.key_file);
  if (!in) {
    if (!source.create_missing) return NotFound("master key file '" + source.key_file + "' does not exist");
    SecretKey k = SecretKey::Random();
    RETURN_IF_ERROR(WriteKeyFile(source.key_file, k));
    if (created) *created = true;
    return k;
  }
  struct stat st {};
  if (::stat(source.key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return PermissionDenied("master key file '" + source.key_file +
                            "' is readable by group or others; chmod 600 it");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto k = SecretKey::FromHex(text.str());
  if (!k.ok()) return InvalidArgument(source.key_file + ": " + k.status().message());
  return k;
}

}  // namespace shinrai::crypto
