#include "service/consent_service.h"

#include <set>

#include "consent/policy.h"
#include "core/time_format.h"
#include "schema/identifiers.h"

namespace shinrai::service {

namespace {

const std::set<std::string>& ChangeFields() {
  static const std::set<std::string> k = {"purpose", "channel", "status", "source", "notice_version", "proof"};
  return k;
}

const std::set<std::string>& Sources() {
  static const std::set<std::string> k = {"web_banner", "app",  "email_link", "call_center", "store",
                                          "privacy_center", "tcf", "gpc", "api", "consent_manager"};
  return k;
}

Result<std::string> OptionalString(const nlohmann::json& j, const char* name, const std::string& where,
                                   std::string fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) return InvalidArgument(where + "." + name + ": expected a string");
  return it->get<std::string>();
}

}  // namespace

ConsentService::ConsentService(const schema::Config* config, store::Store* store, store::StagedWriter* writer,
                               WriteSerializer* serializer, Env* env)
    : config_(config),
      store_(store),
      writer_(writer),
      serializer_(serializer),
      env_(env),
      reader_(store, &config->declaration),
      ledger_(store),
      graph_(config->declaration.identity, env) {}

nlohmann::json ConsentService::StateJson(const profile::Profile& p, const consent::ConsentState& state) {
  const schema::Declaration& d = config_->declaration;
  nlohmann::json purposes = nlohmann::json::object();
  std::vector<std::string> channels = {std::string(consent::kAllChannels)};
  channels.insert(channels.end(), d.channels.begin(), d.channels.end());
  for (const auto& [id, purpose] : d.purposes) {
    nlohmann::json per_channel = nlohmann::json::object();
    for (const auto& ch : channels) {
      policy::Decision decision = policy::Decide(d, state, id, ch, "");
      nlohmann::json c = {{"allowed", decision.allowed}, {"reason", decision.reason}};
      if (const consent::ConsentRecord* r = state.Find(id, ch)) {
        c["status"] = consent::ConsentStatusName(r->status);
        c["source"] = r->source;
        c["at"] = FormatIso8601Millis(r->at_ms);
        c["notice_version"] = r->notice_version;
        c["set_for"] = r->channel;
      }
      per_channel[ch] = std::move(c);
    }
    purposes[id] = {{"legal_basis", schema::LegalBasisName(purpose.legal_basis)},
                    {"description", purpose.description},
                    {"channels", std::move(per_channel)}};
  }
  return {{"profile_id", p.id}, {"notice_version", d.consent.notice_version}, {"purposes", std::move(purposes)}};
}

Result<nlohmann::json> ConsentService::State(const Principal& who, std::string_view lookup) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadConsent));
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup));
  ASSIGN_OR_RETURN(consent::ConsentState state, ledger_.State(p.id));
  return StateJson(p, state);
}

Result<nlohmann::json> ConsentService::History(const Principal& who, std::string_view lookup) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadConsent));
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(lookup));
  std::vector<std::string> subjects = {p.id};
  subjects.insert(subjects.end(), p.absorbed.begin(), p.absorbed.end());
  ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> history, ledger_.History(subjects));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : history) {
    nlohmann::json j = consent::ConsentRecordToJson(r);
    j["at"] = FormatIso8601Millis(r.at_ms);
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"profile_id", p.id}, {"records", std::move(list)}};
}

