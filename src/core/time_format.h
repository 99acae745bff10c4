// ISO 8601 timestamps, as the tracking spec carries them, to and from
// milliseconds since the Unix epoch (UTC).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai {

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)";
// a missing zone means UTC. Dates that do not exist (2026-02-31) and leap
// seconds are refused, never rolled over into the next month or day; the
// error names the problem.
Result<int64_t> ParseIso8601(std::string_view text);
// The same, where the reason is not needed.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);
// The days since 1970-01-01 of a date, or why it is not one.
Result<std::chrono::sys_days> CivilDate(int64_t year, int month, int day, std::string_view text);

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatIso8601Millis(int64_t millis);

// Durations as the declaration writes them: "30d", "12h", "3y", "6m" (months
// of 30 days), "90s". Returns nullopt when malformed.
std::optional<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace shinrai
