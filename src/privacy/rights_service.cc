#include "privacy/rights_service.h"

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>

#include "consent/ledger.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "crypto/aead.h"
#include "profile/keys.h"
#include "profile/merged_profiles.h"
#include "privacy/export_html.h"
#include "privacy/retention_service.h"
#include "profile/lookup.h"
#include "schema/field_filter.h"

namespace shinrai::service {

namespace {

const std::set<std::string> kTypes = {"access", "erasure", "rectification", "restriction", "objection"};

std::string RightsKey(std::string_view id) { return std::string(kRightsPrefix) + std::string(id); }

nlohmann::json PurposeJson(const schema::Declaration& d, const std::string& id) {
  auto it = d.purposes.find(id);
  if (it == d.purposes.end()) return {{"id", id}};
  const schema::Purpose& p = it->second;
  return {{"id", id},
          {"legal_basis", schema::LegalBasisName(p.legal_basis)},
          {"description", p.description},
          {"recipients", p.recipients}};
}

nlohmann::json Retention(int64_t seconds) {
  if (seconds <= 0) return "as long as the purpose needs it (no fixed period declared)";
  return std::to_string(seconds / 86400) + " days";
}

std::vector<std::string> PersonPrefixes(const std::string& pid) {
  return {profile::EventPrefix(pid), profile::MergePrefix(pid), profile::FeedbackPrefix(pid),
          profile::AccessNotePrefix(pid), consent::ConsentLedger::RecordsPrefix(pid)};
}

}  // namespace

Status RightsService::Commit(store::Transaction txn) {
  std::promise<Status> committed;
  auto future = committed.get_future();
  d_.writer.Submit(std::move(txn), [&committed](const Status& st) { committed.set_value(st); });
  return future.get();
}

Status RightsService::Audit(const Principal& who, std::string action, const std::string& subject,
                            nlohmann::json detail, bool sync) {
  audit::AuditEntry e;
  e.action = std::move(action);
  e.actor = AuditActor(who);
  e.subject = subject;
  e.detail = std::move(detail);
  return d_.audit.Append(e, sync);
}

namespace {

// A restriction or objection may be asked of one brand ("brand": id) or,
// by default, of the whole group ("*").
Result<std::string> RequestBrand(const schema::Declaration& d, const nlohmann::json& req, const std::string& type) {
  if (!req.contains("brand")) return std::string(consent::kAllBrands);
  if (type != "restriction" && type != "objection")
    return InvalidArgument("brand: for restriction and objection only (the other requests concern the whole group)");
  if (!req["brand"].is_string()) return InvalidArgument("brand: expected a brand id or *");
  const std::string brand = req["brand"];
  if (brand != consent::kAllBrands && !d.FindBrand(brand))
    return InvalidArgument("brand: no brand '" + brand.substr(0, 64) + "' is declared");
  return brand;
}

}  // namespace

Result<nlohmann::json> RightsService::Create(const Principal& who, std::string_view body) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kRightsRequest));
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object()) return InvalidArgument("the body must be a JSON object {\"type\", \"subject\"}");
  for (const auto& [k, _] : req.items()) {
    if (k != "type" && k != "subject" && k != "traits" && k != "lift" && k != "note" && k != "brand")
      return InvalidArgument("unknown field '" + k + "' (expected type, subject, traits, lift, note, brand)");
  }
  if (!req.contains("type") || !req["type"].is_string() || !kTypes.count(req["type"].get<std::string>()))
    return InvalidArgument("type: expected one of access, erasure, rectification, restriction, objection");
  if (!req.contains("subject") || !req["subject"].is_string() || req["subject"].get<std::string>().empty())
    return InvalidArgument("subject: expected a user id, an anonymous id, email:<address> or phone:<number>");
  const std::string type = req["type"];
  const std::string subject = req["subject"];
  if (req.contains("traits") && type != "rectification") return InvalidArgument("traits: only for rectification");
  if (type == "rectification" && (!req.contains("traits") || !req["traits"].is_object() || req["traits"].empty()))
    return InvalidArgument("traits: a rectification names the traits to correct, e.g. {\"traits\": {\"name\": \"...\"}}");
  if (req.contains("lift") && (!req["lift"].is_boolean() || (type != "restriction" && type != "objection")))
    return InvalidArgument("lift: true or false, for restriction and objection only");
  if (req.contains("note") && !req["note"].is_string()) return InvalidArgument("note: expected text");
  ASSIGN_OR_RETURN(const std::string brand, RequestBrand(d_.config.declaration, req, type));

  const int64_t received = d_.env.NowMillis();
  nlohmann::json record = {{"id", "rr_" + d_.env.NewId()},
                           {"type", type},
                           {"status", "in_progress"},
                           {"received_at", FormatIso8601Millis(received)},
                           {"due", FormatIso8601Millis(received + d_.config.security.rights_deadline_seconds * 1000)},
                           {"requested_by", who.key_name},
                           {"note", req.value("note", "")}};
  auto found = reader_.Find(subject);
  if (!found.ok() && found.status().code() != Code::kNotFound) return found.status();
  if (type == "erasure") {
    const std::string subject_hash = SubjectHash(subject);
    // The first step of an erasure removes the identity links, so a retry
    // after a crash finds nobody: it completes the erasure that was begun.
    if (!found.ok()) {
      ASSIGN_OR_RETURN(std::optional<nlohmann::json> begun, FindBegunErasure(subject_hash));
      if (begun) return FinishErasure(AuditActor(who), std::move(*begun), nullptr, /*resumed=*/true);
    } else {
      return Erase(who, *found, std::move(record), subject_hash);
    }
  }
  nlohmann::json outcome;
  std::string pid;
  if (!found.ok()) {
    if (type == "erasure") {
      // Nothing held, but the person asked not to be held: suppress the identifier.
      ASSIGN_OR_RETURN(profile::Lookup l, profile::ParseLookup(subject, d_.config.declaration.identity.default_country_code));
      profile::Profile ghost;
      if (l.kind == profile::Lookup::Kind::kEmail) ghost.emails = {l.value};
      else if (l.kind == profile::Lookup::Kind::kPhone) ghost.phones = {l.value};
      else if (l.kind == profile::Lookup::Kind::kId) {
        ghost.user_id = l.value;  // an id may be either kind
        ghost.anonymous_ids = {l.value};
      }
      auto lock = d_.serializer.Lock();
      store::Transaction txn = d_.writer.Begin();
      d_.suppression.Add(txn, ghost, received);
      RETURN_IF_ERROR(Commit(std::move(txn)));
      outcome = {{"found", false}, {"identifiers_suppressed", 1}};
      record["status"] = "completed";
    } else {
      outcome = {{"found", false}, {"reason", "no data is held about this subject"}};
      record["status"] = type == "access" ? "completed" : "rejected";
    }
  } else {
    pid = found->id;
    if (type == "access") {
      outcome = {{"found", true}, {"export", "GET /v1/rights/requests/" + record["id"].get<std::string>()}};
    } else if (type == "rectification") {
      ASSIGN_OR_RETURN(outcome, Rectify(who, *found, req["traits"]));
    } else {
      ASSIGN_OR_RETURN(outcome, RecordRight(who, *found,
                                            type == "restriction" ? policy::kRestrictionPurpose
                                                                  : policy::kProfilingObjectionPurpose,
                                            req.value("lift", false), brand));
    }
    record["status"] = "completed";
  }
  record["profile_id"] = pid;
  record["outcome"] = outcome;
  record["completed_at"] = FormatIso8601Millis(d_.env.NowMillis());
  // Audited before the record is saved: a crash between the two leaves an
  // entry for a request the caller will file again, never a request done
  // without its entry.
  RETURN_IF_ERROR(Audit(who, "rights." + type, pid, {{"request", record["id"]}, {"status", record["status"]}},
                        type == "erasure"));
  store::Transaction txn = d_.writer.Begin();
  txn.Put(RightsKey(record["id"].get<std::string>()), record.dump());
  RETURN_IF_ERROR(Commit(std::move(txn)));
  return record;
}

