#include "profile/profile_reader.h"

#include <algorithm>

#include "profile/identity_space.h"
#include "profile/keys.h"
#include "store/scan_records.h"
#include "profile/lookup.h"

namespace shinrai::profile {

Result<std::optional<Profile>> ProfileReader::Load(std::string id) {
  for (int hop = 0; hop < 16; ++hop) {
    ASSIGN_OR_RETURN(std::optional<std::string> raw, store_->Get(ProfileKey(id)));
    if (!raw) return std::optional<Profile>();
    ASSIGN_OR_RETURN(Profile p, DecodeProfile(*raw));
    if (p.merged_into.empty()) return std::optional<Profile>(std::move(p));
    id = p.merged_into;
  }
  return Internal("profile merge chain too long");
}

Result<Profile> ProfileReader::Find(std::string_view lookup, std::string_view brand, std::string_view named_at) {
  ASSIGN_OR_RETURN(std::vector<Profile> found, FindAll(lookup, brand, named_at));
  if (found.empty()) return NotFound("no profile for '" + std::string(lookup) + "'");
  if (found.size() > 1) {
    std::string brands;
    for (const auto& p : found) brands += (brands.empty() ? "" : ", ") + BrandOfSpace(*decl_, SpaceOf(*decl_, p));
    return Conflict("'" + std::string(lookup) + "' names a different person at each of the brands " + brands +
                    " (each brand keeps its own people): say which brand with ?brand=");
  }
  return std::move(found.front());
}

Result<std::vector<Profile>> ProfileReader::FindAll(std::string_view lookup, std::string_view brand,
                                                    std::string_view named_at) {
  if (named_at.empty()) named_at = brand;
  const std::vector<std::string> spaces =
      named_at == "*" ? IdentitySpaces(*decl_) : std::vector<std::string>{IdentitySpace(*decl_, named_at)};
  ASSIGN_OR_RETURN(std::vector<Profile> found, FindIn(lookup, spaces));
  // To a brand, someone it never collected from is nobody: the same answer
  // as for someone unknown, so that it learns nothing of the group's others.
  std::erase_if(found, [&](const Profile& p) { return !p.CustomerOf(brand); });
  return found;
}

Result<std::vector<Profile>> ProfileReader::FindIn(std::string_view lookup, const std::vector<std::string>& spaces) {
  ASSIGN_OR_RETURN(Lookup l, ParseLookup(lookup, decl_->identity.default_country_code));
  std::vector<Profile> found;
  if (l.kind == Lookup::Kind::kProfile) {
    ASSIGN_OR_RETURN(std::optional<Profile> p, Load(l.value));
    if (p) found.push_back(std::move(*p));
    return found;
  }
  for (const auto& space : spaces) {
    for (IdKind kind : IdKindsOf(l)) {
      ASSIGN_OR_RETURN(std::optional<std::string> pid, store_->Get(IdentityKey(kind, l.value, space)));
      if (!pid) continue;
      ASSIGN_OR_RETURN(std::optional<Profile> p, Load(*pid));
      if (!p) continue;
      found.push_back(std::move(*p));
      break;
    }
  }
  return found;
}

Status ProfileReader::Events(const Profile& p, size_t limit, std::vector<Event>* out) {
  // Each source profile's events are in time order under its own prefix;
  // take the newest `limit` of each, then the newest `limit` of all.
  std::vector<std::pair<std::string, std::string>> rows;
  const std::vector<std::string> ids = p.SourceIds();
  for (const auto& id : ids) {
    store::ScanOptions so;
    so.prefix = EventPrefix(id);
    so.reverse = true;
    so.limit = limit;
    const size_t prefix_len = so.prefix.size();
    RETURN_IF_ERROR(store_->Scan(so, [&](std::string_view k, std::string_view v) {
      rows.emplace_back(std::string(k.substr(prefix_len)), std::string(v));
      return true;
    }));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (limit && rows.size() > limit) rows.resize(limit);
  for (const auto& [_, v] : rows) {
    ASSIGN_OR_RETURN(Event e, DecodeEvent(v));
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

Result<ProfileView> ProfileReader::View(std::string_view lookup, size_t recent, std::string_view brand,
                                        std::string_view named_at) {
  ProfileView view;
  ASSIGN_OR_RETURN(view.profile, Find(lookup, brand, named_at));
  RETURN_IF_ERROR(Events(view.profile, recent, &view.recent_events));
  // Merge records live under the profile that survived each merge, so the
  // absorbed profiles' own earlier merges are read too.
  const std::vector<std::string> ids = view.profile.SourceIds();
  for (const auto& id : ids) {
    RETURN_IF_ERROR(store::ScanRecords<MergeRecord>(*store_, MergePrefix(id), DecodeMergeRecord, &view.merges));
  }
  std::sort(view.merges.begin(), view.merges.end(),
            [](const MergeRecord& a, const MergeRecord& b) { return a.at_ms < b.at_ms; });
  return view;
}

}  // namespace shinrai::profile
