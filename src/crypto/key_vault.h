// KeyVault: one data key per subject, each wrapped (encrypted) by the master
// key, plus the service's own keys (pseudonyms, suppression list, records).
//
// The vault lives in a store of its own, never in the data store: a backup of
// the data directory's store holds no keys, so destroying a subject's key
// (crypto-shredding) makes that subject's records unreadable in every backup
// taken before, while the other subjects' records still open with the vault.
//
// Vault keys: mk/check (proves the master key is the right one), sv/<name>
// (service keys), sk/<subject> (subject keys); docs/encryption.md.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crypto/secret_key.h"
#include "store/store.h"

namespace shinrai::crypto {

struct RotationReport {
  int64_t subject_keys = 0;
  int64_t service_keys = 0;
  double seconds = 0;
  std::string old_fingerprint;
  std::string new_fingerprint;
};

class KeyVault {
 public:
  // Checks `master` against the vault (a fresh vault adopts it) and loads or
  // creates the service keys. PermissionDenied for the wrong master key.
  static Result<std::unique_ptr<KeyVault>> Open(store::Store* vault_store, const SecretKey& master);

  // nullopt when the subject has no key (never had data, or was erased).
  Result<std::optional<SecretKey>> Find(std::string_view subject);
  // The keys of `subjects`, creating (and durably storing, before this
  // returns) those that do not exist yet.
  Result<std::vector<SecretKey>> FindOrCreate(const std::vector<std::string>& subjects);

  // The same in two steps, so the caller can store the new keys at the same
  // time as the records sealed with them (two fsyncs in parallel, not in
  // turn). The records must not be acknowledged before Persist succeeds;
  // when it fails, the minted keys are forgotten.
  struct Minted {
    store::WriteBatch batch;
    std::vector<std::string> subjects;
  };
  Result<std::vector<SecretKey>> FindOrMint(const std::vector<std::string>& subjects, Minted* minted);
  Status Persist(const Minted& minted);
  // Crypto-shredding: deletes the subject's key, synced, and compacts the
  // vault. True when there was a key to destroy (false: none, e.g. destroyed
  // by an earlier attempt).
  Result<bool> Destroy(std::string_view subject);
  // Re-wraps every key with `new_master` in one atomic write; data is not
  // re-encrypted. After it returns only `new_master` opens the vault.
  Result<RotationReport> Rotate(const SecretKey& new_master);
  int64_t CountSubjectKeys();
  // Forgets every unwrapped key held in memory: another process sharing the
  // vault may have destroyed some (an erasure on another node).
  void DropCached();
  // The vault's store back in service after a failed write (Store::Recover).
  Status Recover() { return store_->Recover(); }

  const SecretKey& pseudonym_key() const { return pseudonym_key_; }
  const SecretKey& suppression_key() const { return suppression_key_; }
  const SecretKey& records_key() const { return records_key_; }
  std::string master_fingerprint() const;

 private:
  KeyVault(store::Store* vault_store, const SecretKey& master) : store_(vault_store), master_(master) {}
  Result<SecretKey> LoadOrCreateServiceKey(const std::string& name);
  Result<std::optional<SecretKey>> FindLocked(std::string_view subject);
  void Remember(const std::string& subject, const SecretKey& key);

  store::Store* const store_;
  mutable std::mutex master_mu_;
  SecretKey master_;
  SecretKey pseudonym_key_;
  SecretKey suppression_key_;
  SecretKey records_key_;

  std::mutex create_mu_;  // one creator at a time, so two writers never mint two keys for one subject
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, SecretKey> cache_;  // unwrapped keys of recently used subjects
};

std::string SubjectKeyName(std::string_view subject);

}  // namespace shinrai::crypto
