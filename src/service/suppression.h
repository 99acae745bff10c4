// SuppressionList: after an erasure, a keyed hash of each of the person's
// identifiers (never the identifier), so that events arriving later for them
// do not quietly rebuild a profile. A message that grants consent again lifts
// it: the person came back and agreed anew.
//
// Keys: sx/<keyed hash of "<kind>/<value>"> -> when (ms). The hash key is the
// vault's suppression key, distinct from the pseudonym key, so a suppression
// entry cannot be matched to the identity index it replaced.
//
// Thread-safety: immutable; the transactions passed in carry the state.
#pragma once

#include <string>
#include <vector>

#include "crypto/secret_key.h"
#include "profile/identity_graph.h"
#include "store/staged_writer.h"

namespace shinrai::service {

inline constexpr std::string_view kSuppressionPrefix = "sx/";

class SuppressionList {
 public:
  explicit SuppressionList(const crypto::SecretKey& key) : key_(key) {}

  std::string Key(profile::IdKind kind, std::string_view value) const;
  // The entries of the identifiers a message carries that are suppressed.
  Result<std::vector<std::string>> Matches(store::Transaction& txn, const profile::Identifiers& ids) const;
  // Stages one entry per identifier of the profile.
  void Add(store::Transaction& txn, const profile::Profile& p, int64_t at_ms) const;

 private:
  crypto::SecretKey key_;
};

}  // namespace shinrai::service