Result<nlohmann::json> RightsService::Get(const Principal& who, std::string_view id) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kRightsRequest));
  ASSIGN_OR_RETURN(std::optional<std::string> raw, d_.store.Get(RightsKey(id)));
  if (!raw) return NotFound("no rights request '" + std::string(id) + "'");
  nlohmann::json record = nlohmann::json::parse(*raw, nullptr, false);
  if (record.is_discarded()) return Internal("rights request '" + std::string(id) + "' is damaged");
  const std::string pid = record.value("profile_id", "");
  if (record["type"] == "erasure" && record.contains("erased_profiles") && d_.vault) {
    // Checked now, not remembered: an auditor sees that no key survived.
    ASSIGN_OR_RETURN(record["keys_remaining"], KeysRemaining(record["erased_profiles"]));
  }
  if (record["type"] == "access" && record["status"] == "completed" && !pid.empty()) {
    auto exported = Export("profile:" + pid);
    if (exported.ok()) {
      record["export"] = std::move(*exported);
      RETURN_IF_ERROR(Audit(who, "rights.export", pid, {{"request", record["id"]}}, false));
    } else if (exported.status().code() == Code::kNotFound) {
      record["export"] = nullptr;
      record["export_note"] = "the person's data was erased since";
    } else {
      return exported.status();
    }
  }
  return record;
}

