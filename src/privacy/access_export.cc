// The access export (GDPR art. 15 and 20): everything held about a person,
// with why, since when, until when, from which brand and for whom.
#include <algorithm>
#include <set>

#include "consent/ledger.h"
#include "consent/quiet_hours.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "privacy/rights_records.h"
#include "privacy/rights_service.h"
#include "profile/keys.h"
#include "privacy/retention_service.h"

namespace shinrai::service {

namespace {

// Each trait with why it is held and for how long; adds their purposes to `purposes_used`.
nlohmann::json ExportTraits(const schema::Declaration& d, const profile::Profile& p,
                            std::set<std::string>* purposes_used) {
  nlohmann::json traits = nlohmann::json::array();
  for (const auto& [name, value] : p.traits.items()) {
    nlohmann::json t = {{"name", name}, {"value", value}, {"source", "identify calls and rectifications"}};
    if (auto spec = d.traits.find(name); spec != d.traits.end()) {
      t["category"] = spec->second.category;
      t["sensitivity"] = schema::SensitivityName(spec->second.sensitivity);
      t["purposes"] = spec->second.purposes;
      t["retention"] = RetentionJson(spec->second.retention_seconds);
      for (const auto& pu : spec->second.purposes) purposes_used->insert(pu);
    }
    traits.push_back(std::move(t));
  }
  return traits;
}

// Each event with why it is held and for how long; adds their purposes to `purposes_used`.
nlohmann::json ExportEvents(const schema::Declaration& d, const std::vector<profile::Event>& events,
                            std::set<std::string>* purposes_used) {
  nlohmann::json event_list = nlohmann::json::array();
  for (const auto& e : events) {
    nlohmann::json j = profile::EventToJson(e);
    j["source"] = e.source;
    const std::string spec_name = e.type == profile::CallType::kTrack ? e.name : std::string(profile::CallTypeName(e.type));
    if (e.type == profile::CallType::kIdentify || e.type == profile::CallType::kGroup ||
        e.type == profile::CallType::kAlias) {
      // These calls carry traits and identities: the traits' declarations say why and how long.
      std::set<std::string> why;
      const schema::FieldMap& fields = e.type == profile::CallType::kGroup ? d.group_traits : d.traits;
      for (const auto& [name, _] : e.traits.items()) {
        if (auto f = fields.find(name); f != fields.end()) why.insert(f->second.purposes.begin(), f->second.purposes.end());
      }
      if (why.empty()) why.insert("service");  // linking identities runs the customer's account
      j["purposes"] = why;
      j["retention"] = RetentionJson(EventRetentionSeconds(d, e));  // what the retention job applies
      purposes_used->insert(why.begin(), why.end());
    } else if (const schema::EventSpec* spec = d.FindEvent(spec_name)) {
      j["category"] = spec->category;
      j["purposes"] = spec->purposes;
      j["retention"] = RetentionJson(spec->retention_seconds);
      if (spec->retention_seconds > 0)
        j["kept_until"] = FormatIso8601Millis(e.timestamp_ms + spec->retention_seconds * 1000);
      for (const auto& pu : spec->purposes) purposes_used->insert(pu);
    }
    event_list.push_back(std::move(j));
  }
  return event_list;
}

// What the person's choices allow now, per purpose and channel, for `brand`
// ("*": the group's own uses); a brand's, for the purposes it runs.
nlohmann::json DecisionsJson(const schema::Declaration& d, const consent::ConsentState& state, const std::string& brand) {
  const schema::Brand* runs = d.FindBrand(brand);
  nlohmann::json decisions = nlohmann::json::object();
  for (const auto& [id, _] : d.purposes) {
    if (runs && !runs->Runs(id)) continue;
    for (const auto& channel : d.channels) {
      policy::Decision dec = policy::Decide(d, state, {id, channel, brand});
      decisions[id][channel] = {{"allowed", dec.allowed}, {"reason", dec.reason}};
    }
  }
  return decisions;
}

// The consent history of every profile of the person, and what their choices
// allow now, per purpose and channel.
Result<nlohmann::json> ExportConsent(const schema::Declaration& d, store::Store* store,
                                     const std::vector<std::string>& ids, const consent::ConsentState& state) {
  ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> history, consent::ConsentLedger(store).History(ids));
  nlohmann::json consent_history = nlohmann::json::array();
  for (const auto& r : history) consent_history.push_back(consent::ConsentRecordToJson(r));
  return nlohmann::json{{"decisions", DecisionsJson(d, state, std::string(consent::kAllBrands))},
                        {"history", consent_history}};
}

// The merge and recommendation-feedback records of every profile of the person.
Status ExportRecords(store::Store* store, const std::vector<std::string>& ids, nlohmann::json* merges,
                     nlohmann::json* feedback) {
  for (const auto& id : ids) {
    for (const auto& [prefix, into] :
         {std::pair{profile::MergePrefix(id), merges}, std::pair{profile::FeedbackPrefix(id), feedback}}) {
      store::ScanOptions so;
      so.prefix = prefix;
      nlohmann::json* out = into;  // a structured binding cannot be captured by clang 14
      RETURN_IF_ERROR(store->Scan(so, [out](std::string_view, std::string_view v) {
        nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
        if (!j.is_discarded()) out->push_back(std::move(j));
        return true;
      }));
    }
  }
  return Status::Ok();
}

// Every declared purpose, marked where the person's data serves it.
nlohmann::json ExportPurposes(const schema::Declaration& d, const std::set<std::string>& purposes_used) {
  nlohmann::json purposes = nlohmann::json::array();
  for (const auto& [id, _] : d.purposes) {
    nlohmann::json pj = PurposeJson(d, id);
    pj["applies_to_your_data"] = purposes_used.count(id) > 0;
    purposes.push_back(std::move(pj));
  }
  return purposes;
}

// What each of the group's brands holds of the person: the events it
// collected, the choices stated to it (or to every brand), what those
// choices allow it now, and who answers for it.
nlohmann::json BrandHoldings(const schema::Declaration& d, const profile::Profile& p,
                             const std::vector<profile::Event>& events, const consent::ConsentState& state,
                             const nlohmann::json& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& brand_id : p.brands) {
    const schema::Brand* brand = d.FindBrand(brand_id);
    if (!brand) continue;
    int64_t held = 0, first = 0, last = 0;
    for (const auto& e : events) {
      if (e.brand != brand_id) continue;
      ++held;
      first = first == 0 ? e.timestamp_ms : std::min(first, e.timestamp_ms);
      last = std::max(last, e.timestamp_ms);
    }
    int64_t choices = 0;
    for (const auto& r : history) choices += r.value("brand", std::string(consent::kAllBrands)) == brand_id;
    nlohmann::json j = {{"brand", brand_id},          {"name", brand->name},
                         {"controller", brand->controller}, {"contact", brand->contact},
                         {"profile_id", p.id},         {"events", held},
                         {"choices_stated_to_it", choices}, {"decisions", DecisionsJson(d, state, brand_id)}};
    if (held) {
      j["first_event_at"] = FormatIso8601Millis(first);
      j["last_event_at"] = FormatIso8601Millis(last);
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

Result<nlohmann::json> RightsService::Export(std::string_view lookup) {
  const schema::Declaration& d = d_.config.declaration;
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup));
  const std::vector<std::string> ids = p.SourceIds();
  std::set<std::string> purposes_used;
  nlohmann::json traits = ExportTraits(d, p, &purposes_used);
  std::vector<profile::Event> events;
  RETURN_IF_ERROR(reader_.Events(p, 0, &events));
  nlohmann::json event_list = ExportEvents(d, events, &purposes_used);
  ASSIGN_OR_RETURN(consent::ConsentState state, consent::ConsentLedger(&d_.store).State(p.id));
  ASSIGN_OR_RETURN(nlohmann::json consent, ExportConsent(d, &d_.store, ids, state));
  nlohmann::json merges = nlohmann::json::array();
  nlohmann::json feedback = nlohmann::json::array();
  RETURN_IF_ERROR(ExportRecords(&d_.store, ids, &merges, &feedback));

  ASSIGN_OR_RETURN(std::vector<nlohmann::json> requests, List());
  nlohmann::json own_requests = nlohmann::json::array();
  for (auto& r : requests) {
    if (r.value("profile_id", "") == p.id) {
      r.erase("requested_by");
      own_requests.push_back(std::move(r));
    }
  }

  // Quiet hours stated to each brand ("*": the group), under the person's own id.
  nlohmann::json quiet_hours = nlohmann::json::object();
  for (const auto& id : ids) {
    store::ScanOptions qh;
    qh.prefix = consent::QuietHoursPrefix(id);
    RETURN_IF_ERROR(d_.store.Scan(qh, [&](std::string_view key, std::string_view v) {
      const std::string brand(key.substr(qh.prefix.size()));
      if (!quiet_hours.contains(brand)) quiet_hours[brand] = nlohmann::json::parse(v, nullptr, false);
      return true;
    }));
  }

  nlohmann::json identities = {{"user_id", p.user_id}, {"anonymous_ids", p.anonymous_ids},
                               {"emails", p.emails}, {"phones", p.phones}};
  nlohmann::json out = {{"format", "shinrai-export/1"},
                         {"generated_at", FormatIso8601Millis(d_.env.NowMillis())},
                         {"profile_id", p.id},
                         {"merged_profiles", p.absorbed},
                         {"created_at", FormatIso8601Millis(p.created_ms)},
                         {"identities", identities},
                         {"traits", traits},
                         {"groups", p.groups},
                         {"events", event_list},
                         {"consent", consent},
                         {"quiet_hours", quiet_hours},
                         {"merges", merges},
                         {"recommendation_feedback", feedback},
                         {"rights_requests", own_requests},
                         {"purposes", ExportPurposes(d, purposes_used)}};
  if (!d.brands.empty()) out["brands"] = BrandHoldings(d, p, events, state, consent["history"]);
  return out;
}

Result<nlohmann::json> RightsService::ExportAll(const std::vector<std::string>& profile_ids) {
  if (profile_ids.empty()) return NotFound("no profile to export");
  ASSIGN_OR_RETURN(nlohmann::json out, Export("profile:" + profile_ids.front()));
  // Where each brand keeps its own people, the group holds one person per
  // brand that knows the subject: each is exported whole.
  for (size_t i = 1; i < profile_ids.size(); ++i) {
    auto other = Export("profile:" + profile_ids[i]);
    if (!other.ok() && other.status().code() == Code::kNotFound) continue;
    if (!other.ok()) return other.status();
    for (auto& b : (*other)["brands"]) out["brands"].push_back(b);
    out["people_at_other_brands"].push_back(std::move(*other));
  }
  return out;
}

}  // namespace shinrai::service
