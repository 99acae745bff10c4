// What of the declaration a privacy notice tells people, and the notice's
// version: a hash of exactly that. Change what is collected, why, for how
// long, for whom, or who answers for it, and the version changes with it;
// every consent record cites the version that was shown.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "schema/declaration.h"

namespace shinrai::schema {

// The notice-relevant parts, in a canonical order (nlohmann::json keeps
// object keys sorted, and every list here is in the declaration's order).
nlohmann::json NoticeRelevantParts(const Declaration& d);

// "<label>+<12 hex digits of SHA-256>" (`label`: consent.notice_version, a
// name people can read), or the 12 digits alone without a label.
std::string NoticeVersionOf(const Declaration& d, const std::string& label);

}  // namespace shinrai::schema
