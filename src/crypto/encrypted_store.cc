#include "crypto/encrypted_store.h"

#include <unordered_map>

#include "crypto/aead.h"

namespace shinrai::crypto {

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

class EncryptedStore : public store::Store {
 public:
  EncryptedStore(store::Store* inner, KeyVault* vault, RecordScheme scheme)
      : inner_(inner), vault_(vault), scheme_(std::move(scheme)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override {
    const std::string stored = StoredKey(key);
    ASSIGN_OR_RETURN(std::optional<std::string> value, inner_->Get(stored));
    if (!value) return value;
    return Decrypt(stored, *value);
  }

  Status Write(const store::WriteBatch& batch, bool sync) override {
    // The keys of every subject in the batch first, minting (durably) the
    // missing ones in one vault write.
    std::vector<std::string> subjects;
    std::vector<int> subject_of(batch.size(), -1);
    std::unordered_map<std::string_view, int> index;
    size_t i = 0;
    for (const auto& op : batch.ops()) {
      if (op.kind == store::WriteBatch::Op::kPut) {
        if (std::string_view s = SubjectOf(op.key); !s.empty()) {
          auto [it, fresh] = index.try_emplace(s, static_cast<int>(subjects.size()));
          if (fresh) subjects.emplace_back(s);
          subject_of[i] = it->second;
        }
      }
      ++i;
    }
    std::vector<SecretKey> keys;
    KeyVault::Minted minted;
    if (!subjects.empty()) {
      ASSIGN_OR_RETURN(keys, vault_->FindOrMint(subjects, &minted));
    }
    store::WriteBatch out;
    i = 0;
    for (const auto& op : batch.ops()) {
      std::string stored = StoredKey(op.key);
      if (op.kind == store::WriteBatch::Op::kDelete) {
        out.Delete(std::move(stored));
      } else if (subject_of[i] >= 0) {
        std::string sealed = Seal(keys[subject_of[i]], op.value, stored);
        out.Put(std::move(stored), std::move(sealed));
      } else if (IsService(op.key)) {
        std::string sealed = Seal(vault_->records_key(), op.value, stored);
        out.Put(std::move(stored), std::move(sealed));
      } else {
        out.Put(std::move(stored), op.value);
      }
      ++i;
    }
    // New subjects: their keys are durable before any record sealed with
    // them is written. The other order let a crash leave records nobody can
    // open under a live identity link (the person unusable ever after).
    if (!minted.batch.empty()) RETURN_IF_ERROR(vault_->Persist(minted));
    return inner_->Write(out, sync);
  }

  Status Scan(const store::ScanOptions& options, const store::ScanVisitor& visit) override {
    store::ScanOptions so = options;
    so.prefix = StoredKey(options.prefix);
    Status failed;
    RETURN_IF_ERROR(inner_->Scan(so, [&](std::string_view key, std::string_view value) {
      auto plain = Decrypt(key, value);
      if (!plain.ok()) {
        failed = plain.status();
        return false;
      }
      if (!*plain) return true;  // its subject's key is gone: erased
      return visit(key, **plain);
    }));
    return failed;
  }

  Status CompactPrefix(std::string_view prefix) override { return inner_->CompactPrefix(StoredKey(prefix)); }
  Status Recover() override {
    RETURN_IF_ERROR(inner_->Recover());
    return vault_->Recover();
  }
  std::string_view Name() const override { return inner_->Name(); }
  std::vector<std::pair<std::string, int64_t>> MemoryBytes() const override { return inner_->MemoryBytes(); }

 private:
  // The subject of a key in a subject family, or "" when it is not one.
  std::string_view SubjectOf(std::string_view key) const {
    for (const auto& f : scheme_.subject_families) {
      if (StartsWith(key, f)) {
        std::string_view rest = key.substr(f.size());
        return rest.substr(0, rest.find('/'));
      }
    }
    return {};
  }
  bool IsService(std::string_view key) const {
    for (const auto& f : scheme_.service_families) {
      if (StartsWith(key, f)) return true;
    }
    return false;
  }
  std::string StoredKey(std::string_view key) const {
    for (const auto& f : scheme_.pseudonymized_families) {
      if (StartsWith(key, f)) return PseudonymizedKey(*vault_, f, key);
    }
    return std::string(key);
  }

  Result<std::optional<std::string>> Decrypt(std::string_view stored_key, std::string_view value) {
    if (std::string_view subject = SubjectOf(stored_key); !subject.empty()) {
      ASSIGN_OR_RETURN(std::optional<SecretKey> key, vault_->Find(subject));
      if (!key) return std::optional<std::string>();
      auto plain = Open(*key, value, stored_key);
      if (!plain.ok()) return Internal(plain.status().message() + " (key " + std::string(stored_key.substr(0, 3)) + "...)");
      return std::optional<std::string>(std::move(*plain));
    }
    if (IsService(stored_key)) {
      ASSIGN_OR_RETURN(std::string plain, Open(vault_->records_key(), value, stored_key));
      return std::optional<std::string>(std::move(plain));
    }
    return std::optional<std::string>(std::string(value));
  }

  store::Store* const inner_;
  KeyVault* const vault_;
  const RecordScheme scheme_;
};

}  // namespace

std::string PseudonymizedKey(const KeyVault& vault, std::string_view family, std::string_view key) {
  std::string_view rest = key.substr(family.size());
  const size_t slash = rest.find('/');
  // A scan of the whole family (or of one kind) has no value to hash.
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return std::string(key);
  std::string out(key.substr(0, family.size() + slash + 1));
  out += ToHex(KeyedHash(vault.pseudonym_key(), key.substr(family.size())));
  return out;
}

namespace {

// Deletes keys in synced batches of a bounded size.
class Deleter {
 public:
  explicit Deleter(store::Store* store) : store_(store) {}
  Status Delete(std::string_view key) {
    batch_.Delete(std::string(key));
    return batch_.size() >= 1000 ? Flush() : Status::Ok();
  }
  Status Flush() {
    if (batch_.empty()) return Status::Ok();
    Status st = store_->Write(batch_, /*sync=*/true);
    batch_ = store::WriteBatch();
    return st;
  }

