// Access: who is calling (Principal) and what they may do (Authorize).
//
// Write keys can only collect (they ship in browsers and apps); API keys carry
// a role. The role table is the single place that says which role may do
// which operation; docs/roles.md renders it.
//
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "schema/config.h"

namespace shinrai::service {

enum class Role { kWriteKey, kAdmin, kPrivacyOfficer, kAgent, kAnalyst, kService };
std::string_view RoleName(Role r);

struct Principal {
  Role role = Role::kWriteKey;
  std::string key_name;  // from the configuration, for logs and audit
  std::string key_id;    // a short fingerprint of the key, never the key
};

enum class Operation {
  kCollect,
  kReadProfile,
  kReadStats,
  kReadConsent,
  kWriteConsent,
  kRecommend,        // personal recommendations for one person
  kReadSimilar,      // non-personal "similar items"
  kSendFeedback,     // impressions, clicks, conversions of recommendations
  kWriteCatalog,
  kReadRecsStats,    // aggregates: model state, holdout uplift
  kTrain,
};

struct Credentials {
  std::string basic_user;    // HTTP Basic user name: the write key, as SDKs send it
  std::string bearer_token;  // Authorization: Bearer <api key>
  std::string body_write_key;  // "writeKey" in the JSON body (Segment HTTP API)
};

class Access {
 public:
  explicit Access(const std::vector<schema::KeySpec>& keys);

  // Unauthenticated when no credentials or an unknown key are given.
  Result<Principal> Authenticate(const Credentials& c) const;
  // PermissionDenied naming the role and the operation when not allowed.
  static Status Authorize(const Principal& p, Operation op);

 private:
  std::unordered_map<std::string, Principal> by_key_;
};

}  // namespace shinrai::service