Result<std::string> RightsService::GetHtml(const Principal& who, std::string_view id) {
  ASSIGN_OR_RETURN(nlohmann::json record, Get(who, id));
  if (record["type"] != "access") return InvalidArgument("only access requests have a page to show (this is " +
                                                         record["type"].get<std::string>() + ")");
  return RenderExportHtml(record);
}

Result<std::vector<nlohmann::json>> RightsService::List() { return ListRightsRequests(d_.store); }

Result<std::vector<nlohmann::json>> ListRightsRequests(store::Store& store) {
  std::vector<nlohmann::json> out;
  store::ScanOptions so;
  so.prefix = std::string(kRightsPrefix);
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
    nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
    return true;
  }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.value("received_at", "") < b.value("received_at", "");
  });
  return out;
}

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
      t["retention"] = Retention(spec->second.retention_seconds);
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
      j["retention"] = Retention(EventRetentionSeconds(d, e));  // what the retention job applies
      purposes_used->insert(why.begin(), why.end());
    } else if (const schema::EventSpec* spec = d.FindEvent(spec_name)) {
      j["category"] = spec->category;
      j["purposes"] = spec->purposes;
      j["retention"] = Retention(spec->retention_seconds);
      if (spec->retention_seconds > 0)
        j["kept_until"] = FormatIso8601Millis(e.timestamp_ms + spec->retention_seconds * 1000);
      for (const auto& pu : spec->purposes) purposes_used->insert(pu);
    }
    event_list.push_back(std::move(j));
  }
  return event_list;
}

// The consent history of every profile of the person, and what their choices
// allow now, per purpose and channel.
Result<nlohmann::json> ExportConsent(const schema::Declaration& d, store::Store* store,
                                     const std::vector<std::string>& ids, const std::string& profile_id) {
  consent::ConsentLedger ledger(store);
  ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> history, ledger.History(ids));
  nlohmann::json consent_history = nlohmann::json::array();
  for (const auto& r : history) consent_history.push_back(consent::ConsentRecordToJson(r));
  ASSIGN_OR_RETURN(consent::ConsentState state, ledger.State(profile_id));
  nlohmann::json decisions = nlohmann::json::object();
  for (const auto& [id, purpose] : d.purposes) {
    for (const auto& channel : d.channels) {
      policy::Decision dec = policy::Decide(d, state, {id, channel, consent::kAllBrands});
      decisions[id][channel] = {{"allowed", dec.allowed}, {"reason", dec.reason}};
    }
  }
  return nlohmann::json{{"decisions", decisions}, {"history", consent_history}};
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
  ASSIGN_OR_RETURN(nlohmann::json consent, ExportConsent(d, &d_.store, ids, p.id));
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

  nlohmann::json identities = {{"user_id", p.user_id}, {"anonymous_ids", p.anonymous_ids},
                               {"emails", p.emails}, {"phones", p.phones}};
  return nlohmann::json{{"format", "shinrai-export/1"},
                        {"generated_at", FormatIso8601Millis(d_.env.NowMillis())},
                        {"profile_id", p.id},
                        {"merged_profiles", p.absorbed},
                        {"created_at", FormatIso8601Millis(p.created_ms)},
                        {"identities", identities},
                        {"traits", traits},
                        {"groups", p.groups},
                        {"events", event_list},
                        {"consent", consent},
                        {"merges", merges},
                        {"recommendation_feedback", feedback},
                        {"rights_requests", own_requests},
                        {"purposes", ExportPurposes(d, purposes_used)}};
}

