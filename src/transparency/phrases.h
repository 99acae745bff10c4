// The sentences people read, per language, from web/notices/<lang>/strings.json:
// every word shown comes from there, never from code.
//
// Thread-safety: pure functions over embedded files.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::transparency {

// The phrases of a language; InvalidArgument for a language without them.
Result<nlohmann::json> LanguageStrings(std::string_view lang);

// One phrase, its {{names}} filled in ("up to {{days}} days"); a missing
// phrase reads as its key, so a gap shows rather than hides.
std::string Phrase(const nlohmann::json& strings, const std::string& key,
                   const std::map<std::string, std::string>& values = {});

}  // namespace shinrai::transparency
