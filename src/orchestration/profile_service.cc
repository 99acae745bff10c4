#include "orchestration/profile_service.h"

#include <algorithm>
#include <set>

#include "core/time_format.h"
#include "consent/ledger.h"
#include "consent/policy.h"
#include "profile/keys.h"

namespace shinrai::service {

namespace {

constexpr size_t kMaxNoteBytes = 1000;

std::string ReasonCodes(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

Result<nlohmann::json> ProfileService::Get(const Principal& who, std::string_view lookup, std::string_view reason,
                                           std::string_view note, std::string_view brand) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadProfile));
  if (lookup.empty()) return InvalidArgument("give a user id, an anonymous id, email:<address> or phone:<number>");
  const auto& codes = d_.config.security.access_reasons;
  if (who.role == Role::kAgent && reason.empty())
    return InvalidArgument("agents must state why they read a profile: add ?reason=<code>, one of " +
                           ReasonCodes(codes) + " (and ?note= for details)");
  if (!reason.empty() && std::find(codes.begin(), codes.end(), reason) == codes.end())
    return InvalidArgument("reason: expected one of " + ReasonCodes(codes) + " (put details in ?note=)");
  if (note.size() > kMaxNoteBytes)
    return InvalidArgument("note: longer than " + std::to_string(kMaxNoteBytes) + " bytes");
  if (!note.empty() && reason.empty()) return InvalidArgument("note: give a reason code with it (?reason=)");
  ASSIGN_OR_RETURN(const std::string served, Access::ServedBrand(who, brand, d_.config.declaration));
  ASSIGN_OR_RETURN(profile::ProfileView view, reader_.View(lookup, d_.config.server.recent_events, served));
  // A brand's key sees that brand's customer: its events, and the shared
  // traits a purpose it runs allows.
  if (served != consent::kAllBrands) RETURN_IF_ERROR(ScopeToBrand(served, &view));
  const profile::Profile& p = view.profile;
  nlohmann::json detail = nlohmann::json::object();
  if (served != consent::kAllBrands) detail["brand"] = served;
  if (note.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    // The note may name the person (agents type what the caller said): it is
    // the person's data, sealed with their key, and goes when they are erased.
    const int64_t now = d_.env.NowMillis();
    const std::string key = profile::AccessNoteKey(p.id, now, d_.env.Random64());
    store::WriteBatch wb;
    wb.Put(key, nlohmann::json{{"at", now}, {"reason", reason}, {"note", note}, {"key", who.key_id}}.dump());
    RETURN_IF_ERROR(d_.store.Write(wb, /*sync=*/true));
    detail["note"] = "kept with the person's data";
  }
  RETURN_IF_ERROR(d_.audit.Append({"profile.read",
                                  AuditActor(who),
                                  p.id,
                                  {"identities", "traits", "channels", "recent_events", "merges"},
                                  std::string(reason),
                                  std::move(detail)}));
  return ProfileJson(view);
}

Status ProfileService::ScopeToBrand(const std::string& brand, profile::ProfileView* view) {
  const profile::Profile& p = view->profile;
  std::vector<profile::Event> all;
  RETURN_IF_ERROR(reader_.Events(p, 0, &all));
  std::vector<profile::Event> own;
  for (auto& e : all)
    if (e.brand == brand || e.brand == consent::kAllBrands) own.push_back(std::move(e));
  HideGroupIdentity(brand, own, view);
  view->profile.channels.clear();
  for (const auto& e : own) view->profile.Touch(e.channel, e.timestamp_ms);
  if (own.size() > static_cast<size_t>(d_.config.server.recent_events)) own.resize(d_.config.server.recent_events);
  view->recent_events = std::move(own);
  // The group's shared traits, as far as a purpose this brand runs allows.
  ASSIGN_OR_RETURN(consent::ConsentState state, consent::ConsentLedger(&d_.store).State(p.id));
  const schema::Declaration& d = d_.config.declaration;
  nlohmann::json traits = nlohmann::json::object();
  for (const auto& [name, value] : view->profile.traits.items()) {
    auto spec = d.traits.find(name);
    if (spec == d.traits.end()) continue;
    for (const auto& purpose : spec->second.purposes) {
      if (policy::Decide(d, state, {purpose, consent::kAllChannels, brand, spec->second.category}).allowed) {
        traits[name] = value;
        break;
      }
    }
  }
  view->profile.traits = std::move(traits);
  return Status::Ok();
}

void ProfileService::HideGroupIdentity(const std::string& brand, const std::vector<profile::Event>& own,
                                       profile::ProfileView* view) const {
  // The identity that joins a person across brands (other brands' devices,
  // the merges that joined them) is shared only with the brands that run the
  // purpose it rests on; the others see what they collected themselves.
  const schema::Declaration& d = d_.config.declaration;
  const schema::Brand* b = d.FindBrand(brand);
  if (d.identity.across_brands.empty() || !b || b->Runs(d.identity.across_brands)) return;
  std::set<std::string> collected;  // devices, e-mails and phones this brand's own calls carried
  for (const auto& e : own) {
    collected.insert(e.anonymous_id);
    for (const auto& [_, v] : e.traits.items()) {
      if (v.is_string()) collected.insert(v.get<std::string>());
    }
  }
  const auto not_collected = [&](const std::string& id) { return !collected.count(id); };
  std::erase_if(view->profile.anonymous_ids, not_collected);
  std::erase_if(view->profile.emails, not_collected);
  std::erase_if(view->profile.phones, not_collected);
  view->merges.clear();
}

nlohmann::json ProfileService::ProfileJson(const profile::ProfileView& view) const {
  const profile::Profile& p = view.profile;
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
