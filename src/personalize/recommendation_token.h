// RecommendationToken: the `recommendation_id` handed out with every
// recommendation, which is what a browser may report feedback against.
//
// The write key ships in web pages, so anyone may call /v1/feedback with it.
// Feedback with that key therefore counts only for a recommendation this
// server issued: the token is sealed (XChaCha20-Poly1305) with a service key
// and holds the profile it was made for and the items shown. A browser can
// neither read the profile id out of it, nor name another person, nor report
// items it was not shown; replaying it changes nothing (its records have
// fixed keys).
//
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace shinrai::service {

// Why one item was placed, as it was when shown ("why am I seeing this?"
// must answer for that moment, not for today's history).
struct ItemReason {
  std::string source;             // "collaborative" | "contextual" | "popular"
  std::vector<std::string> past;  // collaborative: the person's items that drew it most
  std::string context;            // contextual: the item in view
};

struct RecommendationToken {
  std::string profile_id;  // "" when the recommendation was for nobody known
  int64_t issued_ms = 0;
  std::vector<std::string> items;
  std::string nonce;       // distinguishes two recommendations of one moment
  std::string channel;
  std::string brand;
  std::vector<std::string> categories_used;  // the person's data categories it used
  std::vector<ItemReason> reasons;           // one per item; empty in tokens issued before reasons were kept
};

std::string IssueRecommendationToken(const crypto::SecretKey& key, const RecommendationToken& t);
// InvalidArgument naming the problem when the token was not issued with
// `key`, was altered, or is older than `max_age_ms` at `now_ms`.
Result<RecommendationToken> ReadRecommendationToken(const crypto::SecretKey& key, std::string_view token,
                                                    int64_t now_ms, int64_t max_age_ms);

}  // namespace shinrai::service
