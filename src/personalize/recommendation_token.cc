#include "personalize/recommendation_token.h"

#include <nlohmann/json.hpp>

#include "crypto/aead.h"

namespace shinrai::service {

namespace {

constexpr std::string_view kPrefix = "r1.";
constexpr std::string_view kPurpose = "shinrai recommendation token";

}  // namespace

std::string IssueRecommendationToken(const crypto::SecretKey& key, const RecommendationToken& t) {
  const nlohmann::json plain = {{"p", t.profile_id}, {"t", t.issued_ms}, {"i", t.items}, {"n", t.nonce}};
  return crypto::SealToken(key, kPrefix, kPurpose,
                           plain.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<RecommendationToken> ReadRecommendationToken(const crypto::SecretKey& key, std::string_view token,
                                                    int64_t now_ms, int64_t max_age_ms) {
  const Status not_ours =
      InvalidArgument("recommendation_id: not one this server issued with a recommendation (or it was altered)");
  std::optional<std::string> plain = crypto::OpenToken(key, kPrefix, kPurpose, token);
  if (!plain) return not_ours;
  nlohmann::json j = nlohmann::json::parse(*plain, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j["p"].is_string() || !j["t"].is_number_integer() ||
      !j["i"].is_array() || !j["n"].is_string())
    return not_ours;
  RecommendationToken t;
  t.profile_id = j["p"];
  t.issued_ms = j["t"];
  t.nonce = j["n"];
  for (const auto& i : j["i"]) {
    if (!i.is_string()) return not_ours;
    t.items.push_back(i);
  }
  if (now_ms - t.issued_ms > max_age_ms)
    return InvalidArgument("recommendation_id: older than " + std::to_string(max_age_ms / 86'400'000) +
                           " days; feedback is taken for recent recommendations only");
  return t;
}

}  // namespace shinrai::service
