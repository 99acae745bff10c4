#include "crypto/key_vault.h"

#include <sodium.h>

#include "store/key_families.h"

#include <chrono>

#include "crypto/aead.h"

namespace shinrai::crypto {

namespace {
const std::string kCheckKey = std::string(store::family::kMasterCheck.prefix) + "check";
constexpr std::string_view kCheckText = "shinrai master key check";
constexpr std::string_view kSubjectFamily = store::family::kSubjectKey.prefix;
constexpr std::string_view kServiceFamily = store::family::kServiceKey.prefix;
constexpr size_t kCacheEntries = 200'000;

std::string Wrap(const SecretKey& master, const SecretKey& key, std::string_view where) {
  return Seal(master, std::string_view(reinterpret_cast<const char*>(key.data()), kKeyBytes), where);
}

Result<SecretKey> Unwrap(const SecretKey& master, std::string_view wrapped, std::string_view where) {
  ASSIGN_OR_RETURN(std::string raw, Open(master, wrapped, where));
  if (raw.size() != kKeyBytes) return Internal("the key vault entry '" + std::string(where) + "' is malformed");
  SecretKey k;
  std::copy(raw.begin(), raw.end(), k.data());
  sodium_memzero(raw.data(), raw.size());
  return k;
}
}  // namespace

std::string SubjectKeyName(std::string_view subject) { return std::string(kSubjectFamily) + std::string(subject); }

Result<std::unique_ptr<KeyVault>> KeyVault::Open(store::Store* vault_store, const SecretKey& master) {
  std::unique_ptr<KeyVault> v(new KeyVault(vault_store, master));
  ASSIGN_OR_RETURN(std::optional<std::string> check, vault_store->Get(kCheckKey));
  if (check) {
    auto text = crypto::Open(master, *check, kCheckKey);
    if (!text.ok() || *text != kCheckText) {
      return PermissionDenied("the master key (fingerprint " + master.Fingerprint() +
                              ") does not open this key vault: it was created with another master key");
    }
  } else {
    store::WriteBatch wb;
    wb.Put(std::string(kCheckKey), Seal(master, kCheckText, kCheckKey));
    RETURN_IF_ERROR(vault_store->Write(wb, true));
  }
  ASSIGN_OR_RETURN(v->pseudonym_key_, v->LoadOrCreateServiceKey("pseudonym"));
  ASSIGN_OR_RETURN(v->suppression_key_, v->LoadOrCreateServiceKey("suppression"));
  ASSIGN_OR_RETURN(v->records_key_, v->LoadOrCreateServiceKey("records"));
  return v;
}

Result<SecretKey> KeyVault::LoadOrCreateServiceKey(const std::string& name) {
  const std::string where = std::string(kServiceFamily) + name;
  ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_->Get(where));
  if (wrapped) return Unwrap(master_, *wrapped, where);
  SecretKey k = SecretKey::Random();
  store::WriteBatch wb;
  wb.Put(where, Wrap(master_, k, where));
  RETURN_IF_ERROR(store_->Write(wb, true));
  return k;
}

std::string KeyVault::master_fingerprint() const {
  std::lock_guard lock(master_mu_);
  return master_.Fingerprint();
}

void KeyVault::Remember(const std::string& subject, const SecretKey& key) {
  std::unique_lock lock(cache_mu_);
  if (cache_.size() >= kCacheEntries) cache_.clear();  // cheap, rare, and a miss only costs a vault read
  cache_.insert_or_assign(subject, key);
}

Result<std::optional<SecretKey>> KeyVault::FindLocked(std::string_view subject) {
  {
    std::shared_lock lock(cache_mu_);
    if (auto it = cache_.find(std::string(subject)); it != cache_.end()) return std::optional<SecretKey>(it->second);
  }
  const std::string where = SubjectKeyName(subject);
  ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_->Get(where));
  if (!wrapped) return std::optional<SecretKey>();
  SecretKey master;
  {
    std::lock_guard lock(master_mu_);
    master = master_;
  }
  ASSIGN_OR_RETURN(SecretKey k, Unwrap(master, *wrapped, where));
  Remember(std::string(subject), k);
  return std::optional<SecretKey>(k);
}

