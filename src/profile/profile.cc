#include "profile/profile.h"

#include <algorithm>

#include "core/msgpack.h"

namespace shinrai::profile {

void Profile::Touch(const std::string& channel, int64_t at_ms) {
  ChannelSummary& s = channels[channel.empty() ? "unknown" : channel];
  ++s.events;
  if (s.first_seen_ms == 0 || at_ms < s.first_seen_ms) s.first_seen_ms = at_ms;
  s.last_seen_ms = std::max(s.last_seen_ms, at_ms);
}

void Profile::AddBrand(const std::string& brand) {
  if (brand != "*" && std::find(brands.begin(), brands.end(), brand) == brands.end()) brands.push_back(brand);
}

bool Profile::CustomerOf(std::string_view brand) const {
  return brand == "*" || std::find(brands.begin(), brands.end(), brand) != brands.end();
}

std::string EncodeProfile(const Profile& p) {
  nlohmann::json ch = nlohmann::json::object();
  for (const auto& [name, s] : p.channels) ch[name] = {s.events, s.first_seen_ms, s.last_seen_ms};
  nlohmann::json j = {{"id", p.id},         {"u", p.user_id},    {"a", p.anonymous_ids}, {"e", p.emails},
                      {"ph", p.phones},     {"g", p.groups},     {"tr", p.traits},       {"ch", ch},
                      {"ab", p.absorbed},   {"c", p.created_ms}, {"up", p.updated_ms}};
  if (!p.merged_into.empty()) j["mi"] = p.merged_into;
  if (!p.brands.empty()) j["br"] = p.brands;
  return ToMsgpack(j);
}

Result<Profile> DecodeProfile(std::string_view bytes) {
  std::optional<nlohmann::json> parsed = FromMsgpackObject(bytes);
  if (!parsed) return Internal("a stored profile record is corrupt");
  const nlohmann::json& j = *parsed;
  try {
    Profile p;
    p.id = j.at("id").get<std::string>();
    p.user_id = j.value("u", "");
    p.anonymous_ids = j.value("a", std::vector<std::string>{});
    p.emails = j.value("e", std::vector<std::string>{});
    p.phones = j.value("ph", std::vector<std::string>{});
    p.groups = j.value("g", std::vector<std::string>{});
    p.traits = j.value("tr", nlohmann::json::object());
    const nlohmann::json channels = j.value("ch", nlohmann::json::object());
    for (const auto& [name, s] : channels.items())
      p.channels[name] = {s.at(0).get<int64_t>(), s.at(1).get<int64_t>(), s.at(2).get<int64_t>()};
    p.absorbed = j.value("ab", std::vector<std::string>{});
    p.created_ms = j.value("c", int64_t{0});
    p.updated_ms = j.value("up", int64_t{0});
    p.merged_into = j.value("mi", "");
    p.brands = j.value("br", std::vector<std::string>{});
    return p;
  } catch (const nlohmann::json::exception& e) {
    return Internal(std::string("a stored profile record is corrupt: ") + e.what());
  }
}

std::vector<std::string> Profile::SourceIds() const {
  std::vector<std::string> ids = {id};
  ids.insert(ids.end(), absorbed.begin(), absorbed.end());
  return ids;
}

}  // namespace shinrai::profile
