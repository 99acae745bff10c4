#include "http/cors.h"

#include <algorithm>
#include <cctype>

namespace shinrai::http {
namespace {

// Every header the Segment and RudderStack browser SDKs send (their retry
// and recovery headers included); "*" would not cover Authorization.
constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, Content-Encoding, X-Retry-Count, AnonymousId, SentAt, Rsa-Retry-Attempt, "
    "Rsa-Retry-Reason, Rsa-Since-First-Attempt, Rsa-Since-Last-Attempt, Rsa-Recovered";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool CorsPolicy::Allows(std::string_view origin) const {
  // Only what a browser sends for a web page: "null" (sandboxes, files) and
  // anything else are never echoed, even where "*" is configured.
  const std::string o = Lower(origin);
  const size_t host = o.rfind("http://", 0) == 0 ? 7 : o.rfind("https://", 0) == 0 ? 8 : std::string::npos;
  if (host == std::string::npos || host == o.size() || o.size() > 255 ||
      o.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:[]", host) != std::string::npos)
    return false;
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const std::string& a) { return a == "*" || a == o; });
}

Response CorsPolicy::Preflight(std::string_view origin) {
  Response r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
               {"Vary", "Origin"},
               {"Access-Control-Allow-Methods", "POST, GET, OPTIONS"},
               {"Access-Control-Allow-Headers", kAllowedHeaders},
               {"Access-Control-Max-Age", "86400"}};
  return r;
}

void CorsPolicy::Allow(Response& r, std::string_view origin) {
  r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  r.headers.emplace_back("Vary", "Origin");
  // A rate-limited or unavailable answer says when to come back.
  r.headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
}

}  // namespace shinrai::http
