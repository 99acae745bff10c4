// The walks over a person made of merged profiles: every profile record that
// is theirs, and every identity link that leads to them. Rights (export,
// erasure) and consent history read a person through these, so a profile
// merged into another, or into one that was itself merged, is never missed.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.h"
#include "store/staged_writer.h"

namespace shinrai::profile {

// The survivor and every profile merged into it, transitively, survivor
// first; each read once. Tombstones already deleted are skipped.
Result<std::vector<Profile>> MergedProfiles(store::Transaction& txn, const Profile& survivor);

// The identity-link keys (profile/keys.h) of every identifier the profile
// holds, in the identity space that names them.
std::vector<std::string> IdentityKeysOf(const Profile& p, std::string_view space);

}  // namespace shinrai::profile
