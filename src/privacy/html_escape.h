// Escaping text for the HTML pages the services render (exports, the privacy
// audit): the values are people's data and must never become markup.
#pragma once

#include <string>
#include <string_view>

namespace shinrai::service {

std::string HtmlEscape(std::string_view s);

}  // namespace shinrai::service
