// Erasure (GDPR art. 17): of the whole person, in two crash-safe phases,
// or of one brand's part of a person the group's brands share.
#include <algorithm>
#include <chrono>

#include "consent/ledger.h"
#include "consent/quiet_hours.h"
#include "core/time_format.h"
#include "crypto/aead.h"
#include "privacy/rights_records.h"
#include "privacy/rights_service.h"
#include "profile/identity_space.h"
#include "profile/keys.h"
#include "profile/lookup.h"
#include "profile/merged_profiles.h"

namespace shinrai::service {

// Erasure in two phases, so that a crash anywhere leaves it resumable:
//   1. one atomic, synced write deletes the person's records and identity
//      links, suppresses their identifiers and stores the request record as
//      "erasing" with the profile ids whose keys are still to be destroyed;
//   2. FinishErasure destroys the keys, compacts, audits (once) and marks
//      the record completed. It runs again on a retry (FindBegunErasure) and
//      at start-up (ResumeErasures) until it has run to its end.
Result<nlohmann::json> RightsService::Erase(const Principal& who, const std::vector<profile::Profile>& found,
                                            nlohmann::json record, const std::string& subject_hash) {
  const int64_t now = d_.env.NowMillis();
  // Asked of one brand, its later collection is stopped; of the group, every brand's.
  const std::string scope = record.value("brand", std::string(consent::kAllBrands));
  std::vector<profile::Profile> people;
  std::vector<std::string> identity_keys;  // deleted now, compacted in the second phase
  int64_t deleted = 0;
  {
    ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
    // Whatever collection staged for this person before the lock must be on disk
    // before we list what to delete.
    RETURN_IF_ERROR(d_.writer.Flush());
    store::Transaction txn = d_.writer.Begin();
    std::string first_survivor;
    // One person, or where each brand keeps its own people, one per brand.
    for (const auto& f : found) {
      ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(f.id)));
      if (!raw) continue;
      ASSIGN_OR_RETURN(profile::Profile survivor, profile::DecodeProfile(*raw));
      if (first_survivor.empty()) first_survivor = survivor.id;
      const std::string space = profile::SpaceOf(d_.config.declaration, survivor);
      ASSIGN_OR_RETURN(std::vector<profile::Profile> merged, profile::MergedProfiles(txn, survivor));
      for (auto& p : merged) {
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
        for (auto& key : profile::IdentityKeysOf(p, space)) {
          txn.Delete(key);
          ++deleted;
          identity_keys.push_back(std::move(key));
        }
        d_.suppression.Add(txn, p, scope, now);
        people.push_back(std::move(p));
      }
    }
    if (people.empty()) return NotFound("the profile was erased meanwhile");
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& p : people) ids.push_back(p.id);
    record["status"] = "erasing";
    record["profile_id"] = first_survivor;
    record["erased_profiles"] = ids;
    record["subject_hash"] = subject_hash;
    record["records_deleted"] = deleted;
    txn.Put(RightsKey(record["id"].get<std::string>()), record.dump());
    RETURN_IF_ERROR(Commit(std::move(txn)));
  }
  return FinishErasure(AuditActor(who), std::move(record), &identity_keys, /*resumed=*/false);
}

