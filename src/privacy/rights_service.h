// RightsService: data-subject requests (GDPR art. 15-21, and their US state
// law counterparts), one record per demand with its status and legal deadline.
//
//   access         everything held about the person, with purpose, legal
//                  basis, source, retention and recipients (portable JSON,
//                  and rendered as HTML)
//   rectification  corrects declared traits ({"traits": {...}}, null removes one)
//   erasure        deletes every record and identity link of the person and of
//                  the profiles merged into them, derived data (feedback; the
//                  model is retrained), destroys their data key
//                  (crypto-shredding: backups become unreadable for them),
//                  compacts the affected ranges, and suppresses their
//                  identifiers so later events do not rebuild them
//   restriction    processing stops except for legal obligations (a ledger
//                  record; {"lift": true} ends it)
//   objection      to profiling: purposes declared `profiling: true` stop
//
// Requests are carried out at once (the requester's identity was verified by
// the caller); the record keeps when it was made, when it is due and when it
// was done, so the audit report can show timings against deadlines. Records
// (rr/<id>) hold the profile id, never the identifier the request named.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "access/access.h"
#include "crypto/key_vault.h"
#include "privacy/derived_data.h"
#include "privacy/suppression.h"
#include "profile/profile_reader.h"
#include "store/key_families.h"
#include "usecase/deps.h"

namespace shinrai::service {

inline constexpr std::string_view kRightsPrefix = store::family::kRightsRequest.prefix;

// Every rights request record in the store, oldest first.
Result<std::vector<nlohmann::json>> ListRightsRequests(store::Store& store);

// What rights need beyond every use case's deps.
struct RightsDeps : UseCaseDeps {
  SuppressionList& suppression;  // erased identifiers, so collection cannot rebuild them
  crypto::KeyVault* vault;       // null when encryption at rest is off
  // Everything that keeps data derived from people (erasure reaches it).
  std::vector<DerivedData*> derived;
};

class RightsService {
 public:
  explicit RightsService(RightsDeps deps) : d_(std::move(deps)), reader_(&d_.store, &d_.config.declaration) {}

  // POST /v1/rights/requests: {"type", "subject", ...}. Answers the record.
  Result<nlohmann::json> Create(const Principal& who, std::string_view body);
  // The record; for a completed access request, with the export.
  Result<nlohmann::json> Get(const Principal& who, std::string_view id);
  // The export of an access request as a human-readable HTML page.
  Result<std::string> GetHtml(const Principal& who, std::string_view id);
  // Every request record, oldest first (the audit report).
  Result<std::vector<nlohmann::json>> List();

  // Everything held about the person found by `lookup` (see ProfileReader::Find),
  // with what each of the group's brands holds.
  Result<nlohmann::json> Export(std::string_view lookup);
  // The first profile's export, with the others' (the same subject's person
  // at other brands, where each brand keeps its own) under
  // "people_at_other_brands".
  Result<nlohmann::json> ExportAll(const std::vector<std::string>& profile_ids);

  // Completes every erasure a crash interrupted (at start-up, before serving).
  Result<int> ResumeErasures();

 private:
  // Erases each person whole (one, or one per brand where each keeps its own).
  Result<nlohmann::json> Erase(const Principal& who, const std::vector<profile::Profile>& people,
                               nlohmann::json record, const std::string& subject_hash);
  Status SuppressUnknown(const std::string& subject, const std::string& brand, int64_t at_ms);
  Result<nlohmann::json> EraseBrandData(const Principal& who, const profile::Profile& p, const std::string& brand,
                                        nlohmann::json record, const std::string& subject_hash);
  Result<nlohmann::json> FinishBrandErasure(nlohmann::json record);
  // `identity_keys`: the links to compact; null when resuming (unknown then).
  Result<nlohmann::json> FinishErasure(const audit::Actor& actor, nlohmann::json record,
                                       const std::vector<std::string>* identity_keys, bool resumed);
  Result<std::optional<nlohmann::json>> FindBegunErasure(const std::string& subject_hash);
  Result<bool> ErasureAudited(const std::string& request_id);
  // How many of these erased profiles still have a key in the vault (0 without one).
  Result<int64_t> KeysRemaining(const nlohmann::json& profile_ids);
  std::string SubjectHash(std::string_view subject) const;
  Result<nlohmann::json> Rectify(const Principal& who, const profile::Profile& p, const nlohmann::json& body);
  Result<nlohmann::json> RecordRight(const Principal& who, const profile::Profile& p, std::string_view purpose,
                                     bool lift,
                                     const std::string& brand);
  Status Commit(store::Transaction txn);
  Status Audit(const Principal& who, std::string action, const std::string& subject, nlohmann::json detail,
               bool sync);

  RightsDeps d_;
  profile::ProfileReader reader_;
};

}  // namespace shinrai::service
