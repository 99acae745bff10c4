#include "profile/merged_profiles.h"

#include <set>

#include "profile/keys.h"

namespace shinrai::profile {

Result<std::vector<Profile>> MergedProfiles(store::Transaction& txn, const Profile& survivor) {
  std::vector<Profile> out = {survivor};
  std::set<std::string> seen = {survivor.id};
  for (size_t i = 0; i < out.size(); ++i) {
    const std::vector<std::string> absorbed = out[i].absorbed;  // out grows below
    for (const auto& id : absorbed) {
      if (!seen.insert(id).second) continue;
      ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(ProfileKey(id)));
      if (!raw) continue;
      ASSIGN_OR_RETURN(Profile p, DecodeProfile(*raw));
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<std::string> IdentityKeysOf(const Profile& p, std::string_view space) {
  std::vector<std::string> keys;
  if (!p.user_id.empty()) keys.push_back(IdentityKey(IdKind::kUser, p.user_id, space));
  for (const auto& a : p.anonymous_ids) keys.push_back(IdentityKey(IdKind::kAnonymous, a, space));
  for (const auto& e : p.emails) keys.push_back(IdentityKey(IdKind::kEmail, e, space));
  for (const auto& ph : p.phones) keys.push_back(IdentityKey(IdKind::kPhone, ph, space));
  return keys;
}

}  // namespace shinrai::profile
