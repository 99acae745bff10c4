#include "transparency/privacy_center_link.h"

#include <nlohmann/json.hpp>

#include "crypto/aead.h"

namespace shinrai::transparency {

namespace {

constexpr std::string_view kPrefix = "pc1.";
constexpr std::string_view kPurpose = "shinrai privacy center link";

}  // namespace

std::string IssuePrivacyCenterToken(const crypto::SecretKey& key, const PrivacyCenterLink& link) {
  const nlohmann::json plain = {{"p", link.profile_id}, {"b", link.brand}, {"e", link.expires_ms}};
  return crypto::SealToken(key, kPrefix, kPurpose, plain.dump());
}

Result<PrivacyCenterLink> ReadPrivacyCenterToken(const crypto::SecretKey& key, std::string_view token, int64_t now_ms) {
  const Status not_ours = Unauthenticated("this privacy center link is not valid (it was not issued here, or it was altered)");
  std::optional<std::string> plain = crypto::OpenToken(key, kPrefix, kPurpose, token);
  if (!plain) return not_ours;
  nlohmann::json j = nlohmann::json::parse(*plain, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j["p"].is_string() || !j["b"].is_string() || !j["e"].is_number_integer())
    return not_ours;
  PrivacyCenterLink link{j["p"], j["b"], j["e"]};
  if (now_ms >= link.expires_ms)
    return Unauthenticated("this privacy center link has expired: ask for a new one where you found it");
  return link;
}

}  // namespace shinrai::transparency
