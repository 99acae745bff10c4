// Authenticated encryption (XChaCha20-Poly1305, libsodium) and keyed hashing
// (BLAKE2b), the two primitives everything in crypto/ is built from.
//
// A sealed value is [version 1][nonce 24][ciphertext + tag 16]: 41 bytes more
// than the plaintext. The associated data binds it to where it is stored (the
// store key: family, subject and record), so a value copied to another key or
// subject does not open.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace shinrai::crypto {

inline constexpr size_t kSealOverhead = 1 + 24 + 16;

std::string Seal(const SecretKey& key, std::string_view plaintext, std::string_view associated_data);
// DataLoss-like Internal error when the value was altered, the key is wrong or
// the associated data differs.
Result<std::string> Open(const SecretKey& key, std::string_view sealed, std::string_view associated_data);

// A keyed BLAKE2b hash of `data` (`out_bytes` long, 16..64), as raw bytes.
std::string KeyedHash(const SecretKey& key, std::string_view data, size_t out_bytes = 16);
// A key for one purpose derived from `key` (a keyed hash of the purpose's
// name): what it signs or seals needs no key of its own in the vault.
SecretKey DeriveKey(const SecretKey& key, std::string_view purpose);
std::string ToHex(std::string_view bytes);
// BLAKE2b-256 in hex, unkeyed: fingerprints anyone can recompute (consent
// proofs, ledger records) and nobody can forge a collision for.
std::string Blake2bHex(std::string_view data);
// SHA-256 in hex: for API keys, which are long random strings (a slow
// password hash would add nothing but latency).
std::string Sha256Hex(std::string_view data);
// URL-safe base64 without padding (tokens handed to browsers), and back;
// nullopt for text that is not such base64.
std::string ToBase64Url(std::string_view bytes);
std::optional<std::string> FromBase64Url(std::string_view text);
// A token handed to browsers: `prefix` and the URL-safe base64 of `text`
// sealed with `key` for `purpose`. Only a holder of the key can read or make one.
std::string SealToken(const SecretKey& key, std::string_view prefix, std::string_view purpose, std::string_view text);
// The text, or nullopt when `token` is not one SealToken made with this key,
// prefix and purpose (or it was altered).
std::optional<std::string> OpenToken(const SecretKey& key, std::string_view prefix, std::string_view purpose,
                                     std::string_view token);
// `bytes` random bytes from the system's CSPRNG, in hex.
std::string RandomHex(size_t bytes);

}  // namespace shinrai::crypto