 private:
  store::Store* store_;
  store::WriteBatch batch_;
};

}  // namespace

Result<OrphanReport> RepairOrphans(store::Store* inner, store::Store* encrypted, KeyVault* vault,
                                   const RecordScheme& scheme, std::string_view profile_family) {
  OrphanReport report;
  Deleter deleter(inner);
  for (const auto& family : scheme.subject_families) {
    std::string subject;
    bool has_key = true;
    Status failed;
    store::ScanOptions so;
    so.prefix = family;
    RETURN_IF_ERROR(inner->Scan(so, [&](std::string_view key, std::string_view) {
      std::string_view rest = key.substr(family.size());
      rest = rest.substr(0, rest.find('/'));
      if (rest != subject) {
        subject.assign(rest);
        auto found = vault->Find(subject);
        if (!found.ok()) {
          failed = found.status();
          return false;
        }
        has_key = found->has_value();
      }
      if (has_key) return true;
      ++report.records_without_key;
      failed = deleter.Delete(key);
      return failed.ok();
    }));
    RETURN_IF_ERROR(failed);
  }
  RETURN_IF_ERROR(deleter.Flush());
  for (const auto& family : scheme.pseudonymized_families) {
    Status failed;
    store::ScanOptions so;
    so.prefix = family;
    RETURN_IF_ERROR(encrypted->Scan(so, [&](std::string_view stored_key, std::string_view profile_id) {
      auto profile = encrypted->Get(std::string(profile_family) + std::string(profile_id));
      if (!profile.ok()) {
        failed = profile.status();
        return false;
      }
      if (profile->has_value()) return true;
      ++report.links_to_nobody;
      failed = deleter.Delete(stored_key);
      return failed.ok();
    }));
    RETURN_IF_ERROR(failed);
  }
  RETURN_IF_ERROR(deleter.Flush());
  return report;
}

std::unique_ptr<store::Store> NewEncryptedStore(store::Store* inner, KeyVault* vault, RecordScheme scheme) {
  return std::make_unique<EncryptedStore>(inner, vault, std::move(scheme));
}

}  // namespace shinrai::crypto
