// What the three parts of the rights service (requests, the access export,
// erasure) share: where request records live, which key ranges hold one
// person's data, and how purposes and retention read in an export.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "schema/declaration.h"

namespace shinrai::service {

std::string RightsKey(std::string_view id);
// The key ranges of one profile's own records (events, merges, feedback,
// access notes, consent records); the profile and its consent state are
// single keys beside them.
std::vector<std::string> PersonPrefixes(const std::string& profile_id);
nlohmann::json PurposeJson(const schema::Declaration& d, const std::string& id);
nlohmann::json RetentionJson(int64_t seconds);

}  // namespace shinrai::service
