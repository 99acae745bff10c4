// Which web pages may call Shinrai from the browser, and the headers that
// tell the browser so. Origins are declared (server.allowed_origins), never
// derived from the Host header (which a DNS-rebinding page controls). An
// allowed origin is echoed, never "*", with Vary: Origin, so caches keep one
// answer per site.
//
// Browsers enforce CORS only on what a page reads; a beacon or a no-cors
// fetch is sent anyway. So the API also refuses, server-side, a browser
// route called with an Origin that is not allowed. That guards against a
// mis-deployed page, not an attacker: the write key is public, and a client
// that is not a browser sends no Origin at all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"

namespace shinrai::http {

class CorsPolicy {
 public:
  CorsPolicy(std::vector<std::string> allowed_origins, std::string public_url)
      : allowed_(std::move(allowed_origins)), public_url_(std::move(public_url)) {}

  // `origin`: the request's Origin header.
  bool Allows(std::string_view origin) const;
  // Whether a page of Shinrai's own (the privacy center, "why am I seeing
  // this?") is calling: the Origin is this server as the request's Host
  // names it, and that host cannot be rebound by anyone's DNS: an IP
  // literal, localhost, or the configured public_url. A rebinding page has
  // its own domain in both, so it is not taken for one of ours.
  bool IsOwnPage(std::string_view origin, std::string_view host) const;
  // The answer to an allowed preflight.
  static Response Preflight(std::string_view origin);
  // Marks an answer as readable by the page at `origin`.
  static void Allow(Response& r, std::string_view origin);

 private:
  const std::vector<std::string> allowed_;
  const std::string public_url_;
};

}  // namespace shinrai::http
