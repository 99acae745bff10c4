// Store key families of the profile module (docs/key-encoding.md).
//
//   id/<kind>/<value>            -> profile id          (identity index: the group's, profile/identity_space.h)
//   id/<kind>@<brand>/<value>    -> profile id          (a brand's own people)
//   pr/<profile id>              -> Profile             (MessagePack)
//   ev/<profile id>/<ts><h>      -> Event               (ts: big-endian ms, h: hash of messageId)
//   mq/<ts><random>              -> 8-byte hashes       (messageIds seen in one request, for de-duplication)
//   mg/<profile id>/<ts><random> -> merge record        (JSON; merges into, or refused for, that profile)
//   st/<counter>                 -> decimal count       (minimisation and collection counters)
//   fb/<profile id>/<ts><random> -> feedback record     (JSON; impressions, clicks, conversions of recommendations)
//   an/<profile id>/<ts><random> -> access note         (an agent's free-text reason for reading the profile)
//   it/<item id>                 -> catalogue item      (JSON; not personal data)
//
// Every key of one person's data starts with its profile id after the family
// prefix, so a backend can distribute by subject and erasure can delete ranges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/key_families.h"

namespace shinrai::profile {

enum class IdKind : char { kUser = 'u', kAnonymous = 'a', kEmail = 'e', kPhone = 'p' };
std::string_view IdKindName(IdKind kind);

// "<kind>/<value>", or "<kind>@<space>/<value>" in a brand's own space.
std::string IdentityName(IdKind kind, std::string_view value, std::string_view space = "");
std::string IdentityKey(IdKind kind, std::string_view value, std::string_view space = "");
inline std::string_view IdentityFamily() { return store::family::kIdentity.prefix; }
// Every profile, every event: the whole family (scans of everyone).
inline std::string_view ProfileFamily() { return store::family::kProfile.prefix; }
inline std::string_view EventFamily() { return store::family::kEvent.prefix; }
std::string ProfileKey(std::string_view profile_id);
std::string EventPrefix(std::string_view profile_id);
std::string EventKey(std::string_view profile_id, int64_t timestamp_ms, std::string_view message_id);
std::string DedupKey(int64_t at_ms, uint64_t random);
inline constexpr std::string_view kDedupPrefix = store::family::kDedup.prefix;
std::string MergePrefix(std::string_view profile_id);
std::string MergeKey(std::string_view profile_id, int64_t at_ms, uint64_t random);
std::string CounterKey(std::string_view name);
std::string FeedbackPrefix(std::string_view profile_id);
std::string FeedbackKey(std::string_view profile_id, int64_t at_ms, uint64_t random);
inline constexpr std::string_view kFeedbackFamily = store::family::kFeedback.prefix;
std::string AccessNotePrefix(std::string_view profile_id);
std::string AccessNoteKey(std::string_view profile_id, int64_t at_ms, uint64_t random);
inline constexpr std::string_view kAccessNoteFamily = store::family::kAccessNote.prefix;
inline constexpr std::string_view kItemPrefix = store::family::kItem.prefix;
inline constexpr std::string_view kCounterPrefix = store::family::kCounter.prefix;

}  // namespace shinrai::profile
