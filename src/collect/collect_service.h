// CollectService: the collection use case.
//
// Takes the raw body of a tracking call (/v1/track, ..., /v1/batch), parses
// and minimises it (MessageParser), and for each event: drops retries by
// messageId (MessageDedup), resolves the person (profile::IdentityGraph), updates the
// profile and appends the event. One request's writes are one atomic
// transaction; the reply callback runs once they are durable (group commit,
// store::StagedWriter), so an acknowledged event is never lost.
//
// A body that cannot be read (malformed JSON, invalid UTF-8, too large, no
// valid key) rejects the whole request and stores nothing. Inside a batch,
// as with Segment's API, a bad message (missing ids, wrong types; in strict
// mode, anything the declaration would drop) is refused alone: the others
// are stored and the reply names each refused message (index, messageId,
// reason), since SDKs do not retry a 4xx and one bad message would otherwise
// lose the batch. Only a batch with no usable message answers 400.
//
// Thread-safety: Collect() may be called from many threads; the
// read-modify-write section is serialised by one mutex.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/env.h"
#include "profile/identity_graph.h"
#include "schema/config.h"
#include "access/access.h"
#include "collect/message_dedup.h"
#include "collect/message_parser.h"
#include "usecase/deps.h"
#include "privacy/suppression.h"
#include "store/write_serializer.h"
#include "store/staged_writer.h"

namespace shinrai::service {

struct CollectReport {
  int accepted = 0;
  int duplicates = 0;
  int dropped_events = 0;               // undeclared or not permitted events, not kept
  int consent_records = 0;              // consent changes recorded from signals
  std::vector<schema::Drop> dropped;    // fields not kept, with reasons
  std::vector<profile::MergeRecord> merges;
  // Messages of a batch that were refused while the others were stored.
  struct Refusal {
    size_t index;
    std::string message_id;  // as sent; empty when it had none
    std::string reason;      // invalid_message, strict_mode
    std::string detail;      // the problem, naming the field
  };
  std::vector<Refusal> refused;
};
nlohmann::json CollectReportToJson(const CollectReport& r);

class CollectService {
 public:
  using Done = std::function<void(Result<CollectReport>)>;

  // REQUIRES: everything referred to outlives the service. `suppression`:
  // the identifiers of erased people, whose messages must not rebuild them.
  CollectService(const UseCaseDeps& deps, const Access& access, SuppressionList& suppression);

  // `endpoint` is the call type of /v1/<type>, or nullopt for /v1/batch.
  // Without header credentials, a "writeKey" in the body authenticates (the
  // Segment HTTP API allows it; browsers sending text/plain beacons use it).
  // `done` runs exactly once: at once on a bad request, else after commit.
  // `gpc`: the request carried the Global Privacy Control signal (Sec-GPC: 1).
  void Collect(Credentials credentials, std::optional<profile::CallType> endpoint, std::string_view body, bool gpc,
               Done done) {
    CollectCall(std::move(credentials), endpoint, body, gpc, /*pixel=*/false, std::move(done));
  }
  // A tracking pixel's call (an e-mail open or click: track or page). Mail
  // scanners and forwarded e-mails fire pixels, so one that states consent is
  // refused: a person's choice never comes from a GET someone else can make
  // (a Sec-GPC header on it is the reader's browser's, not necessarily theirs).
  void CollectPixel(Credentials credentials, profile::CallType type, std::string_view body, Done done) {
    CollectCall(std::move(credentials), type, body, /*gpc=*/false, /*pixel=*/true, std::move(done));
  }

  // Counters of what collection dropped or de-duplicated, by reason, as committed.
  Result<std::map<std::string, int64_t>> Counters();
  // The same, for an API caller: PermissionDenied unless the role may read them.
  Result<std::map<std::string, int64_t>> Counters(const Principal& who);
  // Reloads counters and recently seen messageIds. Call once before serving.
  // Reads the de-duplication window and the counters from the store; again
  // after a failed commit (StagedWriter's recovery hook).
  Status Load();
  // The same with the serializer's lock already held: after another process
  // on a shared database had the write lease.
  Status Reload();

 private:
  // The messages of a body: one for /v1/<type>, each of the batch otherwise,
  // the refused ones listed in `report`. An error only when the request as a
  // whole cannot be taken.
  Status ParseMessages(simdjson::dom::element root, std::optional<profile::CallType> endpoint, int64_t now, bool gpc,
                       std::vector<ParsedMessage>* messages, CollectReport* report);
  void CollectCall(Credentials credentials, std::optional<profile::CallType> endpoint, std::string_view body, bool gpc,
                   bool pixel, Done done);
  Status Apply(store::Transaction& txn, ParsedMessage& m, std::string encoded_event, CollectReport* report);
  // Consent: merges the state of merged profiles, records the message's
  // signals, and removes what no permitted purpose covers. False when the
  // event itself may not be kept.
  Result<bool> ApplyConsent(store::Transaction& txn, ParsedMessage& m, const profile::Resolution& r,
                            CollectReport* report);
  void Count(store::Transaction& txn, const std::string& name, int64_t n);
  // True when the message's identifiers were erased and it does not grant
  // consent anew: it must not rebuild a profile. Lifts the suppression otherwise.
  Result<bool> Suppressed(store::Transaction& txn, const ParsedMessage& m);

  const UseCaseDeps d_;
  const Access* const access_;
  SuppressionList* const suppression_;
  MessageParser parser_;
  profile::IdentityGraph graph_;

  // Guarded by serializer_'s lock:
  std::map<std::string, int64_t> counters_;
  MessageDedup dedup_;
};

}  // namespace shinrai::service
