// SuppressionList: after an erasure, a keyed hash of each of the person's
// identifiers (never the identifier), so that events arriving later for them
// do not quietly rebuild a profile. A message that grants consent again lifts
// it: the person came back and agreed anew.
//
// Keys: sx/<keyed hash of profile::IdentityName(kind, value, scope)> -> when
// (ms). The scope is the brand whose collection the entry stops: "" for
// every brand (an erasure asked of the group), or one brand's id (an erasure
// asked of that brand, whose sister brands go on serving the person). The hash key is the
// vault's suppression key, distinct from the pseudonym key, so a suppression
// entry cannot be matched to the identity index it replaced. The hashes are
// also held in memory (erasures are rare, events are not): checking an event
// costs a few keyed hashes and no store read, and nothing when the list is empty.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "crypto/secret_key.h"
#include "profile/identity_graph.h"
#include "store/key_families.h"
#include "store/staged_writer.h"

namespace shinrai::service {

inline constexpr std::string_view kSuppressionPrefix = store::family::kSuppression.prefix;

class SuppressionList {
 public:
  explicit SuppressionList(const crypto::SecretKey& key) : key_(key) {}

  // Reads the entries in the store. Call once before use.
  Status Load(store::Store& store);
  std::string Key(profile::IdKind kind, std::string_view value, std::string_view scope) const;
  // The entries that stop `brand` ("*": no brands) collecting for the
  // identifiers a message carries.
  std::vector<std::string> Matches(const profile::Identifiers& ids, std::string_view brand) const;
  // Stages one entry per identifier of the profile, stopping `brand` ("*":
  // every brand).
  void Add(store::Transaction& txn, const profile::Profile& p, std::string_view brand, int64_t at_ms);
  // Stages the removal of entries (the person consented anew).
  void Lift(store::Transaction& txn, const std::vector<std::string>& keys);

 private:
  void Put(store::Transaction& txn, std::string key, const std::string& at);

  const crypto::SecretKey key_;
  mutable std::shared_mutex mu_;
  std::unordered_set<std::string> keys_;  // GUARDED_BY(mu_)
};

}  // namespace shinrai::service
