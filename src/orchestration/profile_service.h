// ProfileService: reading a person's unified profile through an API key.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "profile/profile_reader.h"
#include "schema/config.h"
#include "access/access.h"

namespace shinrai::service {

class ProfileService {
 public:
  // `audit` may be null (tests).
  ProfileService(const schema::Config* config, store::Store* store, audit::AuditLog* audit = nullptr,
                 Env* env = Env::Default())
      : config_(config), store_(store), reader_(store, &config->declaration), audit_(audit), env_(env) {}

  // The profile as JSON: identities, traits, per-channel summary, recent
  // events and merges. `lookup`: see profile::ProfileReader::Find. Agents
  // (the call center) must state a `reason`, one of the declared codes
  // (security.access_reasons); every read is audited with it. A free-text
  // `note` is kept with the person's own data (sealed with their key, erased
  // with them), never in the audit log, which only points at it.
  Result<nlohmann::json> Get(const Principal& who, std::string_view lookup, std::string_view reason = "",
                             std::string_view note = "");

 private:
  const schema::Config* const config_;
  store::Store* const store_;
  profile::ProfileReader reader_;
  audit::AuditLog* const audit_;
  Env* const env_;
};

}  // namespace shinrai::service
