// EncryptedStore: the data store as it lies on disk holds no personal data in
// the clear.
//
// A decorator over any store::Store, below the services, so every read and
// write path is covered without each having to remember:
//   - records of a subject family ("pr/<subject>", "ev/<subject>/...") are
//     sealed with that subject's data key (XChaCha20-Poly1305), the store key
//     as associated data; a record whose subject key was destroyed reads as
//     absent (Get) or is skipped (Scan): crypto-shredding;
//   - in a pseudonymized family ("id/<kind>/<value>") the value part of the
//     key is replaced by a keyed hash, so identity lookups still work but
//     e-mails, phone numbers and user ids never reach the disk;
//   - records of a service family (rights requests) are sealed with the
//     service's records key.
// Keys of other families (item ids, counters, messageId hashes) pass as they are.
//
// Which families are which is the caller's (app/) to say: the key layout
// belongs to the modules above (profile/keys.h, consent/ledger.h).
//
// Thread-safety: as the wrapped store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/key_vault.h"
#include "store/store.h"

namespace shinrai::crypto {

struct RecordScheme {
  std::vector<std::string> subject_families;       // "<family><subject>[/...]"
  std::vector<std::string> pseudonymized_families;  // "<family><kind>/<value>"
  std::vector<std::string> service_families;        // sealed with the records key
};

// REQUIRES: `inner` and `vault` outlive the result.
std::unique_ptr<store::Store> NewEncryptedStore(store::Store* inner, KeyVault* vault, RecordScheme scheme);

struct OrphanReport {
  int64_t records_without_key = 0;  // sealed for a subject whose key is gone: nobody can read them
  int64_t links_to_nobody = 0;      // identity links to a profile that cannot be read
};
// After a crash (or data written by a version that stored records before their
// keys): deletes what no one can read any more, so every identifier accepts
// new events again. `encrypted` wraps `inner`; `profile_family` is the
// family whose record a live identity link must point at ("pr/").
Result<OrphanReport> RepairOrphans(store::Store* inner, store::Store* encrypted, KeyVault* vault,
                                   const RecordScheme& scheme, std::string_view profile_family);

// The key an identity lookup is stored under: "<family><kind>/<keyed hash>".
// Exposed for tests that look for pseudonyms on disk.
std::string PseudonymizedKey(const KeyVault& vault, std::string_view family, std::string_view key);

}  // namespace shinrai::crypto
