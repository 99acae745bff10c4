#include "audit/audit_log.h"

#include "core/time_format.h"
#include "crypto/aead.h"

namespace shinrai::audit {

nlohmann::json EntryJson(const AuditEntry& e, int64_t seq, int64_t at_ms, const std::string& prev_hash) {
  return {{"seq", seq},
          {"at", FormatIso8601Millis(at_ms)},
          {"action", e.action},
          {"key_id", e.actor.key_id},
          {"key_name", e.actor.key_name},
          {"role", e.actor.role},
          {"subject", e.subject},
          {"fields", e.fields},
          {"reason", e.reason},
          {"detail", e.detail},
          {"prev", prev_hash}};
}

std::string EntryHash(const std::string& prev_hash, const nlohmann::json& entry_without_hash) {
  // Replacement, not an exception, for bytes that are not UTF-8: appending
  // must not fail on what a client sent, and verification re-reads U+FFFD.
  return crypto::Sha256Hex(prev_hash + "\n" +
                           entry_without_hash.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool IsPersonalDataRead(std::string_view action) {
  return action == "profile.read" || action == "consent.read" || action == "recommendations.serve" ||
         action == "rights.export";
}

}  // namespace shinrai::audit
