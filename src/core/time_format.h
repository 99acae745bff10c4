// ISO 8601 timestamps, as the tracking spec carries them, to and from
// milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shinrai {

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)";
// a missing zone means UTC. Returns nullopt for anything else.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatIso8601Millis(int64_t millis);

// Durations as the declaration writes them: "30d", "12h", "3y", "6m" (months
// of 30 days), "90s". Returns nullopt when malformed.
std::optional<int64_t> ParseDurationSeconds(std::string_view text);
// Days from 1970-01-01 to a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace shinrai
