#include "service/profile_service.h"

#include "core/time_format.h"

namespace shinrai::service {

Result<nlohmann::json> ProfileService::Get(const Principal& who, std::string_view lookup, std::string_view reason) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadProfile));
  if (lookup.empty()) return InvalidArgument("give a user id, an anonymous id, email:<address> or phone:<number>");
  if (who.role == Role::kAgent && reason.empty())
    return InvalidArgument("agents must state why they read a profile: add ?reason=... (it is kept in the audit log)");
  ASSIGN_OR_RETURN(profile::ProfileView view, reader_.View(lookup, config_->server.recent_events));
  const profile::Profile& p = view.profile;
  if (audit_) {
    RETURN_IF_ERROR(audit_->Append({"profile.read",
                                    AuditActor(who),
                                    p.id,
                                    {"identities", "traits", "channels", "recent_events", "merges"},
                                    std::string(reason),
                                    {}}));
  }
  nlohmann::json channels = nlohmann::json::object();
  int64_t total = 0;
  for (const auto& [name, s] : p.channels) {
    channels[name] = {{"events", s.events},
                      {"first_seen", FormatIso8601Millis(s.first_seen_ms)},
                      {"last_seen", FormatIso8601Millis(s.last_seen_ms)}};
    total += s.events;
  }
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : view.recent_events) events.push_back(profile::EventToJson(e));
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& m : view.merges) {
    nlohmann::json j = profile::MergeRecordToJson(m);
    j["at"] = FormatIso8601Millis(m.at_ms);
    merges.push_back(std::move(j));
  }
  nlohmann::json identities = {{"anonymous_ids", p.anonymous_ids}, {"emails", p.emails}, {"phones", p.phones}};
  identities["user_id"] = p.user_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.user_id);
  return nlohmann::json{{"profile_id", p.id},
                        {"identities", std::move(identities)},
                        {"traits", p.traits},
                        {"groups", p.groups},
                        {"channels", std::move(channels)},
                        {"event_count", total},
                        {"created_at", FormatIso8601Millis(p.created_ms)},
                        {"updated_at", FormatIso8601Millis(p.updated_ms)},
                        {"merged_profiles", p.absorbed},
                        {"merges", std::move(merges)},
                        {"recent_events", std::move(events)}};
}

}  // namespace shinrai::service
