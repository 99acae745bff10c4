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
  // `brand` ("*": the group) never collected from the person.
  Result<Profile> Find(std::string_view lookup, std::string_view brand = "*");
  // The profile with its `recent` newest events (across merged profiles).
  Result<ProfileView> View(std::string_view lookup, size_t recent, std::string_view brand = "*");
  // Every event of a profile and of the profiles merged into it, newest first.
  Status Events(const Profile& p, size_t limit, std::vector<Event>* out);

 private:
  Result<Profile> FindInGroup(std::string_view lookup);
  Result<std::optional<Profile>> Load(std::string id);
  store::Store* const store_;
  const schema::Declaration* const decl_;
};

}  // namespace shinrai::profile
