// Identity spaces: which identity index a brand's people are named in.
//
// With one organisation, or with one person across the group's brands
// (identity.across_brands), everyone is named in the group's index, "".
// Otherwise each brand keeps its own people: the same user id at two brands
// names two people, linked to nothing. The default brand's people stay in the
// group's index, so that a deployment which declares a second brand keeps the
// people it already had.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.h"
#include "schema/declaration.h"

namespace shinrai::profile {

// The index a brand's people are named in ("*": the group's, "").
std::string IdentitySpace(const schema::Declaration& d, std::string_view brand);
// Every index a group-wide lookup searches, the group's first.
std::vector<std::string> IdentitySpaces(const schema::Declaration& d);
// The index that names the profile's identifiers: that of the brand that
// collected from them first.
std::string SpaceOf(const schema::Declaration& d, const Profile& p);
// The brand whose people a space holds ("*" for the group's index).
std::string BrandOfSpace(const schema::Declaration& d, std::string_view space);

}  // namespace shinrai::profile
