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

bool CorsPolicy::IsOwnPage(std::string_view origin, std::string_view host) const {
  const std::string o = Lower(origin);
  const size_t scheme = o.rfind("http://", 0) == 0 ? 7 : o.rfind("https://", 0) == 0 ? 8 : std::string::npos;
  if (scheme == std::string::npos || host.empty() || o.substr(scheme) != Lower(host)) return false;
  const std::string public_origin = Lower(public_url_.substr(0, public_url_.find('/', public_url_.find("//") + 2)));
  if (!public_origin.empty() && o == public_origin) return true;
  // The host without its port: an IPv4 or bracketed IPv6 literal, or localhost.
  std::string_view name = std::string_view(o).substr(scheme);
  if (!name.empty() && name.front() == '[') return name.find(']') != std::string_view::npos;
  name = name.substr(0, name.find(':'));
  if (name == "localhost") return true;
  return !name.empty() && name.find_first_not_of("0123456789.") == std::string_view::npos;
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
