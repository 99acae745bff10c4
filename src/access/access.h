// Access: who is calling (Principal) and what they may do (Authorize).
//
// Write keys can only collect (they ship in browsers and apps); API keys carry
// a role. The role table is the single place that says which role may do
// which operation; docs/api.md and docs/openapi.yaml (x-shinrai-roles) render it.
//
// Keys are held as SHA-256 hashes only: from the configuration (hashed at
// load, or given as key_hash) and from the key file of `shinrai keys`, which
// is re-read when it changes, so a revoked key stops working within a second.
// API keys are rate-limited (a token bucket per key); write keys are not, as
// collection throughput is bounded by the store, not by a key.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit_log.h"
#include "core/env.h"
#include "core/status.h"
#include "schema/config.h"
#include "store/cluster.h"

namespace shinrai::service {

enum class Role { kWriteKey, kAdmin, kPrivacyOfficer, kAgent, kAnalyst, kService };
std::string_view RoleName(Role r);

struct Principal {
  Role role = Role::kWriteKey;
  std::string key_name;  // from the configuration, for logs and audit
  std::string key_id;    // a short fingerprint of the key, never the key
  double rate_limit = 0; // requests per second (API keys)
  // The brand the key belongs to, or "*" for the group: what its calls
  // collect for, and whose people and data its uses may reach.
  std::string brand = "*";
};

// How a caller appears in the audit log.
audit::Actor AuditActor(const Principal& p);

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
  kReadMetrics,      // GET /metrics: counts and latencies, never a person
  kTrain,
  kRightsRequest,    // file and follow data-subject requests
  kReadAudit,        // the audit log and the privacy audit report
  kIssuePrivacyCenterLink,  // a signed link to one person's own privacy center
  kListKeys,
};

struct Credentials {
  std::string basic_user;    // HTTP Basic user name: the write key, as SDKs send it
  std::string bearer_token;  // Authorization: Bearer <api key>
  std::string body_write_key;  // "writeKey" in the JSON body (Segment HTTP API), a pixel's data or the URL
  std::string malformed;       // why the Authorization header could not be read; refused, never ignored
};

class Access {
 public:
  // `key_file`: the file `shinrai keys` manages ("" for none).
  // `default_rate_limit`: requests per second for API keys without their own.
  explicit Access(const std::vector<schema::KeySpec>& keys, std::string key_file = "",
                  double default_rate_limit = 200, Env* env = Env::Default());

  // Unauthenticated when no credentials, an unknown or a revoked key are
  // given; ResourceExhausted when an API key is over its rate limit.
  Result<Principal> Authenticate(const Credentials& c) const;
  // Several nodes on one database: API keys' rate limits are counted there,
  // for all of them, instead of in this process. REQUIRES: before serving.
  void ShareRateLimits(store::Cluster* cluster) { cluster_ = cluster; }
  // PermissionDenied naming the role and the operation when not allowed.
  static Status Authorize(const Principal& p, Operation op);
  // The brand a use serves: a brand key serves its own brand (asking for
  // another is refused); a group key serves the brand it asks for
  // (?brand=), or the group ("*") when it names none.
  static Result<std::string> ServedBrand(const Principal& p, std::string_view asked, const schema::Declaration& d);

 private:
  void ReloadKeyFileIfChanged() const;
  Status Admit(const Principal& p) const;
  static Status OverRate(const Principal& p, double rate, double tokens);

  std::unordered_map<std::string, Principal> configured_;  // by SHA-256
  const std::string key_file_;
  const double default_rate_limit_;
  Env* const env_;

  mutable std::shared_mutex mu_;
  mutable std::unordered_map<std::string, Principal> from_file_;  // by SHA-256
  mutable std::unordered_map<std::string, int64_t> revoked_;      // SHA-256 -> when
  mutable int64_t checked_ms_ = -1'000'000;
  mutable int64_t file_stamp_ = -1;

  struct Bucket {
    double tokens = 0;
    int64_t at_us = 0;
  };
  store::Cluster* cluster_ = nullptr;
  mutable std::mutex buckets_mu_;
  mutable std::unordered_map<std::string, Bucket> buckets_;  // by key id
};

}  // namespace shinrai::service
