// ProfileService: reading a person's unified profile through an API key.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>

#include "access/access.h"
#include "profile/profile_reader.h"
#include "usecase/deps.h"

namespace shinrai::service {

class ProfileService {
 public:
  // Every read is logged in deps.audit, with the reason stated.
  explicit ProfileService(const UseCaseDeps& deps)
      : d_(deps), reader_(&deps.store, &deps.config.declaration) {}

  // The profile as JSON: identities, traits, per-channel summary, recent
  // events and merges. `lookup`: see profile::ProfileReader::Find. Agents
  // (the call center) must state a `reason`, one of the declared codes
  // (security.access_reasons); every read is audited with it. A free-text
  // `note` is kept with the person's own data (sealed with their key, erased
  // with them), never in the audit log, which only points at it. A group
  // key may read as one brand's (`brand`): that brand's customer, as it sees them.
  Result<nlohmann::json> Get(const Principal& who, std::string_view lookup, std::string_view reason = "",
                             std::string_view note = "", std::string_view brand = "");

 private:
  // Narrows a customer's profile to what brand `brand` may see.
  void HideGroupIdentity(const std::string& brand, const std::vector<profile::Event>& own,
                         profile::ProfileView* view) const;
  Status ScopeToBrand(const std::string& brand, profile::ProfileView* view);
  nlohmann::json ProfileJson(const profile::ProfileView& view) const;

  const UseCaseDeps d_;
  profile::ProfileReader reader_;
};

}  // namespace shinrai::service
