// The privacy center's links: what a brand's back end (role `service`)
// hands its customer to open their own privacy center without an account
// or a password. The token is sealed (XChaCha20-Poly1305) with a service
// key: it names one person and one brand, says until when it works, and can
// be neither read nor altered nor extended by whoever holds it.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace shinrai::transparency {

struct PrivacyCenterLink {
  std::string profile_id;
  std::string brand = "*";  // whose privacy center: the brand that asked, "*" for the group
  int64_t expires_ms = 0;
};

std::string IssuePrivacyCenterToken(const crypto::SecretKey& key, const PrivacyCenterLink& link);
// Unauthenticated when the token was not issued with `key`, was altered, or
// expired before `now_ms`; the message says which, and nothing more.
Result<PrivacyCenterLink> ReadPrivacyCenterToken(const crypto::SecretKey& key, std::string_view token, int64_t now_ms);

}  // namespace shinrai::transparency