// Erasure in two phases, so that a crash anywhere leaves it resumable:
//   1. one atomic, synced write deletes the person's records and identity
//      links, suppresses their identifiers and stores the request record as
//      "erasing" with the profile ids whose keys are still to be destroyed;
//   2. FinishErasure destroys the keys, compacts, audits (once) and marks
//      the record completed. It runs again on a retry (FindBegunErasure) and
//      at start-up (ResumeErasures) until it has run to its end.
Result<nlohmann::json> RightsService::Erase(const Principal& who, const profile::Profile& found,
                                            nlohmann::json record, const std::string& subject_hash) {
  const int64_t now = d_.env.NowMillis();
  std::vector<profile::Profile> people;
  std::vector<std::string> identity_keys;  // deleted now, compacted in the second phase
  int64_t deleted = 0;
  {
    auto lock = d_.serializer.Lock();
    // Whatever collection staged for this person before the lock must be on disk
    // before we list what to delete.
    RETURN_IF_ERROR(d_.writer.Flush());
    store::Transaction txn = d_.writer.Begin();
    ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(found.id)));
    if (!raw) return NotFound("the profile was erased meanwhile");
    ASSIGN_OR_RETURN(profile::Profile survivor, profile::DecodeProfile(*raw));
    ASSIGN_OR_RETURN(people, profile::MergedProfiles(txn, survivor));
    for (const auto& p : people) {
      for (const auto& prefix : PersonPrefixes(p.id)) {
        store::ScanOptions so;
        so.prefix = prefix;
        RETURN_IF_ERROR(d_.store.Scan(so, [&](std::string_view k, std::string_view) {
          txn.Delete(std::string(k));
          ++deleted;
          return true;
        }));
      }
      txn.Delete(profile::ProfileKey(p.id));
      txn.Delete(consent::ConsentLedger::StateKey(p.id));
      deleted += 2;
      for (auto& key : profile::IdentityKeysOf(p)) {
        txn.Delete(key);
        ++deleted;
        identity_keys.push_back(std::move(key));
      }
      d_.suppression.Add(txn, p, now);
    }
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& p : people) ids.push_back(p.id);
    record["status"] = "erasing";
    record["profile_id"] = survivor.id;
    record["erased_profiles"] = ids;
    record["subject_hash"] = subject_hash;
    record["records_deleted"] = deleted;
    txn.Put(RightsKey(record["id"].get<std::string>()), record.dump());
    RETURN_IF_ERROR(Commit(std::move(txn)));
  }
  return FinishErasure(AuditActor(who), std::move(record), &identity_keys, /*resumed=*/false);
}

Result<nlohmann::json> RightsService::FinishErasure(const audit::Actor& actor, nlohmann::json record,
                                                    const std::vector<std::string>* identity_keys, bool resumed) {
  const auto start = std::chrono::steady_clock::now();
  const std::string id = record["id"];
  std::vector<std::string> ids;
  for (const auto& p : record["erased_profiles"]) ids.push_back(p.get<std::string>());
  // Crypto-shredding: with the keys gone, copies of the records anywhere
  // (backups, files not yet compacted) cannot be read.
  int64_t destroyed = 0;
  if (d_.vault) {
    for (const auto& pid : ids) {
      ASSIGN_OR_RETURN(bool was_there, d_.vault->Destroy(pid));
      destroyed += was_there;
    }
  }
  for (const auto& pid : ids) {
    for (const auto& prefix : PersonPrefixes(pid)) RETURN_IF_ERROR(d_.store.CompactPrefix(prefix));
    RETURN_IF_ERROR(d_.store.CompactPrefix(profile::ProfileKey(pid)));
    RETURN_IF_ERROR(d_.store.CompactPrefix(consent::ConsentLedger::StateKey(pid)));
  }
  if (identity_keys) {
    for (const auto& key : *identity_keys) RETURN_IF_ERROR(d_.store.CompactPrefix(key));
  } else {
    // Resumed: the identifiers are no longer known (they were deleted in the
    // first phase and never written into the record), so the whole index.
    RETURN_IF_ERROR(d_.store.CompactPrefix(profile::IdentityFamily()));
  }
  // The recommender's cached history of the person goes now; the model holds
  // no per-person vectors, but its item factors learned from this person's
  // behaviour: retrain without it.
  for (DerivedData* derived : d_.derived) derived->ForgetPeople(ids);
  ASSIGN_OR_RETURN(const int64_t remaining, KeysRemaining(record["erased_profiles"]));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record["status"] = "completed";
  record["outcome"] = {{"found", true},
                       {"profiles_erased", ids.size()},
                       {"records_deleted", record.value("records_deleted", int64_t{0})},
                       {"keys_destroyed", destroyed},
                       {"keys_remaining", remaining},
                       {"identifiers_suppressed", true},
                       {"model_retrain", !d_.derived.empty()},
                       {"resumed_after_interruption", resumed},
                       {"seconds", seconds}};
  record["completed_at"] = FormatIso8601Millis(d_.env.NowMillis());
  bool audited = false;
  if (resumed) {
    ASSIGN_OR_RETURN(audited, ErasureAudited(id));
  }
  if (!audited) {
    audit::AuditEntry e;
    e.action = "rights.erasure";
    e.actor = actor;
    e.subject = record.value("profile_id", "");
    e.detail = {{"request", id}, {"status", "completed"}, {"keys_destroyed", destroyed}};
    RETURN_IF_ERROR(d_.audit.Append(e, /*sync=*/true));
  }
  store::Transaction txn = d_.writer.Begin();
  txn.Put(RightsKey(id), record.dump());
  RETURN_IF_ERROR(Commit(std::move(txn)));
  return record;
}

