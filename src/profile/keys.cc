#include "profile/keys.h"

#include "core/hash.h"

namespace shinrai::profile {

std::string_view IdKindName(IdKind kind) {
  switch (kind) {
    case IdKind::kUser: return "user_id";
    case IdKind::kAnonymous: return "anonymous_id";
    case IdKind::kEmail: return "email";
    case IdKind::kPhone: return "phone";
  }
  return "user_id";
}

std::string IdentityName(IdKind kind, std::string_view value, std::string_view space) {
  std::string k(1, static_cast<char>(kind));
  // Brand ids hold no '/', and the group's names have '/' right after the
  // kind: a brand's name can never equal the group's.
  if (!space.empty()) {
    k.push_back('@');
    k.append(space);
  }
  k.push_back('/');
  k.append(value);
  return k;
}

std::string IdentityKey(IdKind kind, std::string_view value, std::string_view space) {
  return std::string(store::family::kIdentity.prefix) + IdentityName(kind, value, space);
}

std::string ProfileKey(std::string_view profile_id) {
  return std::string(store::family::kProfile.prefix) + std::string(profile_id);
}

std::string EventPrefix(std::string_view profile_id) {
  return std::string(store::family::kEvent.prefix) + std::string(profile_id) + "/";
}

std::string EventKey(std::string_view profile_id, int64_t timestamp_ms, std::string_view message_id) {
  std::string k = EventPrefix(profile_id);
  // Offset so that pre-1970 timestamps still sort before later ones.
  AppendBigEndian64(&k, static_cast<uint64_t>(timestamp_ms) ^ (uint64_t{1} << 63));
  AppendBigEndian64(&k, Fnv1a64(message_id));
  return k;
}

std::string DedupKey(int64_t at_ms, uint64_t random) {
  std::string k(kDedupPrefix);
  AppendBigEndian64(&k, static_cast<uint64_t>(at_ms));
  AppendBigEndian64(&k, random);
  return k;
}

std::string MergePrefix(std::string_view profile_id) {
  return std::string(store::family::kMerge.prefix) + std::string(profile_id) + "/";
}

std::string MergeKey(std::string_view profile_id, int64_t at_ms, uint64_t random) {
  std::string k = MergePrefix(profile_id);
  AppendBigEndian64(&k, static_cast<uint64_t>(at_ms));
  AppendBigEndian64(&k, random);
  return k;
}

std::string CounterKey(std::string_view name) { return std::string(kCounterPrefix) + std::string(name); }

std::string FeedbackPrefix(std::string_view profile_id) {
  return std::string(kFeedbackFamily) + std::string(profile_id) + "/";
}

std::string FeedbackKey(std::string_view profile_id, int64_t at_ms, uint64_t random) {
  std::string k = FeedbackPrefix(profile_id);
  AppendBigEndian64(&k, static_cast<uint64_t>(at_ms));
  AppendBigEndian64(&k, random);
  return k;
}

std::string AccessNotePrefix(std::string_view profile_id) {
  return std::string(kAccessNoteFamily) + std::string(profile_id) + "/";
}

std::string AccessNoteKey(std::string_view profile_id, int64_t at_ms, uint64_t random) {
  std::string k = AccessNotePrefix(profile_id);
  AppendBigEndian64(&k, static_cast<uint64_t>(at_ms));
  AppendBigEndian64(&k, random);
  return k;
}

}  // namespace shinrai::profile
