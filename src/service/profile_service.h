// ProfileService: reading a person's unified profile through an API key.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "profile/profile_reader.h"
#include "schema/config.h"
#include "service/access.h"

namespace shinrai::service {

class ProfileService {
 public:
  // `audit` may be null (tests).
  ProfileService(const schema::Config* config, store::Store* store, audit::AuditLog* audit = nullptr)
      : config_(config), reader_(store, &config->declaration), audit_(audit) {}

  // The profile as JSON: identities, traits, per-channel summary, recent
  // events and merges. `lookup`: see profile::ProfileReader::Find. Agents
  // (the call center) must state a `reason`; every read is audited with it.
  Result<nlohmann::json> Get(const Principal& who, std::string_view lookup, std::string_view reason = "");

 private:
  const schema::Config* const config_;
  profile::ProfileReader reader_;
  audit::AuditLog* const audit_;
};

}  // namespace shinrai::service