Result<int64_t> RightsService::KeysRemaining(const nlohmann::json& profile_ids) {
  int64_t remaining = 0;
  if (!d_.vault) return remaining;
  for (const auto& id : profile_ids) {
    ASSIGN_OR_RETURN(std::optional<crypto::SecretKey> key, d_.vault->Find(id.get<std::string>()));
    remaining += key.has_value();
  }
  return remaining;
}

Result<bool> RightsService::ErasureAudited(const std::string& request_id) {
  auto entries = d_.audit.Entries();
  if (!entries.ok()) return entries.status().code() == Code::kNotFound ? Result<bool>(false) : entries.status();
  for (const auto& e : *entries) {
    if (e.is_object() && e.value("action", "") == "rights.erasure" && e.contains("detail") &&
        e["detail"].is_object() && e["detail"].value("request", "") == request_id)
      return true;
  }
  return false;
}

Result<std::optional<nlohmann::json>> RightsService::FindBegunErasure(const std::string& subject_hash) {
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> all, ListRightsRequests(d_.store));
  for (auto& r : all) {
    if (r.value("status", "") == "erasing" && r.value("subject_hash", "") == subject_hash)
      return std::optional<nlohmann::json>(std::move(r));
  }
  return std::optional<nlohmann::json>();
}

Result<int> RightsService::ResumeErasures() {
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> all, ListRightsRequests(d_.store));
  int resumed = 0;
  for (auto& r : all) {
    if (r.value("status", "") != "erasing") continue;
    const audit::Actor actor{"", r.value("requested_by", ""), "system"};
    RETURN_IF_ERROR(FinishErasure(actor, std::move(r), nullptr, /*resumed=*/true).status());
    ++resumed;
  }
  return resumed;
}

std::string RightsService::SubjectHash(std::string_view subject) const {
  // The record must not name the person; a keyed hash matches a retry.
  auto l = profile::ParseLookup(subject, d_.config.declaration.identity.default_country_code);
  const std::string canonical = l.ok() ? std::to_string(static_cast<int>(l->kind)) + ":" + l->value : std::string(subject);
  if (d_.vault) return crypto::ToHex(crypto::KeyedHash(d_.vault->pseudonym_key(), canonical));
  return crypto::Sha256Hex(canonical);
}

