// The retention rules the declaration implies, in one place, so that the
// retention job, the access export ("kept until") and the privacy report
// cannot disagree on how long anything is kept. Periods are in seconds;
// 0 means none declared (kept as long as the purpose needs it).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "schema/declaration.h"

namespace shinrai::schema {

// A track, page or screen call named `event_name` ("Order Completed", "page"):
// as its event declaration says.
int64_t EventRetentionSeconds(const Declaration& d, std::string_view event_name);

// A call that carries traits (identify, alias, group): as long as the
// longest-kept trait it carried, so no trait outlives its own period in a
// call's copy.
int64_t TraitCallRetentionSeconds(const FieldMap& traits_declared, const nlohmann::json& traits);

// Whether trait `name`, last updated at `updated_ms`, is past its period at `now_ms`.
bool TraitOverdue(const Declaration& d, std::string_view name, int64_t updated_ms, int64_t now_ms);

}  // namespace shinrai::schema
