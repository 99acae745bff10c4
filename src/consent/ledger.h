// ConsentLedger: the append-only record of what each person allowed, per
// purpose and per channel, with where it came from and the proof.
//
// Records are never changed or removed (erasure aside): the current state is
// derived from them, the latest record for a (purpose, channel) winning, and
// the history stays readable. A record for channel "*" covers every channel
// not given a record of its own later; a record for brand "*" (the group's
// brands, all of them) covers every brand the same way. Consent given to one
// brand never covers another.
//
// Keys: cs/<subject>/<time:8><seq:8> for the records, and cc/<subject> for
// the derived state, so that collection reads one key per event
// (docs/key-encoding.md).
//
// Thread-safety: Append goes through the caller's transaction; reads are safe
// for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/status.h"
#include "store/key_families.h"
#include "store/staged_writer.h"
#include "store/store.h"

namespace shinrai::consent {

enum class ConsentStatus { kGranted, kDenied, kWithdrawn };
std::string_view ConsentStatusName(ConsentStatus s);
std::optional<ConsentStatus> ParseConsentStatus(std::string_view s);

inline constexpr std::string_view kAllChannels = "*";
inline constexpr std::string_view kAllBrands = "*";

struct ConsentRecord {
  std::string subject;         // profile id
  std::string purpose;         // a purpose id of the declaration
  std::string channel = "*";   // a declared channel, or "*" for all
  ConsentStatus status = ConsentStatus::kDenied;
  std::string source;          // web_banner, app, email_link, call_center, store, tcf, gpc, api
  std::string notice_version;  // the notice the person saw
  int64_t at_ms = 0;
  std::string proof;           // e.g. a hash of the TC string or the signed form
  std::string brand = "*";     // the brand the statement was made to, or "*" for all of the group's brands

  // BLAKE2b-256 of the fields above. Each appended record's fingerprint goes
  // into the hash-chained audit log with the change (FingerprintsOf), so a
  // record altered, added or removed in the store no longer matches the
  // chain: the proof of consent is as tamper-evident as the log.
  std::string Fingerprint() const;
};

nlohmann::json ConsentRecordToJson(const ConsentRecord& r);
// What an audit entry keeps of appended records: each statement
// ("purpose@channel=status") and each record's fingerprint.
std::vector<std::string> StatementsOf(const std::vector<ConsentRecord>& records);
std::vector<std::string> FingerprintsOf(const std::vector<ConsentRecord>& records);

// The derived state: the latest record for each (purpose, channel, brand).
class ConsentState {
 public:
  using Key = std::tuple<std::string, std::string, std::string>;  // purpose, channel, brand

  void Apply(const ConsentRecord& r);
  // Takes every record of `other` that is later than this state's record
  // for the same (purpose, channel, brand): merging two people's consent.
  void Merge(const ConsentState& other);
  // True when recording `r` would change no decision: the same statement
  // (status, source, notice) is already the one in force for its purpose on
  // every channel and brand it covers.
  bool Redundant(const ConsentRecord& r) const;
  // The record deciding `purpose` on `channel` for `brand`: the latest of
  // those that cover it (its own, all channels, all brands, both; on a tie,
  // one that does not grant); null when there is none.
  const ConsentRecord* Find(std::string_view purpose, std::string_view channel,
                            std::string_view brand = kAllBrands) const;
  const std::map<Key, ConsentRecord>& records() const { return latest_; }

 private:
  std::map<Key, ConsentRecord> latest_;
};

std::string EncodeConsentState(const ConsentState& state);
Result<ConsentState> DecodeConsentState(std::string_view bytes);

class ConsentLedger {
 public:
  explicit ConsentLedger(store::Store* store) : store_(store) {}

  // Stages the records in `txn`, all or none, without touching the derived
  // state. The ledger numbers them itself (one counter for every writer, and
  // a key already taken is never reused), so records of one millisecond keep
  // their order and never overwrite each other, whoever writes them.
  static Status Append(store::Transaction& txn, const std::vector<ConsentRecord>& records);
  // Appends the records that change `state` (see ConsentState::Redundant:
  // a repeat of the statement in force is not recorded again), applies them and
  // stages the new derived state. Returns the records appended.
  static Result<std::vector<ConsentRecord>> Record(store::Transaction& txn, const std::string& subject,
                                                   ConsentState* state, const std::vector<ConsentRecord>& records);
  // The derived state through a transaction (staged writes included).
  static Result<ConsentState> CurrentState(store::Transaction& txn, std::string_view subject);
  // Where a subject's records and derived state are kept (erasure deletes them).
  static std::string RecordsPrefix(std::string_view subject) {
    return std::string(store::family::kConsentRecord.prefix) + std::string(subject) + "/";
  }
  static std::string StateKey(std::string_view subject) {
    return std::string(store::family::kConsentState.prefix) + std::string(subject);
  }
  // Stages the derived state of `subject`.
  static void SaveState(store::Transaction& txn, std::string_view subject, const ConsentState& state);

  // Every record of the subjects (a person and the profiles merged into it),
  // oldest first.
  Result<std::vector<ConsentRecord>> History(const std::vector<std::string>& subjects);
  // The committed derived state.
  Result<ConsentState> State(std::string_view subject);

 private:
  store::Store* const store_;
};

}  // namespace shinrai::consent