Result<nlohmann::json> RightsService::Rectify(const Principal& who, const profile::Profile& found,
                                              const nlohmann::json& changes) {
  const schema::Declaration& d = d_.config.declaration;
  nlohmann::json set = nlohmann::json::object();
  std::vector<std::string> removed;
  for (const auto& [k, v] : changes.items()) {
    if (v.is_null()) removed.push_back(k);
    else set[k] = v;
  }
  nlohmann::json filtered = nlohmann::json::object();
  if (!set.empty()) {
    simdjson::dom::parser parser;
    simdjson::padded_string text(set.dump());
    simdjson::dom::element root;
    if (parser.parse(text).get(root)) return Internal("could not re-read the traits");
    std::vector<schema::Drop> drops;
    filtered = schema::FieldFilter(d).Filter(root, d.traits, "traits", &drops);
    if (!drops.empty()) {
      return InvalidArgument(drops.front().path + ": cannot be set (" + std::string(schema::DropReasonName(drops.front().reason)) +
                             (drops.front().detail.empty() ? "" : ": " + drops.front().detail) + ")");
    }
  }
  auto lock = d_.serializer.Lock();
  store::Transaction txn = d_.writer.Begin();
  ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(found.id)));
  if (!raw) return NotFound("the profile was erased meanwhile");
  ASSIGN_OR_RETURN(profile::Profile p, profile::DecodeProfile(*raw));
  // An e-mail or phone trait is also an identity link: a corrected one moves
  // the link, a removed one drops it (never silently joining someone else).
  auto relink = [&](const std::string& trait, const nlohmann::json* to) -> Status {
    auto spec = d.traits.find(trait);
    if (spec == d.traits.end() || (spec->second.type != schema::FieldType::kEmail &&
                                   spec->second.type != schema::FieldType::kPhone)) {
      return Status::Ok();
    }
    const bool email = spec->second.type == schema::FieldType::kEmail;
    const profile::IdKind kind = email ? profile::IdKind::kEmail : profile::IdKind::kPhone;
    std::vector<std::string>& linked = email ? p.emails : p.phones;
    if (to && to->is_string()) {
      const std::string value = *to;
      ASSIGN_OR_RETURN(std::optional<std::string> owner, txn.Get(profile::IdentityKey(kind, value)));
      if (owner && *owner != p.id)
        return Conflict(std::string("traits.") + trait + ": that " + (email ? "e-mail address" : "phone number") +
                        " belongs to another profile; merge the profiles instead");
      if (std::find(linked.begin(), linked.end(), value) == linked.end()) linked.push_back(value);
      txn.Put(profile::IdentityKey(kind, value), p.id);
    }
    if (p.traits.contains(trait) && p.traits[trait].is_string()) {
      const std::string old = p.traits[trait];
      if (!to || !to->is_string() || to->get<std::string>() != old) {
        linked.erase(std::remove(linked.begin(), linked.end(), old), linked.end());
        txn.Delete(profile::IdentityKey(kind, old));
      }
    }
    return Status::Ok();
  };
  std::vector<std::string> changed;
  for (const auto& [k, v] : filtered.items()) {
    RETURN_IF_ERROR(relink(k, &v));
    p.traits[k] = v;
    changed.push_back(k);
  }
  for (const auto& k : removed) {
    RETURN_IF_ERROR(relink(k, nullptr));
    if (p.traits.erase(k)) changed.push_back(k);
  }
  p.updated_ms = d_.env.NowMillis();
  profile::IdentityGraph::Save(txn, p);
  RETURN_IF_ERROR(Commit(std::move(txn)));
  return nlohmann::json{{"found", true}, {"traits_changed", changed}};
}

Result<nlohmann::json> RightsService::RecordRight(const Principal& who, const profile::Profile& found,
                                                  std::string_view purpose, bool lift, const std::string& brand) {
  consent::ConsentRecord r;
  r.subject = found.id;
  r.purpose = std::string(purpose);
  r.channel = std::string(consent::kAllChannels);
  r.status = lift ? consent::ConsentStatus::kWithdrawn : consent::ConsentStatus::kGranted;
  r.source = "rights_request";
  r.brand = brand;
  r.notice_version = d_.config.declaration.consent.notice_version;
  r.at_ms = d_.env.NowMillis();
  auto lock = d_.serializer.Lock();
  store::Transaction txn = d_.writer.Begin();
  ASSIGN_OR_RETURN(consent::ConsentState state, consent::ConsentLedger::CurrentState(txn, found.id));
  ASSIGN_OR_RETURN(const std::vector<consent::ConsentRecord> appended,
                   consent::ConsentLedger::Record(txn, found.id, &state, {r}));
  const bool recorded = !appended.empty();
  if (recorded) {
    RETURN_IF_ERROR(Audit(who, "consent.change", found.id,
                          {{"statements", consent::StatementsOf(appended)},
                           {"records", consent::FingerprintsOf(appended)}},
                          false));
  }
  RETURN_IF_ERROR(Commit(std::move(txn)));
  std::vector<std::string> stopped;
  for (const auto& [id, _] : d_.config.declaration.purposes) {
    if (!policy::Decide(d_.config.declaration, state, {id, consent::kAllChannels, brand}).allowed) stopped.push_back(id);
  }
  nlohmann::json out = {{"found", true}, {"in_force", !lift}, {"recorded", recorded},
                        {"purposes_not_allowed_now", stopped}};
  if (brand != consent::kAllBrands) out["brand"] = brand;
  return out;
}

}  // namespace shinrai::service
