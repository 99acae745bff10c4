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

std::string CheckChainedEntry(std::string_view stored, int64_t n, const std::string& prev, std::string* hash) {
  nlohmann::json j = nlohmann::json::parse(stored, nullptr, false);
  const std::string at = "entry " + std::to_string(n);
  if (j.is_discarded() || !j.is_object() || !j.contains("hash") || !j.contains("seq") || !j.contains("prev") ||
      !j["hash"].is_string() || !j["seq"].is_number_integer() || !j["prev"].is_string())
    return at + " is not a well-formed audit entry";
  *hash = j["hash"];
  const int64_t seq = j["seq"];
  if (seq != n)
    return at + " has sequence number " + std::to_string(seq) + " (entries were removed, inserted or reordered)";
  if (j["prev"] != prev)
    return at + " does not follow entry " + std::to_string(n - 1) +
           " (its previous-hash differs: an entry before it was removed, altered or reordered)";
  j.erase("hash");
  if (EntryHash(prev, j) != *hash)
    return at + " (" + j.value("action", std::string("?")) + ") was altered: its content does not match its hash";
  return "";
}

std::string HeadSignature(const crypto::SecretKey& key, int64_t seq, const std::string& hash) {
  return crypto::ToHex(crypto::KeyedHash(key, std::to_string(seq) + ":" + hash, 32));
}

}  // namespace shinrai::audit
