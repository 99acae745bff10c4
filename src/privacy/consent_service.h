// ConsentService: reading and changing a person's consent through the API.
//
//   State(id)    every declared purpose on every channel: the policy's
//                decision and reason, and the record behind it
//   History(id)  every consent record, oldest first (merged profiles too)
//   Change(id)   {"changes": [{"purpose", "channel"?, "status", "source"?,
//                "notice_version"?, "proof"?}], "source"?, "notice_version"?}
//                applied atomically; replies once durable
//
// An unknown id in Change creates the person (a user id, or "email:...",
// "phone:..."), so consent can be stated before any event arrives.
//
// Thread-safety: safe for concurrent use; writes hold the WriteSerializer.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "access/access.h"
#include "consent/ledger.h"
#include "profile/identity_graph.h"
#include "profile/profile_reader.h"
#include "usecase/deps.h"

namespace shinrai::service {

class ConsentService {
 public:
  using Done = std::function<void(Result<nlohmann::json>)>;

  // REQUIRES: everything referred to outlives the service. Every read and
  // change is logged in deps.audit.
  explicit ConsentService(const UseCaseDeps& deps);

  // `brand` (?brand=, group keys): the brand whose decisions are shown; empty: the key's own.
  Result<nlohmann::json> State(const Principal& who, std::string_view lookup, std::string_view brand = "");
  // `brand` (group keys): whose person the lookup names where each brand keeps its own.
  Result<nlohmann::json> History(const Principal& who, std::string_view lookup, std::string_view brand = "");
  void Change(const Principal& who, std::string_view lookup, std::string_view body, Done done);

 private:
  // The person a change is about, created when unknown, in the identity
  // space of the brand it speaks to (profile/identity_space.h).
  Result<profile::Profile> ResolveForWrite(store::Transaction& txn, std::string_view lookup, const Principal& who,
                                           std::string_view brand, int64_t now_ms);
  static std::string BrandSpokenTo(const Principal& who, const std::vector<consent::ConsentRecord>& records);
  nlohmann::json StateJson(const profile::Profile& p, const consent::ConsentState& state, const std::string& brand);
  Status Audit(const Principal& who, const char* action, const std::string& subject, std::vector<std::string> fields,
               nlohmann::json detail = nlohmann::json::object());

  const UseCaseDeps d_;
  profile::ProfileReader reader_;
  consent::ConsentLedger ledger_;
  profile::IdentityGraph graph_;
};

}  // namespace shinrai::service
