#include "profile/identity_graph.h"

#include <algorithm>
#include <set>

namespace shinrai::profile {

namespace {

std::vector<std::string>* ListFor(Profile* p, IdKind kind) {
  switch (kind) {
    case IdKind::kAnonymous: return &p->anonymous_ids;
    case IdKind::kEmail: return &p->emails;
    case IdKind::kPhone: return &p->phones;
    case IdKind::kUser: return nullptr;
  }
  return nullptr;
}

size_t UnionSize(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> s(a.begin(), a.end());
  s.insert(b.begin(), b.end());
  return s.size();
}

void AddUnique(std::vector<std::string>* list, const std::string& v) {
  if (std::find(list->begin(), list->end(), v) == list->end()) list->push_back(v);
}

}  // namespace

nlohmann::json MergeRecordToJson(const MergeRecord& r) {
  nlohmann::json j = {{"from", r.from}, {"into", r.into},           {"trigger", r.trigger},
                      {"at", r.at_ms},  {"message_id", r.message_id}, {"merged", r.refused.empty()}};
  if (!r.refused.empty()) j["refused"] = r.refused;
  return j;
}

Result<MergeRecord> DecodeMergeRecord(std::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Internal("a stored merge record is corrupt");
  MergeRecord r;
  r.from = j.value("from", "");
  r.into = j.value("into", "");
  r.trigger = j.value("trigger", "");
  r.refused = j.value("refused", "");
  r.message_id = j.value("message_id", "");
  r.at_ms = j.value("at", int64_t{0});
  return r;
}

void IdentityGraph::Save(store::Transaction& txn, const Profile& p) {
  txn.Put(ProfileKey(p.id), EncodeProfile(p));
}

Result<std::optional<Profile>> IdentityGraph::Lookup(store::Transaction& txn, IdKind kind, const std::string& value,
                                                     std::string_view space) {
  if (value.empty()) return std::optional<Profile>();
  ASSIGN_OR_RETURN(std::optional<std::string> pid, txn.Get(IdentityKey(kind, value, space)));
  if (!pid) return std::optional<Profile>();
  // Index entries are re-pointed at merge time; the hop limit only guards
  // against a corrupt chain.
  for (int hop = 0; hop < 16; ++hop) {
    ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(ProfileKey(*pid)));
    // A link to a profile that cannot be read (its key is gone, or a crash of
    // an older version left the link without it) names nobody any more: the
    // identifier starts a new person, and the link is re-pointed at them.
    if (!raw) return std::optional<Profile>();
    ASSIGN_OR_RETURN(Profile p, DecodeProfile(*raw));
    if (p.merged_into.empty()) return std::optional<Profile>(std::move(p));
    *pid = p.merged_into;
  }
  return Internal("profile merge chain too long");
}

Status IdentityGraph::CanMerge(const Profile& into, const Profile& from) const {
  if (!into.user_id.empty() && !from.user_id.empty() && into.user_id != from.user_id)
    return Conflict("user_id_conflict");
  if (static_cast<int>(UnionSize(into.anonymous_ids, from.anonymous_ids)) > limits_.max_anonymous_ids)
    return Conflict("anonymous_id_limit");
  if (static_cast<int>(UnionSize(into.emails, from.emails)) > limits_.max_emails) return Conflict("email_limit");
  if (static_cast<int>(UnionSize(into.phones, from.phones)) > limits_.max_phones) return Conflict("phone_limit");
  return Status::Ok();
}

void IdentityGraph::MergeInto(store::Transaction& txn, Profile* into, const Profile& from, std::string_view space) {
  if (into->user_id.empty() && !from.user_id.empty()) into->user_id = from.user_id;
  for (const auto& a : from.anonymous_ids) AddUnique(&into->anonymous_ids, a);
  for (const auto& e : from.emails) AddUnique(&into->emails, e);
  for (const auto& p : from.phones) AddUnique(&into->phones, p);
  for (const auto& g : from.groups) AddUnique(&into->groups, g);
  // The survivor's traits are the more recent statement of who the person is.
  for (const auto& [k, v] : from.traits.items()) {
    if (!into->traits.contains(k)) into->traits[k] = v;
  }
  for (const auto& [name, s] : from.channels) {
    ChannelSummary& t = into->channels[name];
    t.events += s.events;
    t.first_seen_ms = t.first_seen_ms == 0 ? s.first_seen_ms : std::min(t.first_seen_ms, s.first_seen_ms);
    t.last_seen_ms = std::max(t.last_seen_ms, s.last_seen_ms);
  }
  for (const auto& b : from.brands) AddUnique(&into->brands, b);
  AddUnique(&into->absorbed, from.id);
  for (const auto& a : from.absorbed) AddUnique(&into->absorbed, a);
  if (from.created_ms && from.created_ms < into->created_ms) into->created_ms = from.created_ms;

  if (!from.user_id.empty()) txn.Put(IdentityKey(IdKind::kUser, from.user_id, space), into->id);
  for (const auto& a : from.anonymous_ids) txn.Put(IdentityKey(IdKind::kAnonymous, a, space), into->id);
  for (const auto& e : from.emails) txn.Put(IdentityKey(IdKind::kEmail, e, space), into->id);
  for (const auto& p : from.phones) txn.Put(IdentityKey(IdKind::kPhone, p, space), into->id);
  // The tombstone keeps no personal data, only where the person went.
  Profile tomb;
  tomb.id = from.id;
  tomb.merged_into = into->id;
  tomb.created_ms = from.created_ms;
  Save(txn, tomb);
}

