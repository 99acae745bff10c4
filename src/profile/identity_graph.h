// IdentityGraph: which profile an event belongs to.
//
// Links user ids, anonymous (device/browser) ids, e-mails and phones to one
// profile, and merges profiles when an event shows they are one person:
//   - identify with an anonymous id and a user id merges the anonymous
//     history into the person; alias merges previousId's profile explicitly;
//     a shared e-mail or phone merges too.
//   - Limits stop runaway merges: never two user ids in one profile, at most
//     IdentityLimits::max_anonymous_ids device ids (and max e-mails, phones).
//     A refused merge leaves both profiles as they were.
//   - Every merge, done or refused, is recorded (MergeRecord) under the
//     surviving profile.
//
// Thread-safety: not thread-safe; the caller serialises transactions.
#pragma once

#include <string>
#include <vector>

#include "core/env.h"
#include "profile/keys.h"
#include "profile/profile.h"
#include "schema/declaration.h"
#include "store/staged_writer.h"

namespace shinrai::profile {

// Normalised identifiers carried by one event; empty means absent.
struct Identifiers {
  std::string user_id;
  std::string anonymous_id;
  std::string email;
  std::string phone;
  std::string previous_id;  // alias: an earlier user id or anonymous id
  std::string space;        // the identity index they name people in (profile/identity_space.h)
};

struct MergeRecord {
  std::string from;     // the absorbed profile ("" for a refused link of a new identifier)
  std::string into;     // the surviving profile
  std::string trigger;  // identifier kind that showed the link: "anonymous_id", "email", ...
  std::string refused;  // "" when done; else "user_id_conflict", "anonymous_id_limit", ...
  std::string message_id;
  int64_t at_ms = 0;
};
nlohmann::json MergeRecordToJson(const MergeRecord& r);
Result<MergeRecord> DecodeMergeRecord(std::string_view bytes);

struct Resolution {
  Profile profile;  // the event's profile, with merges applied; the caller saves it
  bool created = false;
  std::vector<MergeRecord> merges;
};

class IdentityGraph {
 public:
  IdentityGraph(const schema::IdentityLimits& limits, Env* env) : limits_(limits), env_(env) {}

  // REQUIRES: at least one identifier is set.
  Result<Resolution> Resolve(store::Transaction& txn, const Identifiers& ids, const std::string& message_id,
                             int64_t now_ms);
  static void Save(store::Transaction& txn, const Profile& p);

 private:
  Result<std::optional<Profile>> Lookup(store::Transaction& txn, IdKind kind, const std::string& value,
                                        std::string_view space);
  Status CanMerge(const Profile& into, const Profile& from) const;
  void MergeInto(store::Transaction& txn, Profile* into, const Profile& from, std::string_view space);
  Status Link(store::Transaction& txn, Resolution* r, IdKind kind, const std::string& value, std::string_view space,
              const std::string& message_id, int64_t now_ms);
  void Record(store::Transaction& txn, MergeRecord rec);

  const schema::IdentityLimits limits_;
  Env* const env_;
};

}  // namespace shinrai::profile
