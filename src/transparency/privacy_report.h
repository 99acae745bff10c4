// The periodic privacy audit: one report of the data held, consent coverage,
// retention, minimization, rights requests against their deadlines, who read
// personal data, and the audit chain's state. `shinrai audit report` and
// GET /v1/audit/report build it; RenderPrivacyReportHtml lays it out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "audit/audit_log.h"
#include "core/env.h"
#include "schema/config.h"
#include "access/access.h"
#include "privacy/retention_service.h"
#include "store/store.h"

namespace shinrai::service {

struct PrivacyReportDeps {
  const schema::Config* config;
  store::Store* store;
  RetentionService* retention;  // for the dry run that counts violations
  audit::AuditLog* audit;  // who read personal data, and whether the chain holds
  Env* env;
};

Result<nlohmann::json> BuildPrivacyReport(const PrivacyReportDeps& deps);
// The same, for an API caller (admin, privacy officer).
Result<nlohmann::json> BuildPrivacyReport(const Principal& who, const PrivacyReportDeps& deps);
std::string RenderPrivacyReportHtml(const nlohmann::json& report);

}  // namespace shinrai::service
