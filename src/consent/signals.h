// Consent signals that arrive with tracking calls, turned into ledger records
// through the declaration's mapping (schema::ConsentSignals):
//   - context.consent.categoryPreferences {Category: true|false}  (Segment)
//   - context.consentManagement {allowedConsentIds, deniedConsentIds} (RudderStack)
//   - an IAB TCF v2.2/v2.3 TC string: context.tcf, context.gdpr_consent or gdpr_consent
//   - Google Consent Mode: context.consentMode {ad_storage: "granted"|"denied", ...}
//   - Global Privacy Control: the Sec-GPC: 1 request header
// Within one message a denial wins over a grant of the same purpose, and GPC
// denials win over everything.
//
// Pure functions; safe anywhere.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "consent/ledger.h"
#include "core/status.h"
#include "schema/declaration.h"

namespace shinrai::consent {

struct SignalInput {
  nlohmann::json category_preferences;  // object, or null
  nlohmann::json consent_management;    // object, or null
  nlohmann::json consent_mode;          // object, or null
  std::string tc_string;                // "" when absent
  bool gpc = false;

  bool empty() const {
    return category_preferences.is_null() && consent_management.is_null() && consent_mode.is_null() &&
           tc_string.empty() && !gpc;
  }
};

// Reads the signals of one tracking-call message (its "context" and
// top-level "gdpr_consent"). InvalidArgument names a malformed signal.
Result<SignalInput> ReadSignals(const nlohmann::json& context, const nlohmann::json& gdpr_consent, bool gpc);

// The records the signals state for `subject` on `channel` (GPC: all
// channels). InvalidArgument for an invalid TC string.
Result<std::vector<ConsentRecord>> RecordsFromSignals(const schema::ConsentSignals& mapping, const SignalInput& in,
                                                      const std::string& subject, const std::string& channel,
                                                      int64_t at_ms);

}  // namespace shinrai::consent
