// Event: one tracking call (identify, track, page, screen, group, alias) after
// parsing and minimisation: only declared data is left in it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace shinrai::profile {

enum class CallType { kIdentify, kTrack, kPage, kScreen, kGroup, kAlias };
std::string_view CallTypeName(CallType t);
std::optional<CallType> ParseCallType(std::string_view name);

struct Event {
  CallType type = CallType::kTrack;
  std::string message_id;
  std::string user_id;
  std::string anonymous_id;
  std::string previous_id;  // alias
  std::string group_id;     // group
  std::string name;         // track: event name; page/screen: page name
  std::string channel;      // web, app, email, store, call_center, server, ...
  std::string source;       // the write key's name
  std::string brand = "*";  // the brand that collected it (its write key's), or "*" without brands
  int64_t timestamp_ms = 0; // when it happened (client clock, corrected by sentAt)
  int64_t received_ms = 0;  // when the server accepted it
  nlohmann::json traits = nlohmann::json::object();
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json context = nlohmann::json::object();
};

// Compact binary record (MessagePack) as stored under the event key.
std::string EncodeEvent(const Event& e);
Result<Event> DecodeEvent(std::string_view bytes);
// The event as the profile API shows it.
nlohmann::json EventToJson(const Event& e);

}  // namespace shinrai::profile
