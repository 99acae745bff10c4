// Normalisation of contact identifiers, so that the same person's e-mail or
// phone written two ways resolves to one identity.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shinrai::schema {

// Trimmed and lower-cased; nullopt unless it looks like local@domain.tld.
std::optional<std::string> NormalizeEmail(std::string_view raw);

// E.164 ("+442071838750"): spaces, dots, dashes and parentheses removed,
// a leading "00" read as "+", a leading single "0" replaced by
// `default_country_code` when one is given. nullopt unless the result has
// 8 to 15 digits after the "+".
std::optional<std::string> NormalizePhone(std::string_view raw, std::string_view default_country_code);

// Leading and trailing ASCII white space removed.
std::string_view Trim(std::string_view s);

}  // namespace shinrai::schema
