#include "privacy/consent_service.h"

#include <set>

#include "consent/changes.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "profile/lookup.h"

namespace shinrai::service {

ConsentService::ConsentService(const UseCaseDeps& deps)
    : d_(deps),
      reader_(&deps.store, &deps.config.declaration),
      ledger_(&deps.store),
      graph_(deps.config.declaration.identity, &deps.env) {}

nlohmann::json ConsentService::StateJson(const profile::Profile& p, const consent::ConsentState& state,
                                         const std::string& brand) {
  const schema::Declaration& d = d_.config.declaration;
  nlohmann::json purposes = nlohmann::json::object();
  std::vector<std::string> channels = {std::string(consent::kAllChannels)};
  channels.insert(channels.end(), d.channels.begin(), d.channels.end());
  for (const auto& [id, purpose] : d.purposes) {
    nlohmann::json per_channel = nlohmann::json::object();
    for (const auto& ch : channels) {
      policy::Decision decision = policy::Decide(d, state, {id, ch, brand});
      nlohmann::json c = {{"allowed", decision.allowed}, {"reason", decision.reason}};
      if (const consent::ConsentRecord* r = state.Find(id, ch, brand)) {
        c["status"] = consent::ConsentStatusName(r->status);
        c["source"] = r->source;
        c["at"] = FormatIso8601Millis(r->at_ms);
        c["notice_version"] = r->notice_version;
        c["set_for"] = r->channel;
        if (r->brand != consent::kAllBrands || brand != consent::kAllBrands) c["set_for_brand"] = r->brand;
      }
      per_channel[ch] = std::move(c);
    }
    purposes[id] = {{"legal_basis", schema::LegalBasisName(purpose.legal_basis)},
                    {"description", purpose.description},
                    {"channels", std::move(per_channel)}};
  }
  nlohmann::json out = {{"profile_id", p.id}, {"notice_version", d.consent.notice_version},
                        {"purposes", std::move(purposes)}};
  if (brand != consent::kAllBrands) out["brand"] = brand;
  return out;
}

Status ConsentService::Audit(const Principal& who, const char* action, const std::string& subject,
                             std::vector<std::string> fields, nlohmann::json detail) {
  return d_.audit.Append({action, AuditActor(who), subject, std::move(fields), "", std::move(detail)});
}

Result<nlohmann::json> ConsentService::State(const Principal& who, std::string_view lookup, std::string_view brand) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadConsent));
  ASSIGN_OR_RETURN(const std::string served, Access::ServedBrand(who, brand, d_.config.declaration));
  // A brand's key learns nothing of people the brand never collected from.
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup, who.brand));
  ASSIGN_OR_RETURN(consent::ConsentState state, ledger_.State(p.id));
  RETURN_IF_ERROR(Audit(who, "consent.read", p.id, {"consent_state"}));
  return StateJson(p, state, served);
}

Result<nlohmann::json> ConsentService::History(const Principal& who, std::string_view lookup) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadConsent));
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup, who.brand));
  const std::vector<std::string> subjects = p.SourceIds();
  ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> history, ledger_.History(subjects));
  RETURN_IF_ERROR(Audit(who, "consent.read", p.id, {"consent_history"}));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : history) {
    nlohmann::json j = consent::ConsentRecordToJson(r);
    j["at"] = FormatIso8601Millis(r.at_ms);
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"profile_id", p.id}, {"records", std::move(list)}};
}

Result<profile::Profile> ConsentService::ResolveForWrite(store::Transaction& txn, std::string_view lookup,
                                                         int64_t now_ms) {
  profile::Identifiers ids;
  ASSIGN_OR_RETURN(profile::Lookup l, profile::ParseLookup(lookup, d_.config.declaration.identity.default_country_code));
  if (l.kind == profile::Lookup::Kind::kEmail) {
    ids.email = l.value;
  } else if (l.kind == profile::Lookup::Kind::kPhone) {
    ids.phone = l.value;
  } else if (l.kind == profile::Lookup::Kind::kProfile) {
    return reader_.Find(lookup);
  } else {
    const std::string& id = l.value;
    if (id.empty() || id.size() > 256) return InvalidArgument("the id must be 1 to 256 characters");
    // An existing anonymous visitor keeps their profile; otherwise it is a user id.
    ASSIGN_OR_RETURN(std::optional<std::string> anon, txn.Get(profile::IdentityKey(profile::IdKind::kAnonymous, id)));
    ASSIGN_OR_RETURN(std::optional<std::string> user, txn.Get(profile::IdentityKey(profile::IdKind::kUser, id)));
    if (anon && !user) ids.anonymous_id = id;
    else ids.user_id = id;
  }
  ASSIGN_OR_RETURN(profile::Resolution r, graph_.Resolve(txn, ids, "consent-api", now_ms));
  if (r.created) profile::IdentityGraph::Save(txn, r.profile);
  return std::move(r.profile);
}

void ConsentService::Change(const Principal& who, std::string_view lookup, std::string_view body, Done done) {
  Status allowed = Access::Authorize(who, Operation::kWriteConsent);
  if (!allowed.ok()) return done(allowed);
  const int64_t now = d_.env.NowMillis();
  auto records = consent::ParseConsentChanges(d_.config.declaration, body, now, who.brand);
  if (!records.ok()) return done(records.status());
  for (const auto& r : *records) {
    // A brand's key speaks for its own brand only; the group's, for any.
    if (auto served = Access::ServedBrand(who, r.brand, d_.config.declaration); !served.ok()) return done(served.status());
  }

  auto lock = d_.serializer.Lock();
  store::Transaction txn = d_.writer.Begin();
  auto p = ResolveForWrite(txn, lookup, now);
  if (!p.ok()) return done(p.status());
  if (!p->CustomerOf(who.brand)) {
    // Stating a choice to a brand (its privacy center) makes one its customer.
    p->AddBrand(who.brand);
    profile::IdentityGraph::Save(txn, *p);
  }
  auto state = consent::ConsentLedger::CurrentState(txn, p->id);
  if (!state.ok()) return done(state.status());
  for (auto& r : *records) r.subject = p->id;
  auto appended = consent::ConsentLedger::Record(txn, p->id, &*state, *records);
  if (!appended.ok()) return done(appended.status());
  nlohmann::json reply = StateJson(*p, *state, who.brand);
  reply["recorded"] = appended->size();
  if (!appended->empty()) {
    if (Status s = Audit(who, "consent.change", p->id, consent::StatementsOf(*appended),
                         {{"records", consent::FingerprintsOf(*appended)}});
        !s.ok())
      return done(s);
  }
  d_.writer.Submit(std::move(txn), [reply = std::move(reply), done = std::move(done)](const Status& st) mutable {
    if (!st.ok()) return done(st);
    done(std::move(reply));
  });
}

}  // namespace shinrai::service