void IdentityGraph::Record(store::Transaction& txn, MergeRecord rec) {
  txn.Put(MergeKey(rec.into, rec.at_ms, env_->Random64()), MergeRecordToJson(rec).dump());
}

Status IdentityGraph::Link(store::Transaction& txn, Resolution* r, IdKind kind, const std::string& value,
                           std::string_view space, const std::string& message_id, int64_t now_ms) {
  if (value.empty()) return Status::Ok();
  Profile& p = r->profile;
  std::vector<std::string>* list = ListFor(&p, kind);
  if (!list || std::find(list->begin(), list->end(), value) != list->end()) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Get(IdentityKey(kind, value, space)));
  if (existing) return Status::Ok();  // belongs to a profile that refused to merge
  const int limit = kind == IdKind::kAnonymous ? limits_.max_anonymous_ids
                    : kind == IdKind::kEmail   ? limits_.max_emails
                                               : limits_.max_phones;
  if (static_cast<int>(list->size()) >= limit) {
    MergeRecord rec;
    rec.into = p.id;
    rec.trigger = std::string(IdKindName(kind));
    rec.refused = std::string(IdKindName(kind)) + "_limit";
    rec.message_id = message_id;
    rec.at_ms = now_ms;
    r->merges.push_back(rec);
    Record(txn, std::move(rec));
    return Status::Ok();
  }
  list->push_back(value);
  txn.Put(IdentityKey(kind, value, space), p.id);
  return Status::Ok();
}

Result<Resolution> IdentityGraph::Resolve(store::Transaction& txn, const Identifiers& ids,
                                          const std::string& message_id, int64_t now_ms) {
  Resolution r;
  std::optional<Profile> by_user;
  if (!ids.user_id.empty()) {
    ASSIGN_OR_RETURN(by_user, Lookup(txn, IdKind::kUser, ids.user_id, ids.space));
  }

  // Other profiles this event points at, in order of precedence.
  struct Candidate {
    IdKind kind;
    Profile profile;
  };
  std::vector<Candidate> others;
  std::set<std::string> seen;
  if (by_user) seen.insert(by_user->id);
  auto consider = [&](IdKind kind, const std::string& value) -> Status {
    ASSIGN_OR_RETURN(std::optional<Profile> p, Lookup(txn, kind, value, ids.space));
    if (p && seen.insert(p->id).second) others.push_back({kind, std::move(*p)});
    return Status::Ok();
  };
  std::string previous_as_anonymous;
  if (!ids.previous_id.empty()) {
    ASSIGN_OR_RETURN(std::optional<Profile> prev, Lookup(txn, IdKind::kUser, ids.previous_id, ids.space));
    if (prev) {
      if (seen.insert(prev->id).second) others.push_back({IdKind::kUser, std::move(*prev)});
    } else {
      previous_as_anonymous = ids.previous_id;
      RETURN_IF_ERROR(consider(IdKind::kAnonymous, ids.previous_id));
    }
  }
  RETURN_IF_ERROR(consider(IdKind::kAnonymous, ids.anonymous_id));
  RETURN_IF_ERROR(consider(IdKind::kEmail, ids.email));
  RETURN_IF_ERROR(consider(IdKind::kPhone, ids.phone));

  // Pick the surviving profile: the person named by user id; else a known
  // person this event points at; else any profile it points at; else new.
  auto take = [&](auto pred) -> bool {
    for (auto it = others.begin(); it != others.end(); ++it) {
      if (pred(it->profile)) {
        r.profile = std::move(it->profile);
        others.erase(it);
        return true;
      }
    }
    return false;
  };
  bool found = false;
  if (by_user) {
    r.profile = std::move(*by_user);
    found = true;
  } else if (!ids.user_id.empty()) {
    found = take([](const Profile& p) { return p.user_id.empty(); });
  } else {
    found = take([](const Profile& p) { return !p.user_id.empty(); }) || take([](const Profile&) { return true; });
  }
  if (!found) {
    r.profile.id = env_->NewId();
    r.profile.created_ms = now_ms;
    r.created = true;
  }
  if (!ids.user_id.empty() && r.profile.user_id.empty()) {
    r.profile.user_id = ids.user_id;
    txn.Put(IdentityKey(IdKind::kUser, ids.user_id, ids.space), r.profile.id);
  }

  for (const Candidate& c : others) {
    MergeRecord rec;
    rec.from = c.profile.id;
    rec.into = r.profile.id;
    rec.trigger = ids.previous_id.empty() || c.kind != IdKind::kUser ? std::string(IdKindName(c.kind)) : "alias";
    rec.message_id = message_id;
    rec.at_ms = now_ms;
    Status st = CanMerge(r.profile, c.profile);
    if (st.ok()) {
      MergeInto(txn, &r.profile, c.profile, ids.space);
    } else {
      rec.refused = st.message();
    }
    r.merges.push_back(rec);
    Record(txn, std::move(rec));
  }

  RETURN_IF_ERROR(Link(txn, &r, IdKind::kAnonymous, previous_as_anonymous, ids.space, message_id, now_ms));
  RETURN_IF_ERROR(Link(txn, &r, IdKind::kAnonymous, ids.anonymous_id, ids.space, message_id, now_ms));
  RETURN_IF_ERROR(Link(txn, &r, IdKind::kEmail, ids.email, ids.space, message_id, now_ms));
  RETURN_IF_ERROR(Link(txn, &r, IdKind::kPhone, ids.phone, ids.space, message_id, now_ms));
  return r;
}

}  // namespace shinrai::profile
