#include "crypto/aead.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace shinrai::crypto {

namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kSealOverhead == 1 + kNonce + kTag);

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
}  // namespace

std::string Seal(const SecretKey& key, std::string_view plaintext, std::string_view associated_data) {
  std::string out(kSealOverhead + plaintext.size(), '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  o[0] = kVersion;
  randombytes_buf(o + 1, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + 1 + kNonce, &written, Bytes(plaintext), plaintext.size(),
                                             Bytes(associated_data), associated_data.size(), nullptr, o + 1,
                                             key.data());
  return out;
}

Result<std::string> Open(const SecretKey& key, std::string_view sealed, std::string_view associated_data) {
  if (sealed.size() < kSealOverhead || static_cast<uint8_t>(sealed[0]) != kVersion) {
    return Internal("an encrypted record is truncated or of an unknown format");
  }
  std::string out(sealed.size() - kSealOverhead, '\0');
  unsigned long long written = 0;
  const auto* s = Bytes(sealed);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<uint8_t*>(out.data()), &written, nullptr,
                                                 s + 1 + kNonce, sealed.size() - 1 - kNonce, Bytes(associated_data),
                                                 associated_data.size(), s + 1, key.data()) != 0) {
    return Internal("an encrypted record does not open: it was altered, moved, or the key is wrong");
  }
  out.resize(written);
  return out;
}

std::string KeyedHash(const SecretKey& key, std::string_view data, size_t out_bytes) {
  std::string out(out_bytes, '\0');
  crypto_generichash(reinterpret_cast<uint8_t*>(out.data()), out_bytes, Bytes(data), data.size(), key.data(),
                     kKeyBytes);
  return out;
}

SecretKey DeriveKey(const SecretKey& key, std::string_view purpose) {
  const std::string derived = KeyedHash(key, purpose, kKeyBytes);
  SecretKey out;
  std::copy(derived.begin(), derived.end(), out.data());
  return out;
}

std::string ToHex(std::string_view bytes) {
  std::string out(2 * bytes.size() + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), Bytes(bytes), bytes.size());
  out.pop_back();
  return out;
}

std::string Blake2bHex(std::string_view data) {
  uint8_t h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, Bytes(data), data.size(), nullptr, 0);
  return ToHex(std::string_view(reinterpret_cast<const char*>(h), sizeof h));
}

std::string Sha256Hex(std::string_view data) {
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, Bytes(data), data.size());
  return ToHex(std::string_view(reinterpret_cast<const char*>(h), sizeof h));
}

std::string ToBase64Url(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out = ToHex(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string SealToken(const SecretKey& key, std::string_view prefix, std::string_view purpose, std::string_view text) {
  return std::string(prefix) + ToBase64Url(Seal(key, text, purpose));
}

std::optional<std::string> OpenToken(const SecretKey& key, std::string_view prefix, std::string_view purpose,
                                     std::string_view token) {
  if (token.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::optional<std::string> sealed = FromBase64Url(token.substr(prefix.size()));
  if (!sealed) return std::nullopt;
  Result<std::string> text = Open(key, *sealed, purpose);
  if (!text.ok()) return std::nullopt;
  return std::move(*text);
}

}  // namespace shinrai::crypto
