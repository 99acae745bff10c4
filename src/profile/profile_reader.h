// ProfileReader: the read side of profiles, over committed data only (what
// was acknowledged to clients).
//
// Thread-safety: safe for concurrent use; the Store and Declaration must
// outlive it.
#pragma once

#include <string>
#include <vector>

#include "profile/event.h"
#include "profile/identity_graph.h"
#include "profile/profile.h"
#include "schema/declaration.h"
#include "store/store.h"

namespace shinrai::profile {

struct ProfileView {
  Profile profile;
  std::vector<Event> recent_events;  // newest first
  std::vector<MergeRecord> merges;   // oldest first
};

class ProfileReader {
 public:
  ProfileReader(store::Store* store, const schema::Declaration* declaration)
      : store_(store), decl_(declaration) {}

  // `lookup` is a user id, an anonymous id, "email:<address>",
  // "phone:<number>" or "profile:<id>". NotFound when nobody matches, or when
  // `brand` ("*": the group) never collected from the person. Where each
  // brand keeps its own people, the group's lookup is Conflict when the id
  // names a person at more than one brand.
  // `named_at`: the brand whose people the lookup names, where each brand
  // keeps its own ("": `brand`; "*": every brand's).
  Result<Profile> Find(std::string_view lookup, std::string_view brand = "*", std::string_view named_at = "");
  // Everyone `lookup` names that `brand` may know: one person, or for the
  // group where each brand keeps its own people, one per brand.
  Result<std::vector<Profile>> FindAll(std::string_view lookup, std::string_view brand, std::string_view named_at = "");
  // The profile with its `recent` newest events (across merged profiles).
  Result<ProfileView> View(std::string_view lookup, size_t recent, std::string_view brand = "*",
                           std::string_view named_at = "");
  // Every event of a profile and of the profiles merged into it, newest first.
  Status Events(const Profile& p, size_t limit, std::vector<Event>* out);

 private:
  // The people `lookup` names, at most one per identity space.
  Result<std::vector<Profile>> FindIn(std::string_view lookup, const std::vector<std::string>& spaces);
  Result<std::optional<Profile>> Load(std::string id);
  store::Store* const store_;
  const schema::Declaration* const decl_;
};

}  // namespace shinrai::profile
