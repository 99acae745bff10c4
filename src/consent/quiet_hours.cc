#include "consent/quiet_hours.h"

#include <date/tz.h>

#include <chrono>
#include <cstdio>

#include "store/key_families.h"

namespace shinrai::consent {

namespace {

// "HH:MM", 00:00 to 23:59.
std::optional<int> MinuteOfDay(const nlohmann::json& j) {
  if (!j.is_string()) return std::nullopt;
  const std::string s = j;
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string Clock(int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

const date::time_zone* Zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

Result<QuietHours> ParseQuietHours(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("quiet_hours: expected {\"from\", \"to\", \"time_zone\"}");
  for (const auto& [k, _] : j.items()) {
    if (k != "from" && k != "to" && k != "time_zone")
      return InvalidArgument("quiet_hours: unknown field '" + k + "' (expected from, to, time_zone)");
  }
  QuietHours q;
  for (auto [field, into] : {std::pair{"from", &q.from_minute}, std::pair{"to", &q.to_minute}}) {
    auto minute = MinuteOfDay(j.value(field, nlohmann::json()));
    if (!minute) return InvalidArgument(std::string("quiet_hours.") + field + ": expected a time of day, HH:MM");
    *into = *minute;
  }
  if (q.from_minute == q.to_minute) return InvalidArgument("quiet_hours: from and to are the same time");
  if (!j.contains("time_zone") || !j["time_zone"].is_string() || !Zone(j["time_zone"].get<std::string>()))
    return InvalidArgument("quiet_hours.time_zone: expected a time zone name such as Asia/Tokyo or Europe/Paris");
  q.time_zone = j["time_zone"];
  return q;
}

nlohmann::json QuietHoursToJson(const QuietHours& q) {
  return {{"from", Clock(q.from_minute)}, {"to", Clock(q.to_minute)}, {"time_zone", q.time_zone}};
}

bool InQuietHours(const QuietHours& q, int64_t at_ms) {
  const date::time_zone* zone = Zone(q.time_zone);
  if (!zone) return false;  // checked when stated; a zone gone from the system's database quiets nothing
  const auto local = zone->to_local(std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(at_ms)));
  const auto day = date::floor<date::days>(local);
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
  if (q.from_minute < q.to_minute) return minute >= q.from_minute && minute < q.to_minute;
  return minute >= q.from_minute || minute < q.to_minute;  // across midnight
}

std::string QuietHoursPrefix(std::string_view profile_id) {
  return std::string(store::family::kQuietHours.prefix) + std::string(profile_id) + "/";
}

void StageQuietHours(store::Transaction& txn, std::string_view profile_id, std::string_view brand,
                     const std::optional<QuietHours>& q) {
  const std::string key = QuietHoursPrefix(profile_id) + std::string(brand);
  if (q) {
    txn.Put(key, QuietHoursToJson(*q).dump());
  } else {
    txn.Delete(key);
  }
}

Result<std::optional<QuietHours>> ReadQuietHours(store::Store& store, const std::vector<std::string>& ids,
                                                 std::string_view brand) {
  for (std::string_view b : {brand, std::string_view("*")}) {
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(std::optional<std::string> raw, store.Get(QuietHoursPrefix(id) + std::string(b)));
      if (!raw) continue;
      const nlohmann::json j = nlohmann::json::parse(*raw, nullptr, false);
      auto from = MinuteOfDay(j.is_object() ? j.value("from", nlohmann::json()) : nlohmann::json());
      auto to = MinuteOfDay(j.is_object() ? j.value("to", nlohmann::json()) : nlohmann::json());
      if (!from || !to || !j["time_zone"].is_string()) return Internal("stored quiet hours are damaged");
      return std::optional<QuietHours>(QuietHours{*from, *to, j["time_zone"].get<std::string>()});
    }
  }
  return std::optional<QuietHours>();
}

}  // namespace shinrai::consent
