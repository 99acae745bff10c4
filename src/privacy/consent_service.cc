#include "privacy/consent_service.h"

#include <set>

#include "consent/changes.h"
#include "consent/policy.h"
#include "consent/quiet_hours.h"
#include "core/time_format.h"
#include "profile/identity_space.h"
#include "profile/keys.h"
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
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup, who.brand, served));
  ASSIGN_OR_RETURN(consent::ConsentState state, ledger_.State(p.id));
  RETURN_IF_ERROR(Audit(who, "consent.read", p.id, {"consent_state"}));
  nlohmann::json out = StateJson(p, state, served);
  // When a message may go: the person's quiet hours at that brand, and
  // whether they are in them now (what a sender checks before sending).
  ASSIGN_OR_RETURN(std::optional<consent::QuietHours> quiet, consent::ReadQuietHours(d_.store, p.SourceIds(), served));
  out["quiet_hours"] = quiet ? consent::QuietHoursToJson(*quiet) : nlohmann::json(nullptr);
  out["in_quiet_hours_now"] = quiet && consent::InQuietHours(*quiet, d_.env.NowMillis());
  return out;
}

Result<nlohmann::json> ConsentService::History(const Principal& who, std::string_view lookup, std::string_view brand) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadConsent));
  ASSIGN_OR_RETURN(const std::string named_at, Access::ServedBrand(who, brand, d_.config.declaration));
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup, who.brand, named_at));
  const std::vector<std::string> subjects = p.SourceIds();
  ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> history, ledger_.History(subjects));
  RETURN_IF_ERROR(Audit(who, "consent.read", p.id, {"consent_history"}));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : history) {
    // What the person told another brand is that brand's to read.
    if (named_at != consent::kAllBrands && r.brand != consent::kAllBrands && r.brand != named_at) continue;
    nlohmann::json j = consent::ConsentRecordToJson(r);
    j["at"] = FormatIso8601Millis(r.at_ms);
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"profile_id", p.id}, {"records", std::move(list)}};
}

Result<profile::Profile> ConsentService::ResolveForWrite(store::Transaction& txn, std::string_view lookup,
                                                         const Principal& who, std::string_view brand,
                                                         int64_t now_ms) {
  const schema::Declaration& decl = d_.config.declaration;
  profile::Identifiers ids;
  ASSIGN_OR_RETURN(profile::Lookup l, profile::ParseLookup(lookup, decl.identity.default_country_code));
  if (l.kind == profile::Lookup::Kind::kProfile) return reader_.Find(lookup, who.brand);
  if (l.kind == profile::Lookup::Kind::kId && (l.value.empty() || l.value.size() > 256))
    return InvalidArgument("the id must be 1 to 256 characters");

  // Which of the index's names the lookup is: an existing anonymous visitor
  // keeps their profile; any other id is a user id.
  auto named = [&](const std::string& space) -> Result<std::optional<profile::IdKind>> {
    for (profile::IdKind kind : profile::IdKindsOf(l)) {
      ASSIGN_OR_RETURN(std::optional<std::string> pid, txn.Get(profile::IdentityKey(kind, l.value, space)));
      if (pid) return std::optional<profile::IdKind>(kind);
    }
    return std::optional<profile::IdKind>();
  };

  ids.space = profile::IdentitySpace(decl, brand);
  std::optional<profile::IdKind> kind;
  if (brand == "*" && decl.BrandsKeepOwnPeople()) {
    // A group-wide choice is about whoever the id names at any brand; where
    // it names someone at several, only the caller can say which was meant.
    std::vector<std::string> spaces;
    for (const auto& space : profile::IdentitySpaces(decl)) {
      ASSIGN_OR_RETURN(std::optional<profile::IdKind> k, named(space));
      if (!k) continue;
      spaces.push_back(space);
      kind = k;
    }
    if (spaces.size() > 1)
      return Conflict("'" + std::string(lookup) +
                      "' names a different person at several brands (each brand keeps its own people): state the "
                      "choice to one brand with \"brand\"");
    if (!spaces.empty()) ids.space = spaces.front();
  } else {
    ASSIGN_OR_RETURN(kind, named(ids.space));
  }
  if (l.kind == profile::Lookup::Kind::kEmail) ids.email = l.value;
  else if (l.kind == profile::Lookup::Kind::kPhone) ids.phone = l.value;
  else if (kind == profile::IdKind::kAnonymous) ids.anonymous_id = l.value;
  else ids.user_id = l.value;
  ASSIGN_OR_RETURN(profile::Resolution r, graph_.Resolve(txn, ids, "consent-api", now_ms));
  if (r.created) profile::IdentityGraph::Save(txn, r.profile);
  return std::move(r.profile);
}

// The brand a change speaks to: the key's, or the one brand every statement
// names; "*" when a group key states choices for the group or several brands.
std::string ConsentService::BrandSpokenTo(const Principal& who, const std::vector<consent::ConsentRecord>& records) {
  if (who.brand != "*") return who.brand;
  std::string brand;
  for (const auto& r : records) {
    if (r.brand == "*" || (!brand.empty() && r.brand != brand)) return "*";
    brand = r.brand;
  }
  return brand.empty() ? "*" : brand;
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

  auto lock = d_.serializer.LockForRequest();
  if (!lock.ok()) return done(lock.status());
  store::Transaction txn = d_.writer.Begin();
  const std::string brand = BrandSpokenTo(who, *records);
  auto p = ResolveForWrite(txn, lookup, who, brand, now);
  if (!p.ok()) return done(p.status());
  const schema::Declaration& d = d_.config.declaration;
  if (d.BrandsKeepOwnPeople() && brand != consent::kAllBrands && !p->brands.empty() &&
      profile::SpaceOf(d, *p) != profile::IdentitySpace(d, brand)) {
    // Named by profile id, someone else's person: each brand keeps its own.
    return done(Conflict("that profile is a person of brand '" + profile::BrandOfSpace(d, profile::SpaceOf(d, *p)) +
                         "', and each brand keeps its own people: state the choice to that brand"));
  }
  if (!p->CustomerOf(brand)) {
    // Stating a choice to a brand (its privacy center) makes one its customer.
    p->AddBrand(brand);
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
