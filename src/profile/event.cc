#include "profile/event.h"

#include "core/msgpack.h"
#include "core/time_format.h"

namespace shinrai::profile {

std::string_view CallTypeName(CallType t) {
  switch (t) {
    case CallType::kIdentify: return "identify";
    case CallType::kTrack: return "track";
    case CallType::kPage: return "page";
    case CallType::kScreen: return "screen";
    case CallType::kGroup: return "group";
    case CallType::kAlias: return "alias";
  }
  return "track";
}

std::optional<CallType> ParseCallType(std::string_view name) {
  if (name == "identify") return CallType::kIdentify;
  if (name == "track") return CallType::kTrack;
  if (name == "page") return CallType::kPage;
  if (name == "screen") return CallType::kScreen;
  if (name == "group") return CallType::kGroup;
  if (name == "alias") return CallType::kAlias;
  return std::nullopt;
}

std::string EncodeEvent(const Event& e) {
  nlohmann::json j = {{"t", static_cast<int>(e.type)}, {"m", e.message_id}, {"ts", e.timestamp_ms},
                      {"rt", e.received_ms},           {"ch", e.channel},   {"src", e.source}};
  if (!e.name.empty()) j["n"] = e.name;
  if (!e.user_id.empty()) j["u"] = e.user_id;
  if (!e.anonymous_id.empty()) j["a"] = e.anonymous_id;
  if (!e.previous_id.empty()) j["pv"] = e.previous_id;
  if (!e.group_id.empty()) j["g"] = e.group_id;
  if (!e.traits.empty()) j["tr"] = e.traits;
  if (!e.properties.empty()) j["p"] = e.properties;
  if (!e.context.empty()) j["c"] = e.context;
  if (e.brand != "*") j["b"] = e.brand;
  return ToMsgpack(j);
}

Result<Event> DecodeEvent(std::string_view bytes) {
  std::optional<nlohmann::json> parsed = FromMsgpackObject(bytes);
  if (!parsed) return Internal("a stored event record is corrupt");
  const nlohmann::json& j = *parsed;
  Event e;
  e.type = static_cast<CallType>(j.value("t", 1));
  e.message_id = j.value("m", "");
  e.timestamp_ms = j.value("ts", int64_t{0});
  e.received_ms = j.value("rt", int64_t{0});
  e.channel = j.value("ch", "");
  e.source = j.value("src", "");
  e.name = j.value("n", "");
  e.user_id = j.value("u", "");
  e.anonymous_id = j.value("a", "");
  e.previous_id = j.value("pv", "");
  e.group_id = j.value("g", "");
  if (j.contains("tr")) e.traits = j.at("tr");
  if (j.contains("p")) e.properties = j.at("p");
  if (j.contains("c")) e.context = j.at("c");
  e.brand = j.value("b", "*");
  return e;
}

nlohmann::json EventToJson(const Event& e) {
  nlohmann::json j = {{"type", CallTypeName(e.type)},
                      {"messageId", e.message_id},
                      {"timestamp", FormatIso8601Millis(e.timestamp_ms)},
                      {"receivedAt", FormatIso8601Millis(e.received_ms)},
                      {"channel", e.channel}};
  if (!e.name.empty()) j[e.type == CallType::kTrack ? "event" : "name"] = e.name;
  if (!e.user_id.empty()) j["userId"] = e.user_id;
  if (!e.anonymous_id.empty()) j["anonymousId"] = e.anonymous_id;
  if (!e.previous_id.empty()) j["previousId"] = e.previous_id;
  if (!e.group_id.empty()) j["groupId"] = e.group_id;
  if (e.brand != "*") j["brand"] = e.brand;  // which of the group's brands collected it
  if (!e.traits.empty()) j["traits"] = e.traits;
  if (!e.properties.empty()) j["properties"] = e.properties;
  if (!e.context.empty()) j["context"] = e.context;
  if (!e.source.empty()) j["source"] = e.source;
  return j;
}

}  // namespace shinrai::profile