Result<std::vector<consent::ConsentRecord>> ConsentService::ParseChanges(std::string_view body, int64_t now_ms) {
  const schema::Declaration& d = config_->declaration;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("the body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("the body must be a JSON object with \"changes\"");
  for (const auto& [k, _] : j.items()) {
    if (k != "changes" && k != "source" && k != "notice_version")
      return InvalidArgument("unknown field '" + k + "' (expected changes, source, notice_version)");
  }
  ASSIGN_OR_RETURN(std::string default_source, OptionalString(j, "source", "body", "api"));
  ASSIGN_OR_RETURN(std::string default_notice, OptionalString(j, "notice_version", "body", d.consent.notice_version));
  auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array() || changes->empty())
    return InvalidArgument("changes: expected a non-empty list of {purpose, channel, status}");
  if (changes->size() > 200) return InvalidArgument("changes: more than 200 in one request");
  std::vector<consent::ConsentRecord> out;
  for (size_t i = 0; i < changes->size(); ++i) {
    const nlohmann::json& c = (*changes)[i];
    const std::string where = "changes[" + std::to_string(i) + "]";
    if (!c.is_object()) return InvalidArgument(where + ": expected an object");
    for (const auto& [k, _] : c.items()) {
      if (!ChangeFields().count(k))
        return InvalidArgument(where + ": unknown field '" + k + "' (purpose, channel, status, source, notice_version, proof)");
    }
    consent::ConsentRecord r;
    ASSIGN_OR_RETURN(r.purpose, OptionalString(c, "purpose", where, ""));
    auto purpose = d.purposes.find(r.purpose);
    if (purpose == d.purposes.end()) return InvalidArgument(where + ".purpose: unknown purpose '" + r.purpose + "'");
    if (purpose->second.legal_basis == schema::LegalBasis::kContract ||
        purpose->second.legal_basis == schema::LegalBasis::kLegalObligation)
      return InvalidArgument(where + ".purpose: '" + r.purpose + "' rests on " +
                             std::string(schema::LegalBasisName(purpose->second.legal_basis)) + ", not on consent");
    ASSIGN_OR_RETURN(r.channel, OptionalString(c, "channel", where, std::string(consent::kAllChannels)));
    if (r.channel != consent::kAllChannels && !d.HasChannel(r.channel))
      return InvalidArgument(where + ".channel: unknown channel '" + r.channel + "'");
    ASSIGN_OR_RETURN(std::string status, OptionalString(c, "status", where, ""));
    auto parsed = consent::ParseConsentStatus(status);
    if (!parsed) return InvalidArgument(where + ".status: expected granted, denied or withdrawn");
    r.status = *parsed;
    ASSIGN_OR_RETURN(r.source, OptionalString(c, "source", where, default_source));
    if (!Sources().count(r.source)) return InvalidArgument(where + ".source: unknown source '" + r.source + "'");
    ASSIGN_OR_RETURN(r.notice_version, OptionalString(c, "notice_version", where, default_notice));
    ASSIGN_OR_RETURN(r.proof, OptionalString(c, "proof", where, ""));
    r.at_ms = now_ms;
    out.push_back(std::move(r));
  }
  return out;
}

Result<profile::Profile> ConsentService::ResolveForWrite(store::Transaction& txn, std::string_view lookup,
                                                         int64_t now_ms) {
  profile::Identifiers ids;
  const schema::Declaration& d = config_->declaration;
  if (lookup.rfind("email:", 0) == 0) {
    auto e = schema::NormalizeEmail(lookup.substr(6));
    if (!e) return InvalidArgument("'" + std::string(lookup.substr(6)) + "' is not an e-mail address");
    ids.email = *e;
  } else if (lookup.rfind("phone:", 0) == 0) {
    auto p = schema::NormalizePhone(lookup.substr(6), d.identity.default_country_code);
    if (!p) return InvalidArgument("'" + std::string(lookup.substr(6)) + "' is not a phone number");
    ids.phone = *p;
  } else if (lookup.rfind("profile:", 0) == 0) {
    return reader_.Find(lookup);
  } else {
    const std::string id(schema::Trim(lookup));
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
  const int64_t now = env_->NowMillis();
  auto records = ParseChanges(body, now);
  if (!records.ok()) return done(records.status());

  auto lock = serializer_->Lock();
  store::Transaction txn = writer_->Begin();
  auto p = ResolveForWrite(txn, lookup, now);
  if (!p.ok()) return done(p.status());
  auto state = consent::ConsentLedger::CurrentState(txn, p->id);
  if (!state.ok()) return done(state.status());
  for (auto& r : *records) r.subject = p->id;
  const int recorded = consent::ConsentLedger::Record(txn, p->id, &*state, *records, seq_);
  seq_ += records->size();
  nlohmann::json reply = StateJson(*p, *state);
  reply["recorded"] = recorded;
  writer_->Submit(std::move(txn), [reply = std::move(reply), done = std::move(done)](const Status& st) mutable {
    if (!st.ok()) return done(st);
    done(std::move(reply));
  });
}

}  // namespace shinrai::service
