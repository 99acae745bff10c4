#include "profile/profile_reader.h"

#include <algorithm>

#include "profile/keys.h"
#include "store/scan_records.h"
#include "schema/identifiers.h"

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

Result<Profile> ProfileReader::Find(std::string_view lookup) {
  std::vector<std::string> keys;
  if (lookup.rfind("email:", 0) == 0) {
    auto e = schema::NormalizeEmail(lookup.substr(6));
    if (!e) return InvalidArgument("'" + std::string(lookup.substr(6)) + "' is not an e-mail address");
    keys.push_back(IdentityKey(IdKind::kEmail, *e));
  } else if (lookup.rfind("phone:", 0) == 0) {
    auto p = schema::NormalizePhone(lookup.substr(6), decl_->identity.default_country_code);
    if (!p) return InvalidArgument("'" + std::string(lookup.substr(6)) + "' is not a phone number");
    keys.push_back(IdentityKey(IdKind::kPhone, *p));
  } else if (lookup.rfind("profile:", 0) == 0) {
    ASSIGN_OR_RETURN(std::optional<Profile> p, Load(std::string(lookup.substr(8))));
    if (!p) return NotFound("no profile with id '" + std::string(lookup.substr(8)) + "'");
    return std::move(*p);
  } else {
    const std::string id(schema::Trim(lookup));
    keys.push_back(IdentityKey(IdKind::kUser, id));
    keys.push_back(IdentityKey(IdKind::kAnonymous, id));
  }
  for (const auto& key : keys) {
    ASSIGN_OR_RETURN(std::optional<std::string> pid, store_->Get(key));
    if (!pid) continue;
    ASSIGN_OR_RETURN(std::optional<Profile> p, Load(*pid));
    if (p) return std::move(*p);
  }
  return NotFound("no profile for '" + std::string(lookup) + "'");
}

Status ProfileReader::Events(const Profile& p, size_t limit, std::vector<Event>* out) {
  // Each source profile's events are in time order under its own prefix;
  // take the newest `limit` of each, then the newest `limit` of all.
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::string> ids = {p.id};
  ids.insert(ids.end(), p.absorbed.begin(), p.absorbed.end());
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

Result<ProfileView> ProfileReader::View(std::string_view lookup, size_t recent) {
  ProfileView view;
  ASSIGN_OR_RETURN(view.profile, Find(lookup));
  RETURN_IF_ERROR(Events(view.profile, recent, &view.recent_events));
  // Merge records live under the profile that survived each merge, so the
  // absorbed profiles' own earlier merges are read too.
  std::vector<std::string> ids = {view.profile.id};
  ids.insert(ids.end(), view.profile.absorbed.begin(), view.profile.absorbed.end());
  for (const auto& id : ids) {
    RETURN_IF_ERROR(store::ScanRecords<MergeRecord>(*store_, MergePrefix(id), DecodeMergeRecord, &view.merges));
  }
  std::sort(view.merges.begin(), view.merges.end(),
            [](const MergeRecord& a, const MergeRecord& b) { return a.at_ms < b.at_ms; });
  return view;
}

}  // namespace shinrai::profile
