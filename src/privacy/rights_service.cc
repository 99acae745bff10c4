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
#include "privacy/export_html.h"
#include "privacy/rights_records.h"
#include "profile/identity_space.h"
#include "profile/keys.h"
#include "profile/lookup.h"
#include "schema/field_filter.h"

namespace shinrai::service {

namespace {

const std::set<std::string> kTypes = {"access", "erasure", "rectification", "restriction", "objection"};

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

// Any request may be asked of one brand ("brand": id) or, by default, of the
// whole group ("*"): the brand's own person, or its part of a shared one.
Result<std::string> RequestBrand(const schema::Declaration& d, const nlohmann::json& req) {
  if (!req.contains("brand")) return std::string(consent::kAllBrands);
  if (!req["brand"].is_string()) return InvalidArgument("brand: expected a brand id or *");
  const std::string brand = req["brand"] == "group" ? std::string(consent::kAllBrands) : req["brand"].get<std::string>();
  if (brand != consent::kAllBrands && !d.FindBrand(brand))
    return InvalidArgument("brand: no brand '" + brand.substr(0, 64) + "' is declared");
  return brand;
}

// The request's fields, each checked against its type.
Status CheckRequest(const nlohmann::json& req) {
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
  if (req.contains("traits") && type != "rectification") return InvalidArgument("traits: only for rectification");
  if (type == "rectification" && (!req.contains("traits") || !req["traits"].is_object() || req["traits"].empty()))
    return InvalidArgument("traits: a rectification names the traits to correct, e.g. {\"traits\": {\"name\": \"...\"}}");
  if (req.contains("lift") && (!req["lift"].is_boolean() || (type != "restriction" && type != "objection")))
    return InvalidArgument("lift: true or false, for restriction and objection only");
  if (req.contains("note") && !req["note"].is_string()) return InvalidArgument("note: expected text");
  return Status::Ok();
}

}  // namespace

Result<nlohmann::json> RightsService::Create(const Principal& who, std::string_view body) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kRightsRequest));
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  RETURN_IF_ERROR(CheckRequest(req));
  const std::string type = req["type"];
  const std::string subject = req["subject"];
  ASSIGN_OR_RETURN(const std::string brand, RequestBrand(d_.config.declaration, req));

  const int64_t received = d_.env.NowMillis();
  nlohmann::json record = {{"id", "rr_" + d_.env.NewId()},
                           {"type", type},
                           {"status", "in_progress"},
                           {"received_at", FormatIso8601Millis(received)},
                           {"due", FormatIso8601Millis(received + d_.config.security.rights_deadline_seconds * 1000)},
                           {"requested_by", who.key_name},
                           {"note", req.value("note", "")}};
  if (brand != consent::kAllBrands) record["brand"] = brand;
  // Where each brand keeps its own people, the group's request reaches the
  // person the subject is at every brand.
  ASSIGN_OR_RETURN(std::vector<profile::Profile> people, reader_.FindAll(subject, brand));
  if (people.size() > 1 && type == "rectification")
    return Conflict("subject: names a different person at several brands; name the brand whose record to correct with \"brand\"");
  if (type == "erasure") {
    const std::string subject_hash = SubjectHash(subject);
    // The first step of an erasure removes the identity links, so a retry
    // after a crash finds nobody: it completes the erasure that was begun.
    if (people.empty()) {
      ASSIGN_OR_RETURN(std::optional<nlohmann::json> begun, FindBegunErasure(subject_hash));
      if (begun && begun->value("status", "") == "erasing_brand") return FinishBrandErasure(std::move(*begun));
      if (begun) return FinishErasure(AuditActor(who), std::move(*begun), nullptr, /*resumed=*/true);
    } else if (brand != consent::kAllBrands && people.front().brands.size() > 1) {
      return EraseBrandData(who, people.front(), brand, std::move(record), subject_hash);
    } else {
      return Erase(who, people, std::move(record), subject_hash);
    }
  }
  nlohmann::json outcome;
  std::string pid;
  if (people.empty()) {
    if (type == "erasure") {
      // Nothing held, but the person asked not to be held: suppress the identifier.
      RETURN_IF_ERROR(SuppressUnknown(subject, brand, received));
      outcome = {{"found", false}, {"identifiers_suppressed", 1}};
      record["status"] = "completed";
    } else {
      outcome = {{"found", false}, {"reason", "no data is held about this subject"}};
      record["status"] = type == "access" ? "completed" : "rejected";
    }
  } else {
    pid = people.front().id;
    if (people.size() > 1) {
      record["profile_ids"] = nlohmann::json::array();
      for (const auto& p : people) record["profile_ids"].push_back(p.id);
    }
    if (type == "access") {
      outcome = {{"found", true}, {"export", "GET /v1/rights/requests/" + record["id"].get<std::string>()}};
    } else if (type == "rectification") {
      ASSIGN_OR_RETURN(outcome, Rectify(who, people.front(), req["traits"]));
    } else {
      for (const auto& p : people) {
        ASSIGN_OR_RETURN(outcome, RecordRight(who, p,
                                              type == "restriction" ? policy::kRestrictionPurpose
                                                                    : policy::kProfilingObjectionPurpose,
                                              req.value("lift", false), brand));
      }
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
    std::vector<std::string> ids = {pid};
    if (record.contains("profile_ids")) ids = record["profile_ids"].get<std::vector<std::string>>();
    auto exported = ExportAll(ids);
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
  ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
  store::Transaction txn = d_.writer.Begin();
  ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(found.id)));
  if (!raw) return NotFound("the profile was erased meanwhile");
  ASSIGN_OR_RETURN(profile::Profile p, profile::DecodeProfile(*raw));
  const std::string space = profile::SpaceOf(d, p);
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
      ASSIGN_OR_RETURN(std::optional<std::string> owner, txn.Get(profile::IdentityKey(kind, value, space)));
      if (owner && *owner != p.id)
        return Conflict(std::string("traits.") + trait + ": that " + (email ? "e-mail address" : "phone number") +
                        " belongs to another profile; merge the profiles instead");
      if (std::find(linked.begin(), linked.end(), value) == linked.end()) linked.push_back(value);
      txn.Put(profile::IdentityKey(kind, value, space), p.id);
    }
    if (p.traits.contains(trait) && p.traits[trait].is_string()) {
      const std::string old = p.traits[trait];
      if (!to || !to->is_string() || to->get<std::string>() != old) {
        linked.erase(std::remove(linked.begin(), linked.end(), old), linked.end());
        txn.Delete(profile::IdentityKey(kind, old, space));
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
  ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
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