// One brand's part of a person the group shares with other brands: the
// events it collected go, it is no longer among the person's brands (so its
// keys find nobody), and its later collection for them is suppressed. The
// identity, the traits (stated to the group) and the consent ledger (the
// group's proof of what was chosen) stay with the person the other brands
// still serve. Two phases, like a whole erasure: one synced transaction
// deletes and marks the request "erasing_brand" with the profiles whose
// event ranges are to be compacted; FinishBrandErasure compacts (the events
// are sealed with a key the person keeps) and completes it, again on a retry
// or at start-up.
Result<nlohmann::json> RightsService::EraseBrandData(const Principal& who, const profile::Profile& found,
                                                     const std::string& brand, nlohmann::json record,
                                                     const std::string& subject_hash) {
  {
    ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
    RETURN_IF_ERROR(d_.writer.Flush());
    store::Transaction txn = d_.writer.Begin();
    ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(found.id)));
    if (!raw) return NotFound("the profile was erased meanwhile");
    ASSIGN_OR_RETURN(profile::Profile p, profile::DecodeProfile(*raw));
    const std::vector<std::string> sources = p.SourceIds();
    int64_t deleted = 0;
    p.channels.clear();  // recounted from what stays
    for (const auto& id : sources) {
      store::ScanOptions so;
      so.prefix = profile::EventPrefix(id);
      Status bad = Status::Ok();
      RETURN_IF_ERROR(d_.store.Scan(so, [&](std::string_view k, std::string_view v) {
        auto e = profile::DecodeEvent(v);
        if (!e.ok()) {
          bad = e.status();
          return false;
        }
        if (e->brand == brand) {
          txn.Delete(std::string(k));
          ++deleted;
        } else {
          p.Touch(e->channel, e->timestamp_ms);
        }
        return true;
      }));
      RETURN_IF_ERROR(bad);
      consent::StageQuietHours(txn, id, brand, std::nullopt);  // what the person asked of that brand goes with it
    }
    p.brands.erase(std::remove(p.brands.begin(), p.brands.end(), brand), p.brands.end());
    p.updated_ms = d_.env.NowMillis();
    profile::IdentityGraph::Save(txn, p);
    d_.suppression.Add(txn, p, brand, p.updated_ms);
    record["status"] = "erasing_brand";
    record["profile_id"] = p.id;
    record["subject_hash"] = subject_hash;
    record["compact_profiles"] = sources;
    record["outcome"] = {{"found", true},
                         {"brand", brand},
                         {"events_deleted", deleted},
                         {"still_a_customer_of", p.brands},
                         {"identifiers_suppressed_for_the_brand", true},
                         {"kept_for_the_group", {"identity", "traits", "consent_history"}}};
    // Audited before the deletion is stored: a crash between the two leaves
    // an entry for a request the caller will file again, never a deletion
    // without its entry.
    RETURN_IF_ERROR(Audit(who, "rights.erasure", p.id,
                          {{"request", record["id"]}, {"status", "completed"}, {"brand", brand}}, true));
    txn.Put(RightsKey(record["id"].get<std::string>()), record.dump());
    RETURN_IF_ERROR(Commit(std::move(txn)));
  }
  return FinishBrandErasure(std::move(record));
}

Result<nlohmann::json> RightsService::FinishBrandErasure(nlohmann::json record) {
  for (const auto& id : record["compact_profiles"])
    RETURN_IF_ERROR(d_.store.CompactPrefix(profile::EventPrefix(id.get<std::string>())));
  // Cached histories may hold the deleted events, and the model learned from them.
  for (DerivedData* derived : d_.derived) derived->ForgetExpired(/*rebuild=*/true);
  record["status"] = "completed";
  record["completed_at"] = FormatIso8601Millis(d_.env.NowMillis());
  record.erase("compact_profiles");
  store::Transaction txn = d_.writer.Begin();
  txn.Put(RightsKey(record["id"].get<std::string>()), record.dump());
  RETURN_IF_ERROR(Commit(std::move(txn)));
  return record;
}

// An erasure asked for someone nobody holds: their identifier is suppressed
// all the same (for the brand asked, or for every brand), so that later
// events do not start a profile the person asked not to have.
Status RightsService::SuppressUnknown(const std::string& subject, const std::string& brand, int64_t at_ms) {
  ASSIGN_OR_RETURN(profile::Lookup l, profile::ParseLookup(subject, d_.config.declaration.identity.default_country_code));
  profile::Profile ghost;
  if (l.kind == profile::Lookup::Kind::kEmail) ghost.emails = {l.value};
  else if (l.kind == profile::Lookup::Kind::kPhone) ghost.phones = {l.value};
  else if (l.kind == profile::Lookup::Kind::kId) {
    ghost.user_id = l.value;  // an id may be either kind
    ghost.anonymous_ids = {l.value};
  }
  ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
  store::Transaction txn = d_.writer.Begin();
  d_.suppression.Add(txn, ghost, brand, at_ms);
  return Commit(std::move(txn));
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
    const std::string status = r.value("status", "");
    if ((status == "erasing" || status == "erasing_brand") && r.value("subject_hash", "") == subject_hash)
      return std::optional<nlohmann::json>(std::move(r));
  }
  return std::optional<nlohmann::json>();
}

Result<int> RightsService::ResumeErasures() {
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> all, ListRightsRequests(d_.store));
  int resumed = 0;
  for (auto& r : all) {
    const std::string status = r.value("status", "");
    if (status == "erasing_brand") {
      RETURN_IF_ERROR(FinishBrandErasure(std::move(r)).status());
    } else if (status == "erasing") {
      const audit::Actor actor{"", r.value("requested_by", ""), "system"};
      RETURN_IF_ERROR(FinishErasure(actor, std::move(r), nullptr, /*resumed=*/true).status());
    } else {
      continue;
    }
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

}  // namespace shinrai::service
