// The headers every HTML page of personal data is served with: never cached
// (a shared computer's history must not keep someone's export), never
// sniffed as another type, and a Content-Security-Policy that allows nothing
// but the page's own inline style (by its hash): no script, no request to
// anyone, no framing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shinrai::http {

std::vector<std::pair<std::string, std::string>> HtmlPageHeaders(std::string_view html);

// The headers of the server's own web apps (the privacy center): their
// script, style and API calls come from this server only, and nothing of
// the person's is cached or sent on in a Referer.
std::vector<std::pair<std::string, std::string>> AppFileHeaders();

}  // namespace shinrai::http