Result<std::optional<SecretKey>> KeyVault::Find(std::string_view subject) { return FindLocked(subject); }

Result<std::vector<SecretKey>> KeyVault::FindOrCreate(const std::vector<std::string>& subjects) {
  Minted minted;
  ASSIGN_OR_RETURN(std::vector<SecretKey> keys, FindOrMint(subjects, &minted));
  RETURN_IF_ERROR(Persist(minted));
  return keys;
}

Result<std::vector<SecretKey>> KeyVault::FindOrMint(const std::vector<std::string>& subjects, Minted* minted) {
  std::vector<SecretKey> keys(subjects.size());
  std::vector<size_t> missing;
  for (size_t i = 0; i < subjects.size(); ++i) {
    ASSIGN_OR_RETURN(std::optional<SecretKey> k, FindLocked(subjects[i]));
    if (k) keys[i] = *k; else missing.push_back(i);
  }
  if (missing.empty()) return keys;
  std::lock_guard create(create_mu_);
  SecretKey master;
  {
    std::lock_guard lock(master_mu_);
    master = master_;
  }
  for (size_t i : missing) {
    // Another writer may have minted it while we waited for the lock (the
    // cache has it then), or it is listed twice.
    ASSIGN_OR_RETURN(std::optional<SecretKey> k, FindLocked(subjects[i]));
    if (!k) {
      k = SecretKey::Random();
      const std::string where = SubjectKeyName(subjects[i]);
      minted->batch.Put(where, Wrap(master, *k, where));
      minted->subjects.push_back(subjects[i]);
      Remember(subjects[i], *k);
    }
    keys[i] = *k;
  }
  return keys;
}

Status KeyVault::Persist(const Minted& minted) {
  if (minted.batch.empty()) return Status::Ok();
  Status s = store_->Write(minted.batch, true);
  if (!s.ok()) {
    std::unique_lock lock(cache_mu_);
    for (const auto& subject : minted.subjects) cache_.erase(subject);
  }
  return s;
}

Result<bool> KeyVault::Destroy(std::string_view subject) {
  std::lock_guard create(create_mu_);
  const std::string where = SubjectKeyName(subject);
  ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->Get(where));
  store::WriteBatch wb;
  wb.Delete(where);
  RETURN_IF_ERROR(store_->Write(wb, true));
  {
    std::unique_lock lock(cache_mu_);
    cache_.erase(std::string(subject));
  }
  RETURN_IF_ERROR(store_->CompactPrefix(where));
  return existing.has_value();
}

int64_t KeyVault::CountSubjectKeys() {
  int64_t n = 0;
  store::ScanOptions so;
  so.prefix = std::string(kSubjectFamily);
  (void)store_->Scan(so, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

Result<RotationReport> KeyVault::Rotate(const SecretKey& new_master) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard create(create_mu_);
  RotationReport report;
  SecretKey old_master;
  {
    std::lock_guard lock(master_mu_);
    old_master = master_;
  }
  report.old_fingerprint = old_master.Fingerprint();
  report.new_fingerprint = new_master.Fingerprint();
  store::WriteBatch wb;
  Status failed;
  for (std::string_view family : {kSubjectFamily, kServiceFamily}) {
    store::ScanOptions so;
    so.prefix = std::string(family);
    RETURN_IF_ERROR(store_->Scan(so, [&](std::string_view key, std::string_view wrapped) {
      auto k = Unwrap(old_master, wrapped, key);
      if (!k.ok()) {
        failed = k.status();
        return false;
      }
      wb.Put(std::string(key), Wrap(new_master, *k, key));
      ++(family == kSubjectFamily ? report.subject_keys : report.service_keys);
      return true;
    }));
    RETURN_IF_ERROR(failed);
  }
  wb.Put(std::string(kCheckKey), Seal(new_master, kCheckText, kCheckKey));
  RETURN_IF_ERROR(store_->Write(wb, true));
  {
    std::lock_guard lock(master_mu_);
    master_ = new_master;
  }
  // Old wrappings must not survive in the vault's files.
  RETURN_IF_ERROR(store_->CompactPrefix(""));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void KeyVault::DropCached() {
  std::unique_lock lock(cache_mu_);
  cache_.clear();
}

}  // namespace shinrai::crypto
