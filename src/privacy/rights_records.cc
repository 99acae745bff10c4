#include "privacy/rights_records.h"

#include "consent/ledger.h"
#include "consent/quiet_hours.h"
#include "privacy/rights_service.h"
#include "profile/keys.h"

namespace shinrai::service {

std::string RightsKey(std::string_view id) { return std::string(kRightsPrefix) + std::string(id); }

nlohmann::json PurposeJson(const schema::Declaration& d, const std::string& id) {
  auto it = d.purposes.find(id);
  if (it == d.purposes.end()) return {{"id", id}};
  const schema::Purpose& p = it->second;
  return {{"id", id},
          {"legal_basis", schema::LegalBasisName(p.legal_basis)},
          {"description", p.description},
          {"recipients", p.recipients}};
}

nlohmann::json RetentionJson(int64_t seconds) {
  if (seconds <= 0) return "as long as the purpose needs it (no fixed period declared)";
  return std::to_string(seconds / 86400) + " days";
}

std::vector<std::string> PersonPrefixes(const std::string& profile_id) {
  return {profile::EventPrefix(profile_id), profile::MergePrefix(profile_id), profile::FeedbackPrefix(profile_id),
          profile::AccessNotePrefix(profile_id), consent::ConsentLedger::RecordsPrefix(profile_id),
          consent::QuietHoursPrefix(profile_id)};
}

}  // namespace shinrai::service
