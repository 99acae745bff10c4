#include "personalize/recommendation_token.h"

#include <nlohmann/json.hpp>

#include "crypto/aead.h"

namespace shinrai::service {

namespace {

constexpr std::string_view kPrefix = "r1.";
constexpr std::string_view kPurpose = "shinrai recommendation token";

bool StringList(const nlohmann::json& j, std::vector<std::string>* out) {
  if (!j.is_array()) return false;
  for (const auto& s : j) {
    if (!s.is_string()) return false;
    out->push_back(s);
  }
  return true;
}

// The fields added with "why am I seeing this?"; older tokens lack them.
bool ReadReasons(const nlohmann::json& j, RecommendationToken* t) {
  if (!j.contains("w")) return true;
  if (!j["c"].is_string() || !j["b"].is_string() || !StringList(j["u"], &t->categories_used) || !j["w"].is_array() ||
      j["w"].size() != t->items.size())
    return false;
  t->channel = j["c"];
  t->brand = j["b"];
  for (const auto& w : j["w"]) {
    ItemReason r;
    if (!w.is_array() || w.size() != 3 || !w[0].is_string() || !StringList(w[1], &r.past) || !w[2].is_string())
      return false;
    const std::string code = w[0];
    r.source = code == "c" ? "collaborative" : code == "x" ? "contextual" : "popular";
    r.context = w[2];
    t->reasons.push_back(std::move(r));
  }
  return true;
}

}  // namespace

std::string IssueRecommendationToken(const crypto::SecretKey& key, const RecommendationToken& t) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const ItemReason& r : t.reasons) {
    const char* code = r.source == "collaborative" ? "c" : r.source == "contextual" ? "x" : "p";
    reasons.push_back({code, r.past, r.context});
  }
  const nlohmann::json plain = {{"p", t.profile_id}, {"t", t.issued_ms}, {"i", t.items}, {"n", t.nonce},
                                {"c", t.channel},    {"b", t.brand},      {"u", t.categories_used},
                                {"w", reasons}};
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
  if (!ReadReasons(j, &t)) return not_ours;
  if (now_ms - t.issued_ms > max_age_ms)
    return InvalidArgument("recommendation_id: older than " + std::to_string(max_age_ms / 86'400'000) +
                           " days; feedback and explanations are taken for recent recommendations only");
  return t;
}

}  // namespace shinrai::service
