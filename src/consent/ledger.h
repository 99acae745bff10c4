// ConsentLedger: the append-only record of what each person allowed, per
// purpose and per channel, with where it came from and the proof.
//
// Records are never changed or removed (erasure aside): the current state is
// derived from them, the latest record for a (purpose, channel) winning, and
// the history stays readable. A record for channel "*" covers every channel
// not given a record of its own later.
//
// Keys: cs/<subject>/<time:8><seq:8> (docs/key-encoding.md).
//
// Thread-safety: Append goes through the caller's transaction; reads are safe
// for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/staged_writer.h"
#include "store/store.h"

namespace shinrai::consent {

enum class ConsentStatus { kGranted, kDenied, kWithdrawn };
std::string_view ConsentStatusName(ConsentStatus s);
std::optional<ConsentStatus> ParseConsentStatus(std::string_view s);

inline constexpr std::string_view kAllChannels = "*";

struct ConsentRecord {
  std::string subject;         // profile id
  std::string purpose;         // a purpose id of the declaration
  std::string channel = "*";   // a declared channel, or "*" for all
  ConsentStatus status = ConsentStatus::kDenied;
  std::string source;          // web_banner, app, email_link, call_center, store, tcf, gpc, api
  std::string notice_version;  // the notice the person saw
  int64_t at_ms = 0;
  std::string proof;           // e.g. a hash of the TC string or the signed form

  // A checksum of the fields above, stored with the record: it catches a
  // record edited in place. It is no defence against someone who recomputes
  // it; tamper evidence is the hash-chained audit log's job (issue #5).
  std::string Fingerprint() const;
};

nlohmann::json ConsentRecordToJson(const ConsentRecord& r);

// The derived state: the latest record for each (purpose, channel).
class ConsentState {
 public:
  void Apply(const ConsentRecord& r);
  // The record deciding `purpose` on `channel`: the channel's own, else the
  // all-channels one, whichever is later; null when there is none.
  const ConsentRecord* Find(std::string_view purpose, std::string_view channel) const;
  const std::map<std::pair<std::string, std::string>, ConsentRecord>& records() const { return latest_; }

 private:
  std::map<std::pair<std::string, std::string>, ConsentRecord> latest_;
};

class ConsentLedger {
 public:
  explicit ConsentLedger(store::Store* store) : store_(store) {}

  // Stages the records in `txn`, all or none. `seq` keeps records of one
  // millisecond in their given order.
  static void Append(store::Transaction& txn, const std::vector<ConsentRecord>& records, uint64_t seq);
  // Every record of `subject`, oldest first.
  Result<std::vector<ConsentRecord>> History(std::string_view subject);
  Result<ConsentState> State(std::string_view subject);

 private:
  store::Store* const store_;
};

}  // namespace shinrai::consent
