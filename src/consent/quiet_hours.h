// Quiet hours: the part of each day a person asked to be left alone by
// messages (e-mail, SMS, push), in their own time zone, per brand. It is a
// preference, not consent: it decides when a message may go, never whether
// data may be used. Kept per person under "qh/<profile id>/<brand>", sealed
// with the person's key like their consent, and erased with them.
//
// Thread-safety: pure functions and store calls.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/staged_writer.h"
#include "store/store.h"

namespace shinrai::consent {

struct QuietHours {
  int from_minute = 0;    // local time quiet begins, minutes after midnight
  int to_minute = 0;      // when it ends; earlier than from_minute: it spans midnight
  std::string time_zone;  // an IANA name ("Asia/Tokyo")
};

// {"from": "21:00", "to": "08:00", "time_zone": "Asia/Tokyo"}; InvalidArgument
// naming the field otherwise (an unknown time zone included).
Result<QuietHours> ParseQuietHours(const nlohmann::json& j);
nlohmann::json QuietHoursToJson(const QuietHours& q);

// Whether `at_ms` falls in the quiet hours, in their time zone (daylight
// saving time included).
bool InQuietHours(const QuietHours& q, int64_t at_ms);

std::string QuietHoursPrefix(std::string_view profile_id);
// Stages the person's quiet hours at `brand`; nullopt removes them.
void StageQuietHours(store::Transaction& txn, std::string_view profile_id, std::string_view brand,
                     const std::optional<QuietHours>& q);
// The person's quiet hours at `brand`, or else the group's ("*"); nullopt
// when none. `ids`: the person's own id first, then those merged into it
// (Profile::SourceIds), whose statements still count. A time zone that the
// system's database no longer knows is read as stated (InQuietHours then
// quiets nothing), so the person can still see and change it.
Result<std::optional<QuietHours>> ReadQuietHours(store::Store& store, const std::vector<std::string>& ids,
                                                 std::string_view brand);

}  // namespace shinrai::consent
