#include "core/time_format.h"

#include <chrono>
#include <cstdio>

namespace shinrai {

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<std::chrono::sys_days> CivilDate(int64_t year, int month, int day, std::string_view text) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{static_cast<int>(year)}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (date.ok()) return sys_days{date};
  if (month < 1 || month > 12)
    return InvalidArgument("'" + std::string(text) + "' is not a date: there is no month " + std::to_string(month));
  const unsigned last = static_cast<unsigned>(
      year_month_day_last{std::chrono::year{static_cast<int>(year)}, month_day_last{std::chrono::month{static_cast<unsigned>(month)}}}
          .day());
  return InvalidArgument("'" + std::string(text) + "' is not a date: month " + std::to_string(month) + " of " +
                         std::to_string(year) + " has " + std::to_string(last) + " days");
}

Result<int64_t> ParseIso8601(std::string_view s) {
  const auto malformed = [&] {
    return InvalidArgument("'" + std::string(s.substr(0, 64)) +
                           "' is not an ISO 8601 date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.sss][Z|+hh:mm])");
  };
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &month) || s[7] != '-' ||
      !Digits(s, 8, 2, &day))
    return malformed();
  size_t pos = 10;
  int64_t millis = 0;
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return malformed();
    if (!Digits(s, pos + 1, 2, &hour) || s.size() < pos + 9 || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &minute) ||
        s[pos + 6] != ':' || !Digits(s, pos + 7, 2, &second))
      return malformed();
    // A leap second (:60) would silently become the next day's first second.
    if (hour > 23 || minute > 59 || second > 59)
      return InvalidArgument("'" + std::string(s.substr(0, 64)) + "' is not a time of day (00:00:00 to 23:59:59)");
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      int64_t frac = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac = frac * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return malformed();
      for (int i = digits; i < 3; ++i) frac *= 10;
      millis = frac;
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        const bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
        if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + (colon ? 4 : 3), 2, &om)) return malformed();
        if (oh > 23 || om > 59) return InvalidArgument("'" + std::string(s.substr(0, 64)) + "' has no such UTC offset");
        offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += colon ? 6 : 5;
      } else {
        return malformed();
      }
    }
    if (pos != s.size()) return malformed();
  }
  ASSIGN_OR_RETURN(std::chrono::sys_days date, CivilDate(year, month, day, s.substr(0, 64)));
  const int64_t days = date.time_since_epoch().count();
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::optional<int64_t> ParseIso8601Millis(std::string_view text) {
  auto r = ParseIso8601(text);
  return r.ok() ? std::optional<int64_t>(*r) : std::nullopt;
}

std::string FormatIso8601Millis(int64_t millis) {
  int64_t secs = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  const int ms = static_cast<int>(millis - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const int y = static_cast<int>(date.year());
  const unsigned m = static_cast<unsigned>(date.month()), d = static_cast<unsigned>(date.day());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                y, m, d, static_cast<int>(rem / 3600),
                static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60), ms);
  return buf;
}

std::optional<int64_t> ParseDurationSeconds(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
    if (n > 1'000'000) return std::nullopt;
  }
  switch (text.back()) {
    case 's': return n;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
    case 'm': return n * 30 * 86400;
    case 'y': return n * 365 * 86400;
    default: return std::nullopt;
  }
}

}  // namespace shinrai
